# SPDX-License-Identifier: MIT
"""Routing lookups (Ingress and Gateway API): ``Ruleset.route`` and
``Ruleset.tls_secret``.

The C answers (``struct kg_route``, ``struct kg_tls``) are mirrored here as
ctypes Structures, field for field in header order; each begins with
``size``, set to the Structure's size before the call. The strings they
point to live in the ruleset (or, for the normalized path, in a buffer this
module allocates per call) and are copied into Python objects before the
call returns, so a ``Route`` outlives its Ruleset.
"""

import collections
import ctypes

from ._errors import check

__all__ = ["Route", "KgRoute", "KgTls", "KgHeader", "KgHttpRequest",
           "KgFilter", "KgHeaderOp", "route", "tls_secret", "PATH_TYPES",
           "FILTER_TYPES"]

_c_char_p = ctypes.POINTER(ctypes.c_char)
_size_t = ctypes.c_size_t

KG_ENOMATCH = -21

#: enum kg_path_type -> pathType string (0: a defaultBackend answered)
PATH_TYPES = {1: "Exact", 2: "Prefix", 3: "ImplementationSpecific",
              4: "RegularExpression"}

#: enum kg_filter_type -> the Gateway API filter type
FILTER_TYPES = {1: "RequestHeaderModifier", 2: "ResponseHeaderModifier",
                3: "RequestMirror", 4: "RequestRedirect", 5: "URLRewrite"}
_HEADER_OPS = {1: "set", 2: "add", 3: "remove"}
_PATH_MODS = {1: "ReplaceFullPath", 2: "ReplacePrefixMatch"}


class KgHeaderOp(ctypes.Structure):
    """struct kg_header_op (include/kgress.h)."""

    _fields_ = [
        ("op", ctypes.c_int),
        ("name", _c_char_p), ("name_len", _size_t),
        ("value", _c_char_p), ("value_len", _size_t),
    ]


class KgFilter(ctypes.Structure):
    """struct kg_filter (include/kgress.h)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("ops", ctypes.POINTER(KgHeaderOp)), ("n_ops", _size_t),
        ("scheme", _c_char_p), ("scheme_len", _size_t),
        ("hostname", _c_char_p), ("hostname_len", _size_t),
        ("port", ctypes.c_uint32),
        ("status_code", ctypes.c_int),
        ("path_modifier", ctypes.c_int),
        ("path", _c_char_p), ("path_len", _size_t),
        ("mirror_ns", _c_char_p), ("mirror_ns_len", _size_t),
        ("mirror_service", _c_char_p), ("mirror_service_len", _size_t),
        ("mirror_port", ctypes.c_uint32),
        ("mirror_numerator", ctypes.c_uint32),
        ("mirror_denominator", ctypes.c_uint32),
        ("mirror_valid", ctypes.c_bool),
        ("reserved", ctypes.c_uint64 * 4),
    ]


class KgRoute(ctypes.Structure):
    """struct kg_route (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("ns", _c_char_p), ("ns_len", _size_t),
        ("ingress", _c_char_p), ("ingress_len", _size_t),
        ("service", _c_char_p), ("service_len", _size_t),
        ("port", ctypes.c_uint32),
        ("port_name", _c_char_p), ("port_name_len", _size_t),
        ("is_resource", ctypes.c_bool),
        ("resource_api_group", _c_char_p), ("resource_api_group_len", _size_t),
        ("resource_kind", _c_char_p), ("resource_kind_len", _size_t),
        ("resource_name", _c_char_p), ("resource_name_len", _size_t),
        ("is_default", ctypes.c_bool),
        ("path_type", ctypes.c_int),
        ("matched_path", _c_char_p), ("matched_path_len", _size_t),
        ("normalized_path", _c_char_p), ("normalized_path_len", _size_t),
        # since 0.2: the object that answered
        ("source_kind", _c_char_p), ("source_kind_len", _size_t),
        ("source_name", _c_char_p), ("source_name_len", _size_t),
        ("rule", ctypes.c_int),
        # since 0.2: Gateway API answers
        ("match", ctypes.c_int),
        ("status", ctypes.c_int),
        ("backend_ns", _c_char_p), ("backend_ns_len", _size_t),
        ("weight", ctypes.c_uint32),
        ("total_weight", ctypes.c_uint64),
        ("listener", _c_char_p), ("listener_len", _size_t),
        ("filters", ctypes.POINTER(KgFilter)), ("n_filters", _size_t),
        ("backend_filters", ctypes.POINTER(KgFilter)),
        ("n_backend_filters", _size_t),
        ("redirect_scheme", _c_char_p), ("redirect_scheme_len", _size_t),
        ("redirect_host", _c_char_p), ("redirect_host_len", _size_t),
        ("redirect_port", ctypes.c_uint32),
        ("redirect_path", _c_char_p), ("redirect_path_len", _size_t),
        ("rewrite_host", _c_char_p), ("rewrite_host_len", _size_t),
        ("rewrite_path", _c_char_p), ("rewrite_path_len", _size_t),
    ]


