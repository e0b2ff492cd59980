// SPDX-License-Identifier: MIT
/*
 * vtest.h - helpers shared by the tests/verdict programs: a growing string
 * for generated YAML, a seeded PRNG, compiling a YAML text into a ruleset
 * through the public API, and checking one flow given as text.
 */
#ifndef KGRESS_TESTS_VERDICT_VTEST_H
#define KGRESS_TESTS_VERDICT_VTEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kgress.h"

#include "../common/tbuf.h"

/* xorshift64*: deterministic across platforms. */
static inline uint64_t vrand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static inline unsigned vrnd(uint64_t *s, unsigned n)
{
    return n ? (unsigned)(vrand(s) % n) : 0;
}

/* Percent chance. */
static inline int vchance(uint64_t *s, unsigned pct)
{
    return vrnd(s, 100) < pct;
}

/* KGRESS_TEST_SCALE (a positive number, default 1) multiplies the work of
 * the long tests, so valgrind runs can scale them down. */
static inline double vscale(void)
{
    const char *e = getenv("KGRESS_TEST_SCALE");
    double v = e ? atof(e) : 1.0;
    return v > 0 ? v : 1.0;
}

/* Prints the builder's diagnostics to stderr. */
static inline void vprint_diags(const kg_builder *b)
{
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
        char buf[512];
        kg_diagnostic_format(d, i, buf, sizeof(buf));
        fprintf(stderr, "  %s\n", buf);
    }
}

/* Compiles what b holds; prints diagnostics and returns NULL on failure. */
static inline kg_ruleset *vbuild(kg_builder *b)
{
    kg_ruleset *rs = NULL;
    if (kg_builder_compile(b, &rs))
        vprint_diags(b);
    return rs;
}

/* Compiles text with opts (NULL: defaults); prints diagnostics and returns
 * NULL on failure. */
static inline kg_ruleset *vcompile(const char *text, size_t len,
                                   const kg_options *opts)
{
    kg_builder *b = kg_builder_new(opts);
    kg_ruleset *rs = NULL;
    if (!b)
        return NULL;
    int rc = kg_builder_add_buffer(b, "test.yaml", text, len);
    if (rc == 0)
        rc = kg_builder_compile(b, &rs);
    if (rc)
        vprint_diags(b);
    kg_builder_free(b);
    return rs;
}

/* Checks src -> dst:port/proto (text); aborts on a bad argument. */
static inline struct kg_verdict vcheck(const kg_ruleset *rs, const char *src,
                                       const char *dst, unsigned port,
                                       const char *proto)
{
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    if (kg_check_str(rs, src, strlen(src), dst, strlen(dst), proto,
                     strlen(proto), port, &v)) {
        fprintf(stderr, "bad flow %s %s %u %s\n", src, dst, port, proto);
        abort();
    }
    return v;
}

#endif
