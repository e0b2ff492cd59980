# SPDX-License-Identifier: MIT
"""DnsCache: the names addresses stand for, learnt from DNS answers
(struct kg_dns_cache), for domainNames rules checked without a name.

One object per node or enforcer, independent of rulesets (it survives
reloads); Ruleset.check(..., cache=c, now=t) reads it. Time is the
caller's: any monotonic count of seconds (time.monotonic() truncated),
the same for observations and checks. Thread-safe: observations are
serialized by the library, checks read without a lock."""

import ctypes

from ._check import KgAddr, _text
from ._errors import KG_EINVAL, Error, check
from ._native import lib

__all__ = ["DnsCache"]

KG_ELIMIT_CACHE = -32
KG_ENOSPACE = -24
KG_ESNAPSHOT = -33
KG_ESNAPSHOT_VERSION = -34
KG_ENOTFOUND = -27
KG_DNS_NAME_BUF = 254

#: keyword -> enum kg_limit (KG_LIMIT_DNS_*)
_LIMITS = {
    "entries": 9,
    "names": 10,
    "addrs_per_name": 11,
    "min_ttl": 12,
    "max_ttl": 13,
    "grace": 14,
}
_FLAG_SHARED = 10


def _addr(value, what):
    a = KgAddr()
    t = _text(value, what)
    if lib.kg_addr_parse(t, len(t), ctypes.byref(a)) != 0:
        raise ValueError("not an IP address: %r" % (value,))
    return a


def _time(now):
    if isinstance(now, bool) or not isinstance(now, int) or now < 0:
        raise TypeError("now must be a non-negative int (seconds)")
    return now


