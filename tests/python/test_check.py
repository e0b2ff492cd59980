# SPDX-License-Identifier: MIT
"""Ruleset.check and Verdict, as DESIGN.md specifies them, plus the
`kgress check` command line (exit status, JSON).

The data-driven cases of tests/data/verdict (NAME.yaml + NAME.flows) are
replayed through Python too, so the binding is held to the same answers as
the C tests."""

import ipaddress
import json
import os
import subprocess
import threading
import unittest

import kgress

DATA = os.path.join(os.environ.get(
    "KGRESS_TEST_DATA",
    os.path.join(os.path.dirname(__file__), "..", "data")), "verdict")

OPTION_WORDS = {
    "no-ipblock-pods": ("ipblock_matches_pods", False),
    "select-hostnetwork": ("select_hostnetwork", True),
    "no-node-ingress": ("allow_node_ingress", False),
    "no-loopback": ("allow_loopback", False),
    "skip-invalid": ("skip_invalid", True),
}


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


def kgress_binary():
    lib = os.environ.get("KGRESS_LIBRARY") or kgress.library_path()
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(lib))),
                       "tools", "kgress", "kgress")
    return exe if os.access(exe, os.X_OK) else None


class TestCheckContract(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rs = kgress.Ruleset.from_yaml(read("example.yaml"),
                                          name="example.yaml")

    @classmethod
    def tearDownClass(cls):
        cls.rs.close()

    def test_allowed_by_rule(self):
        v = self.rs.check("10.0.0.1", "10.0.0.2", 8080)
        self.assertIsInstance(v, kgress.Verdict)
        self.assertIs(v.allowed, True)
        self.assertIs(v.egress, True)
        self.assertIs(v.ingress, True)
        self.assertIsInstance(v.reason, str)
        self.assertIn("x/b-from-a", v.reason)
        self.assertEqual(v.policies, ["x/b-from-a"])
        self.assertEqual(v.src_pod, "x/a")
        self.assertEqual(v.dst_pod, "x/b")
        self.assertEqual(v.ingress_rule, ("x/b-from-a", 0))
        self.assertEqual(v.egress_reason, "not-isolated")

    def test_denied_lists_isolating_policies(self):
        v = self.rs.check("10.0.1.3", "10.0.0.2", 8080, protocol="TCP")
        self.assertIs(v.allowed, False)
        self.assertIs(v.egress, False)
        self.assertIs(v.ingress, False)
        self.assertEqual(v.policies, ["y/c-egress", "x/b-from-a"])
        self.assertTrue(v.reason.startswith("denied"))

    def test_check_many_is_check_one_by_one(self):
        # kg_check_batch: every verdict equals the single call's, in order
        addrs = ["10.0.0.1", "10.0.0.2", "10.0.1.3", "192.0.2.1", "::1"]
        flows = []
        for i in range(300):
            src = addrs[(i * 7) % len(addrs)]
            dst = addrs[(i * 3 + 1) % len(addrs)]
            if (":" in src) != (":" in dst):
                dst = src
            port = (80, 8080, 53, 0)[i % 4]
            proto = ("TCP", "udp", "SCTP")[i % 3]
            flows.append((src, dst, port) if i % 5 else
                         (src, dst, port, proto))
        got = self.rs.check_many(flows)
        self.assertEqual(len(got), len(flows))
        for f, v in zip(flows, got):
            self.assertEqual(v, self.rs.check(*f))
        self.assertEqual(self.rs.check_many([]), [])
        with self.assertRaises(ValueError):
            self.rs.check_many([("10.0.0.1", "10.0.0.2", 70000)])
        with self.assertRaises(TypeError):
            self.rs.check_many([("10.0.0.1", "10.0.0.2")])

    def test_pod_by_ip(self):
        self.assertEqual(self.rs.pod("10.0.0.2"), "x/b")
        self.assertEqual(self.rs.pod(ipaddress.ip_address("10.0.1.3")), "y/c")
        self.assertIsNone(self.rs.pod("192.0.2.1"))
        with self.assertRaises(ValueError):
            self.rs.pod("10.0.0.256")

    def test_check_side_agrees_with_check(self):
        # the sidecar calls answer each side exactly as check() does
        for src, dst, port in (("10.0.0.1", "10.0.0.2", 8080),
                               ("10.0.0.1", "10.0.0.2", 80),
                               ("10.0.1.3", "10.0.0.2", 8080)):
            v = self.rs.check(src, dst, port)
            ing = self.rs.check_side(self.rs.pod(dst), "ingress", src, port)
            self.assertIsInstance(ing, kgress.Side)
            self.assertEqual(ing.allowed, v.ingress)
            self.assertEqual(ing.reason, v.ingress_reason)
            self.assertEqual(ing.rule, v.ingress_rule)
            eg = self.rs.check_side(self.rs.pod(src), "egress", dst, port)
            self.assertEqual(eg.allowed, v.egress)
            self.assertEqual(eg.reason, v.egress_reason)
        side = self.rs.check_side("x/b", "ingress", "10.0.1.3", 8080, "tcp")
        self.assertIs(side.allowed, False)
        self.assertEqual(side.reason, "no-rule")
        self.assertEqual(side.policies, ["x/b-from-a"])

    def test_check_side_bad_arguments(self):
        with self.assertRaises(LookupError):
            self.rs.check_side("x/nope", "ingress", "10.0.0.1", 80)
        with self.assertRaises(ValueError):
            self.rs.check_side("x/b", "sideways", "10.0.0.1", 80)
        with self.assertRaises(ValueError):
            self.rs.check_side("x/b", "ingress", "10.0.0.1", 80, "ICMP")
        with self.assertRaises(ValueError):
            self.rs.check_side("x/b", "ingress", "nowhere", 80)
        with self.assertRaises(ValueError):
            self.rs.check_side("x/b", "ingress", "10.0.0.1", 70000)

    def test_not_a_pod_is_none(self):
        v = self.rs.check("10.0.1.3", "8.8.8.8", 443)
        self.assertIs(v.allowed, True)
        self.assertIs(v.egress, True)
        self.assertIsNone(v.ingress)
        self.assertIsNone(v.dst_pod)
        v = self.rs.check("8.8.8.8", "1.1.1.1", 1, "udp")
        self.assertEqual((v.allowed, v.egress, v.ingress, v.policies),
                         (True, None, None, []))

    def test_protocols(self):
        self.assertTrue(self.rs.check("10.0.1.3", "10.0.0.1", 53, "UDP")
                        .allowed)
        self.assertTrue(self.rs.check("10.0.1.3", "10.0.0.1", 53, "tcp")
                        .allowed)
        self.assertFalse(self.rs.check("10.0.1.3", "10.0.0.1", 53, "SCTP")
                         .allowed)

    def test_ipaddress_and_ipv6(self):
        v = self.rs.check(ipaddress.ip_address("fd00::1"),
                          ipaddress.ip_address("10.0.0.2"), 8080)
        self.assertTrue(v.allowed)
        self.assertEqual(v.src_pod, "x/a")

    def test_bad_arguments(self):
        for args in [("10.0.0.300", "10.0.0.1", 80),
                     ("10.0.0.1", "", 80),
                     ("10.0.0.1", "10.0.0.2", -1),
                     ("10.0.0.1", "10.0.0.2", 65536),
                     ("10.0.0.1", "10.0.0.2", 80, "ICMP"),
                     ("fe80::1%eth0", "10.0.0.2", 80)]:
            with self.assertRaises(ValueError, msg=repr(args)):
                self.rs.check(*args)
        with self.assertRaises(TypeError):
            self.rs.check(None, "10.0.0.1", 80)
        with self.assertRaises(TypeError):
            self.rs.check("10.0.0.1", "10.0.0.2", "80")

    def test_closed(self):
        rs = kgress.Ruleset.from_yaml(read("example.yaml"))
        rs.close()
        with self.assertRaises(ValueError):
            rs.check("10.0.0.1", "10.0.0.2", 80)

    def test_verdict_outlives_ruleset(self):
        rs = kgress.Ruleset.from_yaml(read("example.yaml"))
        v = rs.check("10.0.0.1", "10.0.0.2", 8080)
        rs.close()
        del rs
        self.assertEqual(v.policies, ["x/b-from-a"])
        self.assertEqual(v.src_pod, "x/a")

    def test_threads(self):
        errors = []

        def worker():
            try:
                for _ in range(300):
                    a = self.rs.check("10.0.0.1", "10.0.0.2", 8080)
                    b = self.rs.check("10.0.0.1", "10.0.0.2", 80)
                    if not a.allowed or b.allowed:
                        errors.append((a, b))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_options(self):
        text = read("hostnetwork.yaml")
        with kgress.Ruleset.from_yaml(text) as rs:
            v = rs.check("192.168.0.1", "10.0.0.5", 1)
            self.assertIsNone(v.egress)
            self.assertFalse(v.allowed)
        with kgress.Ruleset.from_yaml(text, select_hostnetwork=True) as rs:
            v = rs.check("192.168.0.1", "10.0.0.5", 1)
            self.assertEqual(v.src_pod, "kube-system/agent")
            self.assertIs(v.egress, False)
            self.assertIs(v.ingress, True)
            self.assertEqual(v.policies, ["kube-system/deny", "x/from-agent"])

    def test_skip_invalid(self):
        text = read("skip-invalid.yaml")
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text, name="skip-invalid.yaml")
        codes = {d.code for d in cm.exception.diagnostics}
        self.assertIn("KG_EDUPLICATE", codes)
        with kgress.Ruleset.from_yaml(text, skip_invalid=True) as rs:
            self.assertTrue(rs.warnings)
            self.assertTrue(rs.check("8.8.8.8", "10.0.0.1", 80).allowed)
            self.assertFalse(rs.check("8.8.8.8", "10.0.0.1", 81).allowed)

    def test_dump_json(self):
        d = json.loads(self.rs.dump("json"))
        np = d["policies"]
        names = [p["name"] for p in np["pods"]]
        self.assertEqual(names, ["x/a", "x/b", "y/c"])
        self.assertEqual(len(np["rulesets"]), 2)
        self.assertIn("classes", np)


