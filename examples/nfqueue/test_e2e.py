# SPDX-License-Identifier: MIT
"""End-to-end test of kgress-nfq: real connections between network
namespaces, judged by the daemon through NFQUEUE.

The test makes one network namespace per pod of examples/cluster/ (the pod's
IPs on eth0, a veth pair to a router namespace), and the router namespace,
which forwards between them, holds "external" addresses on its loopback device
(the payment gateways of the example, a denied range) and queues every new
TCP/UDP connection it forwards or receives to kgress-nfq. Servers in the
pods and on the router answer TCP and UDP; clients in the pods connect.
Allowed flows must connect, denied flows must not, and every drop must be
logged with the denying pod and its policies. Then the manifest is broken
(the old rules keep serving), changed (a new flow opens) and reloaded by
SIGHUP, all while a client keeps connecting on an allowed flow: not one of
its connections may fail. Last, a burst of connections larger than a small
socket buffer while the daemon is stopped: the packets the kernel could not
deliver are counted, and nothing stays queued.

Traffic never leaves the namespaces the test made; every step has a
timeout; the namespaces, servers and daemon are removed however the test
ends (including meson's SIGTERM on timeout).

usage: test_e2e.py KGRESS_NFQ SOURCE_ROOT
       test_e2e.py serve|connect ...   (helpers run inside a namespace)
Exit 77 (skipped) without root, ip, iptables or namespace support, unless
KGRESS_E2E_REQUIRED=1 (CI), where that is a failure.
"""
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from e2e_common import Checks, read, skip, wait_for  # noqa: E402

TIMEOUT = 10      # seconds for one setup step or wait
# a denied flow must not connect within DENIED_WAIT; an allowed one gets
# ALLOWED_WAIT (generous: the machine may be busy)
DENIED_WAIT = 1.5
ALLOWED_WAIT = 5.0

# the pods of examples/cluster/cluster.yaml: name -> (IPv4, IPv6, servers)
PODS = {
    "coredns": ("10.244.0.10", None, ["tcp:53", "udp:53", "udp:5353"]),
    "ingress": ("10.244.0.20", None, ["tcp:80"]),
    "frontend": ("10.244.1.10", "fd00:10:244:1::10", ["tcp:8080", "tcp:8081"]),
    "static": ("10.244.1.20", None, ["tcp:8080"]),
    "api": ("10.244.2.10", "fd00:10:244:2::10", ["tcp:8080", "udp:8080"]),
    "payment": ("10.244.3.10", None, ["tcp:9000"]),
}
POD_NAMES = {
    "coredns": "kube-system/coredns-5d78c9869d-x8k2p",
    "ingress": "ingress-nginx/ingress-nginx-controller-7d9f8b8c6-q2w4e",
    "frontend": "shop/frontend-6c8d7f9b5-abcde",
    "static": "shop/static-7b5d9c4f8-fghij",
    "api": "shop/api-5f6d8b7c9-klmno",
    "payment": "payments/payment-8d7c6b5a4-pqrst",
}
# "external" addresses on the router: two payment gateways, one address in
# the gateways' excepted range, one IPv6 gateway
EXTERNAL = ["198.51.100.7", "203.0.113.7", "203.0.113.200", "2001:db8:100::5"]
ROUTER_SERVERS = ["tcp:443", "tcp:80"]

SHOP = ["shop/allow-dns", "shop/default-deny"]
PAY_IN = ["payments/default-deny", "payments/payment-from-api"]

