# SPDX-License-Identifier: MIT
"""NetworkPolicy verdicts: ``Ruleset.check`` and ``Verdict``.

The C flow and answer (``struct kg_flow``; ``struct kg_verdict`` with its
two ``struct kg_side`` and two ``struct kg_side_detail``) are mirrored here
as ctypes Structures, field for field in header order (tests/python checks
them against the C layout); each sized one begins with ``size``, set
before the call. Strings it points to live in the
ruleset and are copied into Python objects before the call returns, so a
``Verdict`` outlives its Ruleset.
"""

import ctypes
import ipaddress

from ._errors import check as _check_rc

__all__ = ["Verdict", "Side", "KgSide", "KgSideDetail", "KgVerdict",
           "KgAddr", "KgFlow", "check", "check_side", "pod_at", "PROTOCOLS",
           "TIERS", "ACTIONS"]

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

#: enum kg_tier -> Side.tier (KG_TIER_NONE: None)
TIERS = {1: "admin", 2: "network-policy", 3: "baseline", 4: "default"}
#: enum kg_action -> Side.action (KG_ACTION_NONE: None)
ACTIONS = {1: "allow", 2: "deny", 3: "pass"}

#: enum kg_name_trust
KG_NAME_DIALLED = 1
KG_NAME_CLAIMED = 2


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


