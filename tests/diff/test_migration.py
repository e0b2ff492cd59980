# SPDX-License-Identifier: MIT
"""`kgress diff` on examples/migration: the output is expected.txt (which
the example's README shows), --json agrees with it, and the exit statuses
(0 equal, 1 different, 2 usage or manifest errors)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

KGRESS, ROOT = sys.argv[1], sys.argv[2]
EX = os.path.join(ROOT, "examples", "migration")
OLD, NEW = os.path.join(EX, "ingress"), os.path.join(EX, "gateway")


def run(*args):
    p = subprocess.run([KGRESS, "diff", *args], capture_output=True,
                       text=True)
    return p.returncode, p.stdout, p.stderr


class Migration(unittest.TestCase):
    def test_expected_output(self):
        rc, out, err = run("--dialect", "ingress-nginx", OLD, "--", NEW)
        self.assertEqual(rc, 1, err)
        with open(os.path.join(EX, "expected.txt")) as f:
            expected = f.read()
        self.assertEqual(out, expected)
        with open(os.path.join(EX, "README.md")) as f:
            self.assertIn("```\n" + expected + "```", f.read())

    def test_json(self):
        rc, out, _ = run("--json", "--dialect", "ingress-nginx", OLD, "--",
                         NEW)
        self.assertEqual(rc, 1)
        lines = [json.loads(x) for x in out.splitlines()]
        summary = lines.pop()["summary"]
        self.assertEqual(summary["differing"], len(lines))
        self.assertGreater(summary["classes"], len(lines))
        admin = [x for x in lines if x["path_class"] == "= /admin"]
        self.assertEqual(len(admin), 1)
        self.assertEqual(admin[0]["old"], "service shop/blog-admin:80")
        self.assertEqual(admin[0]["new"], "service shop/blog:80")
        self.assertTrue(admin[0]["exact"])
        self.assertIsNone(admin[0]["method"])
        self.assertEqual(admin[0]["old_code"], "KG_OK")
        # options between the operands too; after "--" all are files
        rc, out2, _ = run("--dialect", "ingress-nginx", OLD, "--json", "--",
                          NEW)
        self.assertEqual((rc, out2), (1, out))
        rc, _, err = run("--dialect", "ingress-nginx", OLD, "--", NEW,
                         "--json")
        self.assertEqual(rc, 2)
        self.assertIn("--json", err)

    def test_equal_is_zero(self):
        rc, out, _ = run(NEW, "--", NEW)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^no difference in \d+ request classes")
        rc, out, _ = run("--dialect", "ingress-nginx", "--json", OLD, "--",
                         OLD)
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)["summary"]["differing"], 0)

    def test_errors_are_two(self):
        self.assertEqual(run(OLD, NEW)[0], 2)          # no --
        self.assertEqual(run(OLD, "--")[0], 2)         # nothing after it
        self.assertEqual(run("--", NEW)[0], 2)         # nothing before it
        self.assertEqual(run("--port", "x", OLD, "--", NEW)[0], 2)
        self.assertEqual(run("--gateway", "nons", OLD, "--", NEW)[0], 2)
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.yaml")
            with open(bad, "w") as f:
                f.write("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                        "metadata: {name: x}\nspec: {}\n")
            rc, _, err = run(OLD, "--", bad)
            self.assertEqual(rc, 2)
            self.assertIn("bad.yaml", err)
            self.assertEqual(run(OLD, "--", os.path.join(d, "none"))[0], 2)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
