# SPDX-License-Identifier: MIT
"""What the end-to-end tests of examples/nginx and examples/nfqueue share:
skipping (exit 77, meson's skip status) unless CI requires the test, bounded
waits, and a tally of named checks that prints each one."""
import os
import sys
import time


def skip(why):
    """Skips the test with a reason; a failure under KGRESS_E2E_REQUIRED=1."""
    print("SKIP:", why)
    sys.exit(1 if os.environ.get("KGRESS_E2E_REQUIRED") == "1" else 77)


def wait_for(pred, what, timeout):
    """Polls pred() until it is true; AssertionError after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def read(path):
    with open(path) as f:
        return f.read()


class Checks:
    """Named checks: each printed ok/FAIL; finish() exits 1 on any FAIL."""

    def __init__(self):
        self.failures = []

    def __call__(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures.append(what)

    def finish(self):
        if self.failures:
            print("%d check(s) failed" % len(self.failures))
            sys.exit(1)
        print("all checks passed")