# (client pod, protocol, destination, port, allowed, {side: (pod, policies)}
# for the sides that must be logged as denying)
FLOWS = [
    ("frontend", "tcp", "10.244.2.10", 8080, True, None),
    ("frontend", "tcp", "fd00:10:244:2::10", 8080, True, None),
    ("api", "tcp", "10.244.3.10", 9000, True, None),
    ("ingress", "tcp", "10.244.1.10", 8080, True, None),
    ("ingress", "tcp", "10.244.1.10", 8081, True, None),
    ("frontend", "udp", "10.244.0.10", 53, True, None),
    ("frontend", "tcp", "10.244.0.10", 53, True, None),
    ("api", "udp", "10.244.0.10", 53, True, None),
    ("payment", "tcp", "198.51.100.7", 443, True, None),
    ("payment", "tcp", "203.0.113.7", 443, True, None),
    ("frontend", "tcp", "10.244.3.10", 9000, False,
     {"egress": ("frontend", SHOP + ["shop/frontend-to-api"]),
      "ingress": ("payment", PAY_IN)}),
    ("ingress", "tcp", "10.244.3.10", 9000, False,
     {"ingress": ("payment", PAY_IN)}),
    ("static", "tcp", "10.244.2.10", 8080, False,
     {"egress": ("static", SHOP),
      "ingress": ("api", ["shop/allow-ingress-controller",
                          "shop/api-from-frontend", "shop/default-deny"])}),
    ("frontend", "udp", "10.244.0.10", 5353, False,
     {"egress": ("frontend", SHOP + ["shop/frontend-to-api"])}),
    ("frontend", "udp", "10.244.2.10", 8080, False,
     {"egress": ("frontend", SHOP + ["shop/frontend-to-api"]),
      "ingress": ("api", ["shop/allow-ingress-controller",
                          "shop/api-from-frontend", "shop/default-deny"])}),
    ("payment", "tcp", "203.0.113.200", 443, False,
     {"egress": ("payment", ["payments/allow-dns", "payments/default-deny",
                             "payments/payment-gateways"])}),
    ("payment", "tcp", "198.51.100.7", 80, False,
     {"egress": ("payment", ["payments/allow-dns", "payments/default-deny",
                             "payments/payment-gateways"])}),
    ("frontend", "tcp", "2001:db8:100::5", 443, False,
     {"egress": ("frontend", SHOP + ["shop/frontend-to-api"])}),
]

NEW_POLICIES = """
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: frontend-to-payment
    namespace: shop
  spec:
    podSelector:
      matchLabels:
        app: frontend
    policyTypes: [Egress]
    egress:
    - to:
      - namespaceSelector:
          matchLabels:
            team: payments
      ports:
      - port: 9000
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: payment-from-frontend
    namespace: payments
  spec:
    podSelector:
      matchLabels:
        app: payment
    policyTypes: [Ingress]
    ingress:
    - from:
      - namespaceSelector:
          matchLabels:
            team: storefront
        podSelector:
          matchLabels:
            app: frontend
"""


# --------------------------------------------------------------- helpers
# run inside a namespace: `serve SPEC...` and `connect PROTO ADDR PORT`

def serve(specs):
    sel = selectors.DefaultSelector()
    for spec in specs:
        proto, port = spec.split(":")
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", int(port)))
        if proto == "tcp":
            s.listen(128)
        sel.register(s, selectors.EVENT_READ, proto)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if key.data == "tcp":
                    c, _ = s.accept()
                    c.sendall(b"ok\n")
                    c.close()
                else:
                    data, peer = s.recvfrom(512)
                    s.sendto(b"ok\n", peer)
            except OSError:
                pass


def flood(addr, port, count, hold):
    """count TCP connects at once (non-blocking), held for hold seconds."""
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((addr, port))
        except BlockingIOError:
            pass
        socks.append(s)
    time.sleep(hold)
    for s in socks:
        s.close()


def connect(proto, addr, port, wait):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family, kind) as s:
        s.settimeout(wait)
        try:
            s.connect((addr, port))
            if proto == "udp":
                s.send(b"ping")
            return s.recv(16) == b"ok\n"
        except OSError:
            return False


# ------------------------------------------------------------------ test



