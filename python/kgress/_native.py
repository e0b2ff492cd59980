# SPDX-License-Identifier: MIT
"""The shared library and the one table of C prototypes.

Finding the library, in order (the first that loads wins):

1. the environment variable ``KGRESS_LIBRARY`` (a path to libkgress.so*);
   when it is set and does not load, loading fails rather than quietly
   using another copy of the library;
2. beside the package: ``libkgress.so*`` in this package's folder (a
   wheel or an installation that ships the library with the package);
3. the system: ``ctypes.util.find_library("kgress")``, then
   ``libkgress.so.0`` (the soname of this ABI);
4. the build tree, only when the package is imported from a source tree
   (``python/kgress`` beside the project's ``meson.build``): from this
   package's folder upward, ``build*/lib/libkgress.so*`` (``build/``
   preferred, then the most recently built directory; ASan/TSan builds
   skipped), so ``PYTHONPATH=python`` works in a checkout.

The library is loaded on first use, not at import: ``lib`` is a proxy that
loads and binds it the first time a function is looked up, so ``import
kgress`` (for ``kgress.__version__``, type checkers, documentation tools)
works without it. An ImportError at that first use names every place
tried.

Every C function the package calls is declared once, in ``PROTOTYPES``:
one ``(name, restype, argtypes)`` line per function.  All of them are
required: a library that lacks one is an older or foreign build, and using
it would fail later at an arbitrary call, so the import fails at once and
names the missing symbols.  To bind a new function, add its line here.
"""

import ctypes
import ctypes.util
import os

__all__ = ["lib", "path", "PROTOTYPES", "load"]

c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_size_t = ctypes.c_size_t
c_uint64 = ctypes.c_uint64
c_bool = ctypes.c_bool

#: void (*kg_write_fn)(void *user, const char *text, size_t len)
WRITE_FN = ctypes.CFUNCTYPE(None, c_void_p, ctypes.POINTER(ctypes.c_char),
                            c_size_t)

