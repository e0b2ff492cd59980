# SPDX-License-Identifier: MIT
"""Ruleset: compiled Ingress routes and NetworkPolicy verdicts.

A Ruleset holds one reference to an immutable ``kg_ruleset``: lookups on it
may run from any number of threads at once. ``close()`` (or leaving a
``with`` block, or garbage collection) drops the reference; a closed Ruleset
raises ValueError on use. Do not close a Ruleset while another thread is
still looking up in it.

Options (keyword-only, for ``from_yaml`` and ``from_files``):

  ingress_class=None       serve only Ingresses of this class
  dialect="portable"       or "ingress-nginx"
  normalize=True           normalize request paths (KG_FLAG_NORMALIZE)
  skip_invalid=False       leave invalid objects out, keeping their problems
                           as warnings, instead of failing the compile
  reject_escaped_slash=False   reject %2F / %5C in request paths
  ipblock_matches_pods=True    ipBlock peers match pod IPs too
  select_hostnetwork=False     pod/namespace selectors select hostNetwork pods
  allow_node_ingress=True      ingress from the pod's own node is allowed
  allow_loopback=True          a pod reaching its own IP is allowed
  strict_cidr=False            reject CIDRs with host bits set etc.
  service_any_endpoint=False   a flow to a Service is allowed when any ready
                               endpoint allows it (default: every endpoint)
  limits=None              a dict of YAML limits: input_bytes, depth, nodes
                           (per source), scalar_bytes, documents,
                           alias_nodes, object_nodes (per object),
                           diagnostics (kept at most, default 1000; the
                           rest are one "N more" Diagnostic)
"""

import ctypes
import os
from typing import (Dict, Iterable, List, Mapping, Optional, Tuple, Union)

from ._errors import (CompileError, Diagnostic, KG_ECOMPILE, check,
                      read_diagnostics)
from ._native import WRITE_FN, lib
from . import _route
from . import _check
from . import _explain

__all__ = ["Ruleset", "LIMITS", "FLAGS", "DIALECTS"]

#: limit name -> enum kg_limit
LIMITS = {
    "input_bytes": 1,
    "depth": 2,
    "nodes": 3,
    "scalar_bytes": 4,
    "documents": 5,
    "alias_nodes": 6,
    "object_nodes": 7,
    "diagnostics": 8,
}

#: keyword option -> enum kg_flag
FLAGS = {
    "normalize": 1,
    "skip_invalid": 2,
    "reject_escaped_slash": 3,
    "ipblock_matches_pods": 4,
    "select_hostnetwork": 5,
    "allow_node_ingress": 6,
    "allow_loopback": 7,
    "strict_cidr": 8,
    "service_any_endpoint": 9,
}

#: dialect name -> enum kg_dialect
DIALECTS = {
    "portable": 0,
    "ingress-nginx": 1,
    "ingress_nginx": 1,
}

_DUMP_FORMATS = {"text": 0, "json": 1}

_ENOMEM = -1


def _make_options(ingress_class=None, dialect="portable", limits=None,
                  **flags):
    """A new kg_options pointer set from the keyword options (caller frees
    it with kg_options_free)."""
    for name, value in flags.items():
        if name not in FLAGS:
            raise TypeError("unexpected keyword argument %r" % name)
        if not isinstance(value, bool):
            raise TypeError("%s must be a bool, not %s"
                            % (name, type(value).__name__))
    if dialect not in DIALECTS:
        raise ValueError("dialect must be one of %s, not %r"
                         % (", ".join(sorted(DIALECTS)), dialect))
    if ingress_class is not None and not isinstance(ingress_class, str):
        raise TypeError("ingress_class must be a str or None")
    if limits is None:
        limits = {}
    if not hasattr(limits, "items"):
        raise TypeError("limits must be a dict of limit name to int")
    for name, value in limits.items():
        if name not in LIMITS:
            raise ValueError("unknown limit %r (known: %s)"
                             % (name, ", ".join(sorted(LIMITS))))
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("limit %s must be an int" % name)
        if value < 0 or value >= 1 << 64:
            raise ValueError("limit %s out of range: %d" % (name, value))

    opts = lib.kg_options_new()
    if not opts:
        raise MemoryError("kg_options_new")
    try:
        for name, value in flags.items():
            check(lib.kg_options_set_flag(opts, FLAGS[name], value), name)
        check(lib.kg_options_set_dialect(opts, DIALECTS[dialect]), "dialect")
        if ingress_class is not None:
            cls = ingress_class.encode("utf-8")
            check(lib.kg_options_set_ingress_class(opts, cls, len(cls)),
                  "ingress_class")
        for name, value in limits.items():
            check(lib.kg_options_set_limit(opts, LIMITS[name], value),
                  "limit %s=%d" % (name, value))
    except BaseException:
        lib.kg_options_free(opts)
        raise
    return opts