class TestServices(unittest.TestCase):
    """A flow to a Service address: the verdict names the Service and the
    endpoint that decided (tests/data/verdict/services.yaml)."""

    def test_service_fields(self):
        with kgress.Ruleset.from_yaml(read("services.yaml")) as rs:
            v = rs.check("8.8.8.8", "10.96.0.10", 80)
            self.assertFalse(v.allowed)
            self.assertEqual(v.service, "prod/db")
            self.assertEqual(v.endpoints, 2)
            self.assertIn(v.endpoint, ("10.4.0.1", "10.4.0.2"))
            self.assertEqual(v.endpoint_port, 5432)
            self.assertEqual(v.ingress_reason, "no-rule")
            empty = rs.check("8.8.8.8", "10.96.0.11", 80)
            self.assertEqual(empty.service, "prod/empty")
            self.assertEqual(empty.endpoints, 0)
            self.assertIsNone(empty.endpoint)
            self.assertEqual(empty.ingress_reason, "no-endpoints")
            pod = rs.check("8.8.8.8", "10.4.0.1", 5432)
            self.assertIsNone(pod.service)
            self.assertIsNone(pod.endpoint_port)

    def test_service_any_endpoint_option(self):
        self.assertIn("service_any_endpoint", kgress.FLAGS)
        with kgress.Ruleset.from_yaml(read("services.yaml"),
                                      service_any_endpoint=True) as rs:
            v = rs.check("8.8.8.8", "10.96.0.10", 80)
            self.assertEqual(v.service, "prod/db")


