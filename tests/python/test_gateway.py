# SPDX-License-Identifier: MIT
"""Tests of Ruleset.route with gateway= / port= (Gateway API routing,
issue 12): the Route fields of HTTPRoute and GRPCRoute answers, filters as
dicts, redirects, rewrites, weighted picks and the 500 answers; the
conformance data of tests/data/gateway through Python.
"""

import os
import textwrap
import unittest

import kgress

GATEWAY = textwrap.dedent("""\
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata: {name: gw, namespace: infra}
    spec:
      gatewayClassName: c
      listeners:
      - {name: http, port: 80, protocol: HTTP,
         allowedRoutes: {namespaces: {from: All}}}
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: shop, namespace: web}
    spec:
      parentRefs: [{name: gw, namespace: infra}]
      hostnames: [shop.example.com]
      rules:
      - matches:
        - path: {type: PathPrefix, value: /api}
          method: GET
          headers: [{name: X-Version, value: "2"}]
        filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Set, value: s}]
            remove: [X-Gone]
        - type: URLRewrite
          urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
        backendRefs:
        - {name: api-v2, port: 8080, weight: 3}
        - {name: api-v1, port: 8080, weight: 1}
      - matches: [{path: {type: PathPrefix, value: /old}}]
        filters:
        - type: RequestRedirect
          requestRedirect: {scheme: https, statusCode: 301}
      - matches: [{path: {type: Exact, value: /none}}]
    """)


