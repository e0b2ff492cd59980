# SPDX-License-Identifier: MIT
"""The kgress command line conventions (issue 15 items 6-11, 16-18):
per-command help and --version, answers per line as a coprocess, JSON
diagnostics on stderr, limit errors naming their flag, a directory as
input, whole lines, strict ports, pods by name, the diagnostics cap,
output safe to log and to parse.

argv[1]: the kgress binary; argv[2]: the source root."""

import json
import os
import re
import select
import subprocess
import sys
import tempfile
import unittest

KGRESS = SRC = None
CLUSTER = None


def run(*args, stdin=None):
    p = subprocess.run([KGRESS] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Watch(unittest.TestCase):
    POLICY = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
              "metadata: {name: deny, namespace: x}\nspec:\n"
              "  podSelector: {}\n  ingress:\n"
              "  - from: [{podSelector: {matchLabels: {app: web}}}]\n")

    @staticmethod
    def ev(t, name, ip, app, rv):
        return json.dumps({"type": t, "object": {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "x",
                         "resourceVersion": str(rv), "labels": {"app": app}},
            "status": {"podIP": ip}}}) + "\n"

    def test_watch_batches(self):
        with tempfile.TemporaryDirectory() as d:
            pol = os.path.join(d, "pol.yaml")
            events = os.path.join(d, "ev.json")
            flows = os.path.join(d, "flows")
            with open(pol, "w") as f:
                f.write(self.POLICY)
            with open(events, "w") as f:
                f.write(self.ev("ADDED", "a", "10.0.0.1", "db", 1) +
                        self.ev("ADDED", "b", "10.0.0.2", "db", 2) + "\n" +
                        '{"type": "BOGUS", "object": {}}\n' +
                        self.ev("MODIFIED", "a", "10.0.0.1", "web", 3) +
                        self.ev("MODIFIED", "a", "10.0.0.1", "db", 2))
            with open(flows, "w") as f:
                f.write("x/a x/b 80\n")
            rc, out, err = run("check", pol, "--watch", events, "--flows",
                               flows)
            lines = out.splitlines()
            self.assertEqual(lines[0], "# batch 0: resourceVersion -, "
                                       "1 objects")
            self.assertIn("no such pod: x/a", err)  # not yet
            self.assertEqual(lines[1], "# batch 1: resourceVersion 2, "
                                       "3 objects")
            self.assertIn("denied", lines[2])
            self.assertEqual(lines[3], "# batch 2: resourceVersion 3, "
                                       "3 objects")
            # the replay (version 2) did not undo the change to web
            self.assertIn("allowed by x/deny ingress[0]", lines[4])
            self.assertEqual(len(lines), 5)
            self.assertEqual(rc, 0)
            self.assertIn("KG_ENOTSUPPORTED", err)
            # events on stdin, one flow from the options, JSON
            with open(events) as f:
                rc, out, _ = run("check", pol, "--watch", "-", "--src",
                                 "10.0.0.1", "--dst", "10.0.0.2", "--port",
                                 "80", "--json", stdin=f.read())
            rows = [json.loads(x) for x in out.splitlines()]
            self.assertEqual(rows[-2], {"batch": 2, "resource_version": "3",
                                        "objects": 3})
            self.assertTrue(rows[-1]["allowed"])
            # an ERROR event ends the watch: status 3
            rc, out, err = run("check", pol, "--watch", "-", "--flows", flows,
                               stdin='{"type":"ERROR","object":{"kind":'
                                     '"Status","code":410}}')
            self.assertEqual(rc, 3)
            self.assertIn("KG_ERELIST", err)
            rc, _, err = run("check", pol, "--watch", "-")
            self.assertEqual(rc, 2)
            rc, _, err = run("check", pol, "--flows", flows)
            self.assertEqual(rc, 2)

    INGRESS = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
               "metadata: {name: web, namespace: d}\nspec:\n  rules:\n"
               "  - host: a.com\n    http:\n      paths:\n"
               "      - {path: /, pathType: Prefix, backend: {service: "
               "{name: web, port: {number: 80}}}}\n")

    @staticmethod
    def ing(t, name, path, rv):
        return json.dumps({"type": t, "object": {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": "d",
                         "resourceVersion": str(rv)},
            "spec": {"rules": [{"host": "a.com", "http": {"paths": [{
                "path": path, "pathType": "Prefix", "backend": {
                    "service": {"name": name, "port": {"number": 8080}}}}]}}]
            }}}) + "\n"

    def test_route_watch(self):
        with tempfile.TemporaryDirectory() as d:
            ing = os.path.join(d, "ing.yaml")
            events = os.path.join(d, "ev.json")
            reqs = os.path.join(d, "reqs")
            with open(ing, "w") as f:
                f.write(self.INGRESS)
            with open(events, "w") as f:
                f.write(self.ing("ADDED", "api", "/api", 6) + "\n" +
                        self.ing("DELETED", "web", "/", 7) +
                        self.ing("MODIFIED", "api", "/v2", 5))  # a replay
            with open(reqs, "w") as f:
                f.write("a.com /api/x\n# a comment\na.com /\n")
            rc, out, err = run("route", ing, "--watch", events, "--requests",
                               reqs)
            self.assertEqual(out.splitlines(), [
                "# batch 0: resourceVersion -, 1 objects",
                "a.com /api/x -> d/web service web:80 (Prefix /) path /api/x",
                "a.com / -> d/web service web:80 (Prefix /) path /",
                "# batch 1: resourceVersion 6, 2 objects",
                "a.com /api/x -> d/api service api:8080 (Prefix /api) path "
                "/api/x",
                "a.com / -> d/web service web:80 (Prefix /) path /",
                "# batch 2: resourceVersion 7, 1 objects",
                "a.com /api/x -> d/api service api:8080 (Prefix /api) path "
                "/api/x",
                "a.com / -> no match in host group a.com (normalized path /)"])
            self.assertEqual(rc, 1)  # the last batch has a miss
            # events on stdin, one request from the options, JSON
            with open(events) as f:
                rc, out, _ = run("route", ing, "--watch", "-", "--host",
                                 "a.com", "--path", "/api", "--json",
                                 stdin=f.read())
            rows = [json.loads(x) for x in out.splitlines()]
            self.assertEqual(rows[-2], {"batch": 2, "resource_version": "7",
                                        "objects": 1})
            self.assertEqual(rows[-1]["ingress"], "api")
            self.assertEqual(rc, 0)
            # an ERROR event ends the watch: status 3
            rc, out, err = run("route", ing, "--watch", "-", "--requests",
                               reqs, stdin='{"type":"ERROR","object":{"kind":'
                                           '"Status","code":410}}')
            self.assertEqual(rc, 3)
            self.assertIn("KG_ERELIST", err)
            rc, _, err = run("route", ing, "--watch", "-")
            self.assertEqual(rc, 2)
            rc, _, err = run("route", ing, "--requests", reqs)
            self.assertEqual(rc, 2)
            self.assertIn("--requests goes with --watch", err)