class KgSideDetail(ctypes.Structure):
    """struct kg_side_detail (include/kgress.h)."""

    _fields_ = [
        ("tier", ctypes.c_int),
        ("action", ctypes.c_int),
        ("policy_kind", ctypes.c_char_p),
        ("policy", ctypes.c_char_p),
        ("rule_name", ctypes.c_char_p),
        ("rule", ctypes.c_int),
        ("priority", ctypes.c_int32),
        ("domain", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("reserved", ctypes.c_uint64 * 8),
    ]


class KgFlow(ctypes.Structure):
    """struct kg_flow (include/kgress.h)."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("src", KgAddr),
        ("dst", KgAddr),
        ("protocol", ctypes.c_int),
        ("port", ctypes.c_uint),
        # optional from here
        ("dst_name", ctypes.c_char_p),
        ("dst_name_len", ctypes.c_size_t),
        ("name_trust", ctypes.c_int),
        ("cache", ctypes.c_void_p),
        ("now", ctypes.c_uint64),
        ("name_buf", ctypes.c_void_p),
        ("name_buf_size", ctypes.c_size_t),
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
        # since 0.2: what decided each side
        ("egress_detail", KgSideDetail),
        ("ingress_detail", KgSideDetail),
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
    egress_side, ingress_side  kgress.Side of each end: reason, pod,
              policies and what decided it (tier, action, policy_kind,
              policy, rule, ...)
    """

    __slots__ = ("allowed", "egress", "ingress", "reason", "policies",
                 "src_pod", "dst_pod", "egress_reason", "ingress_reason",
                 "egress_rule", "ingress_rule", "service", "endpoints",
                 "endpoint", "endpoint_port", "egress_side", "ingress_side")

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
        """allowed, the reason line (each side and what decided it), the
        policies, and the Service and endpoint when the flow went to one."""
        text = ("Verdict(allowed=%r, reason=%r, policies=%r"
                % (self.allowed, self.reason, self.policies))
        if self.service is not None:
            text += (", service=%r, endpoints=%r, endpoint=%r, "
                     "endpoint_port=%r" % (self.service, self.endpoints,
                                           self.endpoint, self.endpoint_port))
        return text + ")"


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


def _isolating(lib, rs, pod, direction):
    """Every policy isolating pod in direction ("namespace/name")."""
    names = []
    if pod == KG_POD_NONE:
        return names
    i = 0
    while True:
        p = lib.kg_pod_policy(rs, pod, direction, i)
        if not p:
            return names
        names.append(p.decode("utf-8"))
        i += 1


def _u(p):
    return p.decode("utf-8", "surrogateescape") if p else None


def _side(lib, rs, side, detail, direction):
    """A Side from struct kg_side and, when given, its kg_side_detail."""
    rule = None
    if side.reason == REASON_ALLOWED_BY_RULE and side.policy:
        rule = (side.policy.decode("utf-8"), int(side.rule))
    fields = dict(
        allowed=bool(side.allowed),
        reason=lib.kg_reason_name(side.reason).decode("ascii"),
        pod=_u(side.pod_name),
        rule=rule,
        policy=rule[0] if rule else None,
        policies=_isolating(lib, rs, side.pod, direction))
    if detail is not None:
        if detail.policy and detail.rule >= 0:
            fields["rule"] = (_u(detail.policy), int(detail.rule))
        fields.update(
            tier=TIERS.get(detail.tier),
            action=ACTIONS.get(detail.action),
            policy_kind=_u(detail.policy_kind),
            policy=_u(detail.policy),
            rule_name=_u(detail.rule_name),
            priority=int(detail.priority) if detail.priority >= 0 else None,
            domain=_u(detail.domain),
            name=_u(detail.name))
    return Side(**fields)


def _flow(lib, src_ip, dst_ip, port, protocol, domain, claimed, cache=None,
          now=None):
    """A KgFlow from Ruleset.check's arguments (ValueError/TypeError)."""
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int, not %s" % type(port).__name__)
    if not 0 <= port <= 65535:
        raise ValueError("port must be within 0..65535, not %d" % port)
    if not isinstance(protocol, str):
        raise TypeError("protocol must be a str")
    if protocol.upper() not in PROTOCOLS:
        raise ValueError("protocol must be TCP, UDP or SCTP, not %r"
                         % protocol)
    if not isinstance(claimed, bool):
        raise TypeError("claimed must be a bool")
    f = KgFlow()
    f.size = ctypes.sizeof(KgFlow)
    src = _text(src_ip, "src_ip")
    dst = _text(dst_ip, "dst_ip")
    if lib.kg_addr_parse(src, len(src), ctypes.byref(f.src)) != 0 or \
            lib.kg_addr_parse(dst, len(dst), ctypes.byref(f.dst)) != 0:
        raise ValueError("not an IP address: %r -> %r" % (src_ip, dst_ip))
    proto = protocol.upper().encode("ascii")
    f.protocol = lib.kg_protocol_parse(proto, len(proto))
    f.port = port
    if domain is not None:
        name = _text(domain, "domain")
        f.dst_name = name
        f.dst_name_len = len(name)
        f.name_trust = KG_NAME_CLAIMED if claimed else KG_NAME_DIALLED
    if cache is not None:
        if now is None or isinstance(now, bool) or not isinstance(now, int) \
                or now < 0:
            raise TypeError("cache= needs now= (a non-negative int)")
        f.cache = cache._ptr()
        f.now = now
    return f


def check(lib, rs, src_ip, dst_ip, port, protocol, domain=None,
          claimed=False, cache=None, now=None):
    """Ruleset.check: see there."""
    f = _flow(lib, src_ip, dst_ip, port, protocol, domain, claimed, cache,
              now)
    name = ctypes.create_string_buffer(254)
    f.name_buf = ctypes.cast(name, ctypes.c_void_p)
    f.name_buf_size = len(name)
    v = KgVerdict()
    v.size = ctypes.sizeof(KgVerdict)
    _check_rc(lib.kg_check_flow(rs, ctypes.byref(f), ctypes.byref(v)),
              "kg_check_flow")
    return _verdict(lib, rs, v)


def check_many(lib, rs, flows, cache=None, now=None):
    """Ruleset.check_many: see there."""
    fl = []
    for i, t in enumerate(flows):
        if not isinstance(t, (tuple, list)) or not 3 <= len(t) <= 4:
            raise TypeError("flow %d must be (src_ip, dst_ip, port[, "
                            "protocol])" % i)
        fl.append(_flow(lib, t[0], t[1], t[2],
                        t[3] if len(t) > 3 else "TCP", None, False, cache,
                        now))
    if cache is None and now is not None:
        raise TypeError("now= needs cache=")
    if not fl:
        return []
    names = None
    if cache is not None:
        # one name buffer per flow, for Side.name of what a domain matched
        names = ctypes.create_string_buffer(254 * len(fl))
        base = ctypes.addressof(names)
        for i, f in enumerate(fl):
            f.name_buf = base + 254 * i
            f.name_buf_size = 254
    fa = (KgFlow * len(fl))(*fl)
    va = (KgVerdict * len(fl))()
    for v in va:
        v.size = ctypes.sizeof(KgVerdict)
    _check_rc(lib.kg_check_batch(rs, fa, len(fl), va), "kg_check_batch")
    return [_verdict(lib, rs, v) for v in va]


def _verdict(lib, rs, v):
    """A Verdict from a filled KgVerdict."""
    need = lib.kg_verdict_format(ctypes.byref(v), None, 0)
    buf = ctypes.create_string_buffer(need + 1)
    lib.kg_verdict_format(ctypes.byref(v), buf, need + 1)
    egress = _side(lib, rs, v.egress, v.egress_detail, KG_EGRESS)
    ingress = _side(lib, rs, v.ingress, v.ingress_detail, KG_INGRESS)
    policies = []
    for s in (egress, ingress):
        if s.reason == "allowed-by-rule" and s.rule:
            names = [s.rule[0]]
        elif s.reason == "no-rule":
            names = s.policies
        else:
            names = []
        for n in names:
            if n not in policies:
                policies.append(n)

    def side_bool(s):
        return None if s.reason == REASON_NOT_A_POD else bool(s.allowed)

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
        src_pod=egress.pod,
        dst_pod=ingress.pod,
        egress_reason=egress.reason,
        ingress_reason=ingress.reason,
        egress_rule=rule(v.egress),
        ingress_rule=rule(v.ingress),
        service=v.service.decode("utf-8") if v.service else None,
        endpoints=int(v.endpoints),
        endpoint=_addr_text(v.endpoint),
        endpoint_port=int(v.endpoint_port) if v.endpoint.family else None,
        egress_side=egress,
        ingress_side=ingress,
    )