class GatewayRouteTest(unittest.TestCase):
    def setUp(self):
        self.rs = kgress.Ruleset.from_yaml(GATEWAY)

    def tearDown(self):
        self.rs.close()

    def test_forward_with_filters(self):
        r = self.rs.route("shop.example.com", "/api/items?x=1", method="GET",
                          headers={"x-version": "2"}, gateway="infra/gw",
                          port=80, pick=0)
        self.assertEqual(r.source_kind, "HTTPRoute")
        self.assertEqual((r.namespace, r.source_name, r.rule, r.match),
                         ("web", "shop", 0, 0))
        self.assertEqual(r.path_type, "Prefix")
        self.assertEqual(r.matched_path, "/api")
        self.assertIsNone(r.status)
        self.assertEqual((r.service, r.port, r.backend_namespace),
                         ("api-v2", 8080, "web"))
        self.assertEqual((r.weight, r.total_weight), (3, 4))
        self.assertEqual(r.listener, "http")
        self.assertEqual(r.rewrite, {"host": None, "path": "/v2/items"})
        self.assertEqual(r.filters[0], {"type": "RequestHeaderModifier",
                                        "set": [("X-Set", "s")], "add": [],
                                        "remove": ["X-Gone"]})
        self.assertEqual(r.filters[1]["type"], "URLRewrite")
        self.assertEqual(r.filters[1]["path_modifier"], "ReplacePrefixMatch")
        self.assertEqual(r.backend_filters, [])
        self.assertIsNone(r.redirect)

    def test_weighted_pick(self):
        seen = [self.rs.route("shop.example.com", "/api", method="GET",
                              headers=[("X-Version", "2")], port=80,
                              pick=p).service for p in range(8)]
        self.assertEqual(seen.count("api-v2"), 6)
        self.assertEqual(seen.count("api-v1"), 2)

    def test_conditions_and_misses(self):
        # no method, wrong header value: the rule does not match
        self.assertIsNone(self.rs.route("shop.example.com", "/api",
                                        headers={"X-Version": "2"}, port=80))
        self.assertIsNone(self.rs.route("shop.example.com", "/api",
                                        method="GET",
                                        headers={"X-Version": "3"}, port=80))
        self.assertIsNone(self.rs.route("other.example.com", "/api",
                                        port=80))
        self.assertIsNone(self.rs.route("shop.example.com", "/old",
                                        port=8080))
        # without gateway or port: Ingress routing (there is none)
        self.assertIsNone(self.rs.route("shop.example.com", "/old"))

    def test_redirect_and_500(self):
        r = self.rs.route("shop.example.com:80", "/old/a?q", port=80)
        self.assertEqual(r.status, 301)
        self.assertEqual(r.redirect, {"scheme": "https",
                                      "host": "shop.example.com",
                                      "port": 443, "path": "/old/a"})
        self.assertIsNone(r.service)
        r = self.rs.route("shop.example.com", "/none", port=80)
        self.assertEqual(r.status, 500)
        self.assertEqual(r.path_type, "Exact")

    def test_http_route(self):
        # every part by keyword: the same answer as route()
        r = self.rs.http_route(method="GET", host="shop.example.com",
                               path="/api/items?x=1",
                               headers=[("X-VERSION", "2")], port=80, pick=3)
        self.assertEqual(r, self.rs.route("shop.example.com", "/api/items?x=1",
                                          method="GET",
                                          headers={"x-version": "2"},
                                          port=80, pick=3))
        self.assertEqual((r.service, r.weight, r.total_weight),
                         ("api-v1", 1, 4))
        self.assertIsNone(self.rs.http_route(host="shop.example.com",
                                             path="/api", port=80))
        # without gateway or port: the Ingress rules (none here)
        self.assertIsNone(self.rs.http_route(method="GET",
                                             host="shop.example.com",
                                             path="/api",
                                             headers={"X-Version": "2"}))
        with self.assertRaises(TypeError):
            self.rs.http_route("GET", "shop.example.com", "/api")

    def test_misdirected(self):
        y = textwrap.dedent("""\
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: c
              listeners:
              - {name: any, port: 443, protocol: HTTPS,
                 tls: {certificateRefs: [{name: c}]}}
              - {name: api, port: 443, protocol: HTTPS, hostname: api.example.com,
                 tls: {certificateRefs: [{name: c}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: web, port: 80}]}]
            """)
        with kgress.Ruleset.from_yaml(y) as rs:
            r = rs.http_route(host="api.example.com", path="/", port=443,
                              sni="api.example.com")
            self.assertEqual((r.listener, r.status, r.service),
                             ("api", None, "web"))
            r = rs.http_route(host="www.example.com", path="/", port=443,
                              sni="api.example.com")
            self.assertEqual((r.status, r.listener), (421, "api"))
            self.assertIsNone(r.service)
            r = rs.http_route(host="www.example.com", path="/", port=443)
            self.assertEqual(r.listener, "any")

    def test_mirror_and_response_headers(self):
        y = GATEWAY.split("---")[0] + textwrap.dedent("""\
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: copy, namespace: web}
            spec: {ports: [{port: 9000}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: m, namespace: web}
            spec:
              parentRefs: [{name: gw, namespace: infra}]
              rules:
              - filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: copy, port: 9000}
                    fraction: {numerator: 1, denominator: 4}
                - type: ResponseHeaderModifier
                  responseHeaderModifier:
                    add: [{name: X-Add, value: a}]
                    set: [{name: X-Set, value: s}]
                backendRefs:
                - name: web
                  port: 80
                  filters:
                  - type: RequestMirror
                    requestMirror:
                      backendRef: {name: gone, port: 80}
            """)
        with kgress.Ruleset.from_yaml(y) as rs:
            r = rs.http_route(method="GET", host="any", path="/x", port=80)
            self.assertEqual(r.filters, [
                {"type": "RequestMirror", "namespace": "web",
                 "service": "copy", "port": 9000, "fraction": (1, 4),
                 "valid": True},
                {"type": "ResponseHeaderModifier", "set": [("X-Set", "s")],
                 "add": [("X-Add", "a")], "remove": []}])
            self.assertEqual(r.backend_filters, [
                {"type": "RequestMirror", "namespace": "web",
                 "service": "gone", "port": 80, "fraction": (100, 100),
                 "valid": False}])

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            self.rs.route("a", "/", port=70000)
        with self.assertRaises(TypeError):
            self.rs.route("a", "/", gateway=3)


class ConformanceDataTest(unittest.TestCase):
    """A few rows of tests/data/gateway through the Python binding (the C
    test runs every row)."""

    def test_header_matching(self):
        data = os.path.join(os.environ["KGRESS_TEST_DATA"], "gateway")
        with kgress.Ruleset.from_files(
                os.path.join(data, "base.yaml"),
                os.path.join(data, "httproute-header-matching.yaml")) as rs:
            def svc(headers):
                r = rs.route("192.0.2.1", "/", method="GET", headers=headers,
                             gateway="gateway-conformance-infra/"
                                     "same-namespace", port=80)
                return r and r.service
            self.assertEqual(svc({"Version": "one"}), "infra-backend-v1")
            self.assertEqual(svc({"Version": "two", "Color": "orange"}),
                             "infra-backend-v1")
            self.assertEqual(svc({"Version": "two", "Color": "blue"}),
                             "infra-backend-v2")
            self.assertIsNone(svc({"Color": "purple"}))


if __name__ == "__main__":
    unittest.main()