def _to_bytes(text):
    if isinstance(text, str):
        return text.encode("utf-8")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError("expected str or bytes, not %s" % type(text).__name__)


def _options(args: Mapping[str, object]) -> Dict[str, object]:
    """The load options among a from_* call's locals(), as _make_options
    takes them."""
    opts = {k: args[k] for k in ("ingress_class", "dialect", "limits")}
    for flag in FLAGS:
        if flag in args:
            opts[flag] = args[flag]
    return opts


class KgKindCount(ctypes.Structure):
    """struct kg_kind_count (include/kgress.h)."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("kind", ctypes.c_char_p),
        ("read", ctypes.c_size_t),
        ("skipped", ctypes.c_size_t),
    ]


def _kinds(b) -> Dict[str, Tuple[int, int]]:
    """kg_builder_kind_count / kg_builder_kind of builder b: kind ->
    (read, skipped), in the library's (sorted) order; undecodable bytes of
    a kind are kept as surrogate escapes. Ruleset.kinds and Builder.kinds
    both read it."""
    out = {}
    for i in range(lib.kg_builder_kind_count(b)):
        k = KgKindCount(size=ctypes.sizeof(KgKindCount))
        check(lib.kg_builder_kind(b, i, ctypes.byref(k)), "kg_builder_kind")
        out[k.kind.decode("utf-8", "surrogateescape")] = (int(k.read),
                                                          int(k.skipped))
    return out


def _kinds_text(kinds: Mapping[str, Tuple[int, int]]) -> str:
    """"2 NetworkPolicy, 3 Pod" of what kinds says was read (repr)."""
    return ", ".join("%d %s" % (r, k) for k, (r, _) in sorted(kinds.items())
                     if r)


def _build(sources, options):
    """Compiles sources: a list of ("buffer", name, bytes) or ("file", path)
    tuples. Returns (ruleset pointer, diagnostics, kinds)."""
    opts = _make_options(**options)
    b = None
    try:
        b = lib.kg_builder_new(opts)
        if not b:
            raise MemoryError("kg_builder_new")
        for src in sources:
            if src[0] == "buffer":
                _, name, data = src
                rc = lib.kg_builder_add_buffer(b, name, data, len(data))
            else:
                rc = lib.kg_builder_add_file(b, src[1])
            # errors of the input are collected in the diagnostics; keep
            # adding so that every problem of every source is reported
            if rc == _ENOMEM:
                raise MemoryError("kg_builder_add")
        out = ctypes.c_void_p()
        rc = lib.kg_builder_compile(b, ctypes.byref(out))
        d = lib.kg_builder_diagnostics(b)
        diags = read_diagnostics(d)
        if rc == KG_ECOMPILE or (rc == 0 and not out.value):
            e = CompileError(diags, error_count=lib.kg_diagnostics_errors(d),
                             warning_count=lib.kg_diagnostics_warnings(d))
            e.kinds = _kinds(b)
            raise e
        check(rc, "kg_builder_compile")
        try:
            kinds = _kinds(b)
        except BaseException:
            lib.kg_ruleset_unref(out.value)
            raise
        return out.value, diags, kinds
    finally:
        lib.kg_builder_free(b)
        lib.kg_options_free(opts)


class Ruleset:
    """An immutable compiled ruleset. Build one with ``from_yaml`` or
    ``from_files``."""

    __slots__ = ("_handle", "_lib", "diagnostics", "kinds", "__weakref__")

    def __init__(self, handle, diagnostics=(), kinds=None):
        # private: takes over one reference to a kg_ruleset
        self._lib = lib
        self._handle = handle
        #: every diagnostic of the compile (all warnings: it succeeded)
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        #: objects read and skipped per kind of the input (as written in
        #: their ``kind``: kg_builder_kind): {"Pod": (read, skipped), ...}
        self.kinds: Dict[str, Tuple[int, int]] = dict(kinds or {})

    @classmethod
    def from_yaml(cls, text: Union[str, bytes], *, name: Optional[str] = None,
                  ingress_class: Optional[str] = None,
                  dialect: str = "portable", normalize: bool = True,
                  skip_invalid: bool = False,
                  reject_escaped_slash: bool = False,
                  ipblock_matches_pods: bool = True,
                  select_hostnetwork: bool = False,
                  allow_node_ingress: bool = True,
                  allow_loopback: bool = True, strict_cidr: bool = False,
                  service_any_endpoint: bool = False,
                  limits: Optional[Mapping[str, int]] = None) -> "Ruleset":
        """Compiles one YAML or JSON stream (str, or bytes as read from a
        file). ``name`` is the source name used in diagnostics (default
        "<input>"); the other options are the module's (see its docstring).
        Raises CompileError when the input has errors, ValueError/TypeError
        for bad options, MemoryError."""
        options = _options(locals())
        data = _to_bytes(text)
        if name is None:
            bname = None
        else:
            bname = os.fsencode(name)
            if b"\0" in bname:
                raise ValueError("name contains a NUL byte")
        return cls(*_build([("buffer", bname, data)], options))

    @classmethod
    def from_files(cls, *paths: Union[str, "os.PathLike[str]"],
                   ingress_class: Optional[str] = None,
                   dialect: str = "portable", normalize: bool = True,
                   skip_invalid: bool = False,
                   reject_escaped_slash: bool = False,
                   ipblock_matches_pods: bool = True,
                   select_hostnetwork: bool = False,
                   allow_node_ingress: bool = True,
                   allow_loopback: bool = True, strict_cidr: bool = False,
                   service_any_endpoint: bool = False,
                   limits: Optional[Mapping[str, int]] = None) -> "Ruleset":
        """Compiles the YAML or JSON files (str or os.PathLike) together,
        with the options of from_yaml. A file that cannot be read is a
        CompileError with a KG_EIO diagnostic, like any other problem of
        the input."""
        options = _options(locals())
        sources = []
        for p in paths:
            bp = os.fsencode(p)
            if b"\0" in bp:
                raise ValueError("path contains a NUL byte: %r" % (p,))
            sources.append(("file", bp))
        return cls(*_build(sources, options))

    # ---------------------------------------------------------- life cycle

    @property
    def closed(self):
        return self._handle is None

    @property
    def warnings(self):
        """The warning diagnostics of the compile."""
        return [d for d in self.diagnostics if d.severity == "warning"]

    def _ptr(self):
        """The kg_ruleset pointer; ValueError when closed."""
        h = self._handle
        if h is None:
            raise ValueError("operation on a closed Ruleset")
        return h

    def close(self):
        """Drops this object's reference. Closing twice is fine."""
        h, self._handle = self._handle, None
        if h is not None:
            self._lib.kg_ruleset_unref(h)

    def __enter__(self):
        self._ptr()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to do
            pass

    def __repr__(self):
        state = "closed" if self._handle is None else "open"
        return "<kgress.Ruleset %s, %s, %d warnings>" % (
            state, _kinds_text(self.kinds) or "no objects",
            len(self.warnings))

    # ---------------------------------------------------------- inspection

    def dump(self, format="text"):
        """The compiled tables as text (format "text" or "json")."""
        if format not in _DUMP_FORMATS:
            raise ValueError("format must be 'text' or 'json'")
        chunks = []

        def write(_user, text, n):
            chunks.append(ctypes.string_at(text, n))

        cb = WRITE_FN(write)
        check(lib.kg_ruleset_dump(self._ptr(), _DUMP_FORMATS[format], cb,
                                  None), "kg_ruleset_dump")
        return b"".join(chunks).decode("utf-8", "replace")

    # ---------------------------------------------------------- lookups
    # route(host, path) / tls_secret(host): Ingress routing

    def route(self, host, path, *, method=None, headers=None, pick=0,
              gateway=None, port=0):
        """The backend for an HTTP request: a ``kgress.Route``, or None when
        no rule and no defaultBackend applies. ``host`` is the Host header
        or :authority (str, bytes, or None for a request without one; any
        ``:port`` is ignored); ``path`` the request-target (the query is
        ignored). ``method`` (str, None: unknown), ``headers`` (a mapping or
        (name, value) pairs) and ``pick`` (an int 0..2**64-1 choosing among
        weighted backends) are passed on to kg_route_request; Ingress rules
        match host and path only, so they do not change an Ingress answer.
        With ``gateway`` ("namespace/name") or ``port`` (the listener port,
        0: every port) the Gateway API routes answer instead (HTTPRoute,
        GRPCRoute), and the Route carries their status, filters, redirect
        and rewrite (see ``kgress.Route``).
        Raises kgress.Error (code_name "KG_EREQUEST") for a request
        that is rejected rather than routed (NUL or control bytes, a
        malformed Host, ``%2F`` with reject_escaped_slash=True), and
        "KG_ELIMIT_MATCH" when an ingress-nginx regex hit its match limit.
        Thread-safe."""
        return _route.route(self._lib, self._ptr(), host, path, method,
                            headers, pick, gateway, port)

    def route_many(self, requests):
        """Routes many requests at once: a list with, for each (host, path)
        pair of ``requests`` in order, what ``route(host, path)`` returns
        (a ``kgress.Route`` or None). One kg_route_batch call, whose
        prefetch pipeline overlaps the requests' table lookups: faster
        than a loop over ``route`` on a large ruleset. Raises as ``route``
        does for the first rejected request (kgress.Error "KG_EREQUEST"),
        TypeError for an element that is not a (host, path) pair.
        Thread-safe."""
        return _route.route_many(self._lib, self._ptr(), requests)

    def http_route(self, *, method=None, host=None, path="/", headers=None,
                   pick=0, gateway=None, port=0, sni=None):
        """A full HTTP request routed (kg_route_request), every part by
        keyword: ``method`` ("GET"; None: unknown, which matches only rules
        without a method), ``host`` (Host or :authority; None: none),
        ``path`` (the request-target with its query), ``headers`` (a
        mapping or (name, value) pairs; names compare case-insensitively,
        repeated names are joined with ","), ``pick`` (0..2**64-1, chooses
        among weighted backends), ``gateway`` ("namespace/name") and
        ``port`` (the listener port), ``sni`` (the TLS server name of the
        connection: when it selects another listener than the Host, the
        Route has status 421, misdirected). With gateway or port the
        Gateway API routes answer (HTTPRoute, GRPCRoute), else the Ingress
        rules (which ignore sni). The answer and errors are route()'s: a
        ``kgress.Route`` or None. Thread-safe."""
        return _route.route(self._lib, self._ptr(), host, path, method,
                            headers, pick, gateway, port, sni)

    def host_group(self, host: Union[str, bytes]) -> Optional[str]:
        """The Ingress host group that claims requests for host (what a
        route miss missed in): the rules' host as written ("a.com",
        "*.b.com"), "" for the rules without host, None when no group
        claims it. Raises kgress.Error "KG_EREQUEST" for a host route()
        rejects. Thread-safe."""
        h = host.encode("utf-8") if isinstance(host, str) else bytes(host)
        g = ctypes.c_char_p()
        n = ctypes.c_size_t()
        rc = lib.kg_route_host_group(self._ptr(), h, len(h), ctypes.byref(g),
                                     ctypes.byref(n))
        if rc == -21:  # KG_ENOMATCH
            return None
        check(rc, "kg_route_host_group")
        return ctypes.string_at(g, n.value).decode("utf-8", "replace")

    def tls_secret(self, host):
        """``(namespace, secret_name)`` of the TLS entry for an SNI host name
        (exact host, else a one-label wildcard, else a tls entry without
        hosts), or None. secret_name is None for an entry without
        secretName. Thread-safe."""
        return _route.tls_secret(self._lib, self._ptr(), host)

    # check(src_ip, dst_ip, port, protocol="TCP"): NetworkPolicy verdicts

    def check(self, src_ip, dst_ip, port, protocol="TCP", *, domain=None,
              claimed=False, cache=None, now=None):
        """The NetworkPolicy verdict of a flow src_ip -> dst_ip:port over
        protocol ("TCP", "UDP" or "SCTP", any case): a ``kgress.Verdict``
        with allowed (bool), egress and ingress (bool, or None when that
        end is not a known pod), reason (str), policies (list of
        "namespace/name") and egress_side / ingress_side (``kgress.Side``:
        what decided each side). Addresses are str (or ipaddress objects),
        IPv4 or IPv6. ``domain`` is the destination's domain name (str or
        bytes; case and one trailing dot do not matter), ``claimed=True``
        when the source merely claims it (an unchecked SNI or Host) rather
        than dialled it; NetworkPolicy does not match names, so with
        NetworkPolicy alone it does not change the verdict. ``cache`` (a
        ``kgress.DnsCache``) and ``now`` (its time, int seconds) let
        domainNames rules match a claimed name whose address the cache
        holds for that name, or, without ``domain``, the names the cache
        learnt for dst_ip (docs/domains.md); Side.domain and Side.name
        report what matched. Uses
        kg_check_flow. Raises ValueError for an address that does not parse,
        a port outside 0..65535 or another protocol. Thread-safe."""
        return _check.check(self._lib, self._ptr(), src_ip, dst_ip, port,
                            protocol, domain, claimed, cache, now)

    def explain(self, src_ip, dst_ip, port, protocol="TCP", *, domain=None,
                claimed=False):
        """A flow explained rule by rule (what ``kgress explain`` prints):
        ``(verdict, egress, ingress)``, the ``kgress.Verdict`` of ``check``
        and, per side, a list of ``kgress.RuleMatch``: every rule of every
        policy isolating that pod, in evaluation order (admin tier,
        NetworkPolicies in namespace/name order, baseline tier), with how
        its peers and ports judged the flow and its effect (the one with
        effect "decided" is what decided the side). An empty list: the side
        is not a pod, a hostNetwork pod, or nothing isolates it. A flow to
        a Service address is explained for the endpoint the verdict
        reports. Arguments and errors as ``check``. Uses kg_explain_rule;
        thread-safe."""
        return _explain.explain(self._lib, self._ptr(), src_ip, dst_ip, port,
                                protocol, domain, claimed)

    def check_many(self, flows, *, cache=None, now=None):
        """The verdicts of many flows in one call: ``flows`` is an iterable
        of (src_ip, dst_ip, port) or (src_ip, dst_ip, port, protocol)
        tuples; returns a list of ``kgress.Verdict``, one per flow in
        order, each what ``check`` returns for it with the same ``cache``
        and ``now`` (no domain: with a ``kgress.DnsCache``, domainNames
        rules match the names the cache learnt for each flow's dst_ip at
        time ``now``, as a packet firewall judges flows). Uses
        kg_check_batch, whose prefetch pipeline overlaps the flows' memory
        accesses. Raises as ``check`` for the first bad flow, before any is
        judged (TypeError for cache= without now= or now= without
        cache=). Thread-safe."""
        return _check.check_many(self._lib, self._ptr(), flows, cache, now)

    def pod_addresses(self, pod: str) -> List[str]:
        """The IP addresses of pod "namespace/name" (status.podIPs order, at
        most one per family: kg_pod_find + kg_pod_addr), e.g. to check a
        flow of a pod known by name. Raises LookupError for an unknown pod,
        ValueError for a name without "/". Thread-safe."""
        return _check.pod_addresses(self._lib, self._ptr(), pod)

    def pod(self, ip):
        """"namespace/name" of the pod owning ip (str or ipaddress object),
        or None for an address that is no known pod (external, node).
        Raises ValueError when ip does not parse. Thread-safe."""
        return _check.pod_at(self._lib, self._ptr(), ip)

    def check_side(self, pod, direction, peer_ip, port, protocol="TCP"):
        """One side of a flow, for a caller that knows its own pod (a
        sidecar): direction "egress" judges pod -> peer_ip:port, "ingress"
        judges peer_ip -> pod:port. pod is "namespace/name". Returns a
        ``kgress.Side`` (allowed, reason, pod, policy, rule, policies; its
        decision fields tier..name are None here). Raises
        LookupError for an unknown pod, ValueError for a bad direction,
        address, port or protocol. Thread-safe."""
        return _check.check_side(self._lib, self._ptr(), pod, direction,
                                 peer_ip, port, protocol)