class DnsCache:
    """A bounded cache of DNS observations: name -> addresses, per client.

    Keywords (defaults in brackets; see include/kgress.h): entries
    (address, client, name) bindings [65536], names [16384],
    addrs_per_name per observation [256], min_ttl [1], max_ttl
    [2**31 - 1], grace [0] (seconds), shared [False]: observations made
    for one client open the address for every client."""

    __slots__ = ("_handle", "_config", "__weakref__")

    def __init__(self, *, shared=False, **limits):
        self._handle = None
        self._config = dict(sorted(limits.items()), shared=bool(shared))
        opts = lib.kg_options_new()
        if not opts:
            raise MemoryError("kg_options_new")
        try:
            for k, v in limits.items():
                if k not in _LIMITS:
                    raise TypeError("unknown DnsCache option %r" % k)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError("%s must be a non-negative int" % k)
                check(lib.kg_options_set_limit(opts, _LIMITS[k], v),
                      "DnsCache(%s=%r)" % (k, v))
            lib.kg_options_set_flag(opts, _FLAG_SHARED, bool(shared))
            self._handle = lib.kg_dns_cache_new(opts)
        finally:
            lib.kg_options_free(opts)
        if not self._handle:
            raise MemoryError("kg_dns_cache_new")

    def _ptr(self):
        if self._handle is None:
            raise ValueError("DnsCache is closed")
        return self._handle

    def observe(self, name, addrs, ttl, now, client=None):
        """Records that name (str or bytes) resolved to addrs (addresses
        as str or ipaddress objects) with TTL ttl (seconds) at time now,
        answered to client (an address; None: every client). Returns True,
        or False when a limit dropped live data to record it (the
        observation is recorded; KG_ELIMIT_CACHE). Raises ValueError for a
        name that is not a DNS name or an address that does not parse."""
        n = _text(name, "name")
        if isinstance(addrs, (str, bytes)):
            addrs = [addrs]
        arr = (KgAddr * max(len(addrs), 1))()
        for i, a in enumerate(addrs):
            arr[i] = _addr(a, "addrs[%d]" % i)
        cl = _addr(client, "client") if client is not None else None
        if isinstance(ttl, bool) or not isinstance(ttl, int) or \
                not 0 <= ttl <= 0xffffffff:
            raise ValueError("ttl must be an int within 0..2**32-1")
        rc = lib.kg_dns_cache_observe(
            self._ptr(), ctypes.byref(cl) if cl is not None else None, n,
            len(n), arr, len(addrs), ttl, _time(now))
        if rc == KG_ELIMIT_CACHE:
            return False
        if rc == KG_EINVAL:
            raise ValueError("kg_dns_cache_observe: not a DNS name or "
                             "address: %r" % (name,))
        check(rc, "kg_dns_cache_observe")
        return True

    def observe_message(self, msg, now, client=None):
        """Records a DNS response (bytes, RFC 1035 wire format; over TCP
        without its two length bytes) answered to client: the question,
        its CNAME chain and their A/AAAA records. Returns True, or False
        when a limit dropped live data. Raises kgress.Error (code
        "KG_EDNS") for a malformed, truncated or non-response message."""
        if not isinstance(msg, (bytes, bytearray)):
            raise TypeError("msg must be bytes")
        cl = _addr(client, "client") if client is not None else None
        buf = (ctypes.c_uint8 * max(len(msg), 1)).from_buffer_copy(
            bytes(msg) or b"\0")
        rc = lib.kg_dns_cache_observe_msg(
            self._ptr(), ctypes.byref(cl) if cl is not None else None, buf,
            len(msg), _time(now))
        if rc == KG_ELIMIT_CACHE:
            return False
        check(rc, "kg_dns_cache_observe_msg")
        return True

    def names(self, addr, now, client=None):
        """The names addr stands for to client (None: the global
        observations only) at time now, newest first (the client's own,
        then the global ones; at most 16 each)."""
        a = _addr(addr, "addr")
        cl = _addr(client, "client") if client is not None else None
        out = []
        buf = ctypes.create_string_buffer(KG_DNS_NAME_BUF)
        i = 0
        while True:
            rc = lib.kg_dns_cache_name(
                self._ptr(), ctypes.byref(cl) if cl is not None else None,
                ctypes.byref(a), _time(now), i, buf, KG_DNS_NAME_BUF)
            if rc == KG_ENOTFOUND:
                return out
            check(rc, "kg_dns_cache_name")
            out.append(buf.value.decode("ascii"))
            i += 1

    # ----------------------------------------------------------- snapshots

    def save(self, now):
        """A snapshot (bytes) of every binding not expired at time now, to
        be restored by a later agent with ``restore`` (the format of
        docs/domains.md, "Snapshots": versioned and checksummed). Uses
        kg_dns_cache_save."""
        t = _time(now)
        need = ctypes.c_size_t(0)
        while True:
            buf = ctypes.create_string_buffer(max(need.value, 1))
            rc = lib.kg_dns_cache_save(self._ptr(), t, buf, need.value,
                                       ctypes.byref(need))
            if rc == 0:
                return buf.raw[:need.value]
            if rc != KG_ENOSPACE:
                check(rc, "kg_dns_cache_save")

    def restore(self, data, now, elapsed=0):
        """Adds the bindings of a snapshot (bytes from ``save``, any
        cache's) at this cache's time now, elapsed seconds after it was
        taken (each binding's remaining life counts them down; expired
        ones are dropped). Returns True, or False when a limit dropped
        live bindings. Raises kgress.Error (code "KG_ESNAPSHOT" or
        "KG_ESNAPSHOT_VERSION", the message saying what is wrong at which
        byte) and adds nothing when the snapshot is malformed, truncated
        or corrupted. Uses kg_dns_cache_restore."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("data must be bytes")
        data = bytes(data)
        t, e = _time(now), _time(elapsed)
        why = ctypes.create_string_buffer(256)
        rc = lib.kg_dns_cache_restore(self._ptr(), data, len(data), t, e,
                                      why, len(why))
        if rc == KG_ELIMIT_CACHE:
            return False
        if rc in (KG_ESNAPSHOT, KG_ESNAPSHOT_VERSION):
            raise Error(why.value.decode("ascii", "replace"), rc)
        check(rc, "kg_dns_cache_restore")
        return True

    # ---------------------------------------------------------- life cycle

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Frees the cache; no check may use it any more. Closing twice is
        fine."""
        h, self._handle = self._handle, None
        if h is not None:
            lib.kg_dns_cache_free(h)

    def __enter__(self):
        self._ptr()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to do
            pass

    def __repr__(self):
        """Open or closed, and the options it was made with (the others
        are the defaults)."""
        return "<kgress.DnsCache %s, %s>" % (
            "closed" if self._handle is None else "open",
            ", ".join("%s=%r" % kv for kv in self._config.items()))
