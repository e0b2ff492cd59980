# SPDX-License-Identifier: MIT
"""The cluster tiers in Python: kgress.Side reports the tier, action,
policy kind, rule name and priority of a ClusterNetworkPolicy /
AdminNetworkPolicy / BaselineAdminNetworkPolicy decision, and
check(..., domain=) matches domainNames peers on a dialled name only."""

import os
import unittest

import kgress

DATA = os.path.join(os.environ.get(
    "KGRESS_TEST_DATA",
    os.path.join(os.path.dirname(__file__), "..", "data")), "tiers",
    "conformance")

PREFIX = "network-policy-conformance-"


class TestTiers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rs = kgress.Ruleset.from_files(
            os.path.join(DATA, "cluster.yaml"),
            os.path.join(DATA, "anp_np_banp_4.yaml"),
            os.path.join(DATA, "kgress_domains.yaml"))

    @classmethod
    def tearDownClass(cls):
        cls.rs.close()

    def test_admin_pass_then_baseline_deny(self):
        # pass-example passes; without a NetworkPolicy the BANP denies
        v = self.rs.check("10.244.1.10", "10.244.2.10", 80)
        self.assertFalse(v.allowed)
        s = v.egress_side
        self.assertEqual((s.allowed, s.reason, s.tier, s.action),
                         (False, "denied-by-rule", "baseline", "deny"))
        self.assertEqual((s.policy_kind, s.policy, s.rule, s.rule_name),
                         ("BaselineAdminNetworkPolicy", "default", ("default", 0),
                          "deny-all-egress-to-slytherin"))
        self.assertIsNone(s.priority)
        self.assertEqual(v.ingress_side.tier, "default")

    def test_domain(self):
        v = self.rs.check("10.244.4.10", "203.0.113.10", 443,
                          domain="api.stripe.com")
        s = v.egress_side
        self.assertTrue(v.allowed)
        self.assertEqual((s.tier, s.action, s.policy_kind, s.policy,
                          s.rule_name, s.priority, s.domain),
                         ("admin", "allow", "ClusterNetworkPolicy",
                          "ravenclaw-egress-allowlist", "payment-gateways",
                          30, "api.stripe.com"))
        # no name, a claimed name: the Deny after it
        for kw in ({}, {"domain": "api.stripe.com", "claimed": True}):
            v = self.rs.check("10.244.4.10", "203.0.113.10", 443, **kw)
            self.assertFalse(v.allowed, kw)
            self.assertEqual(v.egress_side.rule_name, "everything-else")


if __name__ == "__main__":
    unittest.main()