class Help(unittest.TestCase):
    def test_every_command_help(self):  # item 6
        for cmd in ("validate", "route", "check", "explain", "matrix", "dump",
                    "diff"):
            rc, out, err = run(cmd, "--help")
            self.assertEqual(rc, 0, cmd)
            self.assertTrue(out.startswith("usage: kgress " + cmd), out)
            self.assertEqual(err, "")
            rc, out2, _ = run("help", cmd)
            self.assertEqual((rc, out2), (0, out))
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        for args in (["help"], ["help", "--help"], ["help", "-h"]):
            self.assertEqual(run(*args)[:2], (0, out), args)

    def test_version(self):  # item 6
        for args in (["--version"], ["route", "--version"]):
            rc, out, _ = run(*args)
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"^kgress \d+\.\d+\.\d+\n$")

    def test_usage_errors(self):
        rc, _, err = run("route", "--bogus", CLUSTER)
        self.assertEqual(rc, 2)
        self.assertIn("--bogus", err)
        rc, _, err = run("route", CLUSTER, "--host")
        self.assertEqual(rc, 2)

    def test_every_limit_has_its_flag(self):  # item 9: names derived
        with open(os.path.join(SRC, "include", "kgress.h")) as f:
            header = f.read()
        names = re.findall(r"\bKG_LIMIT_([A-Z_]+)\s*=", header)
        self.assertTrue(names)
        _, out, _ = run("validate", "--help")
        for n in names:
            self.assertIn("--limit-" + n.lower().replace("_", "-"), out)


