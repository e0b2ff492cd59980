// SPDX-License-Identifier: MIT
/*
 * routes_placeholder.c - an empty kgi_routes until the real compiler lands.
 */
#include "compile/ruleset.h"
#include "util/alloc.h"

struct kgi_routes {
    int unused;
};

int kgi_routes_build(const struct kgi_compile_in *in, struct kgi_routes **out)
{
    (void)in;
    *out = kgi_calloc(1, sizeof(**out));
    return *out ? 0 : KG_ENOMEM;
}

void kgi_routes_free(struct kgi_routes *r)
{
    kgi_free(r);
}

void kgi_routes_dump(const struct kgi_routes *r, int format, struct kgi_out *o)
{
    (void)r;
    kgi_out_printf(o, format == KG_DUMP_JSON ? "[]" : "");
}
