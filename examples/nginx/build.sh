#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds ngx_http_kgress_module.so against Debian's nginx-dev the way
# dh_nginx (Debian::Debhelper::Buildsystem::nginx_mod) does: nginx's own
# ./configure run in the nginx-dev tree with the flags the installed nginx
# was configured with (conf_flags), so the module's signature matches and
# `load_module` accepts it; then `make modules`.
# usage: build.sh NGINX_SRC MODULE_DIR OUT_DIR KGRESS_INCDIR KGRESS_LIBDIR
#                 [KGRESS_GEN_INCDIR: the build tree's include/, kgress_version.h]
set -euo pipefail
nginx_src=$1 module_dir=$(cd "$2" && pwd) out=$3
export KGRESS_INCDIR=$(cd "$4" && pwd) KGRESS_LIBDIR=$(cd "$5" && pwd)
export KGRESS_GEN_INCDIR=$(cd "${6:-$4}" && pwd)
mkdir -p "$out/nginx-build"
bld=$(cd "$out/nginx-build" && pwd)
out=$(cd "$out" && pwd)

# shellcheck disable=SC1091
. "$nginx_src/conf_flags"
cflags="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2"
ldflags="-Wl,-z,relro -Wl,-z,now -fPIC"
if command -v dpkg-buildflags >/dev/null 2>&1; then
    cflags="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)"
    ldflags="$(dpkg-buildflags --get LDFLAGS) -fPIC"
fi
# configure again only when the module description changed
stamp="$bld/.configured"
if [ ! -f "$bld/Makefile" ] || [ "$module_dir/config" -nt "$stamp" ]; then
    (cd "$nginx_src" && ./configure --with-cc-opt="$cflags" \
        --with-ld-opt="$ldflags" "${NGX_CONF_FLAGS[@]}" \
        --add-dynamic-module="$module_dir" --builddir="$bld") \
        >"$bld/configure.log" 2>&1 || {
        cat "$bld/configure.log" >&2
        exit 1
    }
    touch "$stamp"
fi
make -s -f "$bld/Makefile" -C "$nginx_src" modules >"$bld/make.log" 2>&1 || {
    cat "$bld/make.log" >&2
    exit 1
}
cp "$bld/ngx_http_kgress_module.so" "$out/ngx_http_kgress_module.so"
