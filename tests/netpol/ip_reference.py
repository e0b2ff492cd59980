# SPDX-License-Identifier: MIT
"""Differential test of lib/util/ip against Python's ipaddress module.

Random and structured address/CIDR texts (fixed seed) go through ip_tool;
each answer is compared with what ipaddress says, extended with the API
server's legacy reading that ipaddress lacks (netpol-semantics rule 31):
IPv4 octets with leading zeros read as decimal, IPv4-mapped IPv6 networks
of /96 or longer read as IPv4, host bits masked, each with a warning bit.

usage: ip_reference.py IP_TOOL [COUNT]
"""
import ipaddress
import random
import re
import subprocess
import sys

W_HOST, W_LZ, W_MAPPED = 1, 2, 4


def strict_ip(s):
    """kgi_ip_parse: canonical text or '-'."""
    if "%" in s or s.strip() != s:
        return "-"
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return "-"
    if a.version == 6 and a.ipv4_mapped is not None:
        return "::ffff:" + str(a.ipv4_mapped)
    return str(a)


def unzero(addr):
    """Leading zeros of dotted quads dropped (legacy reading); flag."""
    lz = False

    def fix(m):
        nonlocal lz
        parts = m.group(0).split(".")
        out = []
        for p in parts:
            if len(p) > 1 and p[0] == "0":
                lz = True
            out.append(str(int(p)) if p.isdigit() else p)
        return ".".join(out)

    return re.sub(r"[0-9]+(\.[0-9]+){3}$", fix, addr), lz


def legacy_cidr(s):
    """kgi_cidr_parse without flags: (canonical, warnings) or ('-', 0)."""
    if "%" in s or s.count("/") != 1:
        return "-", 0
    addr, plen = s.split("/")
    if not plen.isdigit():
        return "-", 0
    w = 0
    if len(plen) > 1 and plen[0] == "0":
        w |= W_LZ
    addr, lz = unzero(addr)
    if lz:
        w |= W_LZ
    # an octet written with over three digits is legal only when it is
    # leading zeros; ipaddress refuses those, so they were removed above
    try:
        a = ipaddress.ip_address(addr)
    except ValueError:
        return "-", 0
    n = int(plen)
    if n > a.max_prefixlen:
        return "-", 0
    net = ipaddress.ip_network("%s/%d" % (a, n), strict=False)
    if net.network_address != a:
        w |= W_HOST
    if a.version == 6 and a.ipv4_mapped is not None:
        w |= W_MAPPED
    if net.version == 6 and n >= 96 and net.network_address.ipv4_mapped is not None:
        net = ipaddress.ip_network("%s/%d" % (net.network_address.ipv4_mapped, n - 96))
    return str(net), w


def cases(count, rng):
    alphabet = "0123456789abcdefABCDEF::..//% "
    masks6 = [0, (1 << 128) - 1, ((1 << 128) - 1) ^ ((1 << 96) - 1),
              (1 << 32) - 1, (0xFFFF << 32) | ((1 << 32) - 1)]
    for _ in range(count):
        k = rng.random()
        if k < 0.25:
            yield "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 22)))
        elif k < 0.6:
            if rng.random() < 0.3:  # IPv4-mapped
                bits = (0xFFFF << 32) | rng.getrandbits(32)
            else:
                bits = rng.getrandbits(128) & rng.choice(masks6)
                bits |= rng.getrandbits(rng.choice([0, 8, 16, 32, 64]))
            a = ipaddress.IPv6Address(bits)
            s = rng.choice([str(a), a.exploded, str(a).upper()])
            if a.ipv4_mapped is not None and rng.random() < 0.5:
                s = "::ffff:" + str(a.ipv4_mapped)
            if rng.random() < 0.7:
                s += "/%d" % rng.randint(0, 130)
            yield s
        else:
            octs = [rng.choice([0, 1, 10, 255, 256, rng.randint(0, 300)])
                    for _ in range(4)]
            txt = [("0" * rng.choice([0, 0, 0, 1, 2])) + str(o) for o in octs]
            s = ".".join(txt)
            if rng.random() < 0.7:
                s += "/%s%d" % (rng.choice(["", "", "", "0"]), rng.randint(0, 34))
            yield s


def main():
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    rng = random.Random(20240601)
    inputs = list(cases(count, rng))
    out = subprocess.run([tool], input="\n".join(inputs) + "\n",
                         capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == len(inputs), (len(lines), len(inputs))
    bad = 0
    for s, line in zip(inputs, lines):
        ip_got, cidr_got, w_got = line.split(" ")
        want_ip = strict_ip(s)
        want_cidr, want_w = legacy_cidr(s)
        got = (ip_got, cidr_got, int(w_got) if cidr_got != "-" else 0)
        want = (want_ip, want_cidr, want_w)
        if got != want:
            bad += 1
            if bad <= 20:
                print("MISMATCH %r: got %s want %s" % (s, got, want))
    print("%d inputs, %d mismatches" % (len(inputs), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