class ManAndCompletion(unittest.TestCase):
    def commands(self):
        _, out, _ = run("--help")
        block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
        return [l.split()[0] for l in block.splitlines()
                if l.split()[0] != "help"]

    def test_man_page_has_every_command_and_option(self):
        with open(os.path.join(SRC, "tools", "kgress", "kgress.1")) as f:
            man = f.read().replace("\\-", "-")
        for cmd in self.commands():
            self.assertIn("\n.SS %s\n" % cmd, man)
            _, out, _ = run(cmd, "--help")
            for opt in set(re.findall(r"--[a-z][a-z-]*", out)):
                if not opt.startswith("--limit-"):
                    self.assertIn(opt, man, cmd)

    def test_bash_completion(self):
        if not os.access("/bin/bash", os.X_OK):
            self.skipTest("no bash")
        script = os.path.join(SRC, "tools", "kgress", "kgress.bash")

        def complete(*words):
            sh = ('source "$1"; shift; COMP_WORDS=("$@"); '
                  'COMP_CWORD=$(($# - 1)); _kgress; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
            p = subprocess.run(["/bin/bash", "-c", sh, "x", script, KGRESS]
                               + list(words), capture_output=True,
                               text=True, timeout=30)
            return p.stdout.split()
        self.assertIn("route", complete("r"))
        self.assertEqual(set(complete("")) >= set(self.commands()), True)
        self.assertIn("--host", complete("route", "--h"))
        self.assertIn("--limit-nodes", complete("check", "--limit-n"))
        self.assertIn("ingress-nginx", complete("route", "--dialect", "i"))


class GatewayRoute(unittest.TestCase):  # issue 12
    ROUTES = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
              "metadata: {name: gw, namespace: infra}\n"
              "spec:\n  gatewayClassName: c\n  listeners:\n"
              "  - {name: http, port: 80, protocol: HTTP, allowedRoutes: "
              "{namespaces: {from: All}}}\n---\n"
              "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
              "metadata: {name: shop, namespace: web}\n"
              "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n"
              "  rules:\n"
              "  - matches: [{path: {value: /api}, method: GET, headers: "
              "[{name: x-v, value: '2'}]}]\n"
              "    backendRefs: [{name: api, port: 8080}]\n"
              "  - matches: [{path: {value: /old}}]\n"
              "    filters: [{type: RequestRedirect, requestRedirect: "
              "{scheme: https}}]\n")

    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(self.ROUTES)

    def tearDown(self):
        os.unlink(self.path)

    def test_method_header_gateway_port(self):
        rc, out, _ = run("route", self.path, "--gateway", "infra/gw",
                         "--port", "80", "--method", "GET", "--header",
                         "X-V: 2", "--host", "a", "--path", "/api/x")
        self.assertEqual(rc, 0)
        self.assertIn("HTTPRoute web/shop rule 0 match 0", out)
        self.assertIn("service web/api:8080", out)
        # without the header, or without --port/--gateway: no match
        rc, out, _ = run("route", self.path, "--port", "80", "--method",
                         "GET", "--host", "a", "--path", "/api")
        self.assertEqual(rc, 1)
        rc, _, _ = run("route", self.path, "--method", "GET", "--header",
                       "x-v: 2", "--host", "a", "--path", "/api")
        self.assertEqual(rc, 1)

    def test_miss_has_no_ingress_host_group(self):
        # a Gateway request's miss is not judged by the Ingress host groups
        rc, out, _ = run("route", self.path, "--port", "80", "--host", "a",
                         "--path", "/nothing")
        self.assertEqual(rc, 1)
        self.assertIn("-> no match (normalized path /nothing)", out)
        rc, out, _ = run("route", "--json", self.path, "--port", "80",
                         "--host", "a", "--path", "/nothing")
        d = json.loads(out)
        self.assertFalse(d["matched"])
        self.assertNotIn("host_group", d)

    def test_json_redirect(self):
        rc, out, _ = run("route", "--json", self.path, "--port", "80",
                         "--host", "a:80", "--path", "/old/p")
        self.assertEqual(rc, 0)
        d = json.loads(out)
        self.assertEqual(d["status"], 302)
        self.assertEqual(d["redirect"], {"scheme": "https", "host": "a",
                                         "port": 443, "path": "/old/p"})
        self.assertEqual(d["filters"], ["RequestRedirect"])

    def test_usage(self):
        for args in (["--gateway", "nope"], ["--port", "0"],
                     ["--header", "novalue"]):
            rc, _, err = run("route", self.path, *args)
            self.assertEqual(rc, 2, args)
            self.assertIn(args[0], err)


class Streaming(unittest.TestCase):
    def converse(self, args, lines):
        """Writes each line and reads its answer before the next, with
        stdin kept open: fails unless the tool answers line by line."""
        p = subprocess.Popen([KGRESS] + args, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, bufsize=1)
        answers = []
        try:
            for line in lines:
                p.stdin.write(line + "\n")
                p.stdin.flush()
                ready, _, _ = select.select([p.stdout], [], [], 10)
                self.assertTrue(ready, "no answer to %r while stdin is open"
                                % line)
                answers.append(p.stdout.readline())
        finally:
            p.stdin.close()
            p.wait(timeout=30)
            p.stdout.close()
        return answers

    def test_check_answers_each_line(self):  # item 7
        a = self.converse(["check", "--json", CLUSTER],
                          ["10.244.1.10 10.244.2.10 8080 TCP",
                           "10.244.1.10 10.244.3.10 9000 TCP"])
        self.assertTrue(json.loads(a[0])["allowed"])
        self.assertFalse(json.loads(a[1])["allowed"])

    def test_route_answers_each_line(self):  # item 7
        a = self.converse(["route", CLUSTER],
                          ["app.company.com /", "evil.company.com /"])
        self.assertEqual(len(a), 2)


class Lines(unittest.TestCase):
    def test_long_line_is_one_error(self):  # item 18
        pad = "x" * 5000
        rc, out, _ = run("check", "--json", CLUSTER,
                         stdin="10.244.1.10 10.244.2.10 8080 " + pad +
                         " 10.244.1.10 10.244.2.10 8080\n")
        self.assertEqual(rc, 2)
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, out[:300])
        self.assertIn("error", json.loads(lines[0]))

    def test_long_route_line_is_one_request(self):  # item 18
        path = "/" + "a" * 5000
        rc, out, _ = run("route", "--json", CLUSTER,
                         stdin="app.company.com " + path + "\n")
        lines = out.splitlines()
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0])["path"], path)

    def test_plus_port_is_not_a_port(self):  # item 18
        for port in ("+80", "0x50", "-1", "65536", "8e1"):
            rc, _, err = run("check", CLUSTER, "--src", "10.244.1.10",
                             "--dst", "10.244.2.10", "--port", port)
            self.assertEqual(rc, 2, port)
            self.assertIn("not a port", err)