class Side:
    """One side of a flow: the egress side of its source pod or the ingress
    side of its destination pod (Verdict.egress_side / ingress_side), or
    what Ruleset.check_side returns.

    allowed      bool
    reason       kg_reason_name ("not-a-pod", "not-isolated",
                 "allowed-by-rule", "no-rule", "loopback", "node",
                 "host-network", "no-endpoints")
    pod          "namespace/name" of the pod of this side, or None
    policy       the deciding policy ("namespace/name", or "name" for a
                 cluster-scoped kind), allowing or denying; None when none
    rule         (policy, rule index) of the deciding rule, or None
    policies     list of "namespace/name" isolating the pod in this
                 direction
    tier         "admin", "network-policy", "baseline", "default", or None
                 (not decided by a tier: not a pod, loopback, node, ...)
    action       "allow", "deny", "pass", or None (no rule decided)
    policy_kind  "NetworkPolicy", "ClusterNetworkPolicy", ... or None
    rule_name    the deciding rule's name, or None
    priority     the deciding policy's priority, or None (NetworkPolicy)
    domain       the domain-name pattern that matched, or None
    name         the destination name that matched it, or None

    check_side fills allowed, reason, pod, policy, rule and policies; the
    decision fields (tier to name) are None there (kg_check_side reports
    no detail).
    """

    __slots__ = ("allowed", "reason", "pod", "policy", "rule", "policies",
                 "tier", "action", "policy_kind", "rule_name", "priority",
                 "domain", "name")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))
        if self.policies is None:
            self.policies = []

    def __eq__(self, other):
        if not isinstance(other, Side):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n)
                   for n in self.__slots__)

    __hash__ = None

    def __repr__(self):
        return "Side(%s)" % ", ".join(
            "%s=%r" % (n, getattr(self, n)) for n in self.__slots__
            if getattr(self, n) is not None)


def _addr(lib, value, what):
    text = _text(value, what)
    a = KgAddr()
    if lib.kg_addr_parse(text, len(text), ctypes.byref(a)) != 0:
        raise ValueError("%s is not an IP address: %r" % (what, value))
    return a


def pod_addresses(lib, rs, name):
    """Ruleset.pod_addresses: see there."""
    text = _text(name, "pod")
    ns, sep, pod = text.partition(b"/")
    if not sep:
        raise ValueError("pod must be \"namespace/name\", not %r" % (name,))
    h = ctypes.c_uint32()
    if lib.kg_pod_find(rs, ns, len(ns), pod, len(pod), ctypes.byref(h)) != 0:
        raise LookupError("no pod %r" % (name,))
    out = []
    a = KgAddr()
    while lib.kg_pod_addr(rs, h.value, len(out), ctypes.byref(a)) == 0:
        out.append(_addr_text(a))
    return out


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
    return _side(lib, rs, side, None, directions[direction])
