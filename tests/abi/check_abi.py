#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ABI check against the released 0.1 library (libabigail, as libcurl and
libxkbcommon's CI do).

tests/abi/kgress-0.1.abi is the ABI of libkgress.so.0.1.0 built from the tag
v0.1.0, as `abidw` wrote it (public types only). Two checks:

  --map    the version node KGRESS_0.1 of lib/kgress.map lists exactly the
           functions that v0.1.0 exported (read from the baseline; needs no
           tool): a symbol added to or dropped from the released node fails.
  --diff   `abidiff baseline built-library` reports no incompatible change.
           abidiff's exit status is a bit set: 1 error, 2 usage error, 4 ABI
           change, 8 incompatible ABI change. Appending fields to the sized
           structs and adding functions is a change (4), which the growth
           rule (kgress.h "ABI promise", tests/abi/test_growth.c) allows;
           removing a function, changing a released function's parameters or
           a released field's type or offset is bit 8 and fails. Exits 77
           (meson's "skipped"), saying why, when abidiff is not installed
           (Debian: abigail-tools). Because abidiff sets bit 8 only for
           removed symbols (a member moved inside a released struct is bit
           4, like an append), the released structs, enums and prototypes
           are also compared member by member (abidw of this library): a
           released member must keep its name, offset and type, a struct
           grows only at its end and only when it begins with `size`, enum
           values keep their numbers, prototypes stay. --self-test checks
           that both catch an incompatible change: the released library as
           the "successor" of this one has lost every 0.2 function (bit 8),
           and edited baselines (a moved member, a grown unsized struct, a
           changed parameter) are reported.

Regenerating the baseline (only when a new release becomes the baseline):
    git worktree add /tmp/kg01 v0.1.0 && cd /tmp/kg01
    meson setup b -Dtests=false -Dexamples=false -Dfuzzing=none && ninja -C b
    abidw --headers-dir include --no-corpus-path --no-comp-dir-path \\
          --drop-private-types b/lib/libkgress.so.0.1.0 > kgress-0.1.abi
"""

import argparse
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, __import__("os").path.dirname(__file__))
from check_symbols import map_symbols  # noqa: E402

ABIDIFF_ERROR, ABIDIFF_USAGE, ABIDIFF_CHANGE, ABIDIFF_INCOMPATIBLE = 1, 2, 4, 8


def baseline_functions(path):
    """{name: version} of the functions the baseline library exported."""
    root = ET.parse(path).getroot()
    out = {}
    for sec in root.iter("elf-function-symbols"):
        for sym in sec.iter("elf-symbol"):
            out[sym.get("name")] = sym.get("version") or ""
    return out


def check_map(a):
    released = baseline_functions(a.baseline)
    with open(a.map, encoding="utf-8") as f:
        nodes = map_symbols(f.read())
    problems = []
    if not released:
        problems.append("no function symbols in %s" % a.baseline)
    for n, v in sorted(released.items()):
        if v != a.node:
            problems.append("%s was released as %s@%s, not in %s"
                            % (n, n, v, a.node))
    listed = set(nodes.get(a.node, []))
    if a.node not in nodes:
        problems.append("no version node %s in %s" % (a.node, a.map))
    for n in sorted(set(released) - listed):
        problems.append("%s was released in %s but the map's %s lacks it"
                        % (n, a.node, a.node))
    for n in sorted(listed - set(released)):
        problems.append("%s is in %s but was not released then: put it in "
                        "the newest node" % (n, a.node))
    if problems:
        print("\n".join(problems))
        return 1
    print("%s lists exactly the %d functions v0.1.0 exported"
          % (a.node, len(released)))
    return 0


class Corpus:
    """The public types and functions of an abidw XML corpus."""

    def __init__(self, xml_text):
        root = ET.fromstring(xml_text)
        self.by_id = {}
        self.structs = {}
        self.enums = {}
        self.functions = {}
        for el in root.iter():
            tid = el.get("id")
            if tid and tid not in self.by_id:
                self.by_id[tid] = el
            name = el.get("name") or ""
            if not name.startswith("kg_"):
                continue
            if el.tag in ("class-decl", "union-decl") and \
                    el.get("is-declaration-only") != "yes":
                self.structs.setdefault(name, el)
            elif el.tag == "enum-decl":
                self.enums.setdefault(name, el)
            elif el.tag == "function-decl" and el.get("elf-symbol-id"):
                self.functions.setdefault(name, el)

    def type_name(self, tid, depth=0):
        el = self.by_id.get(tid)
        if el is None or depth > 20:
            return "?" + str(tid)
        t = el.tag
        if t == "pointer-type-def":
            return self.type_name(el.get("type-id"), depth + 1) + "*"
        if t == "qualified-type-def":
            q = " ".join(k for k in ("const", "volatile", "restrict")
                         if el.get(k) == "yes")
            return q + " " + self.type_name(el.get("type-id"), depth + 1)
        if t == "array-type-def":
            dims = "".join("[%s]" % (r.get("length") or "")
                           for r in el.iter("subrange"))
            return self.type_name(el.get("type-id"), depth + 1) + dims
        if t == "function-type":
            ps = [self.type_name(p.get("type-id"), depth + 1)
                  for p in el.findall("parameter")]
            r = el.find("return")
            return "%s(%s)" % (self.type_name(r.get("type-id"), depth + 1)
                               if r is not None else "void", ", ".join(ps))
        kind = {"class-decl": "struct ", "union-decl": "union ",
                "enum-decl": "enum "}.get(t, "")
        return kind + (el.get("name") or "<anonymous>")

    def members(self, el):
        """[(name, offset in bits, type name)] of a struct."""
        out = []
        for dm in el.findall("data-member"):
            v = dm.find("var-decl")
            out.append((v.get("name"), int(dm.get("layout-offset-in-bits")
                                            or 0),
                        self.type_name(v.get("type-id"))))
        return out


def layout_problems(old, new):
    """What the growth rule forbids between two corpora: a released struct
    whose members moved, changed type or went away, or that grew without a
    leading `size` member (or grew other than at its end); a released enum
    value renumbered; a released function gone or with another prototype."""
    problems = []
    for name, el in sorted(old.structs.items()):
        cur = new.structs.get(name)
        if cur is None:
            problems.append("struct %s is gone" % name)
            continue
        om, nm = old.members(el), new.members(cur)
        osize = int(el.get("size-in-bits") or 0)
        nsize = int(cur.get("size-in-bits") or 0)
        if nm[:len(om)] != om:
            for a, b in zip(om, nm + [None] * len(om)):
                if a != b:
                    problems.append("struct %s: member %s (offset %d, %s) is "
                                    "now %s" % (name, a[0], a[1], a[2],
                                                "%s (offset %d, %s)" % b
                                                if b else "gone"))
                    break
            continue
        sized = bool(om) and om[0][0] == "size"
        if nsize != osize and not sized:
            problems.append("struct %s changed size (%d -> %d bits) without "
                            "a leading size member: callers allocate it"
                            % (name, osize, nsize))
        for m in nm[len(om):]:
            if m[1] < osize:
                problems.append("struct %s: new member %s inside the "
                                "released size" % (name, m[0]))
    for name, el in sorted(old.enums.items()):
        cur = new.enums.get(name)
        ov = {e.get("name"): e.get("value") for e in el.iter("enumerator")}
        nv = {} if cur is None else \
            {e.get("name"): e.get("value") for e in cur.iter("enumerator")}
        for k, v in sorted(ov.items()):
            if nv.get(k) != v:
                problems.append("enum %s: %s was %s, now %s"
                                % (name, k, v, nv.get(k)))
    for name, el in sorted(old.functions.items()):
        cur = new.functions.get(name)
        if cur is None:
            problems.append("function %s is gone" % name)
            continue

        def proto(c, f):
            r = f.find("return")
            return (c.type_name(r.get("type-id")) if r is not None else "",
                    [c.type_name(p.get("type-id"))
                     for p in f.findall("parameter")])
        if proto(old, el) != proto(new, cur):
            problems.append("function %s: prototype %s is now %s"
                            % (name, proto(old, el), proto(new, cur)))
    return problems


def abidw(lib, headers):
    r = subprocess.run(["abidw", "--headers-dir", headers, "--no-corpus-path",
                        "--no-comp-dir-path", "--drop-private-types", lib],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("abidw %s failed (exit %d): %s"
                         % (lib, r.returncode, r.stderr))
    return r.stdout


def abidiff(old, new, old_headers=None, new_headers=None):
    cmd = ["abidiff", "--drop-private-types", "--no-show-locs"]
    if old_headers:
        cmd += ["--headers-dir1", old_headers]
    if new_headers:
        cmd += ["--headers-dir2", new_headers]
    r = subprocess.run(cmd + [old, new], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def check_diff(a):
    if not shutil.which("abidiff"):
        print("abidiff not found (Debian package abigail-tools): skipped")
        return 77
    rc, report = abidiff(a.baseline, a.lib, new_headers=a.headers)
    with open(a.baseline, encoding="utf-8") as f:
        base = Corpus(f.read())
    cur = Corpus(abidw(a.lib, a.headers))
    if a.self_test:
        # the layout rules catch a moved member, a grown unsized struct and
        # a changed prototype in the baseline (enum values: test_frozen.c;
        # the public functions take them as int, so abidw drops the enums)
        text = open(a.baseline, encoding="utf-8").read()
        edits = {
            "moved member": ("(<class-decl name='kg_side'.*?"
                             "layout-offset-in-bits=')256'", r"\g<1>264'"),
            "unsized growth": ("(<class-decl name='kg_addr' size-in-bits=')"
                               "(\\d+)'", r"\g<1>8'"),
            "prototype": ("(<function-decl name='kg_route'.*?<parameter "
                          "type-id=')[^']*'", r"\g<1>type-id-12'"),
        }
        bad = 0
        for what, (pat, rep) in edits.items():
            edited = re.sub(pat, rep, text, count=1, flags=re.S)
            got = layout_problems(Corpus(edited), cur) if edited != text \
                else []
            print("self-test %s: %s" % (what, got[:1] or "NOT CAUGHT"))
            bad += not got
        if bad:
            return 1
        back, back_report = abidiff(a.lib, a.baseline, old_headers=a.headers)
        print("self-test: this library as the baseline, 0.1 as its "
              "successor: abidiff exit %d" % back)
        if back & (ABIDIFF_ERROR | ABIDIFF_USAGE):
            print(back_report)
            return 1
        if not back & ABIDIFF_INCOMPATIBLE:
            print(back_report)
            print("self-test: the removed 0.2 functions were not reported "
                  "as an incompatible change")
            return 1
        print(re.sub(r"\n\n.*", "", back_report, flags=re.S))
        return 0
    if rc & (ABIDIFF_ERROR | ABIDIFF_USAGE):
        print(report)
        print("abidiff failed (exit %d)" % rc)
        return 1
    if rc & ABIDIFF_INCOMPATIBLE:
        print(report)
        print("incompatible ABI change against v0.1.0 (abidiff exit %d)" % rc)
        return 1
    # abidiff sets bit 8 only for removed symbols; a member moved inside a
    # released struct is bit 4 like an append: the growth rule decides
    problems = layout_problems(base, cur)
    if problems:
        print(report)
        print("\n".join(problems))
        print("incompatible layout change against v0.1.0")
        return 1
    print(report)
    print("compatible with v0.1.0 (abidiff exit %d: %s; %d structs, %d "
          "enums, %d functions of 0.1 checked member by member)"
          % (rc, "additions only" if rc & ABIDIFF_CHANGE else "no change",
             len(base.structs), len(base.enums), len(base.functions)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--map", help="lib/kgress.map (with --check map)")
    ap.add_argument("--node", default="KGRESS_0.1")
    ap.add_argument("--lib", help="the built shared library (--check diff)")
    ap.add_argument("--headers", help="include/ of this tree")
    ap.add_argument("--check", choices=["map", "diff"], required=True)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    return check_map(a) if a.check == "map" else check_diff(a)


if __name__ == "__main__":
    sys.exit(main())