# (name, restype, argtypes) -- one line per exported kg_ function used here.
PROTOTYPES = [
    # version and errors
    ("kg_version", c_char_p, []),
    ("kg_version_number", c_uint, []),
    ("kg_strerror", c_char_p, [c_int]),
    ("kg_error_name", c_char_p, [c_int]),
    # options
    ("kg_options_new", c_void_p, []),
    ("kg_options_free", None, [c_void_p]),
    ("kg_options_set_limit", c_int, [c_void_p, c_int, c_uint64]),
    ("kg_options_get_limit", c_uint64, [c_void_p, c_int]),
    ("kg_options_set_flag", c_int, [c_void_p, c_int, c_bool]),
    ("kg_options_get_flag", c_bool, [c_void_p, c_int]),
    ("kg_options_set_ingress_class", c_int, [c_void_p, c_char_p, c_size_t]),
    ("kg_options_set_dialect", c_int, [c_void_p, c_int]),
    # diagnostics
    ("kg_diagnostics_count", c_size_t, [c_void_p]),
    ("kg_diagnostics_errors", c_size_t, [c_void_p]),
    ("kg_diagnostics_warnings", c_size_t, [c_void_p]),
    ("kg_diagnostic_object", c_char_p, [c_void_p, c_size_t]),
    ("kg_text_escape", c_size_t, [c_char_p, c_size_t, c_char_p, c_size_t]),
    ("kg_diagnostic_severity", c_int, [c_void_p, c_size_t]),
    ("kg_diagnostic_code", c_int, [c_void_p, c_size_t]),
    ("kg_diagnostic_file", c_char_p, [c_void_p, c_size_t]),
    ("kg_diagnostic_path", c_char_p, [c_void_p, c_size_t]),
    ("kg_diagnostic_line", c_uint, [c_void_p, c_size_t]),
    ("kg_diagnostic_column", c_uint, [c_void_p, c_size_t]),
    ("kg_diagnostic_message", c_char_p, [c_void_p, c_size_t]),
    ("kg_diagnostic_format", c_size_t,
     [c_void_p, c_size_t, c_char_p, c_size_t]),
    # builder
    ("kg_builder_new", c_void_p, [c_void_p]),
    ("kg_builder_free", None, [c_void_p]),
    ("kg_builder_add_buffer", c_int, [c_void_p, c_char_p, c_char_p, c_size_t]),
    ("kg_builder_add_file", c_int, [c_void_p, c_char_p]),
    ("kg_builder_compile", c_int, [c_void_p, ctypes.POINTER(c_void_p)]),
    ("kg_builder_diagnostics", c_void_p, [c_void_p]),
    ("kg_builder_kind_count", c_size_t, [c_void_p]),
    ("kg_builder_kind", c_int, [c_void_p, c_size_t, c_void_p]),
    ("kg_builder_remove", c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    ("kg_builder_apply_events", c_int,
     [c_void_p, c_char_p, c_char_p, c_size_t, ctypes.POINTER(c_size_t)]),
    ("kg_builder_resource_version", c_char_p, [c_void_p]),
    ("kg_builder_object_count", c_size_t, [c_void_p]),
    # ruleset
    ("kg_ruleset_ref", c_void_p, [c_void_p]),
    ("kg_ruleset_unref", None, [c_void_p]),
    ("kg_ruleset_dump", c_int, [c_void_p, c_int, WRITE_FN, c_void_p]),
    # route (Ingress lookups): add here
    ("kg_route", c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t,
                         c_char_p, c_size_t, c_void_p]),
    ("kg_tls_lookup", c_int, [c_void_p, c_char_p, c_size_t, c_void_p]),
    ("kg_route_request", c_int, [c_void_p, c_void_p, c_char_p, c_size_t,
                                 c_void_p]),
    ("kg_route_batch", c_int, [c_void_p, c_void_p, c_size_t, c_char_p,
                               c_size_t, c_void_p, c_void_p]),
    # diffs of two rule sets (kgress.diff)
    ("kg_route_diff", c_int, [c_void_p, c_void_p, c_void_p, c_void_p,
                              c_void_p, c_void_p]),
    # verdict (NetworkPolicy lookups): add here
    ("kg_check_str", c_int, [c_void_p, c_char_p, c_size_t, c_char_p,
                             c_size_t, c_char_p, c_size_t, c_uint, c_void_p]),
    ("kg_check_flow", c_int, [c_void_p, c_void_p, c_void_p]),
    ("kg_check_batch", c_int, [c_void_p, c_void_p, c_size_t, c_void_p]),
    ("kg_reason_name", c_char_p, [c_int]),
    ("kg_verdict_format", c_size_t, [c_void_p, c_char_p, c_size_t]),
    ("kg_pod_policy", c_char_p, [c_void_p, ctypes.c_uint32, c_int, c_size_t]),
    ("kg_addr_parse", c_int, [c_char_p, c_size_t, c_void_p]),
    ("kg_protocol_parse", c_int, [c_char_p, c_size_t]),
    ("kg_pod_find", c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t,
                            c_void_p]),
    ("kg_pod_find_addr", c_int, [c_void_p, c_void_p, c_void_p]),
    ("kg_pod_name", c_char_p, [c_void_p, ctypes.c_uint32]),
    ("kg_pod_addr", c_int, [c_void_p, ctypes.c_uint32, c_size_t, c_void_p]),
    ("kg_route_host_group", c_int, [c_void_p, c_char_p, c_size_t, c_void_p,
                                    c_void_p]),
    ("kg_check_side", c_int, [c_void_p, ctypes.c_uint32, c_int, c_void_p,
                              c_int, c_uint, c_void_p]),
    ("kg_explain_rule", c_int, [c_void_p, c_void_p, c_int, c_size_t,
                                c_void_p]),
    ("kg_match_name", c_char_p, [c_int, c_int]),
    # DNS name cache
    ("kg_dns_cache_new", c_void_p, [c_void_p]),
    ("kg_dns_cache_free", None, [c_void_p]),
    ("kg_dns_cache_observe", c_int, [c_void_p, c_void_p, c_char_p, c_size_t,
                                     c_void_p, c_size_t, ctypes.c_uint32,
                                     ctypes.c_uint64]),
    ("kg_dns_cache_observe_msg", c_int, [c_void_p, c_void_p, c_void_p,
                                         c_size_t, ctypes.c_uint64]),
    ("kg_dns_cache_name", c_int, [c_void_p, c_void_p, c_void_p,
                                  ctypes.c_uint64, c_size_t, c_char_p,
                                  c_size_t]),
    ("kg_dns_cache_save", c_int, [c_void_p, ctypes.c_uint64, c_void_p,
                                  c_size_t, ctypes.POINTER(c_size_t)]),
    ("kg_dns_cache_restore", c_int, [c_void_p, c_void_p, c_size_t,
                                     ctypes.c_uint64, ctypes.c_uint64,
                                     c_char_p, c_size_t]),
]


