# SPDX-License-Identifier: MIT
"""Tests of the foundation of the Python binding: library lookup, version,
Ruleset.from_yaml / from_files, diagnostics, exceptions, options and the
life cycle of a Ruleset.

Run by `meson test --suite python` with KGRESS_LIBRARY pointing at the
build's libkgress.so and PYTHONPATH at the package in the source tree.
"""

import gc
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

import kgress

NAMESPACE = textwrap.dedent("""\
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      labels:
        team: web
    """)

POD = textwrap.dedent("""\
    apiVersion: v1
    kind: Pod
    metadata:
      name: api-0
      namespace: shop
      creationTimestamp: "2024-01-02T03:04:05Z"
    status:
      podIP: 10.0.0.5
    """)

# metadata.name missing: KG_EREQUIRED at metadata's mark (line 4, col 3)
NO_NAME = textwrap.dedent("""\
    apiVersion: v1
    kind: Namespace
    metadata:
      labels:
        a: b
    """)

SERVICE = textwrap.dedent("""\
    apiVersion: v1
    kind: Service
    metadata:
      name: whatever
    spec: {ports: [{port: 80}]}
    """)


def nested(depth):
    """A document nesting `depth` maps: a: {a: {... 1}}."""
    return "kind: X\nx: " + "{a: " * depth + "1" + "}" * depth + "\n"


class TestLibrary(unittest.TestCase):
    def test_version(self):
        v = kgress.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        major, minor, patch = (int(x) for x in v.split("."))
        self.assertEqual(kgress.version_number(),
                         major * 10000 + minor * 100 + patch)

    def test_library_from_env(self):
        env = os.environ.get("KGRESS_LIBRARY")
        if not env:
            self.skipTest("KGRESS_LIBRARY not set")
        self.assertEqual(kgress.library_path(), env)

    def _import_with(self, library):
        env = dict(os.environ)
        env["KGRESS_LIBRARY"] = library
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(
            os.path.abspath(kgress.__file__)))
        return subprocess.run(
            [sys.executable, "-c",
             "import kgress; print(kgress.library_path())"],
            env=env, capture_output=True, text=True, timeout=60)

    def test_env_missing_library_is_import_error(self):
        r = self._import_with("/nonexistent/libkgress.so.0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn("KGRESS_LIBRARY", r.stderr)
        self.assertIn("/nonexistent/libkgress.so.0", r.stderr)

    def test_env_foreign_library_is_import_error(self):
        # a loadable library without the kg_ symbols
        import ctypes.util
        libc = ctypes.util.find_library("c") or "libc.so.6"
        r = self._import_with(libc)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn("kg_version", r.stderr)

    def test_env_library_is_used(self):
        lib = kgress.library_path()
        r = self._import_with(lib)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), lib)

    def test_build_tree_search(self):
        from kgress import _native
        with tempfile.TemporaryDirectory() as root:
            def lib(build, name, mtime, content=b"\x7fELF"):
                d = os.path.join(root, build, "lib")
                os.makedirs(d, exist_ok=True)
                p = os.path.join(d, name)
                with open(p, "wb") as f:
                    f.write(content)
                os.utime(p, (mtime, mtime))
                return p
            old = lib("build-old", "libkgress.so.0", 1000)
            new = lib("build-new", "libkgress.so", 3000)
            plain = lib("build", "libkgress.so.0.1.0", 500)
            lib("build-asan", "libkgress.so", 4000,
                b"\x7fELF...libasan.so.8\0...")
            lib("other", "libkgress.so", 5000)  # not a build* folder
            os.makedirs(os.path.join(root, "build-empty", "lib"))
            start = os.path.join(root, "python", "kgress")
            os.makedirs(start)
            got = [p for p in _native._build_tree_candidates(start)
                   if p.startswith(root)]
            self.assertEqual(got, [plain, new, old])

    def test_import_error_names_what_it_tried(self):
        # the package alone, far from any build tree, without KGRESS_LIBRARY
        import shutil
        probe = ("import ctypes.util, sys\n"
                 "if ctypes.util.find_library('kgress'):\n"
                 "    print('installed'); sys.exit(0)\n"
                 "import kgress\n"
                 "print('imported', kgress.__version__, flush=True)\n"
                 "kgress.version()\n")
        with tempfile.TemporaryDirectory() as root:
            pkg = os.path.dirname(os.path.abspath(kgress.__file__))
            shutil.copytree(pkg, os.path.join(root, "kgress"),
                            ignore=shutil.ignore_patterns("__pycache__"))
            env = dict(os.environ)
            env.pop("KGRESS_LIBRARY", None)
            env.pop("LD_LIBRARY_PATH", None)
            env["PYTHONPATH"] = root
            r = subprocess.run([sys.executable, "-c", probe],
                               env=env, capture_output=True, text=True,
                               timeout=60, cwd=root)
        if r.stdout.strip() == "installed":
            self.skipTest("libkgress is installed on this system")
        # the library loads on first use: import works without it
        self.assertIn("imported " + kgress.__version__, r.stdout)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        for tried in ("KGRESS_LIBRARY (not set)", "libkgress.so* in",
                      "find_library('kgress')", "libkgress.so.0"):
            self.assertIn(tried, r.stderr)
        # not a source tree: no build tree is searched
        self.assertNotIn("build*/lib/libkgress.so*", r.stderr)

    def test_version_and_typed(self):
        self.assertEqual(kgress.__version__, kgress.version())
        pkg = os.path.dirname(os.path.abspath(kgress.__file__))
        self.assertTrue(os.path.isfile(os.path.join(pkg, "py.typed")))
        root = os.path.dirname(os.path.dirname(pkg))
        with open(os.path.join(root, "meson.build")) as f:
            self.assertIn("version: '%s'" % kgress.__version__, f.read())

    def test_error_names(self):
        self.assertEqual(kgress.error_name(0), "KG_OK")
        self.assertEqual(kgress.error_name(-1), "KG_ENOMEM")
        self.assertEqual(kgress.error_name(-4), "KG_ECOMPILE")
        self.assertEqual(kgress.error_name(12345), "KG_E?")
        self.assertEqual(kgress.strerror(-1), "out of memory")
        self.assertEqual(kgress.strerror(-9999), "unknown error")


