#!/bin/sh
# SPDX-License-Identifier: MIT
# The main job: run the kgress tool on the bundled example cluster.
# usage: examples/demo.sh [BUILD_DIR]   (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kgress="${1:-$here/../build}/tools/kgress/kgress"
cluster="$here/cluster/cluster.yaml"

echo "== kgress validate examples/cluster/cluster.yaml"
"$kgress" validate "$cluster"

echo
echo "== kgress route: which backend serves each request"
"$kgress" route "$cluster" <<'REQ' || true
app.company.com /
app.company.com /static/css/site.css
app.company.com /healthz
app.company.com /healthz/
APP.Company.COM.:443 /static/../healthz?probe=1
api.company.com /v1/orders?id=7
api.company.com /v1/%2e%2e/admin
evil.company.com /
REQ

echo
echo "== kgress check: may this flow pass"
"$kgress" check "$cluster" <<'FLOWS' || true
10.244.1.10 10.244.2.10 8080 TCP
10.244.1.10 10.244.3.10 9000 TCP
10.244.2.10 10.244.3.10 9000 TCP
10.244.0.20 10.244.1.10 8080 TCP
10.244.1.10 10.244.0.10 53 UDP
10.244.3.10 198.51.100.7 443 TCP
10.244.3.10 203.0.113.200 443 TCP
10.244.3.10 2001:db8:100::5 443 TCP
10.244.3.10 8.8.8.8 443 TCP
10.244.1.10 1.1.1.1 443 TCP
FLOWS
