# SPDX-License-Identifier: MIT
"""Exceptions and diagnostics.

A negative KG_E* code from the library becomes an exception: KG_ENOMEM is
MemoryError, KG_EINVAL (a bad argument) is ValueError, anything else an
``Error`` carrying the code; a compile that found problems in the input is a
``CompileError`` carrying every ``Diagnostic`` of the load.
"""

import collections

from ._native import lib

__all__ = ["Error", "CompileError", "Diagnostic", "error_name", "strerror",
           "KG_ENOMEM", "KG_EINVAL", "KG_ECOMPILE"]

KG_ENOMEM = -1
KG_EINVAL = -2
KG_ECOMPILE = -4


def error_name(code):
    """Symbolic name of a KG_E* code, e.g. "KG_ENOMEM" ("KG_E?" if
    unknown)."""
    return lib.kg_error_name(int(code)).decode("ascii", "replace")


def strerror(code):
    """Text of a KG_E* code ("unknown error" if unknown)."""
    return lib.kg_strerror(int(code)).decode("utf-8", "replace")


class Error(Exception):
    """Base class of kgress errors. ``code`` is the negative KG_E* number,
    ``code_name`` its symbolic name."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code
        self.code_name = error_name(code) if code is not None else None


_DiagnosticBase = collections.namedtuple(
    "Diagnostic", "severity code file path line column message object",
    defaults=("",))


class Diagnostic(_DiagnosticBase):
    """One problem of a load.

    severity: "error" or "warning"; code: the KG_E* name ("KG_EINVALID");
    file: the source name; path: the field path
    (``spec.rules[0].http.paths[1].pathType``, "" for the whole document);
    line, column: 1-based (0 when unknown); message: what is wrong;
    object: the object it belongs to, "Kind namespace/name" ("" for a
    problem of a whole source). ``str()`` gives
    ``file:line:col: severity: object: path: message``.
    """

    __slots__ = ()

    def __str__(self):
        where = "%s:%d:%d" % (self.file or "<input>", self.line, self.column)
        path = self.path + ": " if self.path else ""
        obj = self.object + ": " if self.object else ""
        return "%s: %s: %s%s%s" % (where, self.severity, obj, path,
                                   self.message)


class CompileError(Error):
    """The input has errors. ``diagnostics`` lists the problems found
    (errors and warnings, in input order), at most the ``diagnostics``
    limit of the load (default 1000) and then one summary Diagnostic with
    code "KG_ELIMIT_DIAGNOSTICS" counting the rest; ``errors`` only the
    errors among them. ``error_count`` and ``warning_count`` count every
    one reported, kept or not."""

    def __init__(self, diagnostics, code=KG_ECOMPILE, error_count=None,
                 warning_count=None):
        self.diagnostics = list(diagnostics)
        kept = [d for d in self.diagnostics
                if d.code != "KG_ELIMIT_DIAGNOSTICS"]
        self.errors = [d for d in kept if d.severity == "error"]
        self.error_count = (len(self.errors) if error_count is None
                            else int(error_count))
        self.warning_count = (len(kept) - len(self.errors)
                              if warning_count is None
                              else int(warning_count))
        shown = self.errors[:10]
        lines = [str(d) for d in shown]
        if self.error_count > len(shown):
            lines.append("... and %d more" % (self.error_count - len(shown)))
        n = self.error_count
        head = "%d error%s in the input" % (n, "" if n == 1 else "s")
        super().__init__("\n".join([head] + lines) if lines else head, code)


def read_diagnostics(d):
    """The diagnostics behind a kg_diagnostics pointer, as a list."""
    out = []
    if not d:
        return out
    for i in range(lib.kg_diagnostics_count(d)):
        sev = lib.kg_diagnostic_severity(d, i)
        out.append(Diagnostic(
            "error" if sev == 0 else "warning",
            error_name(lib.kg_diagnostic_code(d, i)),
            lib.kg_diagnostic_file(d, i).decode("utf-8", "replace"),
            lib.kg_diagnostic_path(d, i).decode("utf-8", "replace"),
            int(lib.kg_diagnostic_line(d, i)),
            int(lib.kg_diagnostic_column(d, i)),
            lib.kg_diagnostic_message(d, i).decode("utf-8", "replace"),
            lib.kg_diagnostic_object(d, i).decode("utf-8", "replace")))
    return out


def check(rc, what="kgress"):
    """Raises the exception for a negative code; returns rc otherwise."""
    if rc >= 0:
        return rc
    if rc == KG_ENOMEM:
        raise MemoryError("%s: %s" % (what, strerror(rc)))
    if rc == KG_EINVAL:
        raise ValueError("%s: %s" % (what, strerror(rc)))
    raise Error("%s: %s" % (what, strerror(rc)), rc)
