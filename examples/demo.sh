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

tiers="$here/cluster/tiers.yaml"
echo
echo "== kgress check with the platform team's guardrails (examples/cluster/tiers.yaml)"
"$kgress" check "$cluster" "$tiers" <<'FLOWS' || true
10.244.3.10 10.244.0.10 53 UDP
10.244.3.10 198.51.100.7 443 TCP
10.244.1.10 169.254.169.254 80 TCP
10.244.2.10 10.244.3.10 9000 TCP
FLOWS

echo
echo "== the payment pod's egress by domain name (Python: check(..., domain=))"
lib="${1:-$here/../build}/lib/libkgress.so"
if command -v python3 >/dev/null && [ -e "$lib" ]; then
    KGRESS_LIBRARY="$lib" PYTHONPATH="$here/../python" python3 - "$cluster" "$tiers" <<'PY' || true
import sys
import kgress
with kgress.Ruleset.from_files(*sys.argv[1:]) as rs:
    for dst, name in [("203.0.113.10", "api.stripe.com"),
                      ("203.0.113.11", "live.checkout.adyen.com"),
                      ("203.0.113.12", "payments.evil.example"),
                      ("203.0.113.10", None)]:
        v = rs.check("10.244.3.10", dst, 443, domain=name)
        e = v.egress_side
        print(f"{dst} {name}: {'allowed' if v.allowed else 'denied'} by the "
              f"{e.tier} tier, {e.policy_kind} {e.policy} rule "
              f"{e.rule_name!r} ({e.action}), pattern {e.domain}")
PY
fi
