# SPDX-License-Identifier: MIT
"""Builder: an incremental set of Kubernetes objects, compiled on demand.

A Builder keeps its objects between compiles, keyed by (kind, namespace,
name) -- the C ``kg_builder`` (kgress.h, "incremental"). Adding an object
whose key is loaded replaces it; ``remove`` drops one; ``apply_events``
applies the API server's watch stream (``kubectl get --watch -o json
--output-watch-events``); ``compile`` gives a new immutable Ruleset each
time, and earlier Rulesets stay valid::

    b = kgress.Builder(skip_invalid=True)
    b.add_file("cluster.json")              # kubectl get ... -o json
    rs = b.compile()
    b.apply_events(chunk)                   # watch events as they come
    rs2 = b.compile()

A Builder is not thread-safe: use it from one thread (the Rulesets it
compiles may be used from any number). Options are those of
``Ruleset.from_yaml``.
"""

import ctypes
import os
from typing import Mapping, Optional

from ._errors import (CompileError, Error, KG_ECOMPILE, check,
                      read_diagnostics)
from ._native import lib
from ._ruleset import (Ruleset, _kinds, _kinds_text, _make_options,
                       _options, _to_bytes)

__all__ = ["Builder", "WatchExpired", "WatchError"]

_ENOTFOUND = -27
_ERELIST = -28
_EWATCH = -29


class WatchError(Error):
    """The watch stream ended with an ERROR event; ``diagnostics`` has its
    Status. Watch again from ``Builder.resource_version``."""

    def __init__(self, diagnostics, code=_EWATCH):
        self.diagnostics = list(diagnostics)
        msg = "; ".join(d.message for d in self.diagnostics
                        if d.code in ("KG_ERELIST", "KG_EWATCH"))
        super().__init__(msg or "watch ERROR event", code)


class WatchExpired(WatchError):
    """An ERROR event with Status 410 (Gone / Expired): the resourceVersion
    is too old to watch from; list again (a new Builder, or ``add`` of a
    fresh list) and watch from the list's resourceVersion."""

    def __init__(self, diagnostics):
        super().__init__(diagnostics, _ERELIST)


def _name_bytes(name):
    if name is None:
        return None
    b = os.fsencode(name)
    if b"\0" in b:
        raise ValueError("name contains a NUL byte")
    return b


