# SPDX-License-Identifier: MIT
"""NetworkPolicy verdicts: ``Ruleset.check`` and ``Verdict``.

The C answer (``struct kg_verdict`` with its two ``struct kg_side``) is
mirrored here as ctypes Structures, field for field in header order; it
begins with ``size``, set before the call. Strings it points to live in the
ruleset and are copied into Python objects before the call returns, so a
``Verdict`` outlives its Ruleset.
"""

import ctypes
import ipaddress

from ._errors import check as _check_rc

__all__ = ["Verdict", "Side", "KgSide", "KgVerdict", "KgAddr", "check",
           "check_side", "pod_at", "PROTOCOLS"]

KG_EINVAL = -2
KG_POD_NONE = 0xFFFFFFFF
KG_INGRESS = 0
KG_EGRESS = 1

#: enum kg_reason values
REASON_NOT_A_POD = 1
REASON_ALLOWED_BY_RULE = 3
REASON_NO_RULE = 4

#: the protocols NetworkPolicy knows
PROTOCOLS = ("TCP", "UDP", "SCTP")


class KgSide(ctypes.Structure):
    """struct kg_side (include/kgress.h)."""

    _fields_ = [
        ("allowed", ctypes.c_bool),
        ("reason", ctypes.c_int),
        ("pod", ctypes.c_uint32),
        ("pod_name", ctypes.c_char_p),
        ("policy", ctypes.c_char_p),
        ("rule", ctypes.c_int),
        ("policies", ctypes.c_uint),
    ]


class KgAddr(ctypes.Structure):
    """struct kg_addr (include/kgress.h)."""

    _fields_ = [
        ("family", ctypes.c_uint8),
        ("bytes", ctypes.c_uint8 * 16),
    ]


