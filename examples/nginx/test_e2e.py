# SPDX-License-Identifier: MIT
"""End-to-end test of ngx_http_kgress_module inside the real nginx.

The installed nginx binary loads the module (load_module) and serves a
loopback port; small python3 HTTP backends on other loopback ports stand for
the Services of examples/cluster/. curl sends every route of the example
cluster, traversal and encoded-slash attempts; each request must be answered
by the right backend with kgress's normalized path (the backend echoes the
path it received), or by 404 / 400 from the module. Then nginx reloads with
a broken manifest (nginx -t and nginx -s reload fail with kgress's
diagnostics; a SIGHUP straight to the master fails the same way inside it,
and the old rules keep serving) and with a changed one (nginx -s reload:
the new route answers). An HTTPS
listener picks its certificate through $kgress_tls_secret for the SNI name.

usage: test_e2e.py MODULE.so SOURCE_ROOT
Exit 77 (skipped) when nginx, curl or openssl is missing, unless
KGRESS_E2E_REQUIRED=1 (CI), where a missing tool is a failure.
"""
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from e2e_common import Checks, read, skip, wait_for  # noqa: E402

TIMEOUT = 10  # seconds for any one step; the whole test is bounded by meson




def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Backend(http.server.BaseHTTPRequestHandler):
    """Echoes which Service it stands for and the path it was sent."""

    def do_GET(self):
        body = json.dumps({
            "backend": self.server.name,
            "path": self.path,
            "source": self.headers.get("X-Kgress-Source"),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_backend(name):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    srv.name = name
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


NGINX_CONF = """\
load_module {module};
daemon off;
master_process on;
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    kgress_manifest {tmp}/cluster.yaml;
{upstreams}
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.1:{tls_port} ssl;
        ssl_certificate {tmp}/tls/$kgress_tls_secret.crt;
        ssl_certificate_key {tmp}/tls/$kgress_tls_secret.key;
        location / {{
            kgress on;
            proxy_set_header X-Kgress-Source $kgress_source;
            proxy_pass http://$kgress_upstream$kgress_path$is_args$args;
        }}
    }}
}}
"""

# (Host, path as sent) -> (status, backend "ns/service:port", path it gets)
ROUTES = [
    # every route of examples/cluster/cluster.yaml
    ("app.company.com", "/", 200, "shop/frontend:http", "/"),
    ("app.company.com", "/cart/items?id=3", 200, "shop/frontend:http",
     "/cart/items?id=3"),
    ("app.company.com", "/static", 200, "shop/static:80", "/static"),
    ("app.company.com", "/static/css/site.css", 200, "shop/static:80",
     "/static/css/site.css"),
    ("app.company.com", "/staticx", 200, "shop/frontend:http", "/staticx"),
    ("app.company.com", "/healthz", 200, "shop/frontend:8081", "/healthz"),
    ("app.company.com", "/healthz/", 200, "shop/frontend:http", "/healthz/"),
    ("APP.Company.COM.:443", "/static/../healthz?probe=1", 200,
     "shop/frontend:8081", "/healthz?probe=1"),
    ("api.company.com", "/", 200, "shop/api:8080", "/"),
    ("api.company.com", "/v1/orders?id=7", 200, "shop/api:8080",
     "/v1/orders?id=7"),
    # normalization: what is matched is what is forwarded
    ("app.company.com", "//static///a//b", 200, "shop/static:80",
     "/static/a/b"),
    ("app.company.com", "/%73tatic/x", 200, "shop/static:80", "/static/x"),
    ("app.company.com", "/static/%2e%2e/healthz", 200, "shop/frontend:8081",
     "/healthz"),
    ("api.company.com", "/v1/%2e%2e/admin", 200, "shop/api:8080", "/admin"),
    ("app.company.com", "/static/./css/../app.js", 200, "shop/static:80",
     "/static/app.js"),
    # traversal: dot segments are resolved before matching, and nginx
    # itself refuses (400) a path that climbs above the root, decoded or not
    ("app.company.com", "/static/../healthz", 200, "shop/frontend:8081",
     "/healthz"),
    ("app.company.com", "/static/css/../../healthz", 200,
     "shop/frontend:8081", "/healthz"),
    ("app.company.com", "/static/../../../etc/passwd", 400, None, None),
    ("app.company.com", "/%2e%2e/%2e%2e/healthz", 400, None, None),
    ("app.company.com", "/static%2F..%2F..%2Fetc%2Fpasswd", 400, None, None),
    # encoded slashes are data: never a segment boundary, forwarded encoded
    ("app.company.com", "/static%2F..%2Fhealthz", 200, "shop/frontend:http",
     "/static%2F..%2Fhealthz"),
    ("app.company.com", "/static%2fcss", 200, "shop/frontend:http",
     "/static%2Fcss"),
    ("app.company.com", "/healthz%2F", 200, "shop/frontend:http",
     "/healthz%2F"),
    ("app.company.com", "/static/a%5C..%5Cb", 200, "shop/static:80",
     "/static/a%5C..%5Cb"),
    # no rule: 404 from the module
    ("evil.company.com", "/", 404, None, None),
    ("company.com", "/static", 404, None, None),
    ("", "/", 404, None, None),
]


class Nginx:
    def __init__(self, tmp, conf):
        self.tmp, self.conf = tmp, conf
        self.proc = None

    def cmd(self, *args):
        return ["nginx", "-p", self.tmp, "-c", self.conf] + list(args)

    def test_config(self):
        return subprocess.run(self.cmd("-t"), capture_output=True, text=True,
                              timeout=TIMEOUT)

    def start(self):
        self.proc = subprocess.Popen(self.cmd(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def workers(self):
        pid = self.proc.pid
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return set(f.read().split())

    def reload(self):
        """nginx -s reload: reads the configuration (failing as nginx -t
        does), then sends SIGHUP to the master named by the pid file."""
        return subprocess.run(self.cmd("-s", "reload"), capture_output=True,
                              text=True, timeout=TIMEOUT)

    def hangup(self):
        """SIGHUP straight to the master, which rereads the configuration
        itself and keeps the old one when it fails."""
        self.proc.send_signal(signal.SIGHUP)

    def reload_and_wait(self):
        """Reloads and waits until every old worker has exited, so that
        each later request meets the new configuration."""
        old = self.workers()
        if self.reload().returncode != 0:
            raise AssertionError("nginx -s reload failed")
        wait_for(lambda: not (self.workers() & old), "the old workers to "
                 "exit", TIMEOUT)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def curl(port, host, path, tls_port=None, sni=None):
    """Returns (status, parsed JSON body or None, stderr)."""
    if tls_port:
        url = "https://%s:%d%s" % (sni, tls_port, path)
        extra = ["-k", "-v", "--resolve", "%s:%d:127.0.0.1" % (sni, tls_port)]
    else:
        url = "http://127.0.0.1:%d%s" % (port, path)
        extra = ["-H", "Host: " + host] if host else ["-H", "Host:", "-0"]
    p = subprocess.run(
        ["curl", "-s", "--path-as-is", "--max-time", str(TIMEOUT), "-o", "-",
         "-w", "\n%{http_code}"] + extra + [url],
        capture_output=True, text=True, timeout=TIMEOUT + 5)
    body, _, code = p.stdout.rpartition("\n")
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return int(code or 0), doc, p.stderr


def raw_request(port, request):
    """Sends bytes curl refuses to send; returns the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else 0




def make_cert(tmp, name):
    d = os.path.join(tmp, "tls", os.path.dirname(name))
    os.makedirs(d, exist_ok=True)
    base = os.path.join(tmp, "tls", name)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
         "2", "-subj", "/CN=" + os.path.basename(name), "-keyout",
         base + ".key", "-out", base + ".crt"],
        check=True, capture_output=True, timeout=TIMEOUT * 3)
    # nginx workers started by root run as nobody: a throw-away test key
    for p in (base + ".key", base + ".crt"):
        os.chmod(p, 0o644)


def main():
    module, root = sys.argv[1], sys.argv[2]
    for tool in ("nginx", "curl", "openssl"):
        if shutil.which(tool) is None:
            skip(tool + " is not installed")
    if not os.path.isfile(module):
        skip("the module was not built (nginx-dev missing?)")

    check = Checks()

    services = ["shop/frontend:http", "shop/frontend:8081", "shop/static:80",
                "shop/api:8080", "shop/api:9090"]
    backends = {name: start_backend(name) for name in services}
    tmp = tempfile.mkdtemp(prefix="kgress-nginx-")
    nginx = None
    try:
        os.chmod(tmp, 0o755)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.mkdir(os.path.join(tmp, d))
        make_cert(tmp, "shop/company-tls")
        cluster = open(os.path.join(root, "examples", "cluster",
                                    "cluster.yaml")).read()
        manifest = os.path.join(tmp, "cluster.yaml")
        with open(manifest, "w") as f:
            f.write(cluster)
        port, tls_port = free_port(), free_port()
        upstreams = "".join(
            "    kgress_upstream %s 127.0.0.1:%d;\n" %
            (name, srv.server_address[1]) for name, srv in backends.items())
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(module=module, tmp=tmp, port=port,
                                      tls_port=tls_port, upstreams=upstreams))
        nginx = Nginx(tmp, conf)
        t = nginx.test_config()
        check(t.returncode == 0, "nginx -t accepts the module and cluster "
              "(%s)" % t.stderr.strip().splitlines()[-1:])
        nginx.start()
        wait_for(lambda: curl(port, "app.company.com", "/")[0] == 200,
                 "nginx to serve", TIMEOUT)

        for host, path, status, backend, fwd in ROUTES:
            code, doc, _ = curl(port, host, path)
            got = (code, doc and doc["backend"], doc and doc["path"])
            check(got == (status, backend, fwd),
                  "%s %s -> %s (want %s)" % (host or "<no host>", path, got,
                                            (status, backend, fwd)))
        code, doc, _ = curl(port, "app.company.com", "/static/x")
        check(doc and doc["source"] == "Ingress shop/storefront",
              "$kgress_source reaches the backend (%s)" %
              (doc and doc["source"]))

        # NUL and broken escapes: nginx refuses them before any module
        for path in (b"/a%00b", b"/%zz/static"):
            code = raw_request(port, b"GET " + path +
                               b" HTTP/1.1\r\nHost: app.company.com\r\n"
                               b"Connection: close\r\n\r\n")
            check(code == 400, "%s -> %d (want 400)" % (path.decode(), code))
        # a host nginx accepts and kgress rejects (over KG_ROUTE_HOST_MAX):
        # 400 from the module, logged with kgress's code
        long_host = ".".join(["a" * 60] * 18) + ".company.com"
        code, doc, _ = curl(port, long_host, "/")
        check(code == 400, "a %d-byte host -> %d (want 400)" %
              (len(long_host), code))
        log = read(os.path.join(tmp, "error.log"))
        check("kgress: request rejected (KG_EREQUEST): host \"aaaa" in log,
              "the module logged its rejection of the long host")

        # TLS: the certificate for the SNI name comes from $kgress_tls_secret
        code, doc, err = curl(None, None, "/static/app.js", tls_port=tls_port,
                              sni="app.company.com")
        check(code == 200 and doc and doc["backend"] == "shop/static:80" and
              "CN=company-tls" in err,
              "https app.company.com: certificate shop/company-tls, routed "
              "to static (%d)" % code)
        code, doc, err = curl(None, None, "/", tls_port=tls_port,
                              sni="evil.company.com")
        check(code == 0, "https evil.company.com: no TLS entry, handshake "
              "refused (%d)" % code)

        # reload with a broken manifest: nginx -t fails with kgress's
        # diagnostics, the running nginx keeps the old rules
        broken = cluster.replace("pathType: Exact", "pathType: Exakt", 1)
        line = broken[:broken.index("Exakt")].count("\n") + 1
        with open(manifest, "w") as f:
            f.write(broken)
        t = nginx.test_config()
        want = re.compile(r"kgress: %s:%d:\d+: error: (?:Ingress \S+: )?"
                          r"spec\.rules\[0\]\.http"
                          r"\.paths\[2\]\.pathType" % (re.escape(manifest),
                                                       line))
        check(t.returncode != 0 and want.search(t.stderr),
              "nginx -t fails with the diagnostic at %s:%d" % (manifest,
                                                               line))
        r = nginx.reload()
        check(r.returncode != 0 and want.search(r.stderr),
              "nginx -s reload refuses the broken manifest with the "
              "diagnostic")
        nginx.hangup()
        wait_for(lambda: "compiling 1 manifest file(s) failed" in
                 read(os.path.join(tmp, "error.log")),
                 "the failed reload to be logged", TIMEOUT)
        code, doc, _ = curl(port, "app.company.com", "/healthz")
        check((code, doc and doc["backend"]) == (200, "shop/frontend:8081"),
              "after a failed reload the old rules serve /healthz")

        # reload with a changed manifest: api.company.com/v2 -> api:9090
        changed = cluster.replace(
            """    - host: api.company.com
      http:
        paths:
""", """    - host: api.company.com
      http:
        paths:
        - path: /v2
          pathType: Prefix
          backend:
            service:
              name: api
              port:
                number: 9090
""", 1)
        assert changed != cluster
        with open(manifest, "w") as f:
            f.write(changed)
        # and the option directive: encoded slashes are now rejected
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(
                module=module, tmp=tmp, port=port, tls_port=tls_port,
                upstreams=upstreams + "    kgress_reject_escaped_slash on;\n"))
        check(nginx.test_config().returncode == 0, "nginx -t accepts the "
              "changed manifest")
        nginx.reload_and_wait()
        code, doc, _ = curl(port, "api.company.com", "/v2/x")
        check(doc and doc["backend"] == "shop/api:9090",
              "after the reload api.company.com/v2/x goes to api:9090")
        code, doc, _ = curl(port, "api.company.com", "/v2/%2e%2e/v1")
        check(doc and (doc["backend"], doc["path"]) == ("shop/api:8080",
                                                         "/v1"),
              "after the reload /v2/%2e%2e/v1 goes to api:8080 as /v1")
        code, doc, _ = curl(port, "app.company.com", "/static%2Fcss")
        check(code == 400, "with kgress_reject_escaped_slash on, "
              "/static%%2Fcss -> %d (want 400)" % code)
        check(nginx.proc.poll() is None, "nginx still runs")
    finally:
        if nginx:
            nginx.stop()
        for srv in backends.values():
            srv.shutdown()
            srv.server_close()
        if check.failures:
            print("error.log:\n" +
                  read(os.path.join(tmp, "error.log"))[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
