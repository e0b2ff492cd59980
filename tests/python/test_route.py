# SPDX-License-Identifier: MIT
"""Tests of Ruleset.route and Ruleset.tls_secret (DESIGN.md Python
contract): the Route fields, defaultBackends, resource backends, options
(ingress_class, dialect, normalize, reject_escaped_slash), rejected
requests and TLS lookups.
"""

import textwrap
import threading
import unittest

import kgress

CLUSTER = textwrap.dedent("""\
    apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata:
      name: nginx
      annotations:
        ingressclass.kubernetes.io/is-default-class: "true"
    spec:
      controller: k8s.io/ingress-nginx
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: shop
      namespace: web
      creationTimestamp: "2024-01-02T03:04:05Z"
      annotations:
        nginx.ingress.kubernetes.io/use-regex: "true"
    spec:
      ingressClassName: nginx
      defaultBackend:
        service:
          name: fallback
          port:
            number: 8080
      tls:
      - hosts: ["shop.example.com", "*.cdn.example.com"]
        secretName: shop-tls
      rules:
      - host: shop.example.com
        http:
          paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  name: http
          - path: /api/health
            pathType: Exact
            backend:
              service:
                name: health
                port:
                  number: 9000
          - path: /static
            pathType: ImplementationSpecific
            backend:
              resource:
                apiGroup: storage.example.com
                kind: Bucket
                name: assets
      - host: "*.cdn.example.com"
        http:
          paths:
          - path: /v[0-9]+/
            pathType: ImplementationSpecific
            backend:
              service:
                name: cdn
                port:
                  number: 80
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: other
      namespace: ops
    spec:
      ingressClassName: other
      rules:
      - host: ops.example.com
        http:
          paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ops
                port:
                  number: 80
    """)