class TestDataCases(unittest.TestCase):
    """tests/data/verdict replayed through the binding."""

    def test_cases(self):
        names = sorted(n[:-6] for n in os.listdir(DATA)
                       if n.endswith(".flows"))
        self.assertGreaterEqual(len(names), 10)
        checked = 0
        for name in names:
            text = read(name + ".yaml")
            rs = None
            for lineno, line in enumerate(read(name + ".flows").splitlines(),
                                          1):
                f = line.split()
                if not f or f[0].startswith("#") or f[0] == "@pod":
                    continue
                if f[0] == "@options":
                    if rs is not None:
                        rs.close()
                    opts = dict(OPTION_WORDS[w] for w in f[1:])
                    rs = kgress.Ruleset.from_yaml(text, **opts)
                    continue
                if rs is None:
                    rs = kgress.Ruleset.from_yaml(text, name=name + ".yaml")
                v = rs.check(f[0], f[1], int(f[2]), f[3])
                where = "%s.flows:%d: %s -> %r" % (name, lineno, line, v)
                self.assertEqual(v.allowed, f[4] == "allow", where)
                for word in f[5:]:
                    side, want = word.split("=", 1)
                    reason = want.split(":")[0].split("/")[0]
                    got = v.egress_reason if side == "egress" \
                        else v.ingress_reason
                    self.assertEqual(got, reason, where)
                    b = v.egress if side == "egress" else v.ingress
                    if reason == "not-a-pod":
                        self.assertIsNone(b, where)
                    else:
                        self.assertIsInstance(b, bool, where)
                    if ":" in want:
                        pol, rule = want.split(":", 1)[1].rsplit("#", 1)
                        got_rule = v.egress_rule if side == "egress" \
                            else v.ingress_rule
                        self.assertEqual(got_rule, (pol, int(rule)), where)
                        self.assertIn(pol, v.policies, where)
                checked += 1
            if rs is not None:
                rs.close()
        self.assertGreater(checked, 100)