def run(*cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p


class Lab:
    """The namespaces, servers and daemon; close() removes them all."""

    def __init__(self, tag):
        self.router = "kgnfq-%s-router" % tag
        self.ns = {pod: "kgnfq-%s-%s" % (tag, pod) for pod in PODS}
        self.procs = []
        self.made = []
        self.daemon = None

    def netns(self, name):
        run("ip", "netns", "add", name)
        self.made.append(name)
        run("ip", "netns", "exec", name, "sysctl", "-qw",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0")
        run("ip", "-n", name, "link", "set", "lo", "up")

    def build(self):
        r = self.router
        self.netns(r)
        run("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1")
        for i, (pod, (v4, v6, _)) in enumerate(PODS.items()):
            ns, dev = self.ns[pod], "p%d" % i
            self.netns(ns)
            run("ip", "-n", r, "link", "add", dev, "type", "veth", "peer",
                "name", "eth0", "netns", ns)
            run("ip", "-n", r, "addr", "add", "169.254.1.1/32", "dev", dev)
            run("ip", "-n", r, "addr", "add", "fe80::1/64", "dev", dev)
            run("ip", "-n", r, "link", "set", dev, "up")
            run("ip", "-n", r, "route", "add", v4 + "/32", "dev", dev)
            run("ip", "-n", ns, "addr", "add", v4 + "/32", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
            run("ip", "-n", ns, "route", "add", "169.254.1.1", "dev", "eth0")
            run("ip", "-n", ns, "route", "add", "default", "via",
                "169.254.1.1", "dev", "eth0")
            if v6:
                run("ip", "-n", ns, "-6", "addr", "add", v6 + "/128", "dev",
                    "eth0", "nodad")
                run("ip", "-n", ns, "-6", "route", "add", "default", "via",
                    "fe80::1", "dev", "eth0")
                run("ip", "-n", r, "-6", "route", "add", v6 + "/128", "dev",
                    dev)
        # (on lo: kernels without the dummy driver have it too)
        for a in EXTERNAL:
            run("ip", "-n", r, "addr", "add",
                a + ("/128" if ":" in a else "/32"), "dev", "lo")
        # the enforcement point: new TCP/UDP connections, forwarded between
        # pods or addressed to the router's external addresses
        for tool in ("iptables", "ip6tables"):
            for chain, match in (("FORWARD", []), ("INPUT", ["-i", "p+"])):
                for proto in ("tcp", "udp"):
                    run("ip", "netns", "exec", r, tool, "-A", chain, *match,
                        "-p", proto, "-m", "conntrack", "--ctstate", "NEW",
                        "-j", "NFQUEUE", "--queue-num", "0")

    def start_servers(self, script):
        todo = [(self.ns[p], spec[2]) for p, spec in PODS.items()]
        todo.append((self.router, ROUTER_SERVERS))
        for ns, specs in todo:
            p = subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, script, "serve"] +
                specs, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True)
            self.procs.append(p)
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("server in %s did not start" % ns)

    def start_daemon(self, exe, manifest, out, err, *args):
        self.daemon = subprocess.Popen(
            ["ip", "netns", "exec", self.router, exe] + list(args) +
            [manifest], stdout=open(out, "w"), stderr=open(err, "w"))
        wait_for(lambda: "serving queue 0" in read(err), "the daemon", TIMEOUT)

    def stop_daemon(self):
        """SIGTERM; returns the daemon's exit status (None if not running)."""
        rc = None
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                rc = self.daemon.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.daemon = None
        return rc

    def connect(self, pod, proto, addr, port, script, expect=True):
        wait = ALLOWED_WAIT if expect else DENIED_WAIT
        p = subprocess.run(
            ["ip", "netns", "exec", self.ns[pod], sys.executable, script,
             "connect", proto, addr, str(port), str(wait)], timeout=TIMEOUT)
        return p.returncode == 0

    def close(self):
        self.stop_daemon()
        for p in self.procs:
            p.kill()
            p.wait()
        for name in reversed(self.made):
            run("ip", "netns", "del", name, check=False)






def queued(ns):
    """Packets waiting for a verdict in queue 0 of namespace ns
    (/proc/net/netfilter/nfnetlink_queue: number, portid, waiting, ...)."""
    p = run("ip", "netns", "exec", ns, "cat",
            "/proc/net/netfilter/nfnetlink_queue")
    for line in p.stdout.splitlines():
        f = line.split()
        if f and f[0] == "0":
            return int(f[2])
    return 0


def replace_file(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    exe, root = sys.argv[1], sys.argv[2]
    script = os.path.abspath(__file__)
    if os.geteuid() != 0:
        skip("needs root (network namespaces, iptables)")
    for tool in ("ip", "iptables", "ip6tables"):
        if shutil.which(tool) is None:
            skip(tool + " is not installed")
    if not os.path.isfile(exe):
        skip("kgress-nfq was not built (libnetfilter-queue-dev missing?)")

    check = Checks()

    def on_term(*_):
        raise SystemExit("terminated")

    signal.signal(signal.SIGTERM, on_term)
    tmp = tempfile.mkdtemp(prefix="kgress-nfq-")
    lab = Lab(str(os.getpid()))
    out, err = os.path.join(tmp, "drops.log"), os.path.join(tmp, "events.log")
    try:
        try:
            lab.build()
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            if os.environ.get("KGRESS_E2E_REQUIRED") == "1":
                raise
            lab.close()
            skip("cannot build the namespaces here: %s" % e)
        lab.start_servers(script)
        cluster = read(os.path.join(root, "examples", "cluster",
                                    "cluster.yaml"))
        manifest = os.path.join(tmp, "cluster.yaml")
        replace_file(manifest, cluster)

        # one drop in the text format
        lab.start_daemon(exe, manifest, out, err)
        check(not lab.connect("frontend", "tcp", "10.244.3.10", 9000, script,
                              False),
              "text log: frontend -> payment:9000 denied")
        check(lab.stop_daemon() == 0, "the text-format daemon exits with 0")
        lines = [l for l in read(out).splitlines() if l.startswith("drop ")]
        check(lines and lines[0].startswith(
            "drop TCP 10.244.1.10:") and " -> 10.244.3.10:9000 egress "
            "shop/frontend-6c8d7f9b5-abcde: no-rule, isolated by "
            "shop/allow-dns,shop/default-deny,shop/frontend-to-api; ingress "
            "payments/payment-8d7c6b5a4-pqrst: no-rule, isolated by "
            "payments/default-deny,payments/payment-from-api" in lines[0],
            "text drop line: %s" % (lines[:1],))

        # every flow, drops logged as JSON
        lab.start_daemon(exe, manifest, out, err, "--json")
        for pod, proto, addr, port, allowed, _ in FLOWS:
            got = lab.connect(pod, proto, addr, port, script, allowed)
            check(got == allowed, "%s -> %s %s:%d %s" % (
                pod, proto.upper(), addr, port,
                "connects" if got else "does not connect"))
        drops = [json.loads(l) for l in read(out).splitlines()]
        src_of = {pod: PODS[pod] for pod in PODS}
        for pod, proto, addr, port, allowed, sides in FLOWS:
            src = src_of[pod][1] if ":" in addr else src_of[pod][0]
            mine = [d for d in drops if d["src"] == src and
                    d["dst"] == addr and d["dport"] == port and
                    d["protocol"] == proto.upper()]
            if allowed:
                check(not mine, "no drop logged for %s -> %s:%d" % (
                    pod, addr, port))
                continue
            ok = bool(mine)
            for d in mine:
                ok &= d["verdict"] == "drop"
                for side in ("egress", "ingress"):
                    if side in sides:
                        want_pod, want_pol = sides[side]
                        ok &= (d[side]["allowed"] is False and
                               d[side]["pod"] == POD_NAMES[want_pod] and
                               d[side]["reason"] == "no-rule" and
                               d[side]["policies"] == want_pol)
                    else:
                        ok &= d[side]["allowed"] is True
            check(ok, "drop of %s -> %s:%d logged with %s (%s)" % (
                pod, addr, port, sides, mine[:1]))

        # reloads under traffic: an allowed flow keeps connecting throughout
        stop = threading.Event()
        tally = {"ok": 0, "failed": 0}

        def traffic():
            while not stop.is_set():
                good = lab.connect("frontend", "tcp", "10.244.2.10", 8080,
                                   script)
                tally["ok" if good else "failed"] += 1

        t = threading.Thread(target=traffic)
        t.start()
        try:
            replace_file(manifest, cluster.replace("kind: NetworkPolicy",
                                                   "kind: NetworkPolicy\n"
                                                   "  bogus: [", 1))
            wait_for(lambda: "keeping the previous rules" in read(err),
                     "the failed reload", TIMEOUT)
            check("cluster.yaml:" in read(err) and "error:" in read(err),
                  "the failed reload logged kgress's diagnostics")
            check(not lab.connect("frontend", "tcp", "10.244.3.10", 9000,
                                  script, False) and
                  lab.connect("api", "tcp", "10.244.3.10", 9000, script),
                  "after a failed reload the old rules serve")

            replace_file(manifest, cluster + NEW_POLICIES)
            wait_for(lambda: "(generation 2)" in read(err),
                     "the changed manifest to load", TIMEOUT)
            check(lab.connect("frontend", "tcp", "10.244.3.10", 9000, script),
                  "after the reload frontend -> payment:9000 connects")
            check(not lab.connect("static", "tcp", "10.244.3.10", 9000,
                                  script, False),
                  "after the reload static -> payment:9000 is still denied")

            lab.daemon.send_signal(signal.SIGHUP)
            wait_for(lambda: "(generation 3)" in read(err), "SIGHUP reload", TIMEOUT)
            time.sleep(0.5)
        finally:
            stop.set()
            t.join(timeout=TIMEOUT * 2)
        check(tally["failed"] == 0 and tally["ok"] > 0,
              "traffic during the reloads: %(ok)d connected, %(failed)d "
              "failed" % tally)
        check(lab.daemon.poll() is None, "the daemon still runs")
        check(lab.stop_daemon() == 0, "the daemon exits with 0")

        # a burst larger than a small socket buffer while the daemon is
        # stopped: the kernel drops what does not fit, the daemon counts
        # the gap in the packet ids, and nothing stays queued
        lab.start_daemon(exe, manifest, out, err, "--rcvbuf", "4096")
        lab.daemon.send_signal(signal.SIGSTOP)
        burst = subprocess.Popen(
            ["ip", "netns", "exec", lab.ns["frontend"], sys.executable,
             script, "flood", "10.244.2.10", "8080", "300", "2"])
        time.sleep(0.5)
        lab.daemon.send_signal(signal.SIGCONT)
        burst.wait(timeout=TIMEOUT)
        wait_for(lambda: "not delivered (socket buffer full): dropped by "
                 "the kernel" in read(err), "the lost packets to be counted",
                 TIMEOUT)
        wait_for(lambda: queued(lab.router) == 0, "the queue to drain",
                 TIMEOUT)
        check(True, "a burst past the socket buffer: lost packets counted, "
              "queue drained")
        check(lab.connect("frontend", "tcp", "10.244.2.10", 8080, script),
              "after the burst frontend -> api:8080 connects")
        rc = lab.stop_daemon()
        check(rc == 0 and "stopping:" in read(err),
              "the daemon stopped cleanly (exit status %s)" % rc)
    finally:
        lab.close()
        if check.failures:
            print("daemon stderr:\n" + read(err)[-3000:])
            print("daemon stdout (tail):\n" + read(out)[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "flood":
        flood(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
              float(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "connect":
        sys.exit(0 if connect(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                              float(sys.argv[5])) else 1)
    else:
        main()
