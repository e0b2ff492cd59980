#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TCP connections/s through kgress-nfq (not a test; as root).

The namespaces of examples/nfqueue/test_e2e.py (a namespace per pod of
examples/cluster/, a router that forwards): connrate's client in the
frontend pod connects to connrate's server on api:8080 (allowed by the
example's policies) with THREADS threads for SECONDS seconds, first with no
NFQUEUE rule in the router (the forwarding baseline), then with the
example's rules queueing every new TCP/UDP connection to kgress-nfq. Each
connection is one NEW packet, so the second figure is also the daemon's
verdicts/s. Figures are medians of -r runs.

usage: bench/nfqueue/run.py BUILD_DIR [-r 3] [-d 1.5] [-t 4]
(BUILD_DIR configured with -Dbenchmarks=true)
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "examples", "nfqueue"))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import test_e2e  # noqa: E402  (the namespaces, servers and daemon)


def rate(lab, connrate, args):
    rates = []
    for _ in range(args.r):
        out = subprocess.run(
            ["ip", "netns", "exec", lab.ns["frontend"], connrate, "client",
             "10.244.2.10", "8080", str(args.d), str(args.t)],
            capture_output=True, text=True, timeout=args.d + 30).stdout
        m = re.match(r"(\d+) connections/s \((.*)\)", out)
        if not m:
            raise RuntimeError("connrate: " + out)
        rates.append((int(m.group(1)), m.group(2)))
        # conntrack keeps each closed connection for 10 s (CLOSE state):
        # let them expire so that no run meets a full table
        time.sleep(11)
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("-d", type=float, default=1.5)
    ap.add_argument("-t", type=int, default=4)
    args = ap.parse_args()
    connrate = os.path.abspath(os.path.join(args.build, "bench", "nfqueue",
                                            "connrate"))
    nfq = os.path.abspath(os.path.join(args.build, "examples", "nfqueue",
                                       "kgress-nfq"))
    tmp = tempfile.mkdtemp(prefix="kgress-bench-nfq-")
    lab = test_e2e.Lab("b%d" % os.getpid())
    try:
        lab.build()
        srv = subprocess.Popen(
            ["ip", "netns", "exec", lab.ns["api"], connrate, "server",
             "8080"], stdout=subprocess.PIPE, text=True)
        lab.procs.append(srv)
        assert srv.stdout.readline().strip() == "ready"
        print("connrate client frontend -> api:8080, %d threads, %g s, %d "
              "runs" % (args.t, args.d, args.r))
        rules = subprocess.run(
            ["ip", "netns", "exec", lab.router, "iptables-save"],
            capture_output=True, text=True, check=True).stdout
        for tool in ("iptables", "ip6tables"):
            subprocess.run(["ip", "netns", "exec", lab.router, tool, "-F"],
                           check=True)
        for name, setup in (("no NFQUEUE rule", None),
                            ("kgress-nfq", "daemon")):
            if setup:
                subprocess.run(["ip", "netns", "exec", lab.router,
                                "iptables-restore"], input=rules, text=True,
                               check=True)
                lab.start_daemon(nfq, os.path.join(
                    ROOT, "examples", "cluster", "cluster.yaml"),
                    os.path.join(tmp, "out"), os.path.join(tmp, "err"))
            runs = rate(lab, connrate, args)
            print("%-16s median %7d connections/s  runs %s" % (
                name, statistics.median(r for r, _ in runs),
                "; ".join("%d (%s)" % r for r in runs)))
        lab.stop_daemon()
        with open(os.path.join(tmp, "err")) as f:
            print("daemon: " + f.read().strip().splitlines()[-1])
    finally:
        lab.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
