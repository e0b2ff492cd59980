# SPDX-License-Identifier: MIT
"""The 0.2 lookups in Python: Verdict.egress_side / ingress_side (kgress.Side
with tier, action, policy_kind, ...) from kg_check_flow, check(...,
domain=, claimed=), and route(..., method=, headers=, pick=) through
kg_route_request with Route.source_kind / source_name / rule."""

import os
import textwrap
import unittest

import kgress

DATA = os.path.join(os.environ.get(
    "KGRESS_TEST_DATA",
    os.path.join(os.path.dirname(__file__), "..", "data")), "verdict")


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


class TestSides(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # x/b accepts app=a (rule 0); y/c egress everywhere but 10/8, DNS
        cls.rs = kgress.Ruleset.from_yaml(read("example.yaml"),
                                          name="example.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.rs.close()

    def test_allowed_by_rule(self):
        v = self.rs.check("10.0.0.1", "10.0.0.2", 8080)
        s = v.ingress_side
        self.assertIsInstance(s, kgress.Side)
        self.assertEqual((s.allowed, s.reason, s.pod), (True,
                         "allowed-by-rule", "x/b"))
        self.assertEqual((s.tier, s.action, s.policy_kind),
                         ("network-policy", "allow", "NetworkPolicy"))
        self.assertEqual(s.policy, "x/b-from-a")
        self.assertEqual(s.rule, ("x/b-from-a", 0))
        self.assertEqual(s.rule, v.ingress_rule)
        self.assertEqual(s.policies, ["x/b-from-a"])
        self.assertIsNone(s.priority)
        self.assertIsNone(s.rule_name)
        self.assertIsNone(s.domain)
        self.assertIsNone(s.name)
        e = v.egress_side
        self.assertEqual((e.reason, e.tier, e.action, e.policy, e.rule),
                         ("not-isolated", "default", "allow", None, None))
        self.assertEqual(e.pod, "x/a")
        self.assertEqual(e.policies, [])

    def test_denied_by_isolation(self):
        v = self.rs.check("10.0.1.3", "10.0.0.2", 8080)
        self.assertIs(v.allowed, False)
        s = v.ingress_side
        self.assertEqual((s.allowed, s.reason, s.tier, s.action),
                         (False, "no-rule", "network-policy", "deny"))
        self.assertEqual(s.policy_kind, "NetworkPolicy")
        self.assertIsNone(s.policy)  # no allowing rule: no deciding policy
        self.assertIsNone(s.rule)
        self.assertEqual(s.policies, ["x/b-from-a"])
        self.assertEqual(v.egress_side.policies, ["y/c-egress"])
        self.assertEqual(v.egress_side.action, "deny")

    def test_not_a_pod(self):
        v = self.rs.check("10.0.1.3", "8.8.8.8", 443)
        s = v.ingress_side
        self.assertEqual((s.reason, s.tier, s.action, s.pod, s.policy_kind),
                         ("not-a-pod", None, None, None, None))
        self.assertEqual(v.egress_side.tier, "network-policy")

    def test_domain_does_not_change_networkpolicy(self):
        for src, dst, port in (("10.0.0.1", "10.0.0.2", 8080),
                               ("10.0.1.3", "10.0.0.2", 8080),
                               ("10.0.1.3", "8.8.8.8", 443)):
            plain = self.rs.check(src, dst, port)
            for claimed in (False, True):
                named = self.rs.check(src, dst, port, domain="Example.COM.",
                                      claimed=claimed)
                self.assertEqual(named, plain)
        with self.assertRaises(TypeError):
            self.rs.check("10.0.0.1", "10.0.0.2", 80, domain=3)
        with self.assertRaises(TypeError):
            self.rs.check("10.0.0.1", "10.0.0.2", 80, claimed="yes")
        with self.assertRaises(TypeError):  # keyword-only
            self.rs.check("10.0.0.1", "10.0.0.2", 80, "TCP", "a.example")

    def test_check_side_has_no_detail(self):
        s = self.rs.check_side("x/b", "ingress", "10.0.0.1", 8080)
        self.assertEqual((s.reason, s.pod, s.policy, s.rule),
                         ("allowed-by-rule", "x/b", "x/b-from-a",
                          ("x/b-from-a", 0)))
        self.assertIsNone(s.tier)
        self.assertIsNone(s.action)


CLUSTER = textwrap.dedent("""\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop, namespace: web}
    spec:
      defaultBackend:
        service: {name: fallback, port: {number: 8080}}
      rules:
      - host: a.example
        http:
          paths:
          - path: /api
            pathType: Prefix
            backend: {service: {name: api, port: {number: 80}}}
      - host: b.example
        http:
          paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: b, port: {number: 80}}}
    """)


class TestRouteRequest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rs = kgress.Ruleset.from_yaml(CLUSTER)

    @classmethod
    def tearDownClass(cls):
        cls.rs.close()

    def test_source(self):
        r = self.rs.route("b.example", "/x")
        self.assertEqual((r.source_kind, r.source_name, r.rule),
                         ("Ingress", "shop", 1))
        self.assertEqual(r.service, "b")
        r = self.rs.route("a.example", "/api/v1")
        self.assertEqual((r.source_kind, r.source_name, r.rule),
                         ("Ingress", "shop", 0))
        r = self.rs.route("a.example", "/other")
        self.assertTrue(r.is_default)
        self.assertEqual((r.service, r.rule), ("fallback", None))

    def test_method_headers_pick_do_not_change_ingress(self):
        plain = self.rs.route("a.example", "/api/v1")
        for kw in ({"method": "POST"},
                   {"headers": {"X-Env": "canary"}},
                   {"headers": [("x-env", "canary"), (b"a", b"b")]},
                   {"pick": 2 ** 64 - 1},
                   {"method": b"GET", "headers": [], "pick": 7}):
            self.assertEqual(self.rs.route("a.example", "/api/v1", **kw),
                             plain, kw)

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            self.rs.route("a.example", "/", headers=[("only-name",)])
        with self.assertRaises(TypeError):
            self.rs.route("a.example", "/", headers={"a": 1})
        with self.assertRaises(TypeError):
            self.rs.route("a.example", "/", method=5)
        with self.assertRaises(ValueError):
            self.rs.route("a.example", "/", pick=-1)
        with self.assertRaises(ValueError):
            self.rs.route("a.example", "/", pick=2 ** 64)
        with self.assertRaises(TypeError):  # keyword-only
            self.rs.route("a.example", "/", "GET")


if __name__ == "__main__":
    unittest.main()
