#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_layering.py - the allowed includes between the folders of lib/.

Reads every `#include "..."` of every .c/.h file under lib/ and checks it
against the layering of HACKING.md:

    util <- yaml <- k8s <- {route, policy} <- api,   util <- lpm <- policy

A folder may include itself and the folders below it; route and policy
never include each other, and nothing below api includes api. `kgress.h`
(the public header) may be included anywhere. KNOWN (now empty) may list
edges tolerated while a change removing them lands; an edge in KNOWN
that no longer occurs fails too, so the list only shrinks.

--self-test builds a small tree with one violating include and checks that
the checker rejects it (and accepts the tree without it).
"""
import argparse
import os
import re
import sys
import tempfile

ALLOWED = {
    'util': set(),
    'yaml': {'util'},
    'k8s': {'util', 'yaml'},
    'lpm': {'util'},
    'route': {'util', 'yaml', 'k8s'},
    'policy': {'util', 'yaml', 'k8s', 'lpm'},
    'api': {'util', 'yaml', 'k8s', 'lpm', 'route', 'policy'},
}

# (file, included header) edges that break the rule and are tolerated
# while the change removing them lands; an entry that no longer occurs
# fails. Empty: every engine lookup takes its engine's own tables, and the
# public entry points holding struct kg_ruleset live in lib/api.
KNOWN = set()


INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)


def violations(lib, known):
    bad, seen = [], set()
    for root, _, files in os.walk(lib):
        for f in sorted(files):
            if not f.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, lib).replace(os.sep, '/')
            folder = rel.split('/')[0]
            if folder not in ALLOWED:
                bad.append(f'{rel}: folder {folder!r} is not in the layering')
                continue
            with open(path, encoding='utf-8', errors='replace') as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                if inc == 'kgress.h' or '/' not in inc:
                    if inc != 'kgress.h':
                        bad.append(f'{rel}: #include "{inc}" names no folder')
                    continue
                dep = inc.split('/')[0]
                if dep == folder or dep in ALLOWED[folder]:
                    continue
                if (rel, inc) in known:
                    seen.add((rel, inc))
                    continue
                line = text.count('\n', 0, m.start()) + 1
                bad.append(f'{rel}:{line}: {folder} may not include {inc}')
    for rel, inc in sorted(known - seen):
        bad.append(f'{rel}: known exception #include "{inc}" is gone: '
                   'remove it from KNOWN')
    return bad


def self_test():
    with tempfile.TemporaryDirectory() as d:
        for folder in ('util', 'route', 'policy'):
            os.makedirs(os.path.join(d, folder))
        with open(os.path.join(d, 'util', 'a.h'), 'w') as f:
            f.write('#include "kgress.h"\n')
        with open(os.path.join(d, 'policy', 'p.c'), 'w') as f:
            f.write('#include "util/a.h"\n#include "policy/p.h"\n')
        if violations(d, set()):
            print('self-test: a clean tree was rejected')
            return 1
        with open(os.path.join(d, 'route', 'r.c'), 'w') as f:
            f.write('#include "util/a.h"\n\n#include "policy/table.h"\n')
        bad = violations(d, set())
        if bad != ['route/r.c:3: route may not include policy/table.h']:
            print('self-test: a route -> policy include was not caught:', bad)
            return 1
        if not violations(d, {('route/x.c', 'api/ruleset.h')}):
            print('self-test: a stale known exception was not caught')
            return 1
    print('self-test: violations are caught')
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--self-test', action='store_true')
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    bad = violations(a.lib, KNOWN)
    for b in bad:
        print(b)
    if not bad:
        print('layering: every #include under lib/ is allowed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
