# Using kgress from Python: the same questions as examples/embed.c.
import kgress

with kgress.Ruleset.from_files("examples/cluster/cluster.yaml") as rs:
    r = rs.route("app.company.com", "/static/app.js?v=3")
    print(r.namespace, r.service, r.port, r.normalized_path)
    print(rs.tls_secret("api.company.com"))
    v = rs.check("10.244.2.10", "10.244.3.10", 9000, protocol="TCP")
    print(v.allowed, v.reason, v.policies)

try:
    kgress.Ruleset.from_yaml("kind: Ingress\napiVersion: networking.k8s.io/v1\n"
                             "metadata: {name: bad}\nspec: {}\n")
except kgress.CompileError as e:
    for d in e.diagnostics:
        print(d.line, d.column, d.path, d.message)
