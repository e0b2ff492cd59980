# SPDX-License-Identifier: MIT
"""Ruleset.explain: a flow rule by rule (kgress.RuleMatch), against the
tier conformance cluster (admin Pass, then the baseline Deny) and a small
NetworkPolicy cluster (peer and port reasons, a Service endpoint); the
rule marked "decided" is the one the verdict reports."""

import os
import unittest

import kgress

DATA = os.path.join(os.environ.get(
    "KGRESS_TEST_DATA",
    os.path.join(os.path.dirname(__file__), "..", "data")), "tiers",
    "conformance")

SMALL = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: d, labels: {app: a}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: d, labels: {app: b}}
spec: {containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}
status: {podIP: 10.0.0.2, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: d}
spec: {clusterIP: 10.96.0.9, selector: {app: b},
       ports: [{port: 80, targetPort: web}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-in, namespace: d}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: x}}}]
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{port: web}]
  - ports: [{port: 53, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: d}
spec: {podSelector: {}}
"""


class TestExplain(unittest.TestCase):
    def test_tiers(self):
        with kgress.Ruleset.from_files(
                os.path.join(DATA, "cluster.yaml"),
                os.path.join(DATA, "anp_np_banp_4.yaml")) as rs:
            v, egress, ingress = rs.explain("10.244.1.10", "10.244.2.10", 80)
            self.assertEqual(v, rs.check("10.244.1.10", "10.244.2.10", 80))
            self.assertFalse(v.allowed)
            effects = [(r.tier, r.action, r.effect) for r in egress
                       if r.effect != "none"]
            self.assertIn(("admin", "pass", "passed"), effects)
            decided = [r for r in egress if r.effect == "decided"]
            self.assertEqual(len(decided), 1)
            s = v.egress_side
            self.assertEqual((decided[0].tier, decided[0].policy_kind,
                              decided[0].policy, decided[0].rule),
                             (s.tier, s.policy_kind, s.policy, s.rule[1]))
            self.assertEqual(decided[0].action, "deny")
            for r in egress + ingress:
                self.assertIsInstance(r, kgress.RuleMatch)
                self.assertEqual(r.matched, r.effect != "none" or (
                    r.peer in ("any-peer", "selected", "in-cidr", "node",
                               "domain") and
                    r.ports in ("any-port", "number", "named")))

    def test_networkpolicy_and_service(self):
        with kgress.Ruleset.from_yaml(SMALL) as rs:
            v, egress, ingress = rs.explain("10.0.0.1", "10.96.0.9", 80)
            self.assertEqual((v.service, v.endpoint, v.endpoint_port),
                             ("d/web", "10.0.0.2", 8080))
            self.assertTrue(v.allowed)
            self.assertEqual(egress, [])  # a is not isolated for egress
            got = [(r.policy, r.rule, r.peer, r.ports, r.effect)
                   for r in ingress]
            self.assertEqual(got, [
                ("d/b-in", 0, "not-selected", "any-port", "none"),
                ("d/b-in", 1, "selected", "named", "decided"),
                ("d/b-in", 2, "any-peer", "not-protocol", "none"),
                ("d/deny-all", None, None, None, "none"),
            ])
            r = ingress[1]
            self.assertEqual((r.tier, r.policy_kind, r.action, r.priority,
                              r.rule_name, r.matched),
                             ("network-policy", "NetworkPolicy", "allow",
                              None, None, True))
            self.assertEqual(repr(r), "RuleMatch(NetworkPolicy d/b-in[1], "
                             "peer='selected', ports='named', "
                             "effect='decided')")
            # straight to the pod on 9000: the named port misses
            _, _, ingress = rs.explain("10.0.0.1", "10.0.0.2", 9000)
            self.assertEqual(ingress[1].ports, "not-named")
            self.assertFalse(any(r.matched for r in ingress))
            with self.assertRaises(ValueError):
                rs.explain("10.0.0.1", "nope", 80)


if __name__ == "__main__":
    unittest.main()