class TestFromYaml(unittest.TestCase):
    def test_valid_str_and_bytes(self):
        for text in (NAMESPACE + "---\n" + POD,
                     (NAMESPACE + "---\n" + POD).encode()):
            with kgress.Ruleset.from_yaml(text) as rs:
                self.assertIsInstance(rs, kgress.Ruleset)
                self.assertEqual(rs.diagnostics, [])
                self.assertEqual(rs.warnings, [])

    def test_empty_input(self):
        with kgress.Ruleset.from_yaml("") as rs:
            self.assertEqual(rs.diagnostics, [])

    def test_unknown_kind_skipped_silently(self):
        with kgress.Ruleset.from_yaml(SERVICE) as rs:
            self.assertEqual(rs.diagnostics, [])

    def test_list_kinds_and_json(self):
        json_list = ('{"apiVersion": "v1", "kind": "List", "items": ['
                     '{"apiVersion": "v1", "kind": "Namespace",'
                     ' "metadata": {"name": "a"}},'
                     '{"apiVersion": "v1", "kind": "Namespace",'
                     ' "metadata": {"name": "Bad_Name"}}]}')
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(json_list, name="list.json")
        d, = cm.exception.diagnostics
        self.assertEqual(d.code, "KG_EINVALID")
        self.assertEqual(d.path, "metadata.name")
        self.assertEqual((d.file, d.line), ("list.json", 1))

    def test_missing_name(self):
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(NAMESPACE + "---\n" + NO_NAME,
                                     name="ns.yaml")
        e = cm.exception
        self.assertIsInstance(e, kgress.Error)
        self.assertIsInstance(e, Exception)
        self.assertEqual(e.code, -4)
        self.assertEqual(e.code_name, "KG_ECOMPILE")
        d, = e.diagnostics
        self.assertEqual(d, kgress.Diagnostic(
            "error", "KG_EREQUIRED", "ns.yaml", "metadata.name", 11, 3,
            "Required value", "Namespace (no name)"))
        self.assertEqual(e.errors, [d])
        self.assertEqual(str(d), "ns.yaml:11:3: error: Namespace (no name): "
                         "metadata.name: Required value")
        self.assertIn("1 error in the input", str(e))
        self.assertIn(str(d), str(e))

    def test_kinds_pods_signatures_repr(self):  # issue 15 item 5
        import inspect
        cluster = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "examples", "cluster",
                               "cluster.yaml")
        with kgress.Ruleset.from_files(cluster) as rs:
            self.assertEqual(rs.kinds["Pod"][1], 0)
            self.assertTrue(rs.kinds["Pod"][0] >= 2)
            self.assertIn("NetworkPolicy", rs.kinds)
            self.assertRegex(repr(rs), r"<kgress.Ruleset open, .*\d+ Pod")
            pod = rs.pod("10.244.1.10")
            self.assertIn("10.244.1.10", rs.pod_addresses(pod))
            with self.assertRaises(LookupError):
                rs.pod_addresses("shop/nope")
            self.assertEqual(rs.host_group("APP.company.com."),
                             "app.company.com")
            with self.assertRaises(ValueError):
                rs.pod_addresses("nope")
        self.assertIn("closed", repr(rs))
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml("kind: Pod\napiVersion: v1\n"
                                     "metadata: {}\n---\nkind: ConfigMap\n"
                                     "apiVersion: v1\nmetadata: {name: c}\n")
        self.assertEqual(cm.exception.kinds, {"ConfigMap": (0, 1),
                                              "Pod": (1, 0)})
        for f in (kgress.Ruleset.from_yaml, kgress.Ruleset.from_files):
            params = inspect.signature(f).parameters
            for opt in ("ingress_class", "dialect", "skip_invalid",
                        "service_any_endpoint", "limits"):
                self.assertIn(opt, params)
                self.assertEqual(params[opt].kind,
                                 inspect.Parameter.KEYWORD_ONLY)
            self.assertFalse(any(p.kind == inspect.Parameter.VAR_KEYWORD
                                 for p in params.values()))
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", bogus=True)

    def test_objects_named_in_file_order(self):  # issue 15 item 9
        a = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
             "metadata: {name: Bad_Name, namespace: shop}\n"
             "spec:\n  podSelector: {matchLabels: {\"bad key!\": x}}\n"
             "  policyTypes: [Sideways]\n")
        with tempfile.TemporaryDirectory() as tmp:
            pa, pb = os.path.join(tmp, "a.yaml"), os.path.join(tmp, "b.yaml")
            with open(pa, "w") as f:
                f.write(a)
            with open(pb, "w") as f:
                f.write("kind: Pod\napiVersion: v1\nmetadata: [\n")
            with self.assertRaises(kgress.CompileError) as cm:
                kgress.Ruleset.from_files(pa, pb)
        got = [(os.path.basename(d.file), d.line, d.object, d.path)
               for d in cm.exception.diagnostics]
        # the bad name does not hide the spec's errors; a.yaml (added
        # first) before b.yaml's syntax error, reported first
        self.assertEqual(got[:3], [
            ("a.yaml", 3, "NetworkPolicy shop/Bad_Name", "metadata.name"),
            ("a.yaml", 5, "NetworkPolicy shop/Bad_Name",
             "spec.podSelector.matchLabels[bad key!]"),
            ("a.yaml", 6, "NetworkPolicy shop/Bad_Name",
             "spec.policyTypes[0]")])
        self.assertEqual(got[3][:3], ("b.yaml", 4, ""))
        self.assertEqual(len(got), 4)

    def test_syntax_error_mark(self):
        text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [a, b\n"
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text)
        d, = cm.exception.diagnostics
        self.assertEqual(d.code, "KG_ESYNTAX")
        self.assertEqual(d.file, "<input>")
        self.assertEqual(d.severity, "error")
        self.assertEqual((d.line, d.column), (5, 1))
        self.assertIn("malformed YAML", d.message)

    def test_every_error_reported(self):
        bad = textwrap.dedent("""\
            apiVersion: v1
            kind: Namespace
            metadata:
              name: UPPER
              labels:
                "bad key!": x
            """)
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(bad + "---\n" + NO_NAME)
        paths = [(d.code, d.path, d.line) for d in cm.exception.diagnostics]
        self.assertEqual(paths, [
            ("KG_EINVALID", "metadata.name", 4),
            ("KG_EINVALID", "metadata.labels[bad key!]", 6),
            ("KG_EREQUIRED", "metadata.name", 11),
        ])
        self.assertIn("3 errors", str(cm.exception))

    def test_old_api_version_is_warning(self):
        text = textwrap.dedent("""\
            apiVersion: extensions/v1beta1
            kind: Ingress
            metadata:
              name: old
            """)
        with kgress.Ruleset.from_yaml(text) as rs:
            w, = rs.warnings
            self.assertEqual(w.severity, "warning")
            self.assertEqual(w.code, "KG_ENOTSUPPORTED")
            self.assertEqual(w.path, "apiVersion")
            self.assertEqual((w.line, w.column), (1, 13))
            self.assertEqual(rs.diagnostics, [w])

    def test_skip_invalid(self):
        with self.assertRaises(kgress.CompileError):
            kgress.Ruleset.from_yaml(NO_NAME)
        with kgress.Ruleset.from_yaml(NAMESPACE + "---\n" + NO_NAME,
                                      skip_invalid=True) as rs:
            w, = rs.warnings
            self.assertEqual((w.code, w.path), ("KG_EREQUIRED",
                                                "metadata.name"))

    def test_non_utf8_bytes(self):
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(b"a: 1\nb: \xff\xfe oops\n")
        d, = cm.exception.diagnostics
        self.assertEqual(d.code, "KG_EENCODING")
        self.assertEqual((d.line, d.column), (2, 4))

    def test_bad_text_type(self):
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml(42)
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("a: 1", name="x\0y")


class TestFromFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        p = os.path.join(self.dir.name, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def test_files(self):
        a = self.write("a.yaml", NAMESPACE)
        b = self.write("b.yaml", POD)
        with kgress.Ruleset.from_files(a, b) as rs:
            self.assertEqual(rs.diagnostics, [])
        import pathlib
        with kgress.Ruleset.from_files(pathlib.Path(a)) as rs:
            self.assertFalse(rs.closed)

    def test_errors_of_every_file(self):
        a = self.write("a.yaml", NO_NAME)
        b = self.write("b.yaml", "x: [\n")
        missing = os.path.join(self.dir.name, "missing.yaml")
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_files(a, missing, b)
        got = [(d.file, d.code) for d in cm.exception.diagnostics]
        self.assertCountEqual(got, [(a, "KG_EREQUIRED"), (missing, "KG_EIO"),
                                    (b, "KG_ESYNTAX")])
        io, = [d for d in cm.exception.diagnostics if d.code == "KG_EIO"]
        self.assertIn("No such file", io.message)

    def test_file_over_byte_limit(self):
        a = self.write("big.yaml", NAMESPACE)
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_files(a, limits={"input_bytes": 10})
        d, = cm.exception.diagnostics
        self.assertEqual((d.file, d.code), (a, "KG_ELIMIT_BYTES"))

    def test_no_files(self):
        with kgress.Ruleset.from_files() as rs:
            self.assertEqual(rs.diagnostics, [])


class TestDataFiles(unittest.TestCase):
    """tests/data/yaml/NAME.expect lists the diagnostics of NAME.yaml or
    NAME.json (`severity CODE path line:col`); the C tests read the same
    files, so the binding must report exactly what the library does."""

    def test_expectations(self):
        data = os.environ.get("KGRESS_TEST_DATA") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "data")
        folder = os.path.join(data, "yaml")
        expects = sorted(f for f in os.listdir(folder)
                         if f.endswith(".expect"))
        self.assertGreaterEqual(len(expects), 8)
        for e in expects:
            stem = os.path.join(folder, e[:-len(".expect")])
            src = stem + ".yaml" if os.path.exists(stem + ".yaml") \
                else stem + ".json"
            want = []
            with open(os.path.join(folder, e), encoding="utf-8") as f:
                for line in f:
                    line = line.rstrip("\r\n")
                    if not line or line.startswith("#"):
                        continue
                    sev, code, rest = line.split(" ", 2)
                    path, _, mark = rest.rpartition(" ")
                    ln, col = (int(x) for x in mark.split(":"))
                    want.append((sev, code, path, ln, col))
            with self.subTest(file=src):
                try:
                    with kgress.Ruleset.from_files(src) as rs:
                        got = rs.diagnostics
                    self.assertFalse(any(w[0] == "error" for w in want))
                except kgress.CompileError as err:
                    got = err.diagnostics
                    self.assertTrue(any(w[0] == "error" for w in want))
                self.assertEqual(
                    [(d.severity, d.code, d.path, d.line, d.column)
                     for d in got], want)
                for d in got:
                    self.assertEqual(d.file, src)
                    self.assertTrue(d.message)


