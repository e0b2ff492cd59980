// SPDX-License-Identifier: MIT
/*
 * header_c.c - include/kgress.h compiles on its own, as strict C11
 * (-std=c11 -Wall -Wextra -Werror -pedantic, run by the abi tests at test
 * time; also as C99 for older callers), includes nothing it does not need from
 * the caller, and survives being included twice. The declarations below use
 * every public type so a typo in one is caught here rather than by a user.
 */
#include "kgress.h"
#include "kgress.h" /* include guard */

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(KG_VERSION_NUMBER == KG_VERSION_MAJOR * 10000 +
                                        KG_VERSION_MINOR * 100 +
                                        KG_VERSION_PATCH,
               "version number");
_Static_assert(KG_OK == 0 && KG_ECODE_MIN < 0, "codes are negative");
#endif

int kgress_abi_probe(kg_options *o, kg_builder *b, kg_ruleset *r,
                     const kg_diagnostics *d, kg_write_fn w);

int kgress_abi_probe(kg_options *o, kg_builder *b, kg_ruleset *r,
                     const kg_diagnostics *d, kg_write_fn w)
{
    enum kg_limit l = KG_LIMIT_DEPTH;
    enum kg_flag f = KG_FLAG_NORMALIZE;
    enum kg_dialect dl = KG_DIALECT_PORTABLE;
    enum kg_severity s = KG_SEVERITY_ERROR;
    enum kg_dump_format df = KG_DUMP_TEXT;
    (void)o;
    (void)b;
    (void)r;
    (void)d;
    (void)w;
    return (int)l + (int)f + (int)dl + (int)s + (int)df;
}
