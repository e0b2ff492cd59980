# SPDX-License-Identifier: MIT
"""A flow explained rule by rule: ``Ruleset.explain`` and ``RuleMatch``.

``struct kg_rule_match`` is mirrored as a ctypes Structure (tests/python
checks it against the C layout); kg_explain_rule fills one per rule of a
side, and each becomes a ``RuleMatch`` with its strings copied, so an
explanation outlives its Ruleset.
"""

import ctypes

from ._check import (ACTIONS, KG_EGRESS, KG_INGRESS, TIERS, KgVerdict, _flow,
                     _u, _verdict)
from ._errors import check as _check_rc

__all__ = ["RuleMatch", "KgRuleMatch", "explain"]

KG_ENOTFOUND = -27
#: enum kg_match_enum
KG_MATCH_PEER, KG_MATCH_PORTS, KG_MATCH_EFFECT = 0, 1, 2


class KgRuleMatch(ctypes.Structure):
    """struct kg_rule_match (include/kgress.h)."""

    _fields_ = [
        ("tier", ctypes.c_int),
        ("action", ctypes.c_int),
        ("policy_kind", ctypes.c_char_p),
        ("policy", ctypes.c_char_p),
        ("priority", ctypes.c_int32),
        ("rule", ctypes.c_int),
        ("rule_name", ctypes.c_char_p),
        ("peer", ctypes.c_int),
        ("ports", ctypes.c_int),
        ("matched", ctypes.c_bool),
        ("effect", ctypes.c_int),
        ("reserved", ctypes.c_uint64 * 4),
    ]


class RuleMatch:
    """One rule of a policy isolating a side, judged for a flow.

    tier         "admin", "network-policy" or "baseline"
    policy_kind  "NetworkPolicy", "AdminNetworkPolicy", ...
    policy       "namespace/name", or "name" for a cluster-scoped kind
    priority     the tier policy's priority, or None
    rule         index in spec.ingress / spec.egress, or None for a
                 NetworkPolicy without rules in this direction (it only
                 isolates; peer and ports are then None)
    rule_name    the rule's name, or None
    action       "allow", "deny" or "pass"
    peer         how its peers judged the other end: "any-peer",
                 "selected", "in-cidr", "node", "domain" (matched), or
                 "not-selected", "not-in-cidr", "pod-address" (why not)
    ports        "any-port", "number", "named" (matched), or
                 "not-protocol", "not-number", "not-named" (why not)
    matched      bool: peer and ports both matched
    effect       "none", "decided", "passed" (a Pass rule: the next tier
                 judges) or "not-reached" (matched after the side was
                 decided)
    """

    __slots__ = ("tier", "policy_kind", "policy", "priority", "rule",
                 "rule_name", "action", "peer", "ports", "matched", "effect")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __eq__(self, other):
        if not isinstance(other, RuleMatch):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n)
                   for n in self.__slots__)

    __hash__ = None

    def __repr__(self):
        where = self.policy if self.rule is None else "%s[%d]" % (
            self.policy, self.rule)
        return ("RuleMatch(%s %s, peer=%r, ports=%r, effect=%r)"
                % (self.policy_kind, where, self.peer, self.ports,
                   self.effect))


def _rules(lib, rs, f, direction):
    out = []
    m = KgRuleMatch()
    while True:
        rc = lib.kg_explain_rule(rs, ctypes.byref(f), direction, len(out),
                                 ctypes.byref(m))
        if rc == KG_ENOTFOUND:
            return out
        _check_rc(rc, "kg_explain_rule")
        has_rule = m.rule >= 0

        def name(which, value):
            return lib.kg_match_name(which, value).decode("ascii")

        out.append(RuleMatch(
            tier=TIERS.get(m.tier),
            policy_kind=_u(m.policy_kind),
            policy=_u(m.policy),
            priority=int(m.priority) if m.priority >= 0 else None,
            rule=int(m.rule) if has_rule else None,
            rule_name=_u(m.rule_name),
            action=ACTIONS.get(m.action),
            peer=name(KG_MATCH_PEER, m.peer) if has_rule else None,
            ports=name(KG_MATCH_PORTS, m.ports) if has_rule else None,
            matched=bool(m.matched),
            effect=name(KG_MATCH_EFFECT, m.effect)))


def explain(lib, rs, src_ip, dst_ip, port, protocol, domain, claimed):
    """Ruleset.explain: see there."""
    f = _flow(lib, src_ip, dst_ip, port, protocol, domain, claimed)
    v = KgVerdict()
    v.size = ctypes.sizeof(KgVerdict)
    _check_rc(lib.kg_check_flow(rs, ctypes.byref(f), ctypes.byref(v)),
              "kg_check_flow")
    verdict = _verdict(lib, rs, v)
    if v.service and v.endpoint.family:
        f.dst = v.endpoint  # the endpoint the verdict reports
        f.port = v.endpoint_port
    return verdict, _rules(lib, rs, f, KG_EGRESS), _rules(lib, rs, f,
                                                          KG_INGRESS)
