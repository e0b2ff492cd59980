#!/bin/sh
# SPDX-License-Identifier: MIT
# Line coverage of lib/ by the unit and fuzz-replay suites.
#
#   tests/coverage.sh [BUILD_DIR]     (default: build-cov)
#
# Configures BUILD_DIR with -Db_coverage=true (gcc + gcov) when it does not
# exist, builds, runs the suites with fresh counters, then prints gcovr's
# per-file table for lib/ and the total line on the last line
# ("lines: NN.N% (covered out of total)"). Exits non-zero when a test
# fails (the figure is still printed) or gcovr is missing.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-cov}
command -v gcovr >/dev/null || { echo "coverage.sh: gcovr not found" >&2; exit 2; }
if [ ! -d "$build" ]; then
    meson setup "$build" "$src" -Db_coverage=true -Dbuildtype=debug >/dev/null
fi
ninja -C "$build" -j2 >/dev/null
find "$build" -name '*.gcda' -delete
status=0
KGRESS_TEST_SCALE=${KGRESS_TEST_SCALE:-0.1} \
    meson test -C "$build" --suite unit --suite fuzz-replay --num-processes 2 \
    >"$build/coverage-tests.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "coverage.sh: some tests failed, see $build/coverage-tests.log" >&2
fi
# --gcov-ignore-parse-errors: gcov of gcc 12 prints counts gcovr 5.2 misreads
cd "$build"
gcovr -r "$src" --object-directory "$build" --filter "$src/lib/" \
    --gcov-ignore-parse-errors -s 2>/dev/null | sed -n '/^---/,$p'
exit "$status"
