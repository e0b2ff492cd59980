# SPDX-License-Identifier: MIT
"""kgress.Builder: replace by key, remove, watch events, compile."""

import json
import unittest

import kgress

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
"""


def pod(name, ip, app, rv, ns="x"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns,
                         "resourceVersion": str(rv),
                         "labels": {"app": app}},
            "status": {"podIP": ip}}


def ev(type_, obj):
    return json.dumps({"type": type_, "object": obj}) + "\n"


class BuilderTest(unittest.TestCase):
    def setUp(self):
        self.b = kgress.Builder()
        self.b.add(POLICY, name="policy.yaml")

    def tearDown(self):
        self.b.close()

    def test_events_and_rulesets(self):
        b = self.b
        self.assertEqual(b.apply_events(
            ev("ADDED", pod("a", "10.0.0.1", "db", 1)) +
            ev("ADDED", pod("b", "10.0.0.2", "db", 2))), [])
        self.assertEqual(len(b), 3)
        self.assertEqual(b.resource_version, "2")
        with b.compile() as rs1:
            self.assertFalse(rs1.check("10.0.0.1", "10.0.0.2", 80).allowed)
            b.apply_events(ev("MODIFIED", pod("a", "10.0.0.1", "web", 3)))
            with b.compile() as rs2:
                self.assertTrue(rs2.check("10.0.0.1", "10.0.0.2", 80).allowed)
                # the earlier ruleset is unchanged
                self.assertFalse(
                    rs1.check("10.0.0.1", "10.0.0.2", 80).allowed)
        # a replay (older version) is ignored
        b.apply_events(ev("MODIFIED", pod("a", "10.0.0.1", "db", 2)))
        with b.compile() as rs:
            self.assertTrue(rs.check("10.0.0.1", "10.0.0.2", 80).allowed)
        b.apply_events(ev("DELETED", pod("a", "10.0.0.1", "web", 4)))
        self.assertEqual(len(b), 2)
        self.assertEqual(b.resource_version, "4")

    def test_remove_and_replace(self):
        b = self.b
        b.add(json.dumps(pod("a", "10.0.0.1", "db", 1)))
        b.add(json.dumps(pod("a", "10.0.0.9", "db", 2)))  # replaces
        self.assertEqual(len(b), 2)
        with b.compile() as rs:
            self.assertIsNone(rs.check("10.0.0.1", "8.8.8.8", 53).egress)
            self.assertIsNotNone(rs.check("10.0.0.9", "8.8.8.8", 53).egress)
        self.assertTrue(b.remove("Pod", "a", namespace="x"))
        self.assertFalse(b.remove("Pod", "a", namespace="x"))
        self.assertTrue(b.remove("NetworkPolicy", "deny", "x"))
        self.assertEqual(len(b), 0)
        with self.assertRaises(TypeError):
            b.remove("Pod", 3)

    def test_bad_events(self):
        b = self.b
        diags = b.apply_events(
            ev("ADDED", pod("a", "10.0.0.1", "db", 1)) +
            '{"type": "CHANGED", "object": {}}\n')
        self.assertEqual([(d.code, d.path, d.line, d.column) for d in diags],
                         [("KG_ENOTSUPPORTED", "type", 2, 10)])
        self.assertEqual(len(b), 2)  # the good one applied
        b.compile().close()  # rejected events do not fail the compile
        with self.assertRaises(kgress.WatchExpired) as cm:
            b.apply_events(json.dumps({"type": "ERROR", "object": {
                "kind": "Status", "apiVersion": "v1", "code": 410,
                "reason": "Expired", "message": "too old resource version"}}))
        self.assertIn("too old", str(cm.exception))
        self.assertEqual(cm.exception.code, -28)
        with self.assertRaises(kgress.WatchError):
            b.apply_events('{"type": "ERROR", "object": {"code": 500}}')

    def test_feed(self):
        b = self.b
        text = (ev("ADDED", pod("a", "10.0.0.1", "web", 1)) +
                ev("ADDED", pod("b", "10.0.0.2", "db", 2)))
        cut = len(text) // 2 + 5
        self.assertEqual(b.feed(text[:cut]), [])
        self.assertEqual(len(b), 2)
        self.assertEqual(b.feed(text[cut:]), [])
        self.assertEqual(len(b), 3)
        with b.compile() as rs:
            self.assertTrue(rs.check("10.0.0.1", "10.0.0.2", 80).allowed)

    def test_compile_error_and_close(self):
        b = kgress.Builder()
        b.add("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
              "status: {podIP: 300.0.0.1}\n")
        with self.assertRaises(kgress.CompileError):
            b.compile()
        self.assertTrue(b.remove("Pod", "a"))
        b.compile().close()
        with self.assertRaises(kgress.CompileError):
            b.add("{")
        b.close()
        b.close()
        with self.assertRaises(ValueError):
            len(b)
        with kgress.Builder(skip_invalid=True) as b2:
            self.assertIn("0 objects", repr(b2))


if __name__ == "__main__":
    unittest.main()
