# SPDX-License-Identifier: MIT
"""kgress: Kubernetes Ingress and NetworkPolicy rules, compiled for fast
lookups -- the ctypes binding of libkgress.

    import kgress
    with kgress.Ruleset.from_files("cluster.yaml") as rs:
        print(rs.warnings)

Layout: ``_native`` finds the shared library and declares every C
prototype (one table); ``_errors`` holds the exceptions and Diagnostic;
``_ruleset`` the Ruleset class and its options. The library is found via
``KGRESS_LIBRARY``, then beside the package, then the system, then (from
a source tree only) the build tree, and loaded on first use (see _native).
"""

import ctypes

from . import _native
from ._version import __version__
from ._errors import CompileError, Diagnostic, Error, error_name, strerror
from ._ruleset import DIALECTS, FLAGS, LIMITS, Ruleset
from ._route import Route
from ._check import Side, Verdict
from ._explain import RuleMatch
from ._builder import Builder, WatchError, WatchExpired
from ._dns import DnsCache
from ._diff import RouteDifference, RouteDiff, diff

#: another name of DnsCache: the name cache of domainNames rules
NameCache = DnsCache

__all__ = ["__version__", "version", "version_number", "library_path", "Error",
           "CompileError", "Diagnostic", "Ruleset", "error_name", "strerror",
           "LIMITS", "FLAGS", "DIALECTS", "Route", "Verdict", "Side",
           "RuleMatch", "Builder", "WatchError", "WatchExpired", "DnsCache",
           "NameCache", "text_escape", "diff", "RouteDiff",
           "RouteDifference"]


def version():
    """Version of the loaded library, "MAJOR.MINOR.PATCH"."""
    return _native.lib.kg_version().decode("ascii")


def version_number():
    """KG_VERSION_NUMBER of the loaded library (MAJOR*10000+MINOR*100+PATCH)."""
    return int(_native.lib.kg_version_number())


def text_escape(text):
    """kg_text_escape: text (str or bytes) as the log-safe form diagnostics
    use -- control bytes, DEL and malformed UTF-8 as \\xNN; C1 controls,
    U+2028/U+2029 and bidi controls as \\uNNNN; the rest as it is."""
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogateescape")
    elif isinstance(text, (bytearray, memoryview)):
        text = bytes(text)
    elif not isinstance(text, bytes):
        raise TypeError("text must be str or bytes, not %s"
                        % type(text).__name__)
    fn = _native.lib.kg_text_escape
    need = fn(text, len(text), None, 0)
    buf = ctypes.create_string_buffer(need + 1)
    fn(text, len(text), buf, need + 1)
    return buf.value.decode("utf-8")


def library_path():
    """The path (or name) the shared library was loaded from."""
    return _native.load()[1]