def run_bytes(*args, stdin=b""):
    p = subprocess.run([KGRESS] + list(args), input=stdin,
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def assert_log_safe(test, data, lines=None):
    """data (bytes) is strict UTF-8 text whose only control byte is the
    newline ending each line, without C1 controls, line separators or bidi
    overrides; with `lines`, exactly that many lines."""
    text = data.decode("utf-8")  # strict: raises on malformed UTF-8
    for ch in text:
        o = ord(ch)
        test.assertFalse((o < 0x20 and ch != "\n") or 0x7f <= o <= 0x9f
                         or ch in "\u2028\u2029\u202a\u202b\u202c\u202d"
                         "\u202e\u2066\u2067\u2068\u2069",
                         "unsafe %r in %r" % (ch, text[:300]))
    if lines is not None:
        test.assertEqual(len(text.splitlines()), lines, text[:500])


class LogSafe(unittest.TestCase):  # item 17
    EVIL = (b"apiVersion: v1\nkind: Pod\nmetadata:\n"
            b"  name: \"p\\e]0;owned\\a\"\n  namespace: d\n  labels:\n"
            b"    \"a\\nerror: forged line\": v\n"
            b"    \"b\\e[2J\\u009b31m\\u202e\": v\n")

    def test_validate_text_and_json(self):
        rc, out, err = run_bytes("validate", "-", stdin=self.EVIL)
        self.assertEqual(rc, 1)
        # 3 diagnostics, the summary, read and skipped: one line each
        assert_log_safe(self, out, lines=6)
        self.assertIn(b"metadata.labels[a\\x0aerror: forged line]", out)
        rc, out, err = run_bytes("validate", "--json", "-", stdin=self.EVIL)
        assert_log_safe(self, out, lines=1)
        paths = [d["path"] for d in json.loads(out)["diagnostics"]]
        self.assertIn("metadata.labels[b\\x1b[2J\\u009b31m\\u202e]", paths)

    def test_file_name(self):
        with tempfile.TemporaryDirectory() as d:
            name = os.path.join(d, "evil\n\x1b[31m.yaml")
            with open(name, "wb") as f:
                f.write(self.EVIL)
            rc, out, err = run_bytes("validate", name)
            assert_log_safe(self, out, lines=6)
            self.assertIn(b"evil\\x0a\\x1b[31m.yaml:7:5: error:", out)

    def test_route_answers(self):
        reqs = (b"app.company.com /static/\xff\xfe\n"
                b"app.company.com /x\x1b[2J\r\n"
                b"\xe2\x80\xaeevil.com /\n")
        rc, out, err = run_bytes("route", CLUSTER, stdin=reqs)
        assert_log_safe(self, out, lines=3)
        assert_log_safe(self, err)
        self.assertIn(b"path /static/\\xff\\xfe\n", out)
        rc, out, err = run_bytes("route", "--json", CLUSTER, stdin=reqs)
        assert_log_safe(self, out, lines=3)
        first = json.loads(out.decode("utf-8").splitlines()[0])
        self.assertTrue(first["matched"])
        self.assertEqual(first["normalized_path"], "/static/\ufffd\ufffd")

    def test_check_errors(self):
        rc, out, err = run_bytes("check", CLUSTER,
                                 stdin=b"10.0.0.1\x1b[31m 10.0.0.2 80\n"
                                       b"ns/p\xc2\x9b 10.0.0.2 80\n")
        self.assertEqual(rc, 2)
        assert_log_safe(self, out, lines=2)
        assert_log_safe(self, err, lines=2)
        self.assertIn(b"10.0.0.1\\x1b[31m", out)
        rc, out, err = run_bytes("check", "--json", CLUSTER,
                                 stdin=b"10.0.0.1\xff 10.0.0.2 80\n")
        assert_log_safe(self, out, lines=1)
        json.loads(out)


class Diagnostics(unittest.TestCase):
    WARN = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: p, namespace: a}\n"
            "spec:\n  podSelector: {}\n  ingress:\n"
            "  - from: [{ipBlock: {cidr: 10.0.0.1/8}}]\n")

    def test_json_diagnostics_on_stderr(self):  # item 8
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(self.WARN)
            f.flush()
            rc, out, err = run("check", "--json", f.name, "--src", "10.1.1.1",
                               "--dst", "10.2.2.2", "--port", "80")
        self.assertEqual(rc, 0)
        json.loads(out)
        diags = [json.loads(x) for x in err.splitlines()]
        self.assertTrue(diags, "the warning was dropped")
        self.assertEqual(diags[0]["severity"], "warning")
        for k in ("code", "file", "path", "line", "column", "message"):
            self.assertIn(k, diags[0])

    def test_limit_error_names_flag(self):  # item 9
        rc, out, err = run("validate", "--limit-nodes", "5", CLUSTER)
        self.assertEqual(rc, 1)
        self.assertIn("--limit-nodes", out)
        rc, out, _ = run("validate", "--json", "--limit-object-nodes", "5",
                         CLUSTER)
        d = json.loads(out)["diagnostics"]
        self.assertEqual(d[0]["flag"], "--limit-object-nodes")
        # item 10: nodes per source share the code; the flag is the right one
        rc, out, _ = run("validate", "--json", "--limit-nodes", "50",
                         CLUSTER)
        self.assertEqual(rc, 1)
        d = json.loads(out)["diagnostics"]
        self.assertEqual((d[0]["code"], d[0]["flag"]),
                         ("KG_ELIMIT_NODES", "--limit-nodes"))

    def test_objects_named_in_file_order(self):  # item 9
        text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\n"
                "  namespace: shop\n  labels: {\"bad key\": x}\n---\n"
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                "metadata: {name: i, namespace: shop}\nspec:\n  rules:\n"
                "  - host: a.com\n    http: {paths: [{path: /a, pathType: "
                "Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
                "  - host: a.com\n    http: {paths: [{path: /a, pathType: "
                "Prefix, backend: {service: {name: t, port: {number: 80}}}}]}\n"
                "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: X}\n")
        rc, out, _ = run("validate", "-", stdin=text)
        self.assertEqual(rc, 1)
        lines = [x for x in out.splitlines() if x.startswith("<stdin>")
                 or x.startswith("/dev/stdin") or x.startswith("-:")]
        objs = [re.search(r": (?:error|warning): ([A-Za-z]+ \S+): ",
                          x).group(1) for x in lines]
        # the bad name hides neither the label error; the Ingress
        # conflict (an engine's, reported later) comes in file order
        self.assertEqual(objs, ["Pod shop/Bad_Name", "Pod shop/Bad_Name",
                                "Ingress shop/i", "Namespace X"], out)
        rc, out, _ = run("validate", "--json", "-", stdin=text)
        d = json.loads(out)["diagnostics"]
        self.assertEqual([x["object"] for x in d], objs)
        self.assertEqual([x["line"] for x in d],
                         sorted(x["line"] for x in d))

    def test_misspelled_kind(self):  # item 1
        pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: "
               "x}\nstatus: {podIP: 10.0.0.1}\n---\n")
        other = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "
                 "d, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\n"
                 "metadata: {name: c, namespace: x}\n---\n")
        with tempfile.TemporaryDirectory() as d:
            for kind, rc_want in (("NetworkPolcy", 1), ("networkpolicy", 1),
                                  ("NetworkPolicy", 0)):
                f = os.path.join(d, "c.yaml")
                with open(f, "w") as fh:
                    fh.write(pod + other + "apiVersion: networking.k8s.io/v1\n"
                             "kind: %s\nmetadata: {name: deny, namespace: "
                             "x}\nspec: {podSelector: {}}\n" % kind)
                rc, out, err = run("validate", f)
                self.assertEqual(rc, rc_want, kind)
                lines = (out + err).splitlines()
                if rc_want:
                    self.assertIn('no matches for kind "%s" in version '
                                  '"networking.k8s.io/v1" (did you mean '
                                  'NetworkPolicy?)' % kind, out + err)
                    self.assertIn("read 1 object(s): 1 Pod", lines)
                    self.assertIn("skipped 3 object(s): 1 ConfigMap, 1 "
                                  "Deployment, 1 %s" % kind, lines)
                    # the flow is not judged on a ruleset without the policy
                    rc, out, _ = run("check", f, "--src", "10.9.9.9", "--dst",
                                     "10.0.0.1", "--port", "80")
                    self.assertEqual(rc, 1)
                    self.assertNotIn("allowed", out)
                else:
                    self.assertIn("read 2 object(s): 1 NetworkPolicy, 1 Pod",
                                  lines)
                    self.assertIn("skipped 2 object(s): 1 ConfigMap, 1 "
                                  "Deployment", lines)
                    rc, out, _ = run("check", f, "--src", "10.9.9.9", "--dst",
                                     "10.0.0.1", "--port", "80")
                    self.assertEqual(rc, 1)
                    self.assertIn(": denied", out)
                rc, out, _ = run("validate", "--json", f)
                kinds = json.loads(out)["kinds"]
                self.assertEqual(kinds["Deployment"],
                                 {"read": 0, "skipped": 1})
                self.assertEqual(kinds[kind]["read"], 1 - rc_want)

    def test_explain_and_matrix(self):  # item 11
        rc, out, _ = run("explain", CLUSTER, "--src", "10.244.1.10",
                         "--dst", "10.244.3.10", "--port", "9000")
        self.assertEqual(rc, 1)
        self.assertIn("NetworkPolicy payments/default-deny: no ingress rule, "
                      "isolates only", out)
        # rule by rule: the peer missed (frontend is not api), the named
        # port grpc is 9000 on the payment pod
        self.assertIn("NetworkPolicy payments/payment-from-api ingress[0]: "
                      "peers no (no selector peer selects pod "
                      "shop/frontend-6c8d7f9b5-abcde, no CIDR peer holds it), "
                      "ports yes (a named port is 9000/TCP on pod "
                      "payments/payment-8d7c6b5a4-pqrst)\n", out)
        rc, out, _ = run("explain", "--json", CLUSTER, "--src",
                         "10.244.2.10", "--dst", "10.244.3.10", "--port",
                         "9000")
        v = json.loads(out)
        self.assertEqual(rc, 0 if v["allowed"] else 1)
        results = {p["policy"]: p["result"]
                   for p in v["ingress"]["policies"]}
        self.assertTrue(results)
        if v["allowed"]:
            self.assertIn("allows", results.values())
        rc, out, _ = run("matrix", "--json", CLUSTER, "--port", "9000")
        self.assertEqual(rc, 0)
        m = json.loads(out)
        n = len(m["pods"])
        self.assertTrue(n >= 2)
        self.assertEqual([len(r) for r in m["allowed"]], [n] * n)
        self.assertEqual(m["allowed_pairs"], sum(map(sum, m["allowed"])))
        # each cell is what check answers
        i = m["pods"].index("shop/frontend-6c8d7f9b5-abcde")
        j = m["pods"].index("payments/payment-8d7c6b5a4-pqrst")
        rc, _, _ = run("check", CLUSTER, "--src", m["pods"][i], "--dst",
                       m["pods"][j], "--port", "9000")
        self.assertEqual(rc == 0, m["allowed"][i][j])
        rc, out, _ = run("matrix", CLUSTER, "--port", "9000", "--namespace",
                         "shop")
        self.assertTrue(all(" shop/" in x for x in out.splitlines()[1:4]))
        self.assertIn("of 9 pairs allowed", out)

    def test_explain_rule_by_rule(self):  # item 11
        tiers = os.path.join(SRC, "examples", "cluster", "tiers.yaml")
        pay = "payments/payment-8d7c6b5a4-pqrst"
        # the metadata endpoint: the admin Deny decides, a later admin Deny
        # matches too but is not reached
        rc, out, _ = run("explain", CLUSTER, tiers, "--src", pay, "--dst",
                         "169.254.169.254", "--port", "80")
        self.assertEqual(rc, 1)
        self.assertIn("ClusterNetworkPolicy cluster-guardrails (admin tier, "
                      "priority 10) egress[0] deny-cloud-metadata deny: peers "
                      "yes (a CIDR peer holds 169.254.169.254), ports yes (the "
                      "rule lists no port) -> decides: deny\n", out)
        self.assertIn("egress[3] everything-else deny: peers yes (a CIDR peer "
                      "holds 169.254.169.254), ports yes (the rule lists no "
                      "port) -> matches, but the side was decided before it",
                      out)
        self.assertIn("ports no (80 is not among its TCP ports)", out)
        # a pod of the cluster: the Pass rule hands over to NetworkPolicy
        # (the Deny after it is not reached), where no rule allows
        rc, out, _ = run("explain", "--json", CLUSTER, tiers, "--src", pay,
                         "--dst", "shop/api-5f6d8b7c9-klmno", "--port", "8080")
        v = json.loads(out)
        rules = v["egress"]["rules"]
        self.assertEqual(
            [(r["policy"], r["rule"], r["effect"]) for r in rules
             if r["effect"] != "none"],
            [("payments-egress", 2, "passed"),
             ("payments-egress", 3, "not-reached")])
        self.assertEqual(set(rules[0]), {
            "tier", "policy_kind", "policy", "priority", "rule", "rule_name",
            "action", "peer", "ports", "matched", "effect"})
        nps = [r for r in rules if r["tier"] == "networkpolicy"]
        self.assertEqual({r["policy"] for r in nps},
                         {"payments/allow-dns", "payments/default-deny",
                          "payments/payment-gateways"})
        deny_all = [r for r in nps if r["policy"] == "payments/default-deny"]
        self.assertEqual((deny_all[0]["rule"], deny_all[0]["peer"],
                          deny_all[0]["matched"]), (None, None, False))
        for r in rules:
            self.assertEqual(r["matched"],
                             r["peer"] in ("any-peer", "selected", "in-cidr",
                                           "node", "domain") and
                             r["ports"] in ("any-port", "number", "named"))
        self.assertEqual(v["egress"]["reason"], "no-rule")
        self.assertEqual({p["policy"]: p["result"]
                          for p in v["egress"]["policies"]}
                         ["payments-egress"], "passes")
        # the dialled name matches the gateway rule's domainNames peer
        rc, out, _ = run("explain", CLUSTER, tiers, "--src", pay, "--dst",
                         "1.2.3.4", "--port", "443", "--dst-name",
                         "api.stripe.com")
        self.assertEqual(rc, 0)
        self.assertIn("egress[1] payment-gateways allow: peers yes (a "
                      "domainNames peer matches the destination's name), "
                      "ports yes (443/TCP) -> decides: allow", out)

    def test_explain_service(self):  # item 11, issue 15 item 3
        text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: "
                "d, labels: {app: a}}\nstatus: {podIP: 10.0.0.1}\n---\n"
                "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: "
                "d, labels: {app: b}}\nstatus: {podIP: 10.0.0.2, "
                "conditions: [{type: Ready, status: \"True\"}]}\n---\n"
                "apiVersion: v1\nkind: Service\nmetadata: {name: web, "
                "namespace: d}\nspec: {clusterIP: 10.96.0.9, selector: {app: "
                "b}, ports: [{port: 80, targetPort: 8080}]}\n---\n"
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                "metadata: {name: b-in, namespace: d}\nspec:\n  podSelector: "
                "{matchLabels: {app: b}}\n  ingress: [{ports: [{port: 80}]}]\n")
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "c.yaml")
            with open(f, "w") as fh:
                fh.write(text)
            rc, out, _ = run("explain", f, "--src", "d/a", "--dst",
                             "10.96.0.9", "--port", "80")
            self.assertEqual(rc, 1)
            self.assertIn("service d/web: 1 ready endpoint, explained for "
                          "10.0.0.2 port 8080\n", out)
            self.assertIn("NetworkPolicy d/b-in ingress[0]: peers yes (the "
                          "rule lists no peer), ports no (8080 is not among "
                          "its TCP ports)", out)
            rc, out, _ = run("explain", "--json", f, "--src", "d/a", "--dst",
                             "10.96.0.9", "--port", "80")
            v = json.loads(out)
            self.assertEqual((v["service"], v["endpoint"],
                              v["endpoint_port"]), ("d/web", "10.0.0.2", 8080))
            self.assertEqual(v["ingress"]["rules"][0]["ports"], "not-number")

    def test_route_miss_names_host_group(self):  # item 11
        ing = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
               "metadata: {name: i, namespace: d}\nspec:\n  rules:\n"
               "  - host: a.com\n    http: {paths: [{path: /x, pathType: "
               "Exact, backend: {service: {name: s, port: {number: 80}}}}]}\n"
               "  - host: \"*.b.com\"\n    http: {paths: [{path: /x, "
               "pathType: Exact, backend: {service: {name: s, port: "
               "{number: 80}}}}]}\n"
               "  - http: {paths: [{path: /y, pathType: Exact, backend: "
               "{service: {name: s, port: {number: 80}}}}]}\n")
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "i.yaml")
            with open(f, "w") as fh:
                fh.write(ing)
            reqs = "a.com /y\nz.b.com /y\nother.com /x\n"
            rc, out, _ = run("route", f, stdin=reqs)
            lines = out.splitlines()
            self.assertIn("no match in host group a.com ", lines[0])
            self.assertIn("no match in host group *.b.com ", lines[1])
            self.assertIn("no match in the rules without host", lines[2])
            rc, out, _ = run("route", "--json", f, stdin=reqs)
            self.assertEqual([json.loads(x)["host_group"]
                              for x in out.splitlines()],
                             ["a.com", "*.b.com", ""])

    def test_diagnostics_cap(self):  # item 16
        text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                "  namespace: d\n  labels:\n"
                + "".join('    "bad %d!": x\n' % i for i in range(1500)))
        rc, out, _ = run("validate", "-", stdin=text)
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        more = [x for x in lines if "more diagnostics" in x]
        self.assertEqual(len(more), 1)
        self.assertIn("500 more diagnostics not kept (500 errors", more[0])
        self.assertIn("--limit-diagnostics", more[0])
        self.assertIn("1500 error(s), 0 warning(s)", out)
        rc, out, _ = run("validate", "--json", "--limit-diagnostics", "3",
                         "-", stdin=text)
        v = json.loads(out)
        self.assertEqual((v["errors"], v["warnings"]), (1500, 0))
        self.assertEqual(len(v["diagnostics"]), 4)
        self.assertEqual(v["diagnostics"][-1]["code"],
                         "KG_ELIMIT_DIAGNOSTICS")
        self.assertEqual(v["diagnostics"][-1]["flag"], "--limit-diagnostics")

    def test_validate_directory(self):  # item 9
        with tempfile.TemporaryDirectory() as d:
            for name, text in (("b.yaml", self.WARN), ("a.yml", "kind: Pod\n"),
                               ("c.txt", ":::"), ("d.json", "{}")):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            rc, out, _ = run("validate", "--json", d)
            files = [os.path.basename(x["file"])
                     for x in json.loads(out)["diagnostics"]]
            self.assertEqual(rc, 1)
            self.assertEqual(set(files), {"a.yml", "b.yaml", "d.json"})