@unittest.skipIf(kgress_binary() is None, "kgress command not built")
class TestCommandLine(unittest.TestCase):
    def run_kgress(self, *args, stdin=None):
        p = subprocess.run([kgress_binary()] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_exit_status(self):
        f = os.path.join(DATA, "example.yaml")
        rc, out, _ = self.run_kgress("check", f, "--src", "10.0.0.1",
                                     "--dst", "10.0.0.2", "--port", "8080")
        self.assertEqual(rc, 0)
        self.assertIn("allowed", out)
        rc, out, _ = self.run_kgress("check", f, "--src", "10.0.0.1",
                                     "--dst", "10.0.0.2", "--port", "80",
                                     "--protocol", "TCP")
        self.assertEqual(rc, 1)
        self.assertIn("denied", out)
        rc, _, err = self.run_kgress("check", f, "--src", "10.0.0.1",
                                     "--dst", "nope", "--port", "80")
        self.assertEqual(rc, 2)
        rc, _, _ = self.run_kgress("check", f, "--src", "10.0.0.1")
        self.assertEqual(rc, 2)
        rc, _, _ = self.run_kgress("check", f, "--src", "10.0.0.1", "--dst",
                                   "10.0.0.2", "--port", "80", "--protocol",
                                   "ICMP")
        self.assertEqual(rc, 2)

    def test_json_and_stdin(self):
        f = os.path.join(DATA, "example.yaml")
        flows = "10.0.0.1 10.0.0.2 8080\n# comment\n\n10.0.1.3 8.8.8.8 443 TCP\n"
        rc, out, _ = self.run_kgress("check", "--json", f, stdin=flows)
        self.assertEqual(rc, 0)
        lines = [json.loads(x) for x in out.splitlines()]
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0]["allowed"])
        # the fields of kgress.Verdict (the CLI writes the binding's names)
        self.assertEqual(lines[0]["ingress_rule"], ["x/b-from-a", 0])
        self.assertIsNone(lines[1]["dst_pod"])
        self.assertIsNone(lines[1]["ingress"])
        self.assertEqual(lines[1]["policies"], ["y/c-egress"])
        with kgress.Ruleset.from_files(f) as rs:
            v = rs.check("10.0.1.3", "8.8.8.8", 443)
        def as_json(want):
            if isinstance(want, kgress.Side):
                return {n: as_json(getattr(want, n)) for n in want.__slots__}
            return list(want) if isinstance(want, tuple) else want
        for name in v.__slots__:
            self.assertEqual(lines[1][name], as_json(getattr(v, name)), name)
        rc, out, _ = self.run_kgress("check", f,
                                     stdin="10.0.0.1 10.0.0.2 80 TCP\n")
        self.assertEqual(rc, 1)
        rc, _, err = self.run_kgress("check", f, stdin="10.0.0.1 10.0.0.2\n")
        self.assertEqual(rc, 2)
        self.assertIn("stdin:1", err)

    def test_dump(self):
        f = os.path.join(DATA, "example.yaml")
        rc, out, _ = self.run_kgress("dump", f)
        self.assertEqual(rc, 0)
        self.assertIn("rule sets:", out)
        rc, out, _ = self.run_kgress("dump", "--json", f)
        self.assertEqual(rc, 0)
        d = json.loads(out)
        self.assertIn("rulesets", d["policies"])


if __name__ == "__main__":
    unittest.main()
