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

from . import _native
from ._version import __version__
from ._errors import CompileError, Diagnostic, Error, error_name, strerror
from ._ruleset import DIALECTS, FLAGS, LIMITS, Ruleset
from ._route import Route
from ._check import Side, Verdict
from ._builder import Builder, WatchError, WatchExpired
from ._dns import DnsCache

__all__ = ["__version__", "version", "version_number", "library_path", "Error",
           "CompileError", "Diagnostic", "Ruleset", "error_name", "strerror",
           "LIMITS", "FLAGS", "DIALECTS", "Route", "Verdict", "Side",
           "Builder", "WatchError", "WatchExpired", "DnsCache"]


def version():
    """Version of the loaded library, "MAJOR.MINOR.PATCH"."""
    return _native.lib.kg_version().decode("ascii")


def version_number():
    """KG_VERSION_NUMBER of the loaded library (MAJOR*10000+MINOR*100+PATCH)."""
    return int(_native.lib.kg_version_number())


def library_path():
    """The path (or name) the shared library was loaded from."""
    return _native.load()[1]
