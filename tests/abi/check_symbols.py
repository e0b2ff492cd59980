#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ABI check: the shared library exports exactly the KG_API functions of
include/kgress.h, all named kg_*; lib/kgress.map lists each of them by name
(no pattern) in exactly one version node, and each is exported with that
node's version; the newest node is the current release's (KGRESS_0.2 for
0.2.x, from the project version); the soname is libkgress.so.<major>.

Both directions are checked, as libxkbcommon's symbols-leak-test does: an
exported symbol missing from the header is an internal symbol leaking (or an
undocumented one); a declared function missing from the library would fail
at link time in every user. Exit 0 when all agree, 1 with the differences,
77 (meson's "skipped") when nm is not installed.

    check_symbols.py --lib build/lib/libkgress.so --header include/kgress.h
                     --map lib/kgress.map [--node KGRESS_0.1] [--soname ...]
"""

import argparse
import re
import shutil
import subprocess
import sys


def header_functions(text):
    """Names of the functions declared KG_API in a C header."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    # drop the macro that defines KG_API itself
    text = re.sub(r"^\s*#.*?(?<!\\)$", " ", text, flags=re.M | re.S)
    names = []
    for m in re.finditer(r"\bKG_API\b([^;{]*?)\(", text):
        decl = m.group(1)
        ident = re.findall(r"[A-Za-z_]\w*", decl)
        if not ident:
            raise SystemExit("cannot parse declaration: KG_API%s(" % decl)
        names.append(ident[-1])
    return names


def map_nodes(text):
    """Version node names of a linker version script."""
    return list(map_symbols(text))


def map_symbols(text):
    """{node: [global symbol patterns]} of a linker version script, nodes in
    order."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    nodes = {}
    for m in re.finditer(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*[\w.]*\s*;",
                         text, flags=re.S):
        body = m.group(2)
        globs = []
        section = "global"
        for item in re.split(r";", body):
            item = item.strip()
            if not item:
                continue
            label = re.match(r"(global|local)\s*:\s*(.*)$", item, flags=re.S)
            if label:
                section, item = label.group(1), label.group(2).strip()
                if not item:
                    continue
            if section == "global":
                globs.append(item)
        nodes[m.group(1)] = globs
    return nodes


def exported(lib):
    """{name: version} of the defined dynamic symbols of lib."""
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, sym = parts[1], parts[2]
        if kind == "A":  # the version node's own absolute symbol
            continue
        name, _, version = sym.partition("@")
        syms[name] = version.lstrip("@")
    return syms


def soname(lib):
    if not shutil.which("readelf"):
        return None
    out = subprocess.run(["readelf", "-d", lib], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return m.group(1) if m else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--node", default="KGRESS_0.1",
                    help="version node of the current release")
    ap.add_argument("--soname", default=None)
    ap.add_argument("--self-test", action="store_true",
                    help="check that a header with one declaration more or "
                    "one less than the library is caught")
    a = ap.parse_args()
    if not shutil.which("nm"):
        print("nm not found: skipped")
        return 77
    if a.self_test:
        return self_test(a)
    return check(a)


def self_test(a):
    import os
    import tempfile
    with open(a.header, encoding="utf-8") as f:
        text = f.read()
    names = header_functions(text)
    victim = names[len(names) // 2]
    cases = {
        "unchanged": (text, 0),
        "one more": (text.replace(
            "#endif /* KGRESS_H */",
            "KG_API int kg_not_in_the_library(void);\n#endif /* KGRESS_H */"),
            1),
        "one less": (re.sub(r"KG_API[^;]*\b%s\([^;]*;" % victim, "", text),
                     1),
        "unprefixed": (text.replace(
            "#endif /* KGRESS_H */",
            "KG_API int not_kg(void);\n#endif /* KGRESS_H */"), 1),
    }
    with open(a.map, encoding="utf-8") as f:
        mtext = f.read()
    first = map_symbols(mtext)[map_nodes(mtext)[0]][0]
    map_cases = {
        "map glob": (re.sub(r"global:", "global:\n    kg_*;", mtext,
                            count=1), 1),
        "map twice": (mtext.replace("} KGRESS_0.1;", "    %s;\n} KGRESS_0.1;"
                                    % first), 1),
        "map missing one": (mtext.replace("    %s;\n" % first, "", 1), 1),
        "map unknown": (mtext.replace("  local:", "    kg_nowhere;\n  local:",
                                      1), 1),
    }
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for what, (body, want) in list(cases.items()) + \
                list(map_cases.items()):
            is_map = what.startswith("map")
            h = os.path.join(d, "kgress.map" if is_map else "kgress.h")
            with open(h, "w", encoding="utf-8") as f:
                f.write(body)
            if what != "unchanged" and body == (mtext if is_map else text):
                print("self-test %s: could not edit the input" % what)
                bad += 1
                continue
            b = argparse.Namespace(**dict(vars(a), **(
                {"map": h} if is_map else {"header": h})))
            got = check(b)
            print("self-test %s: %d (want %d)" % (what, got, want))
            bad += got != want
    return 1 if bad else 0


def check(a):

    with open(a.header, encoding="utf-8") as f:
        declared = header_functions(f.read())
    with open(a.map, encoding="utf-8") as f:
        node_syms = map_symbols(f.read())
    nodes = list(node_syms)
    syms = exported(a.lib)
    problems = []

    # the map: explicit names, each declared, each in exactly one node, the
    # newest node the current release's
    where = {}
    for node, names in node_syms.items():
        for n in names:
            if re.search(r"[*?\[]", n):
                problems.append("%s lists a pattern, not a name: %s (list "
                                "every symbol)" % (node, n))
                continue
            where.setdefault(n, []).append(node)
            if n not in declared:
                problems.append("%s lists %s, not declared KG_API in the "
                                "header" % (node, n))
    for n, ns in sorted(where.items()):
        if len(ns) > 1:
            problems.append("%s is in several version nodes: %s"
                            % (n, ", ".join(ns)))
    for n in sorted(set(declared) - set(where)):
        problems.append("declared KG_API, in no version node: %s (add it "
                        "to %s in %s)" % (n, a.node, a.map))
    if nodes and nodes[-1] != a.node:
        problems.append("the newest version node is %s, want %s (the "
                        "project version)" % (nodes[-1], a.node))

    dups = sorted({n for n in declared if declared.count(n) > 1})
    if dups:
        problems.append("declared twice in the header: " + ", ".join(dups))
    if not declared:
        problems.append("no KG_API declaration found in " + a.header)
    for n in sorted(set(declared)):
        if not n.startswith("kg_"):
            problems.append("declared KG_API without the kg_ prefix: " + n)
    for n in sorted(syms):
        if not n.startswith("kg_"):
            problems.append("exported, not kg_*: " + n)
        elif n not in declared:
            problems.append("exported, not declared KG_API in the header: "
                            + n)
    for n in sorted(set(declared) - set(syms)):
        problems.append("declared in the header, not exported: " + n)
    if a.node not in nodes:
        problems.append("version node %s missing from %s (nodes: %s)"
                        % (a.node, a.map, ", ".join(nodes) or "none"))
    for n, v in sorted(syms.items()):
        if not v:
            problems.append("exported without a symbol version: " + n)
        elif v not in nodes:
            problems.append("%s has version %s, not a node of %s"
                            % (n, v, a.map))
        elif n in where and v != where[n][0]:
            problems.append("%s is exported as %s, the map says %s"
                            % (n, v, where[n][0]))
    if a.soname is not None:
        got = soname(a.lib)
        if got is not None and got != a.soname:
            problems.append("soname %r, want %r" % (got, a.soname))

    if problems:
        print("\n".join(problems))
        return 1
    print("%d symbols exported, all kg_*, all declared, all in %s"
          % (len(syms), ", ".join(sorted(set(syms.values())))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