class KgVerdict(ctypes.Structure):
    """struct kg_verdict (include/kgress.h)."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("allowed", ctypes.c_bool),
        ("egress", KgSide),
        ("ingress", KgSide),
        # since 0.2: a flow to a Service address (docs/services.md)
        ("service", ctypes.c_char_p),
        ("endpoints", ctypes.c_uint32),
        ("endpoint", KgAddr),
        ("endpoint_port", ctypes.c_uint),
    ]


class Verdict:
    """The NetworkPolicy verdict of one flow.

    allowed   bool: both sides allow it
    egress    the source pod's egress side: True/False, or None when the
              source is not a known pod (no policy side)
    ingress   likewise for the destination pod's ingress side
    reason    str: one line saying why, e.g. "denied (egress x/a: not
              isolated; ingress y/b: no rule allows, isolated by 2 policies)"
    policies  list of "namespace/name": the policy whose rule allowed each
              side that a rule allowed, and every policy isolating each side
              that denied (egress side first, no duplicates)
    src_pod, dst_pod           "namespace/name" of each end, or None
    egress_reason, ingress_reason   kg_reason_name of each side
                              ("not-a-pod", "not-isolated", "allowed-by-rule",
                               "no-rule", "loopback", "node", "host-network",
                               "no-endpoints")
    egress_rule, ingress_rule  (policy, rule index) that allowed, or None
    service   "namespace/name" when the destination was a Service address and
              port (judged against each ready endpoint), else None
    endpoints number of ready endpoints judged (0 unless service)
    endpoint  the endpoint reported (str address), or None
    endpoint_port  its port after targetPort translation, or None
    """

    __slots__ = ("allowed", "egress", "ingress", "reason", "policies",
                 "src_pod", "dst_pod", "egress_reason", "ingress_reason",
                 "egress_rule", "ingress_rule", "service", "endpoints",
                 "endpoint", "endpoint_port")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __eq__(self, other):
        if not isinstance(other, Verdict):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n)
                   for n in self.__slots__)

    __hash__ = None

    def __repr__(self):
        return ("Verdict(allowed=%r, egress=%r, ingress=%r, reason=%r, "
                "policies=%r)" % (self.allowed, self.egress, self.ingress,
                                  self.reason, self.policies))


def _text(value, what):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    # ipaddress.IPv4Address / IPv6Address and the like
    if value is not None and type(value).__module__ == "ipaddress":
        return str(value).encode("ascii")
    raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))


def _addr_text(a):
    """struct kg_addr -> "10.0.0.1" / "fd00::1", None for family 0."""
    if a.family == 4:
        return str(ipaddress.IPv4Address(bytes(a.bytes[:4])))
    if a.family == 6:
        return str(ipaddress.IPv6Address(bytes(a.bytes)))
    return None


def _side_policies(lib, rs, side, direction, out):
    if side.reason == REASON_ALLOWED_BY_RULE and side.policy:
        names = [side.policy.decode("utf-8")]
    elif side.reason == REASON_NO_RULE and side.pod != KG_POD_NONE:
        names = []
        i = 0
        while True:
            p = lib.kg_pod_policy(rs, side.pod, direction, i)
            if not p:
                break
            names.append(p.decode("utf-8"))
            i += 1
    else:
        names = []
    for n in names:
        if n not in out:
            out.append(n)


def check(lib, rs, src_ip, dst_ip, port, protocol):
    """Ruleset.check: see there."""
    src = _text(src_ip, "src_ip")
    dst = _text(dst_ip, "dst_ip")
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int, not %s" % type(port).__name__)
    if not 0 <= port <= 65535:
        raise ValueError("port must be within 0..65535, not %d" % port)
    if not isinstance(protocol, str):
        raise TypeError("protocol must be a str")
    if protocol.upper() not in PROTOCOLS:
        raise ValueError("protocol must be TCP, UDP or SCTP, not %r"
                         % protocol)
    proto = protocol.upper().encode("ascii")
    v = KgVerdict()
    v.size = ctypes.sizeof(KgVerdict)
    rc = lib.kg_check_str(rs, src, len(src), dst, len(dst), proto, len(proto),
                          port, ctypes.byref(v))
    if rc == KG_EINVAL:
        raise ValueError("not an IP address: %r -> %r" % (src_ip, dst_ip))
    _check_rc(rc, "kg_check")
    need = lib.kg_verdict_format(ctypes.byref(v), None, 0)
    buf = ctypes.create_string_buffer(need + 1)
    lib.kg_verdict_format(ctypes.byref(v), buf, need + 1)
    policies = []
    _side_policies(lib, rs, v.egress, KG_EGRESS, policies)
    _side_policies(lib, rs, v.ingress, KG_INGRESS, policies)

    def side_bool(s):
        return None if s.reason == REASON_NOT_A_POD else bool(s.allowed)

    def pod(s):
        return s.pod_name.decode("utf-8") if s.pod_name else None

    def rule(s):
        if s.reason != REASON_ALLOWED_BY_RULE or not s.policy:
            return None
        return (s.policy.decode("utf-8"), int(s.rule))

    return Verdict(
        allowed=bool(v.allowed),
        egress=side_bool(v.egress),
        ingress=side_bool(v.ingress),
        reason=buf.value.decode("utf-8", "replace"),
        policies=policies,
        src_pod=pod(v.egress),
        dst_pod=pod(v.ingress),
        egress_reason=lib.kg_reason_name(v.egress.reason).decode("ascii"),
        ingress_reason=lib.kg_reason_name(v.ingress.reason).decode("ascii"),
        egress_rule=rule(v.egress),
        ingress_rule=rule(v.ingress),
        service=v.service.decode("utf-8") if v.service else None,
        endpoints=int(v.endpoints),
        endpoint=_addr_text(v.endpoint),
        endpoint_port=int(v.endpoint_port) if v.endpoint.family else None,
    )


class Side:
    """One direction of one pod, for a caller that knows its own pod.

    allowed   bool
    reason    kg_reason_name ("not-isolated", "allowed-by-rule", "no-rule",
              "loopback", "node", "host-network")
    rule      (policy "namespace/name", rule index) that allowed, or None
    policies  list of "namespace/name" isolating the pod in this direction
    """

    __slots__ = ("allowed", "reason", "rule", "policies")

    def __init__(self, allowed, reason, rule, policies):
        self.allowed = allowed
        self.reason = reason
        self.rule = rule
        self.policies = policies

    def __repr__(self):
        return "Side(allowed=%r, reason=%r, rule=%r, policies=%r)" % (
            self.allowed, self.reason, self.rule, self.policies)


def _addr(lib, value, what):
    text = _text(value, what)
    a = KgAddr()
    if lib.kg_addr_parse(text, len(text), ctypes.byref(a)) != 0:
        raise ValueError("%s is not an IP address: %r" % (what, value))
    return a


def pod_at(lib, rs, ip):
    """Ruleset.pod: see there."""
    a = _addr(lib, ip, "ip")
    pod = ctypes.c_uint32()
    if lib.kg_pod_find_addr(rs, ctypes.byref(a), ctypes.byref(pod)) != 0:
        return None
    return lib.kg_pod_name(rs, pod.value).decode("utf-8")


def check_side(lib, rs, pod, direction, peer_ip, port, protocol):
    """Ruleset.check_side: see there."""
    if not isinstance(pod, str) or pod.count("/") != 1:
        raise ValueError('pod must be "namespace/name", not %r' % (pod,))
    directions = {"ingress": KG_INGRESS, "egress": KG_EGRESS}
    if direction not in directions:
        raise ValueError('direction must be "ingress" or "egress", not %r'
                         % (direction,))
    if isinstance(port, bool) or not isinstance(port, int) or \
            not 0 <= port <= 65535:
        raise ValueError("port must be an int within 0..65535, not %r"
                         % (port,))
    proto_text = _text(protocol, "protocol")
    proto = lib.kg_protocol_parse(proto_text, len(proto_text))
    if proto < 0:
        raise ValueError("protocol must be TCP, UDP or SCTP, not %r"
                         % (protocol,))
    ns, name = (x.encode("utf-8") for x in pod.split("/"))
    handle = ctypes.c_uint32()
    if lib.kg_pod_find(rs, ns, len(ns), name, len(name),
                       ctypes.byref(handle)) != 0:
        raise LookupError("no pod %s in this ruleset" % pod)
    peer = _addr(lib, peer_ip, "peer_ip")
    side = KgSide()
    _check_rc(lib.kg_check_side(rs, handle.value, directions[direction],
                                ctypes.byref(peer), proto, port,
                                ctypes.byref(side)), "kg_check_side")
    policies = []
    i = 0
    while True:
        p = lib.kg_pod_policy(rs, handle.value, directions[direction], i)
        if not p:
            break
        policies.append(p.decode("utf-8"))
        i += 1
    rule = None
    if side.reason == REASON_ALLOWED_BY_RULE and side.policy:
        rule = (side.policy.decode("utf-8"), int(side.rule))
    return Side(bool(side.allowed),
                lib.kg_reason_name(side.reason).decode("ascii"), rule,
                policies)
