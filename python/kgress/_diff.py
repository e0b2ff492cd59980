# SPDX-License-Identifier: MIT
"""``kgress.diff``: every class of request two rule sets route differently
(kg_route_diff, docs/diff.md).

The C side calls back once per differing class with a ``struct
kg_route_diff`` whose strings live only during the call; each is copied
into a ``RouteDifference`` before the callback returns. An exception raised
while copying stops the walk (the callback returns 1) and is raised again
once kg_route_diff has returned.
"""

import collections
import ctypes

from ._errors import check
from ._route import KgHeader, KgRoute

__all__ = ["KgDiffOptions", "KgRouteDiff", "KgDiffSummary", "RouteDiff",
           "RouteDifference", "diff"]

_c_char_p = ctypes.POINTER(ctypes.c_char)
_size_t = ctypes.c_size_t

KG_DIFF_FILTERS = 1


class KgDiffOptions(ctypes.Structure):
    """struct kg_diff_options (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("flags", ctypes.c_uint),
        ("port", ctypes.c_uint),
        ("gateway", _c_char_p), ("gateway_len", _size_t),
        ("max_combinations", _size_t),
    ]


class KgRouteDiff(ctypes.Structure):
    """struct kg_route_diff (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("port", ctypes.c_uint),
        ("exact", ctypes.c_bool),
        ("host", _c_char_p), ("host_len", _size_t),
        ("host_class", _c_char_p), ("host_class_len", _size_t),
        ("path", _c_char_p), ("path_len", _size_t),
        ("path_class", _c_char_p), ("path_class_len", _size_t),
        ("method", _c_char_p), ("method_len", _size_t),
        ("headers", ctypes.POINTER(KgHeader)), ("n_headers", _size_t),
        ("conditions", _c_char_p), ("conditions_len", _size_t),
        ("old_answer", _c_char_p), ("old_answer_len", _size_t),
        ("new_answer", _c_char_p), ("new_answer_len", _size_t),
        ("old_rc", ctypes.c_int),
        ("new_rc", ctypes.c_int),
        ("old_route", ctypes.POINTER(KgRoute)),
        ("new_route", ctypes.POINTER(KgRoute)),
    ]


class KgDiffSummary(ctypes.Structure):
    """struct kg_diff_summary (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("classes", ctypes.c_uint64),
        ("differing", ctypes.c_uint64),
        ("inexact", ctypes.c_uint64),
    ]


#: int (*kg_route_diff_fn)(void *user, const struct kg_route_diff *d)
_DIFF_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                            ctypes.POINTER(KgRouteDiff))

#: One class of requests whose answer differs: its description (``port``,
#: ``host_class``, ``path_class``, ``conditions``), the witness request
#: (``host``, ``path`` with its query, ``method`` or None, ``headers`` as
#: (name, value) pairs), both answers as canonical text and the lookup
#: codes of the witness ("KG_OK", "KG_ENOMATCH", ...); ``exact`` False when
#: a regular expression decides the region (the witness is an example,
#: not a proof).
RouteDifference = collections.namedtuple(
    "RouteDifference",
    ["port", "host_class", "host", "path_class", "path", "method", "headers",
     "conditions", "old", "new", "old_code", "new_code", "exact"])

#: What kgress.diff returns: the differing classes in order, and how many
#: classes were evaluated and how many of them only as regex witnesses.
RouteDiff = collections.namedtuple(
    "RouteDiff", ["differences", "classes", "inexact"])


def _s(p, n):
    return ctypes.string_at(p, n).decode("utf-8", "surrogateescape") \
        if n else ""


def _code(lib, rc):
    return lib.kg_error_name(rc).decode("ascii")


def diff(old, new, *, port=0, gateway=None, filters=False,
         max_combinations=0):
    """Every class of request whose routing answer differs between the
    compiled rule sets ``old`` and ``new`` (kgress.Ruleset), computed from
    their tables (kg_route_diff): a ``RouteDiff`` whose ``differences`` is
    a list of ``RouteDifference`` (empty when the sets agree everywhere).
    ``port`` and ``gateway`` ("namespace/name") restrict the Gateway API
    sides to one listener port or Gateway; ``filters=True`` also compares
    rewrites, header modifiers and mirrors; ``max_combinations`` bounds the
    condition combinations per path region (0: the library's 4096).
    Thread-safe: it only reads both rule sets."""
    if isinstance(port, bool) or not isinstance(port, int) or \
            not 0 <= port <= 65535:
        raise ValueError("port must be an int within 0..65535, not %r"
                         % (port,))
    if isinstance(max_combinations, bool) or \
            not isinstance(max_combinations, int) or max_combinations < 0:
        raise ValueError("max_combinations must be an int >= 0, not %r"
                         % (max_combinations,))
    lib = old._lib
    o = KgDiffOptions()
    o.size = ctypes.sizeof(KgDiffOptions)
    o.flags = KG_DIFF_FILTERS if filters else 0
    o.port = port
    o.max_combinations = max_combinations
    keep = None
    if gateway is not None:
        g = gateway.encode("utf-8") if isinstance(gateway, str) else \
            bytes(gateway)
        keep = ctypes.create_string_buffer(g, len(g))
        o.gateway = ctypes.cast(keep, _c_char_p)
        o.gateway_len = len(g)
    out = []
    failure = []

    def on_diff(user, p):
        try:
            d = p.contents
            headers = [(_s(d.headers[i].name, d.headers[i].name_len),
                        _s(d.headers[i].value, d.headers[i].value_len))
                       for i in range(d.n_headers)]
            out.append(RouteDifference(
                d.port, _s(d.host_class, d.host_class_len),
                _s(d.host, d.host_len), _s(d.path_class, d.path_class_len),
                _s(d.path, d.path_len),
                _s(d.method, d.method_len) if d.method_len else None,
                headers, _s(d.conditions, d.conditions_len),
                _s(d.old_answer, d.old_answer_len),
                _s(d.new_answer, d.new_answer_len),
                _code(lib, d.old_rc), _code(lib, d.new_rc), bool(d.exact)))
            return 0
        except BaseException as e:  # re-raised after the C call
            failure.append(e)
            return 1

    cb = _DIFF_FN(on_diff)
    s = KgDiffSummary()
    s.size = ctypes.sizeof(KgDiffSummary)
    rc = lib.kg_route_diff(old._ptr(), new._ptr(), ctypes.byref(o), cb, None,
                           ctypes.byref(s))
    del keep
    if failure:
        raise failure[0]
    check(rc, "kg_route_diff")
    return RouteDiff(out, int(s.classes), int(s.inexact))