class RouteTest(unittest.TestCase):

    def setUp(self):
        self.rs = kgress.Ruleset.from_yaml(CLUSTER)

    def tearDown(self):
        self.rs.close()

    def test_fields(self):
        r = self.rs.route("Shop.Example.com:443", "/api/v1/../items?x=1")
        self.assertIsInstance(r, kgress.Route)
        self.assertEqual(r.namespace, "web")
        self.assertEqual(r.ingress, "shop")
        self.assertEqual(r.service, "api")
        self.assertIsNone(r.port)
        self.assertEqual(r.port_name, "http")
        self.assertIsNone(r.resource)
        self.assertFalse(r.is_default)
        self.assertEqual(r.matched_path, "/api")
        self.assertEqual(r.path_type, "Prefix")
        self.assertEqual(r.normalized_path, "/api/items")

    def test_route_many_is_route_one_by_one(self):
        # kg_route_batch: every answer equals the single call's, in order
        hosts = ["shop.example.com", "Shop.Example.com:443", "a.cdn.example.com",
                 "unknown.example.com", None, b"shop.example.com"]
        paths = ["/api/v1/../items?x=1", "/api/health", "/api/health/",
                 "/static/logo.png", "/nothing", "/v1/x", "/", b"/api"]
        reqs = [(hosts[i % len(hosts)], paths[(i * 5) % len(paths)])
                for i in range(200)]
        for dialect in ("portable", "ingress-nginx"):
            with kgress.Ruleset.from_yaml(CLUSTER, dialect=dialect) as rs:
                got = rs.route_many(reqs)
                self.assertEqual(got, [rs.route(h, p) for h, p in reqs])
                if dialect == "ingress-nginx":  # no global default there
                    self.assertIn(None, got)
        self.assertEqual(self.rs.route_many([]), [])
        with self.assertRaises(kgress.Error) as e:
            self.rs.route_many([("shop.example.com", "/"),
                                ("a..b", "/")])
        self.assertEqual(e.exception.code_name, "KG_EREQUEST")
        with self.assertRaises(TypeError):
            self.rs.route_many([("shop.example.com",)])

    def test_exact_and_numbers(self):
        r = self.rs.route("shop.example.com", "/api/health")
        self.assertEqual((r.service, r.port, r.port_name, r.path_type),
                         ("health", 9000, None, "Exact"))
        r = self.rs.route("shop.example.com", "/api/health/")
        self.assertEqual(r.service, "api")

    def test_resource_backend(self):
        r = self.rs.route("shop.example.com", "/static/logo.png")
        self.assertIsNone(r.service)
        self.assertIsNone(r.port)
        self.assertEqual(r.resource, {"apiGroup": "storage.example.com",
                                      "kind": "Bucket", "name": "assets"})
        self.assertEqual(r.path_type, "ImplementationSpecific")

    def test_default_backend(self):
        r = self.rs.route("shop.example.com", "/nothing")
        self.assertTrue(r.is_default)
        self.assertEqual((r.service, r.port), ("fallback", 8080))
        self.assertIsNone(r.matched_path)
        self.assertIsNone(r.path_type)
        self.assertEqual(r.normalized_path, "/nothing")
        # portable: the one cluster-wide default answers unknown hosts too
        for host in ("unknown.example.com", None):
            r = self.rs.route(host, "/")
            self.assertTrue(r.is_default)
            self.assertEqual((r.source_name, r.service), ("shop", "fallback"))
        # ingress-nginx: the default of shop's servers only
        with kgress.Ruleset.from_yaml(CLUSTER, dialect="ingress-nginx") as rs:
            self.assertTrue(rs.route("shop.example.com", "/nothing").is_default)
            self.assertIsNone(rs.route("unknown.example.com", "/"))

    def test_wildcard_and_class(self):
        # portable dialect: "/v[0-9]+/" is a literal Prefix
        # (a miss on a host of Ingress "shop" goes to its defaultBackend)
        self.assertTrue(self.rs.route("a.cdn.example.com", "/v1/x").is_default)
        self.assertEqual(
            self.rs.route("a.cdn.example.com", "/v[0-9]+/x").service, "cdn")
        # one label only: no host group, so the cluster-wide default
        self.assertTrue(
            self.rs.route("a.b.cdn.example.com", "/v[0-9]+/").is_default)
        # no class option: the unknown class "other" is not served
        # (IngressClasses are loaded): its host gets the default too
        r = self.rs.route("ops.example.com", "/")
        self.assertEqual((r.source_name, r.is_default), ("shop", True))

    def test_options(self):
        with kgress.Ruleset.from_yaml(CLUSTER, dialect="ingress-nginx") as rs:
            r = rs.route("a.cdn.example.com", "/V12/x")
            self.assertEqual(r.service, "cdn")
            # use-regex: every path of the host is a regex, Exact included
            self.assertEqual(rs.route("shop.example.com",
                                      "/api/healthz").service, "health")
        with kgress.Ruleset.from_yaml(CLUSTER, ingress_class="other") as rs:
            self.assertEqual(rs.route("ops.example.com", "/x").service, "ops")
            self.assertIsNone(rs.route("shop.example.com", "/api"))
        with kgress.Ruleset.from_yaml(CLUSTER, normalize=False) as rs:
            r = rs.route("shop.example.com", "/api/../static")
            self.assertEqual(r.service, "api")
            self.assertEqual(r.normalized_path, "/api/../static")
        with kgress.Ruleset.from_yaml(CLUSTER,
                                      reject_escaped_slash=True) as rs:
            with self.assertRaises(kgress.Error) as cm:
                rs.route("shop.example.com", "/api%2Fx")
            self.assertEqual(cm.exception.code_name, "KG_EREQUEST")

    def test_rejected(self):
        for host, path in [("shop.example.com", "/api\0/x"),
                           ("shop.example.com", "/api\r\n"),
                           ("shop..example.com", "/api"),
                           ("shop.example.com", "api"),
                           ("shop.example.com", "/%00")]:
            with self.assertRaises(kgress.Error, msg=(host, path)) as cm:
                self.rs.route(host, path)
            self.assertEqual(cm.exception.code_name, "KG_EREQUEST")
        with self.assertRaises(TypeError):
            self.rs.route(1, "/")
        r = self.rs.route(b"shop.example.com", b"/api")
        self.assertEqual(r.service, "api")
        self.assertEqual(self.rs.route("shop.example.com", "").normalized_path,
                         "/")

    def test_tls(self):
        self.assertEqual(self.rs.tls_secret("shop.example.com"),
                         ("web", "shop-tls"))
        self.assertEqual(self.rs.tls_secret("SHOP.example.com."),
                         ("web", "shop-tls"))
        self.assertEqual(self.rs.tls_secret("x.cdn.example.com"),
                         ("web", "shop-tls"))
        self.assertIsNone(self.rs.tls_secret("cdn.example.com"))
        self.assertIsNone(self.rs.tls_secret("ops.example.com"))
        with self.assertRaises(kgress.Error):
            self.rs.tls_secret("bad host")

    def test_closed(self):
        self.rs.close()
        with self.assertRaises(ValueError):
            self.rs.route("a", "/")
        with self.assertRaises(ValueError):
            self.rs.tls_secret("a")

    def test_route_outlives_ruleset(self):
        r = self.rs.route("shop.example.com", "/api")
        self.rs.close()
        self.assertEqual(r.namespace, "web")
        self.assertEqual(r.matched_path, "/api")

    def test_threads(self):
        errors = []

        def worker():
            try:
                for i in range(300):
                    r = self.rs.route("shop.example.com", "/api/%d" % i)
                    if r.service != "api":
                        errors.append(r)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
