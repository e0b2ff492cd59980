#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds tests/consumer both ways and runs it:
#  1. kgress as a meson subproject, -Dkgress:default_library=static: the
#     consumer must not need libkgress.so, and kgress's own tests and tool
#     must not be part of the consumer's build;
#  2. kgress installed (meson install into a prefix), found by pkg-config,
#     linked shared; the Python package installed by meson and by
#     pip install ./python, each loading the installed library.
# usage: tests/consumer/run.sh WORKDIR   (from the source root)
set -eux
src=$(pwd)
work=${1:?usage: run.sh WORKDIR}
rm -rf "$work"
mkdir -p "$work/sub/subprojects"
work=$(cd "$work" && pwd) # meson wants an absolute --prefix
cp tests/consumer/meson.build tests/consumer/consumer.c "$work/sub/"
ln -s "$src" "$work/sub/subprojects/kgress"
meson setup "$work/sub/build" "$work/sub" -Dkgress:default_library=static
ninja -C "$work/sub/build"
"$work/sub/build/consumer"
if ldd "$work/sub/build/consumer" | grep -q libkgress; then
    echo "static subproject build links libkgress.so" >&2; exit 1
fi
if meson test -C "$work/sub/build" --list 2>/dev/null | grep -q ' / '; then
    echo "the consumer's build runs kgress's tests" >&2; exit 1
fi

meson setup "$work/kg" "$src" --prefix="$work/prefix" -Dtests=false \
    -Dexamples=false -Dfuzzing=none
ninja -C "$work/kg"
meson install -C "$work/kg"
# the Python package is installed too, and finds the installed library
pydir=$(dirname "$(find "$work/prefix" -name py.typed | head -1)")
[ "${pydir##*/}" = kgress ]
LD_LIBRARY_PATH=$(dirname "$(find "$work/prefix" -name 'libkgress.so.0' | head -1)") \
    PYTHONPATH=$(dirname "$pydir") python3 -c \
    'import kgress; assert kgress.version() == kgress.__version__'
# pip install ./python (issue 15 item 5): Debian's interpreter and
# setuptools, offline; the package found outside the source tree loads the
# installed library from the system path, and KGRESS_LIBRARY overrides it
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -m venv --system-site-packages "$work/venv"
cp -R "$src/python" "$work/pysrc" # setuptools writes build/ beside it
rm -rf "$work/pysrc/kgress/__pycache__"
"$work/venv/bin/pip" install --no-build-isolation --no-index "$work/pysrc"
libso=$(find "$work/prefix" -name 'libkgress.so.0' | head -1)
(cd "$work" && LD_LIBRARY_PATH=$(dirname "$libso") "$work/venv/bin/python" -c '
import inspect, kgress
assert kgress.__file__.startswith("'"$work/venv"'"), kgress.__file__
assert kgress.version() == kgress.__version__
assert "libkgress.so" in kgress.library_path()
assert "skip_invalid" in inspect.signature(kgress.Ruleset.from_yaml).parameters
with kgress.Ruleset.from_files("'"$src"'/examples/cluster/cluster.yaml") as rs:
    assert not rs.check("10.244.1.10", "10.244.3.10", 9000).allowed
')
(cd "$work" && KGRESS_LIBRARY=$libso "$work/venv/bin/python" -c '
import kgress; assert kgress.library_path() == "'"$libso"'", kgress.library_path()
')
mkdir -p "$work/inst"
cp tests/consumer/meson.build tests/consumer/consumer.c "$work/inst/"
pc=$(find "$work/prefix" -name kgress.pc | head -1)
PKG_CONFIG_PATH=$(dirname "$pc") meson setup "$work/inst/build" "$work/inst" \
    --wrap-mode=nofallback
ninja -C "$work/inst/build"
libdir=$(dirname "$(dirname "$pc")")
LD_LIBRARY_PATH=$libdir "$work/inst/build/consumer"
ldd "$work/inst/build/consumer" | grep -q libkgress
