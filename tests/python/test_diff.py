# SPDX-License-Identifier: MIT
"""kgress.diff (kg_route_diff): the migration example of
examples/migration, each reported witness checked through Ruleset.route,
equal sets, options and errors."""

import os
import unittest

import kgress

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
EX = os.path.join(ROOT, "examples", "migration")


def load(side, **kw):
    d = os.path.join(EX, side)
    files = sorted(os.path.join(d, f) for f in os.listdir(d)
                   if f.endswith(".yaml"))
    return kgress.Ruleset.from_files(*files, **kw)


def answer(rs, gw, d):
    """The witness's answers over every pick, from Ruleset.route."""
    kw = {"port": d.port} if gw else {}
    seen = []
    pick, total = 0, 1
    while pick < total:
        r = rs.route(d.host, d.path, method=d.method, headers=d.headers,
                     pick=pick, **kw)
        if r is None:
            return ["no route"]
        total = r.total_weight or 1
        seen.append((r.status, r.backend_namespace or r.namespace, r.service,
                     r.port))
        pick += 1
    return sorted(seen)


class TestDiff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.old = load("ingress", dialect="ingress-nginx")
        cls.new = load("gateway")

    @classmethod
    def tearDownClass(cls):
        cls.old.close()
        cls.new.close()

    def test_migration(self):
        r = kgress.diff(self.old, self.new)
        self.assertIsInstance(r, kgress.RouteDiff)
        self.assertGreater(r.classes, len(r.differences))
        got = {(d.host_class, d.path_class, d.conditions, d.old, d.new)
               for d in r.differences}
        # the Exact /admin now needs a header the Ingress never asked for
        self.assertIn(("blog.example.com", "= /admin", "",
                       "service shop/blog-admin:80", "service shop/blog:80"),
                      got)
        # the catch-all defaultBackend has no HTTPRoute
        self.assertIn(("*", "/...", "", "service shop/not-found:80",
                       "no route"), got)
        # ingress-nginx regexes are case-insensitive, RegularExpression
        # and PathPrefix matches are not
        rows = [d for d in r.differences if d.path == "/API/"]
        self.assertEqual(len(rows), 1)
        self.assertFalse(rows[0].exact)
        self.assertEqual(rows[0].old, "service shop/api:8080")
        for d in r.differences:
            self.assertEqual(d.port, 80)
            self.assertIn(d.old_code, ("KG_OK", "KG_ENOMATCH"))
            self.assertNotEqual(answer(self.old, False, d),
                                answer(self.new, True, d), d)

    def test_equal_and_options(self):
        r = kgress.diff(self.new, self.new)
        self.assertEqual(r.differences, [])
        self.assertGreater(r.classes, 0)
        # filters: the URLRewrite of /api is an answer of its own now
        plain = kgress.diff(self.old, self.new)
        withf = kgress.diff(self.old, self.new, filters=True)
        self.assertGreater(len(withf.differences), len(plain.differences))
        self.assertTrue(any("rewrite-path /" in d.new
                            for d in withf.differences))
        # no listener on 8080: every class of the Gateway side is no route
        r = kgress.diff(self.old, self.new, port=8080)
        self.assertTrue(r.differences)
        self.assertTrue(all(d.new == "no route" for d in r.differences))
        r = kgress.diff(self.old, self.new, gateway="shop/shop",
                        max_combinations=1)
        self.assertEqual(len(r.differences), len(plain.differences))

    def test_errors(self):
        with self.assertRaises(ValueError):
            kgress.diff(self.old, self.new, port=70000)
        with self.assertRaises(ValueError):
            kgress.diff(self.old, self.new, max_combinations=-1)
        rs = load("gateway")
        rs.close()
        with self.assertRaises(ValueError):
            kgress.diff(self.old, rs)


if __name__ == "__main__":
    unittest.main()