class TestOptions(unittest.TestCase):
    def code_of(self, text, **opts):
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text, **opts)
        return [d.code for d in cm.exception.diagnostics]

    def test_limits(self):
        # each limit reaches the loader and hits with its own code
        self.assertEqual(self.code_of(nested(5), limits={"depth": 4}),
                         ["KG_ELIMIT_DEPTH"])
        kgress.Ruleset.from_yaml(nested(5), limits={"depth": 6}).close()
        self.assertEqual(self.code_of("a: [1, 2, 3]", limits={"nodes": 4}),
                         ["KG_ELIMIT_NODES"])
        self.assertEqual(self.code_of("a: abcdef",
                                      limits={"scalar_bytes": 5}),
                         ["KG_ELIMIT_SCALAR"])
        self.assertEqual(self.code_of("a: 1\n---\nb: 1\n---\nc: 1\n",
                                      limits={"documents": 2}),
                         ["KG_ELIMIT_DOCUMENTS"])
        self.assertEqual(self.code_of("a: 12345", limits={"input_bytes": 4}),
                         ["KG_ELIMIT_BYTES"])
        # item 10: object_nodes per object, nodes per source
        two = "kind: X\na: [1]\n---\nkind: X\nb: [1]\n"  # 6 nodes each
        kgress.Ruleset.from_yaml(two, limits={"object_nodes": 6}).close()
        got = self.code_of(two, limits={"nodes": 11})
        self.assertEqual(got, ["KG_ELIMIT_NODES"])

    def test_text_escape(self):  # kg_text_escape, issue 15 item 17
        self.assertEqual(kgress.text_escape("plain/é"), "plain/é")
        self.assertEqual(kgress.text_escape("a\nb\x1b[2J"), "a\\x0ab\\x1b[2J")
        self.assertEqual(kgress.text_escape(b"\xff\x7f"), "\\xff\\x7f")
        self.assertEqual(kgress.text_escape("\u202e"), "\\u202e")
        self.assertEqual(kgress.text_escape(""), "")
        with self.assertRaises(TypeError):
            kgress.text_escape(5)

    def test_hostile_names_are_escaped(self):  # issue 15 item 17
        text = ('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n'
                '  namespace: d\n  labels: {"a\\nb\\e[2J\\u202e": v}\n')
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text, name="in\nput")
        d = cm.exception.diagnostics[0]
        self.assertEqual(d.path, "metadata.labels[a\\x0ab\\x1b[2J\\u202e]")
        self.assertEqual(d.file, "in\\x0aput")
        self.assertNotIn("\n", str(cm.exception).splitlines()[1])
        self.assertTrue(d.message.isprintable())

    def test_diagnostics_cap(self):  # issue 15 item 16
        text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                "  namespace: d\n  labels:\n"
                + "".join('    "bad %d!": x\n' % i for i in range(3000)))
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text)
        e = cm.exception
        self.assertEqual(len(e.diagnostics), 1001)
        self.assertEqual((e.error_count, e.warning_count), (3000, 0))
        self.assertEqual(len(e.errors), 1000)  # the kept errors
        more = e.diagnostics[-1]
        self.assertEqual((more.code, more.severity, more.line),
                         ("KG_ELIMIT_DIAGNOSTICS", "error", 0))
        self.assertIn("2000 more diagnostics", more.message)
        self.assertTrue(str(e).startswith("3000 errors in the input"))
        with self.assertRaises(kgress.CompileError) as cm:
            kgress.Ruleset.from_yaml(text, limits={"diagnostics": 2})
        self.assertEqual(len(cm.exception.diagnostics), 3)
        self.assertIn("2998 more", cm.exception.diagnostics[-1].message)
        with kgress.Ruleset.from_yaml(text, skip_invalid=True,
                                      limits={"diagnostics": 2}) as rs:
            self.assertEqual([d.severity for d in rs.diagnostics],
                             ["warning"] * 3)

    def test_aliases(self):
        text = "kind: X\na: &x [1, 2]\nb: *x\n"
        self.assertEqual(self.code_of(text), ["KG_EALIAS"])
        kgress.Ruleset.from_yaml(text, limits={"alias_nodes": 3}).close()
        self.assertEqual(self.code_of(text, limits={"alias_nodes": 2}),
                         ["KG_ELIMIT_ALIAS"])

    def test_bad_limits(self):
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("", limits={"depth": 0})
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("", limits={"nope": 1})
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("", limits={"depth": -1})
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("", limits={"depth": 1 << 64})
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", limits={"depth": "3"})
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", limits=[("depth", 3)])

    def test_bad_options(self):
        with self.assertRaises(ValueError):
            kgress.Ruleset.from_yaml("", dialect="nginx")
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", no_such_option=True)
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", normalize=1)
        with self.assertRaises(TypeError):
            kgress.Ruleset.from_yaml("", ingress_class=b"nginx")
        with self.assertRaises(ValueError):  # longer than 253 bytes
            kgress.Ruleset.from_yaml("", ingress_class="a" * 254)

    def test_good_options(self):
        opts = dict(ingress_class="nginx", dialect="ingress-nginx",
                    normalize=False, skip_invalid=True,
                    reject_escaped_slash=True, ipblock_matches_pods=False,
                    select_hostnetwork=True, allow_node_ingress=False,
                    allow_loopback=False, strict_cidr=True,
                    limits={k: 1000 for k in kgress.LIMITS})
        with kgress.Ruleset.from_yaml(NAMESPACE, **opts) as rs:
            self.assertEqual(rs.diagnostics, [])
        with kgress.Ruleset.from_yaml(NAMESPACE, ingress_class="") as rs:
            self.assertEqual(rs.diagnostics, [])

    def test_option_tables_match_header(self):
        # the numbers are the header's enums: spot-check both ends
        self.assertEqual(kgress.LIMITS["input_bytes"], 1)
        self.assertEqual(kgress.LIMITS["alias_nodes"], 6)
        self.assertEqual(kgress.FLAGS["normalize"], 1)
        self.assertEqual(kgress.FLAGS["strict_cidr"], 8)
        self.assertEqual(kgress.DIALECTS["ingress-nginx"], 1)


