#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Requests/s of nginx routing through ngx_http_kgress_module against the
same nginx with a static `location` set for the same routes (not a test).

Two variants, each with both configurations:
  local:   the answer is a small static file (try_files), so the figure is
           nginx + routing, no proxy;
  proxied: each route proxy_passes to a backend server block of the same
           nginx that answers 204 (module: proxy_pass with the variables,
           plain: a literal proxy_pass per location).
wrk rotates through requests for every route of examples/cluster/ (see
paths.lua). Figures are medians of -r runs of -d seconds.

usage: bench/nginx/run.py BUILD_DIR [-r 3] [-d 5] [-c 32]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

HEAD = """\
load_module {module};
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/t; proxy_temp_path {tmp}/t;
    fastcgi_temp_path {tmp}/t; uwsgi_temp_path {tmp}/t; scgi_temp_path {tmp}/t;
    upstream backend {{ server 127.0.0.1:{bport}; keepalive 32; }}
    server {{ listen 127.0.0.1:{bport}; location / {{ return 204; }} }}
"""

# the routes of examples/cluster/cluster.yaml, as static locations
PLAIN = """\
    server {{
        listen 127.0.0.1:{port};
        server_name app.company.com;
        root {tmp}/www;
        location / {{ {act} }}
        location = /static {{ {act} }}
        location /static/ {{ {act} }}
        location = /healthz {{ {act} }}
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name api.company.com;
        root {tmp}/www;
        location / {{ {act} }}
    }}
}}
"""

MODULE = """\
    kgress_manifest {root}/examples/cluster/cluster.yaml;
    kgress_upstream shop/frontend:http backend;
    kgress_upstream shop/frontend:8081 backend;
    kgress_upstream shop/static:80 backend;
    kgress_upstream shop/api:8080 backend;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{ kgress on; {act} }}
    }}
}}
"""

ACT = {
    ("local", "plain"): "try_files /ok.txt =404;",
    ("local", "module"): "try_files /ok.txt =404;",
    ("proxied", "plain"): "proxy_http_version 1.1; proxy_set_header "
                          "Connection \"\"; proxy_pass http://backend;",
    ("proxied", "module"): "proxy_http_version 1.1; proxy_set_header "
                           "Connection \"\"; proxy_pass "
                           "http://$kgress_upstream$kgress_path$is_args$args;",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(port, args):
    out = subprocess.run(
        ["wrk", "-t1", "-c%d" % args.c, "-d%ds" % args.d, "-s",
         os.path.join(HERE, "paths.lua"), "http://127.0.0.1:%d/" % port],
        capture_output=True, text=True, timeout=args.d + 30).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not m:
        raise RuntimeError("wrk: " + out)
    return float(m.group(1)), int(bad.group(1)) if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("-d", type=int, default=5)
    ap.add_argument("-c", type=int, default=32)
    args = ap.parse_args()
    module = os.path.abspath(os.path.join(
        args.build, "examples", "nginx", "ngx_http_kgress_module.so"))
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(tool + " is not installed")
    tmp = tempfile.mkdtemp(prefix="kgress-bench-nginx-")
    os.chmod(tmp, 0o755)
    os.makedirs(os.path.join(tmp, "www"))
    os.makedirs(os.path.join(tmp, "t"))
    with open(os.path.join(tmp, "www", "ok.txt"), "w") as f:
        f.write("ok\n")
    os.chmod(os.path.join(tmp, "www"), 0o755)
    os.chmod(os.path.join(tmp, "www", "ok.txt"), 0o644)
    print("nginx %s, wrk -t1 -c%d -d%ds, %d runs, 1 worker process" % (
        subprocess.run(["nginx", "-v"], capture_output=True,
                       text=True).stderr.split("/")[-1].strip(),
        args.c, args.d, args.r))
    try:
        for variant in ("local", "proxied"):
            for kind in ("plain", "module"):
                port, bport = free_port(), free_port()
                body = PLAIN if kind == "plain" else MODULE
                conf = os.path.join(tmp, "nginx.conf")
                with open(conf, "w") as f:
                    f.write(HEAD.format(module=module, tmp=tmp, bport=bport) +
                            body.format(port=port, tmp=tmp, root=ROOT,
                                        act=ACT[(variant, kind)]))
                proc = subprocess.Popen(["nginx", "-p", tmp, "-c", conf])
                try:
                    time.sleep(0.5)
                    rates, bad = [], 0
                    for _ in range(args.r):
                        rate, b = wrk(port, args)
                        rates.append(rate)
                        bad += b
                    print("%-8s %-7s median %9.0f req/s  runs %s  non-2xx %d"
                          % (variant, kind, statistics.median(rates),
                             " ".join("%.0f" % r for r in rates), bad))
                finally:
                    proc.send_signal(signal.SIGQUIT)
                    proc.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
