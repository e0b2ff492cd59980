#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The README's usage examples compile and run as written.

README.md quotes examples/embed.c and examples/embed.py in fenced blocks;
this test checks each quote equals its file, then runs the built C program
and the Python script (from the source root, as the README shows) and checks
their answers on the example cluster.
usage: check_readme.py SOURCE_ROOT EMBED_EXE LIBKGRESS
"""
import os
import re
import subprocess
import sys

root, embed_exe, lib = sys.argv[1:4]
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
blocks = re.findall(r"```(c|python)\n(.*?)```", readme, re.S)
failures = []

for lang, name in (("c", "embed.c"), ("python", "embed.py")):
    text = open(os.path.join(root, "examples", name), encoding="utf-8").read()
    if not any(l == lang and b == text for l, b in blocks):
        failures.append(f"README.md does not quote examples/{name} verbatim")

out = subprocess.run([embed_exe], cwd=root, capture_output=True, text=True)
if out.returncode != 0 or "-> shop/static port 80, forward /static/app.js" \
        not in out.stdout or "frontend -> payment:9000 denied" not in out.stdout:
    failures.append(f"embed: rc={out.returncode} out={out.stdout!r} err={out.stderr!r}")

env = dict(os.environ, KGRESS_LIBRARY=lib,
           PYTHONPATH=os.path.join(root, "python"))
out = subprocess.run([sys.executable, "examples/embed.py"], cwd=root,
                     capture_output=True, text=True, env=env)
expect = ["shop static 80 /static/app.js", "('shop', 'company-tls')",
          "True allowed", "4 7 spec "]
if out.returncode != 0 or any(e not in out.stdout for e in expect):
    failures.append(f"embed.py: rc={out.returncode} out={out.stdout!r} err={out.stderr!r}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