class TestLifeCycle(unittest.TestCase):
    def test_close_twice(self):
        rs = kgress.Ruleset.from_yaml(NAMESPACE)
        self.assertFalse(rs.closed)
        rs.close()
        self.assertTrue(rs.closed)
        rs.close()
        self.assertTrue(rs.closed)
        self.assertIn("closed", repr(rs))
        with self.assertRaises(ValueError):
            rs.dump()
        with self.assertRaises(ValueError):
            with rs:
                pass

    def test_context_manager(self):
        with kgress.Ruleset.from_yaml(NAMESPACE) as rs:
            self.assertFalse(rs.closed)
            self.assertIsInstance(rs.dump(), str)
            self.assertIsInstance(rs.dump("json"), str)
            with self.assertRaises(ValueError):
                rs.dump("xml")
        self.assertTrue(rs.closed)

    def test_context_manager_closes_on_exception(self):
        with self.assertRaises(KeyError):
            with kgress.Ruleset.from_yaml(NAMESPACE) as rs:
                raise KeyError("boom")
        self.assertTrue(rs.closed)

    def test_del_without_close(self):
        for _ in range(100):
            kgress.Ruleset.from_yaml(NAMESPACE)
        gc.collect()

    def test_dump_json_is_json(self):
        import json
        with kgress.Ruleset.from_yaml(NAMESPACE) as rs:
            obj = json.loads(rs.dump("json"))
        self.assertIsInstance(obj, dict)
        self.assertTrue(re.search(r"routes|policies", " ".join(obj)))


if __name__ == "__main__":
    unittest.main()
