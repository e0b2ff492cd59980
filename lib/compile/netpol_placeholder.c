// SPDX-License-Identifier: MIT
/*
 * netpol_placeholder.c - an empty kgi_netpol until the real compiler lands.
 */
#include "compile/ruleset.h"
#include "util/alloc.h"

struct kgi_netpol {
    int unused;
};

int kgi_netpol_build(const struct kgi_compile_in *in, struct kgi_netpol **out)
{
    (void)in;
    *out = kgi_calloc(1, sizeof(**out));
    return *out ? 0 : KG_ENOMEM;
}

void kgi_netpol_free(struct kgi_netpol *r)
{
    kgi_free(r);
}

void kgi_netpol_dump(const struct kgi_netpol *r, int format, struct kgi_out *o)
{
    (void)r;
    kgi_out_printf(o, format == KG_DUMP_JSON ? "[]" : "");
}
