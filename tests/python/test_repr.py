# SPDX-License-Identifier: MIT
"""What a user sees at the prompt (issue 15 item 5): the reprs of Route,
Verdict, Side, RuleMatch, Builder and DnsCache say what the object holds
(and nothing that is unset); Builder.kinds is Ruleset.kinds of its last
compile; Builder's options are real keyword-only parameters."""

import inspect
import os
import unittest

import kgress

CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "examples", "cluster", "cluster.yaml")


class TestRepr(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rs = kgress.Ruleset.from_files(CLUSTER)

    @classmethod
    def tearDownClass(cls):
        cls.rs.close()

    def test_route(self):
        r = self.rs.route("api.company.com", "/v1/items")
        self.assertIsNotNone(r)
        text = repr(r)
        self.assertTrue(text.startswith("Route(namespace='shop', "), text)
        self.assertIn("service=%r" % r.service, text)
        self.assertIn("matched_path=%r" % r.matched_path, text)
        self.assertIn("normalized_path='/v1/items'", text)
        # an Ingress answer has no Gateway fields: none are shown
        for unset in ("status=", "redirect=", "filters=", "weight=",
                      "is_default=", "resource="):
            self.assertNotIn(unset, text)
        self.assertEqual(text, "Route(namespace='shop', ingress='storefront', "
                         "service='api', port=8080, matched_path='/', "
                         "path_type='Prefix', normalized_path='/v1/items', "
                         "source_kind='Ingress', source_name='storefront', "
                         "rule=1)")

    def test_verdict_and_side(self):
        v = self.rs.check("10.244.1.10", "10.244.3.10", 9000)
        text = repr(v)
        self.assertEqual(text, "Verdict(allowed=False, reason=%r, "
                         "policies=%r)" % (v.reason, v.policies))
        self.assertIn("payments/payment", text)  # the reason names the pods
        self.assertNotIn("service=", text)
        s = repr(v.ingress_side)
        self.assertTrue(s.startswith("Side(allowed=False, reason='no-rule', "
                                     "pod='payments/"), s)
        self.assertNotIn("=None", s)

    def test_verdict_service(self):
        text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: "
                "d, labels: {app: b}}\nstatus: {podIP: 10.0.0.2, "
                "conditions: [{type: Ready, status: \"True\"}]}\n---\n"
                "apiVersion: v1\nkind: Service\nmetadata: {name: web, "
                "namespace: d}\nspec: {clusterIP: 10.96.0.9, selector: "
                "{app: b}, ports: [{port: 80, targetPort: 8080}]}\n")
        with kgress.Ruleset.from_yaml(text) as rs:
            v = rs.check("192.0.2.1", "10.96.0.9", 80)
            self.assertIn(", service='d/web', endpoints=1, "
                          "endpoint='10.0.0.2', endpoint_port=8080)", repr(v))

    def test_builder(self):
        b = kgress.Builder(skip_invalid=True)
        self.assertEqual(repr(b), "<kgress.Builder 0 objects, "
                         "resourceVersion '', not compiled yet>")
        b.add_file(CLUSTER)
        b.compile().close()
        self.assertEqual(b.kinds, self.rs.kinds)
        self.assertRegex(repr(b), r"^<kgress.Builder \d+ objects, "
                         r"resourceVersion '', last compile read "
                         r"\d+ Ingress, .*\d+ Pod")
        b.close()
        self.assertEqual(repr(b), "<kgress.Builder closed>")
        params = inspect.signature(kgress.Builder).parameters
        for opt in ("ingress_class", "dialect", "skip_invalid",
                    "service_any_endpoint", "limits"):
            self.assertEqual(params[opt].kind, inspect.Parameter.KEYWORD_ONLY)
        self.assertFalse(any(p.kind == inspect.Parameter.VAR_KEYWORD
                             for p in params.values()))
        with self.assertRaises(TypeError):
            kgress.Builder(bogus=True)

    def test_dns_cache(self):
        c = kgress.DnsCache(entries=100, shared=True)
        self.assertEqual(repr(c), "<kgress.DnsCache open, entries=100, "
                         "shared=True>")
        c.close()
        self.assertEqual(repr(c), "<kgress.DnsCache closed, entries=100, "
                         "shared=True>")
        self.assertEqual(repr(kgress.DnsCache()),
                         "<kgress.DnsCache open, shared=False>")


if __name__ == "__main__":
    unittest.main()
