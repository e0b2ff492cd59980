# SPDX-License-Identifier: MIT
"""The package version: the kgress release it binds (meson.build's
project version; tests/python checks they agree)."""

__version__ = "0.2.0"
