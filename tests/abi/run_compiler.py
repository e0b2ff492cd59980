#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs a compiler command (the arguments) and exits with its status.

The header tests call the compiler through this script so that the
valgrind test setup (which wraps every test program) checks a Python
process, not the compiler driver, whose own leaks are none of our business.
"""
import subprocess
import sys

if len(sys.argv) < 2:
    sys.exit("usage: run_compiler.py COMPILER ARGS...")
sys.exit(subprocess.run(sys.argv[1:]).returncode)
