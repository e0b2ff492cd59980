# SPDX-License-Identifier: MIT
"""The ctypes mirrors of python/kgress against the C layout: every public
struct of kgress.h as tests/abi/layout_probe.c prints it (sizeof, and
offsetof/sizeof of each member, in header order) must be what the mirror's
_fields_ give, member for member. A mirror that drifts from the header would
read the wrong bytes without any error; here it fails. Also a Builder.kinds
round trip over struct kg_kind_count."""

import ctypes
import os
import subprocess
import unittest

import kgress
from kgress import _check, _diff, _explain, _route, _ruleset

MIRRORS = {
    "kg_route": _route.KgRoute,
    "kg_header": _route.KgHeader,
    "kg_http_request": _route.KgHttpRequest,
    "kg_header_op": _route.KgHeaderOp,
    "kg_filter": _route.KgFilter,
    "kg_tls": _route.KgTls,
    "kg_addr": _check.KgAddr,
    "kg_side": _check.KgSide,
    "kg_side_detail": _check.KgSideDetail,
    "kg_verdict": _check.KgVerdict,
    "kg_flow": _check.KgFlow,
    "kg_rule_match": _explain.KgRuleMatch,
    "kg_kind_count": _ruleset.KgKindCount,
    "kg_diff_options": _diff.KgDiffOptions,
    "kg_route_diff": _diff.KgRouteDiff,
    "kg_diff_summary": _diff.KgDiffSummary,
}


def probe():
    """{struct: (sizeof, [(member, offset, size)])} from the probe."""
    exe = os.environ.get("KGRESS_LAYOUT_PROBE")
    if not exe:
        raise unittest.SkipTest("KGRESS_LAYOUT_PROBE not set (meson sets it "
                                "to build/tests/abi/layout_probe)")
    out = subprocess.run([exe], check=True, capture_output=True,
                         text=True).stdout
    structs = {}
    for line in out.splitlines():
        parts = line.split()
        if "." in parts[0]:
            s, m = parts[0].split(".", 1)
            structs[s][1].append((m, int(parts[1]), int(parts[2])))
        else:
            structs[parts[0]] = (int(parts[1]), [])
    return structs


class TestLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = probe()

    def test_every_struct_has_a_mirror(self):
        self.assertEqual(sorted(self.c), sorted(MIRRORS))

    def test_mirrors_match(self):
        for name, cls in sorted(MIRRORS.items()):
            size, members = self.c[name]
            with self.subTest(struct=name):
                self.assertEqual(ctypes.sizeof(cls), size,
                                 "sizeof(struct %s)" % name)
                fields = [f[0] for f in cls._fields_]
                self.assertEqual(fields, [m[0] for m in members],
                                 "members of struct %s" % name)
                for m, off, msize in members:
                    d = getattr(cls, m)
                    self.assertEqual((d.offset, d.size), (off, msize),
                                     "struct %s.%s (offset, size)" % (name, m))

    def test_drift_is_caught(self):
        # the comparison itself: a mirror with one member of the wrong
        # type differs from the C layout
        class Drifted(ctypes.Structure):
            _fields_ = [(n, ctypes.c_uint64 if n == "rule" else t)
                        for n, t in _check.KgSide._fields_]
        size, members = self.c["kg_side"]
        self.assertTrue(ctypes.sizeof(Drifted) != size or any(
            (getattr(Drifted, m).offset, getattr(Drifted, m).size) !=
            (off, ms) for m, off, ms in members))


class TestKinds(unittest.TestCase):
    def test_builder_kinds(self):
        b = kgress.Builder()
        b.add("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
              "---\napiVersion: apps/v1\nkind: Deployment\n"
              "metadata: {name: d, namespace: x}\n"
              "---\napiVersion: v1\nkind: Pod\n"
              "metadata: {name: b, namespace: x}\n")
        self.assertEqual(b.kinds, {})
        b.compile().close()
        self.assertEqual(b.kinds, {"Deployment": (0, 1), "Pod": (2, 0)})
        b.close()


if __name__ == "__main__":
    unittest.main()