def _sanitized(path):
    """True for a library built with ASan or TSan: loaded into a Python
    that was not started with the sanitizer runtime preloaded, it ends the
    process instead of failing to load, so the build-tree search skips it
    (name it in KGRESS_LIBRARY, with LD_PRELOAD, to use it)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"libasan.so" in data or b"libtsan.so" in data


def _build_tree_candidates(start=None):
    """libkgress.so* files under build*/lib of start's ancestors (default:
    this package's folder), nearest first; in each folder build/ first, then
    the most recently built."""
    here = start or os.path.dirname(os.path.abspath(__file__))
    seen = set()
    d = here
    while True:
        parent = os.path.dirname(d)
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            entries = []
        found = []
        for e in entries:
            if not e.startswith("build"):
                continue
            libdir = os.path.join(d, e, "lib")
            try:
                names = os.listdir(libdir)
            except OSError:
                continue
            # the plain name first (a symlink to the newest), then versioned
            libs = sorted(n for n in names if n.startswith("libkgress.so"))
            if not libs:
                continue
            p = os.path.join(libdir, libs[0])
            try:
                mtime = os.path.getmtime(p)
            except OSError:
                continue
            if _sanitized(p):
                continue
            found.append((e != "build", -mtime, p))
        for _, _, p in sorted(found):
            if p not in seen:
                seen.add(p)
                yield p
        if parent == d:
            return
        d = parent


def _source_tree():
    """True when this package lives in a kgress source tree
    (<root>/python/kgress with <root>/meson.build)."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    return os.path.isfile(os.path.join(root, "meson.build")) and \
        os.path.isfile(os.path.join(root, "include", "kgress.h"))


def _load():
    tried = []

    def attempt(candidate):
        try:
            return ctypes.CDLL(candidate)
        except OSError as e:
            tried.append("%s (%s)" % (candidate, e))
            return None

    env = os.environ.get("KGRESS_LIBRARY")
    if env:
        lib = attempt(env)
        if lib is not None:
            return lib, env
        raise ImportError("kgress: cannot load the library named by "
                          "KGRESS_LIBRARY: " + "; ".join(tried))
    tried.append("KGRESS_LIBRARY (not set)")

    here = os.path.dirname(os.path.abspath(__file__))
    beside = sorted(n for n in os.listdir(here)
                    if n.startswith("libkgress.so"))
    for n in beside:
        lib = attempt(os.path.join(here, n))
        if lib is not None:
            return lib, os.path.join(here, n)
    if not beside:
        tried.append("libkgress.so* in %s (none)" % here)

    name = ctypes.util.find_library("kgress")
    if name:
        lib = attempt(name)
        if lib is not None:
            return lib, name
    else:
        tried.append("ctypes.util.find_library('kgress') (not found)")
    lib = attempt("libkgress.so.0")
    if lib is not None:
        return lib, "libkgress.so.0"

    if _source_tree():
        n_before = len(tried)
        for p in _build_tree_candidates():
            lib = attempt(p)
            if lib is not None:
                return lib, p
        if len(tried) == n_before:
            tried.append("build*/lib/libkgress.so* above %s (none found)"
                         % here)
    raise ImportError("kgress: cannot find the kgress shared library; tried: "
                      + "; ".join(tried)
                      + ". Build it (meson setup build && ninja -C build) or "
                      "set KGRESS_LIBRARY to the path of libkgress.so")


def _bind(lib, where):
    missing = []
    for name, restype, argtypes in PROTOTYPES:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError("kgress: the library %s lacks %s (an older or "
                          "foreign build?)" % (where, ", ".join(missing)))


_loaded = None  # (CDLL, path) once loaded


def load():
    """Loads and binds the library (once); returns (CDLL, path)."""
    global _loaded
    if _loaded is None:
        cdll, where = _load()
        _bind(cdll, where)
        _loaded = (cdll, where)
    return _loaded


class _Library:
    """The library, loaded on first attribute access; each bound function
    is cached on the proxy after its first lookup."""

    def __getattr__(self, name):
        fn = getattr(load()[0], name)
        setattr(self, name, fn)
        return fn


lib = _Library()


def __getattr__(name):
    # ``_native.path``: where the library was loaded from (loads it)
    if name == "path":
        return load()[1]
    raise AttributeError(name)
