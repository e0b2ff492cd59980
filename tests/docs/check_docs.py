#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The project's documentation is in the repository and holds together
(issue 15 item 4):

- no committed text file sends a reader outside the clone: no path into a
  sibling checkout ("../" + "shared") and no absolute path of a development
  machine ("/" + "work/", "/" + "root/");
- docs/ has the routing, policy, architecture, Python and CLI documents,
  and every relative link of the Markdown files resolves to a file;
- the man page kgress(1) has a section per command `kgress --help` lists,
  and names every option of each command's `--help`.

usage: check_docs.py SOURCE_ROOT KGRESS
"""
import os
import re
import subprocess
import sys

root, kgress = sys.argv[1:3]
failures = []
SKIP_DIRS = {".git", "subprojects", "__pycache__"}
TEXT = (".md", ".c", ".h", ".py", ".sh", ".build", ".txt", ".1", ".bash",
        ".yaml", ".yml", ".json", ".toml", ".map", ".in", ".options")
BAD = ["../" + "shared", "/" + "work/", "/" + "root/"]

for d, dirs, files in os.walk(root):
    rel = os.path.relpath(d, root)
    dirs[:] = [x for x in dirs if x not in SKIP_DIRS and
               not (rel == "." and x.startswith("build"))]
    for f in files:
        if not f.endswith(TEXT) and f not in ("run", "meson_options.txt"):
            continue
        path = os.path.join(d, f)
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for b in BAD:
                if b in line:
                    failures.append("%s:%d: %r outside the clone: %s"
                                    % (os.path.relpath(path, root), n, b,
                                       line.strip()[:100]))

for doc in ("routing", "policy", "architecture", "python", "cli"):
    if not os.path.isfile(os.path.join(root, "docs", doc + ".md")):
        failures.append("docs/%s.md is missing" % doc)

md = [os.path.join(root, "README.md"), os.path.join(root, "HACKING.md")]
md += [os.path.join(root, "docs", f) for f in
       sorted(os.listdir(os.path.join(root, "docs"))) if f.endswith(".md")]
for path in md:
    text = open(path, encoding="utf-8").read()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a URL
        if not os.path.exists(os.path.join(os.path.dirname(path), target)):
            failures.append("%s: link to %s does not resolve"
                            % (os.path.relpath(path, root), target))

man = open(os.path.join(root, "tools", "kgress", "kgress.1"),
           encoding="utf-8").read()
man_plain = man.replace("\\-", "-")
out = subprocess.run([kgress, "--help"], capture_output=True, text=True,
                     check=True).stdout
cmds = [c for c in re.findall(r"^  ([a-z]+) ", out.split("Commands:", 1)[1],
                              re.M) if c != "help"]
if len(cmds) < 6:
    failures.append("kgress --help lists %d commands" % len(cmds))
for cmd in cmds:
    if ".SS " + cmd + "\n" not in man:
        failures.append("kgress.1 has no section for %s" % cmd)
    help_text = subprocess.run([kgress, cmd, "--help"], capture_output=True,
                               text=True, check=True).stdout
    for opt in sorted(set(re.findall(r"(--[a-z][a-z-]*)", help_text))):
        if opt.startswith("--limit-"):
            continue  # the man page lists the limits as --limit-NAME
        if opt not in man_plain:
            failures.append("kgress.1 does not mention %s of %s" % (opt, cmd))

for f in failures:
    print(f)
sys.exit(1 if failures else 0)