class KgHeader(ctypes.Structure):
    """struct kg_header (include/kgress.h)."""

    _fields_ = [
        ("name", _c_char_p), ("name_len", _size_t),
        ("value", _c_char_p), ("value_len", _size_t),
    ]


class KgHttpRequest(ctypes.Structure):
    """struct kg_http_request (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("host", _c_char_p), ("host_len", _size_t),
        ("path", _c_char_p), ("path_len", _size_t),
        # optional from here
        ("method", _c_char_p), ("method_len", _size_t),
        ("headers", ctypes.POINTER(KgHeader)), ("n_headers", _size_t),
        ("pick", ctypes.c_uint64),
        # since 0.2, Gateway API
        ("gateway", _c_char_p), ("gateway_len", _size_t),
        ("port", ctypes.c_uint),
        ("sni", _c_char_p), ("sni_len", _size_t),
    ]


class KgTls(ctypes.Structure):
    """struct kg_tls (include/kgress.h)."""

    _fields_ = [
        ("size", _size_t),
        ("ns", _c_char_p), ("ns_len", _size_t),
        ("secret", _c_char_p), ("secret_len", _size_t),
        ("ingress", _c_char_p), ("ingress_len", _size_t),
        ("host", _c_char_p), ("host_len", _size_t),
    ]


_RouteBase = collections.namedtuple(
    "Route", "namespace ingress service port port_name resource is_default "
             "matched_path path_type normalized_path source_kind source_name "
             "rule match status backend_namespace weight total_weight "
             "listener filters backend_filters redirect rewrite",
    defaults=(None, None, None, None, None, None, [], [], None, None))


class Route(_RouteBase):
    """Where a request goes.

    namespace, ingress: the Ingress that answered (the backend is in its
    namespace); service: the Service name, or None for a resource backend;
    port: the service port number, or None when the port is named or for a
    resource backend; port_name: the named port, or None; resource: a dict
    {"apiGroup", "kind", "name"} for a resource backend (apiGroup None for
    the core group), else None; is_default: a defaultBackend answered;
    matched_path / path_type: the rule's path as written and its pathType
    ("Exact", "Prefix", "ImplementationSpecific"), None when is_default;
    normalized_path: the path that was matched (what to forward);
    source_kind / source_name: the kind ("Ingress", "HTTPRoute",
    "GRPCRoute") and name of the object that answered (its namespace is
    ``namespace``; for an Ingress source_name == ingress); rule: the index
    of the answering rule in its spec.rules, or None for a defaultBackend.

    Gateway API answers (route(..., gateway=, port=)) also have: match, the
    index in the rule's matches; status, None to forward to the backend,
    301..308 for a redirect (see ``redirect``), 500 when nothing can be
    forwarded (no backends, an invalid picked backend: answer 500, gRPC
    UNAVAILABLE); backend_namespace; weight / total_weight of the picked
    backend (its share); listener, the name of the Gateway listener that
    took the request; filters (the rule's) and backend_filters (the picked
    backendRef's), lists of dicts with "type" ("RequestHeaderModifier",
    "ResponseHeaderModifier", "RequestMirror", "RequestRedirect",
    "URLRewrite") and the filter's fields; redirect, a dict {"scheme",
    "host", "port", "path"} of the Location (the query follows the path)
    or None; rewrite, a dict {"host", "path"} of what to send upstream
    (None: unchanged) or None. For Ingress answers they are None or [].
    """

    __slots__ = ()

    def __repr__(self):
        """The fields that say something: the backend and how it was
        matched, the Gateway fields only when set (an Ingress answer's are
        all None or empty)."""
        items = []
        for name, value in zip(self._fields, self):
            if value is None or value == [] or (
                    name == "is_default" and not value):
                continue
            items.append("%s=%r" % (name, value))
        return "Route(%s)" % ", ".join(items)


def _s(ptr, n):
    """str of the C string ptr[0..n) (undecodable bytes kept as surrogate
    escapes, so nothing is silently lost)."""
    if not n:
        return ""
    return ctypes.string_at(ptr, n).decode("utf-8", "surrogateescape")


def _arg(value, what):
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s must be str, bytes or None, not %s"
                    % (what, type(value).__name__))


def _headers(headers):
    """A (KgHeader array, keep-alive list, count) from a mapping or an
    iterable of (name, value) pairs; names and values str or bytes."""
    if headers is None:
        return None, [], 0
    items = list(headers.items()) if hasattr(headers, "items") \
        else list(headers)
    arr = (KgHeader * max(len(items), 1))()
    keep = []
    for i, item in enumerate(items):
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError("headers must be a mapping or (name, value) "
                            "pairs, not %r" % (item,)) from None
        n = _arg(name, "header name")
        v = _arg(value, "header value")
        keep += [n, v]
        arr[i].name = ctypes.cast(ctypes.c_char_p(n), _c_char_p)
        arr[i].name_len = len(n)
        arr[i].value = ctypes.cast(ctypes.c_char_p(v), _c_char_p)
        arr[i].value_len = len(v)
    return arr, keep, len(items)


def _filter(f):
    """A dict of one struct kg_filter."""
    t = FILTER_TYPES.get(f.type, "unknown")
    d = {"type": t}
    if f.type in (1, 2):
        for k in ("set", "add", "remove"):
            d[k] = []
        for i in range(f.n_ops):
            op = f.ops[i]
            kind = _HEADER_OPS.get(op.op)
            name = _s(op.name, op.name_len)
            d[kind].append(name if kind == "remove"
                           else (name, _s(op.value, op.value_len)))
    elif f.type in (4, 5):
        d["hostname"] = _s(f.hostname, f.hostname_len) or None
        d["path_modifier"] = _PATH_MODS.get(f.path_modifier)
        d["path"] = _s(f.path, f.path_len) or None
        if f.type == 4:
            d["scheme"] = _s(f.scheme, f.scheme_len) or None
            d["port"] = int(f.port) or None
            d["status_code"] = int(f.status_code)
    elif f.type == 3:
        d["namespace"] = _s(f.mirror_ns, f.mirror_ns_len)
        d["service"] = _s(f.mirror_service, f.mirror_service_len)
        d["port"] = int(f.mirror_port)
        d["fraction"] = (int(f.mirror_numerator), int(f.mirror_denominator))
        d["valid"] = bool(f.mirror_valid)
    return d


def _filters(ptr, n):
    return [_filter(ptr[i]) for i in range(n)]


def route(lib, handle, host, path, method=None, headers=None, pick=0,
          gateway=None, port=0, sni=None):
    """kg_route_request on a ruleset pointer: a Route, or None when no rule
    and no defaultBackend applies (with gateway or port: no listener,
    hostname or match takes the request). A rejected request (control bytes, NUL, a
    malformed Host, `%2F` with reject_escaped_slash, ...) raises
    kgress.Error with code_name "KG_EREQUEST"; a regex that hit its match
    limit raises kgress.Error "KG_ELIMIT_MATCH"."""
    h = _arg(host, "host")
    p = _arg(path, "path")
    m = None if method is None else _arg(method, "method")
    if isinstance(pick, bool) or not isinstance(pick, int) or \
            not 0 <= pick < 1 << 64:
        raise ValueError("pick must be an int within 0..2**64-1, not %r"
                         % (pick,))
    if isinstance(port, bool) or not isinstance(port, int) or \
            not 0 <= port <= 65535:
        raise ValueError("port must be an int within 0..65535, not %r"
                         % (port,))
    g = None if gateway is None else _arg(gateway, "gateway")
    s = None if sni is None else _arg(sni, "sni")
    arr, keep, n = _headers(headers)
    req = KgHttpRequest()
    req.size = ctypes.sizeof(KgHttpRequest)
    req.host = ctypes.cast(ctypes.c_char_p(h), _c_char_p)
    req.host_len = len(h)
    req.path = ctypes.cast(ctypes.c_char_p(p), _c_char_p)
    req.path_len = len(p)
    if m is not None:
        req.method = ctypes.cast(ctypes.c_char_p(m), _c_char_p)
        req.method_len = len(m)
    if n:
        req.headers = arr
        req.n_headers = n
    req.pick = pick
    if g is not None:
        req.gateway = ctypes.cast(ctypes.c_char_p(g), _c_char_p)
        req.gateway_len = len(g)
    req.port = port
    if s is not None:
        req.sni = ctypes.cast(ctypes.c_char_p(s), _c_char_p)
        req.sni_len = len(s)
    cap = 2 * len(p) + len(h) + 1030  # kg_route_request: always enough
    buf = ctypes.create_string_buffer(cap)
    out = KgRoute()
    out.size = ctypes.sizeof(KgRoute)
    rc = lib.kg_route_request(handle, ctypes.byref(req), buf, cap,
                              ctypes.byref(out))
    del keep  # the bytes the request pointed to, alive until here
    if rc == KG_ENOMATCH:
        return None
    check(rc, "kg_route_request")
    return _answer(out)


def route_many(lib, handle, requests):
    """Ruleset.route_many: see there."""
    reqs = [tuple(r) for r in requests]
    n = len(reqs)
    if n == 0:
        return []
    arr = (KgHttpRequest * n)()
    keep = []
    cap = 0
    for i, r in enumerate(reqs):
        if len(r) != 2:
            raise TypeError("route_many takes (host, path) pairs, not %r"
                            % (r,))
        h = _arg(r[0], "host")
        p = _arg(r[1], "path")
        keep.append((h, p))
        q = arr[i]
        q.size = ctypes.sizeof(KgHttpRequest)
        q.host = ctypes.cast(ctypes.c_char_p(h), _c_char_p)
        q.host_len = len(h)
        q.path = ctypes.cast(ctypes.c_char_p(p), _c_char_p)
        q.path_len = len(p)
        cap = max(cap, len(p) + 1)  # an Ingress answer: the path + NUL
    buf = ctypes.create_string_buffer(cap * n)
    outs = (KgRoute * n)()
    for o in outs:
        o.size = ctypes.sizeof(KgRoute)
    rcs = (ctypes.c_int * n)()
    rc = lib.kg_route_batch(handle, arr, n, buf, cap, outs, rcs)
    del keep  # the bytes the requests pointed to, alive until here
    if rc != 0 and rc not in list(rcs):
        check(rc, "kg_route_batch")  # refused as a whole: nothing written
    got = []
    for i in range(n):
        if rcs[i] == KG_ENOMATCH:
            got.append(None)
            continue
        check(rcs[i], "kg_route_batch")
        got.append(_answer(outs[i]))
    return got


def _answer(out):
    """A Route from a kg_route answer."""
    resource = None
    if out.is_resource:
        group = _s(out.resource_api_group, out.resource_api_group_len)
        resource = {"apiGroup": group or None,
                    "kind": _s(out.resource_kind, out.resource_kind_len),
                    "name": _s(out.resource_name, out.resource_name_len)}
    named = out.port_name_len > 0
    # a Gateway answer without a backend (redirect, 421, 500): no service
    none = out.is_resource or ((out.match >= 0 or out.status)
                               and not out.service_len)
    return Route(
        namespace=_s(out.ns, out.ns_len),
        ingress=_s(out.ingress, out.ingress_len),
        service=None if none else _s(out.service, out.service_len),
        port=None if (none or named) else int(out.port),
        port_name=_s(out.port_name, out.port_name_len) if named else None,
        resource=resource,
        is_default=bool(out.is_default),
        matched_path=None if out.is_default else _s(out.matched_path,
                                                    out.matched_path_len),
        path_type=PATH_TYPES.get(out.path_type),
        normalized_path=_s(out.normalized_path, out.normalized_path_len),
        source_kind=_s(out.source_kind, out.source_kind_len),
        source_name=_s(out.source_name, out.source_name_len),
        rule=int(out.rule) if out.rule >= 0 else None,
        **_gateway_fields(out))


def _gateway_fields(out):
    """The Route fields of a Gateway API answer (None / [] for Ingress)."""
    if out.match < 0 and not out.status:  # 421 has no match
        return {}
    redirect = None
    if 300 <= out.status < 400:
        redirect = {"scheme": _s(out.redirect_scheme, out.redirect_scheme_len),
                    "host": _s(out.redirect_host, out.redirect_host_len),
                    "port": int(out.redirect_port),
                    "path": _s(out.redirect_path, out.redirect_path_len)}
    rewrite = None
    if out.rewrite_host_len or out.rewrite_path_len:
        rewrite = {"host": _s(out.rewrite_host, out.rewrite_host_len) or None,
                   "path": _s(out.rewrite_path, out.rewrite_path_len) or None}
    return {
        "match": int(out.match) if out.match >= 0 else None,
        "status": int(out.status) or None,
        "backend_namespace": _s(out.backend_ns, out.backend_ns_len) or None,
        "weight": int(out.weight) if out.total_weight else None,
        "total_weight": int(out.total_weight) if out.total_weight else None,
        "listener": _s(out.listener, out.listener_len),
        "filters": _filters(out.filters, out.n_filters),
        "backend_filters": _filters(out.backend_filters,
                                    out.n_backend_filters),
        "redirect": redirect,
        "rewrite": rewrite,
    }


def tls_secret(lib, handle, host):
    """kg_tls_lookup: (namespace, secret_name) for an SNI host, or None. The
    secret name is None for a tls entry without secretName (SNI only).
    A malformed host raises kgress.Error "KG_EREQUEST"."""
    h = _arg(host, "host")
    out = KgTls()
    out.size = ctypes.sizeof(KgTls)
    rc = lib.kg_tls_lookup(handle, h, len(h), ctypes.byref(out))
    if rc == KG_ENOMATCH:
        return None
    check(rc, "kg_tls_lookup")
    secret = _s(out.secret, out.secret_len)
    return (_s(out.ns, out.ns_len), secret or None)