class Pods(unittest.TestCase):
    def test_pod_by_name(self):  # item 11
        rc, out, _ = run("check", "--json", CLUSTER, "--src",
                         "shop/frontend-6c8d7f9b5-abcde", "--dst",
                         "10.244.3.10", "--port", "9000")
        v = json.loads(out)
        self.assertEqual(v["src_pod"], "shop/frontend-6c8d7f9b5-abcde")
        rc2, out2, _ = run("check", "--json", CLUSTER, "--src",
                           "10.244.1.10", "--dst", "10.244.3.10", "--port",
                           "9000")
        self.assertEqual(rc, rc2)
        self.assertEqual(v["reason"], json.loads(out2)["reason"])
        rc, _, err = run("check", CLUSTER, "--src", "shop/nope", "--dst",
                         "10.244.3.10", "--port", "9000")
        self.assertEqual(rc, 2)
        self.assertIn("no such pod", err)


class DstName(unittest.TestCase):  # issue 11: domainNames on a dialled name
    def test_dst_name(self):
        d = os.path.join(SRC, "tests", "data", "tiers", "conformance")
        args = [os.path.join(d, "cluster.yaml"),
                os.path.join(d, "kgress_domains.yaml"), "--src",
                "10.244.4.10", "--dst", "203.0.113.10", "--port", "443"]
        st, out, _ = run("check", *args)
        self.assertEqual(st, 1, out)
        st, out, _ = run("check", *args, "--dst-name", "API.Stripe.com.")
        self.assertEqual(st, 0, out)
        st, out, _ = run("check", "--json", *args, "--dst-name",
                         "live.adyen.com")
        self.assertEqual(st, 0, out)
        side = json.loads(out)["egress_side"]
        self.assertEqual((side["domain"], side["name"]),
                         ("*.adyen.com", "live.adyen.com"))
        st, out, _ = run("check", *args, "--dst-name", "adyen.com")
        self.assertEqual(st, 1, out)
        # --domain is the spelling of --dst-name
        st, out, _ = run("check", *args, "--domain", "API.Stripe.com.")
        self.assertEqual(st, 0, out)
        st, out, _ = run("check", *args, "--domain", "adyen.com")
        self.assertEqual(st, 1, out)

    def test_dns_file(self):  # issue 11 item 4: --dns FILE of observations
        d = os.path.join(SRC, "tests", "data", "tiers", "conformance")
        files = [os.path.join(d, "cluster.yaml"),
                 os.path.join(d, "kgress_domains.yaml")]
        luna = "10.244.4.10"
        # checkout.adyen.com A 198.51.100.7, TTL 30, as a response message
        msg = (bytes([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 8])
               + b"checkout" + bytes([5]) + b"adyen" + bytes([3]) + b"com"
               + bytes([0, 0, 1, 0, 1, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0,
                        4, 198, 51, 100, 7]))
        with tempfile.TemporaryDirectory() as tmp:
            obs = os.path.join(tmp, "obs.txt")
            with open(obs, "w") as f:
                f.write("# TIME CLIENT NAME TTL ADDR...\n\n"
                        "100 %s API.Stripe.com. 60 203.0.113.10 2001:db8::10\n"
                        "110\t-  %s\n" % (luna, msg.hex()))

            def check(dst, *extra):
                st, out, err = run("check", "--json", *files, "--dns", obs,
                                   "--src", luna, "--dst", dst, "--port",
                                   "443", *extra)
                self.assertIn(st, (0, 1), err)
                side = json.loads(out)["egress_side"]
                return st, side["domain"], side["name"]
            # default time: the latest observation (110)
            self.assertEqual(check("203.0.113.10"),
                             (0, "api.stripe.com", "api.stripe.com"))
            self.assertEqual(check("2001:db8::10", "--now", "159"),
                             (0, "api.stripe.com", "api.stripe.com"))
            self.assertEqual(check("198.51.100.7"),
                             (0, "*.adyen.com", "checkout.adyen.com"))
            # expired, observed in the future, unknown address, other client
            self.assertEqual(check("203.0.113.10", "--now", "160"),
                             (1, None, None))
            self.assertEqual(check("198.51.100.7", "--now", "105"),
                             (1, None, None))
            self.assertEqual(check("192.0.2.1"), (1, None, None))
            st, out, _ = run("check", *files, "--dns", obs, "--src",
                             "10.244.4.11", "--dst", "203.0.113.10", "--port",
                             "443")
            self.assertNotIn("payment-gateways", out)
            # flows on stdin share the cache
            st, out, _ = run("check", *files, "--dns", obs,
                             stdin="%s 203.0.113.10 443\n%s 192.0.2.1 443\n"
                             % (luna, luna))
            self.assertEqual(st, 1, out)
            lines = out.splitlines()
            self.assertIn("allowed", lines[0])
            self.assertIn("denied", lines[1])
            # bad lines: FILE:LINE and what is wrong, nothing judged
            for text, want in [
                    ("x 10.0.0.1 a.example 5 192.0.2.1", "not a time"),
                    ("1 nope a.example 5 192.0.2.1",
                     "not an IP address or namespace/pod"),
                    ("1 - a..example 5 192.0.2.1", "not a valid DNS name"),
                    ("1 - a.example 5 192.0.2.300", "not an IP address"),
                    ("1 - a.example 4294967296 192.0.2.1", "not a TTL"),
                    ("1 - a.example 5", "expected TIME CLIENT NAME TTL"),
                    ("1 - 12345", "even number of hex digits"),
                    ("1 - zz", "not hexadecimal"),
                    ("1 - " + msg[:-1].hex(), "malformed")]:
                with open(obs, "w") as f:
                    f.write("# c\n" + text + "\n")
                st, out, err = run("check", *files, "--dns", obs, "--src",
                                   luna, "--dst", "192.0.2.1", "--port", "1")
                self.assertEqual(st, 2, text)
                self.assertEqual(out, "", text)
                self.assertIn("%s:2: " % obs, err, text)
                self.assertIn(want, err, text)
            st, _, err = run("check", *files, "--dns",
                             os.path.join(tmp, "missing"))
            self.assertEqual(st, 2)
            self.assertIn("missing", err)
        st, _, err = run("check", *files, "--now", "5")
        self.assertEqual(st, 2)
        self.assertIn("--now goes with --dns", err)

    def test_dump_name_table(self):  # issue 11 item 4: dump of name tables
        d = os.path.join(SRC, "tests", "data", "tiers", "conformance")
        files = [os.path.join(d, "cluster.yaml"),
                 os.path.join(d, "kgress_domains.yaml")]
        st, out, _ = run("dump", *files)
        self.assertEqual(st, 0, out)
        table = out[out.index("domain names: "):].splitlines()
        self.assertRegex(table[0], r"^domain names: 3 patterns \(2 exact, "
                         r"1 wildcard\), 3 bodies, \d+ bytes$")
        self.assertEqual(table[1:4], ["  0 api.stripe.com", "  1 *.adyen.com",
                                      "  2 kubernetes.io"])
        self.assertIn("domain patterns 0,1", out)
        st, out, _ = run("dump", "--json", *files)
        self.assertEqual(st, 0, out)
        names = json.loads(out)["policies"]["tiers"]["domain_names"]
        self.assertEqual(names["patterns"],
                         ["api.stripe.com", "*.adyen.com", "kubernetes.io"])
        self.assertEqual(names["bodies"], 3)
        self.assertGreater(names["bytes"], 0)


if __name__ == "__main__":
    KGRESS, SRC = sys.argv[1], sys.argv[2]
    CLUSTER = os.path.join(SRC, "examples", "cluster", "cluster.yaml")
    unittest.main(argv=sys.argv[:1], verbosity=2)