class Builder:
    """Objects by (kind, namespace, name), compiled into Rulesets."""

    __slots__ = ("_handle", "_lib", "_pending", "_pending_name",
                 "__weakref__")

    def __init__(self, *, ingress_class: Optional[str] = None,
                 dialect: str = "portable", normalize: bool = True,
                 skip_invalid: bool = False,
                 reject_escaped_slash: bool = False,
                 ipblock_matches_pods: bool = True,
                 select_hostnetwork: bool = False,
                 allow_node_ingress: bool = True,
                 allow_loopback: bool = True, strict_cidr: bool = False,
                 service_any_endpoint: bool = False,
                 limits: Optional[Mapping[str, int]] = None) -> None:
        """The load options of Ruleset.from_yaml, for every compile."""
        opts = _make_options(**_options(locals()))
        try:
            self._handle = lib.kg_builder_new(opts)
        finally:
            lib.kg_options_free(opts)
        self._lib = lib
        self._pending = b""
        self._pending_name = None
        if not self._handle:
            raise MemoryError("kg_builder_new")

    # ---------------------------------------------------------- life cycle

    def _ptr(self):
        h = self._handle
        if h is None:
            raise ValueError("operation on a closed Builder")
        return h

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Frees the builder (Rulesets it compiled stay valid). Closing
        twice is fine."""
        h, self._handle = self._handle, None
        if h is not None:
            self._lib.kg_builder_free(h)

    def __enter__(self):
        self._ptr()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __len__(self):
        """Number of objects loaded (of every kind, read or not)."""
        return int(lib.kg_builder_object_count(self._ptr()))

    def __repr__(self):
        if self._handle is None:
            return "<kgress.Builder closed>"
        kinds = self.kinds
        last = ("not compiled yet" if not kinds else
                "last compile read " + (_kinds_text(kinds) or "nothing"))
        return "<kgress.Builder %d objects, resourceVersion %r, %s>" % (
            len(self), self.resource_version, last)

    # ---------------------------------------------------------- objects

    @property
    def diagnostics(self):
        """The builder's diagnostics now: those of every add, then those of
        the last compile or apply_events call."""
        return read_diagnostics(lib.kg_builder_diagnostics(self._ptr()))

    @property
    def kinds(self):
        """What the last compile read, per kind as written in the objects'
        ``kind`` (sorted), as ``Ruleset.kinds``: a dict kind -> (read,
        skipped), where skipped counts objects of kinds kgress does not
        read (a Deployment, a ConfigMap) or unsupported apiVersions
        (kg_builder_kind). Empty before the first compile."""
        return _kinds(self._ptr())

    @property
    def resource_version(self):
        """The newest metadata.resourceVersion of the events applied ("" before
        any): where to resume a watch."""
        return lib.kg_builder_resource_version(self._ptr()).decode(
            "utf-8", "replace")

    def add(self, text, *, name=None):
        """Adds the objects of one YAML or JSON stream (str or bytes),
        replacing the loaded objects of the same keys. Raises CompileError
        when the stream has syntax errors (they also fail ``compile``, as
        for Ruleset.from_yaml)."""
        data = _to_bytes(text)
        rc = lib.kg_builder_add_buffer(self._ptr(), _name_bytes(name), data,
                                       len(data))
        if rc == KG_ECOMPILE:
            raise CompileError(self.diagnostics)
        check(rc, "kg_builder_add_buffer")

    def add_file(self, path):
        """Adds the objects of a YAML or JSON file (str or os.PathLike)."""
        rc = lib.kg_builder_add_file(self._ptr(), _name_bytes(path))
        if rc in (KG_ECOMPILE, -3, -7):  # errors, KG_EIO, KG_ELIMIT_BYTES
            raise CompileError(self.diagnostics, rc)
        check(rc, "kg_builder_add_file")

    def remove(self, kind, name, namespace=None):
        """Removes the object kind/namespace/name (namespace None: "default"
        for namespaced kinds). Returns whether one was loaded."""
        for what, v in (("kind", kind), ("name", name)):
            if not isinstance(v, str):
                raise TypeError("%s must be a str" % what)
        if namespace is not None and not isinstance(namespace, str):
            raise TypeError("namespace must be a str or None")
        enc = [None if v is None else v.encode("utf-8")
               for v in (kind, namespace, name)]
        if any(v is not None and b"\0" in v for v in enc):
            raise ValueError("a NUL byte in kind, namespace or name")
        rc = lib.kg_builder_remove(self._ptr(), enc[0], enc[1], enc[2])
        if rc == _ENOTFOUND:
            return False
        check(rc, "kg_builder_remove")
        return True

    def _events(self, data, name, partial):
        h = self._ptr()
        # an empty call drops the diagnostics of the last compile or events
        # call: what the real call adds comes after those left
        lib.kg_builder_apply_events(h, None, b"", 0, None)
        before = lib.kg_diagnostics_count(lib.kg_builder_diagnostics(h))
        used = ctypes.c_size_t(0)
        rc = lib.kg_builder_apply_events(
            h, _name_bytes(name), data, len(data),
            ctypes.byref(used) if partial else None)
        diags = self.diagnostics[before:]
        if rc == _ERELIST:
            raise WatchExpired(diags)
        if rc == _EWATCH:
            raise WatchError(diags)
        if rc not in (0, KG_ECOMPILE):
            check(rc, "kg_builder_apply_events")
        return (used.value if partial else len(data)), \
            (diags if rc == KG_ECOMPILE else [])

    def apply_events(self, data, *, name=None):
        """Applies a watch stream (str or bytes: JSON watch events, or plain
        objects as ADDED) whole. Returns the diagnostics of the events that
        were rejected (malformed; each changed nothing), [] when every event
        applied. Events older than the loaded object (resourceVersion) are
        replays and are ignored. Raises WatchExpired for an ERROR event with
        Status 410, WatchError for another ERROR event (events after it are
        not applied)."""
        return self._events(_to_bytes(data), name, False)[1]

    def feed(self, data, *, name=None):
        """Like apply_events for a stream read in pieces: a value cut at the
        end of data is kept and completed by the next feed. Returns the
        rejected events' diagnostics."""
        buf = self._pending + _to_bytes(data)
        used, diags = self._events(buf, name, True)
        self._pending = buf[used:]
        return diags

    def compile(self):
        """A new Ruleset of the objects loaded now. Raises CompileError
        when they have errors (the builder is unchanged and usable)."""
        out = ctypes.c_void_p()
        rc = lib.kg_builder_compile(self._ptr(), ctypes.byref(out))
        diags = self.diagnostics
        if rc == KG_ECOMPILE or (rc == 0 and not out.value):
            raise CompileError(diags)
        check(rc, "kg_builder_compile")
        return Ruleset(out.value, diags)
