// SPDX-License-Identifier: MIT
/*
 * regex.c - PCRE2 patterns of the ingress-nginx dialect. See regex.h for
 * the workload and why per-match state lives in an on-stack buffer.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "route/regex.h"

#include <pcre2.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kgress.h"
#include "util/alloc.h"

struct kgi_regex {
    pcre2_code *code;
    pcre2_match_context *mctx; /* limits; read-only after compile */
    bool jit;
};

/* ------------------------------------------------------------ compile */

static void *heap_malloc(PCRE2_SIZE size, void *data)
{
    (void)data;
    return kgi_malloc(size);
}

static void heap_free(void *p, void *data)
{
    (void)data;
    kgi_free(p);
}

int kgi_regex_compile(const char *pat, size_t len, struct kgi_regex **out,
                      char *err, size_t errcap, size_t *erroff)
{
    return kgi_regex_compile_as(pat, len, KGI_REGEX_NGINX, out, err, errcap,
                                erroff);
}

int kgi_regex_compile_as(const char *pat, size_t len, int dialect,
                         struct kgi_regex **out, char *err, size_t errcap,
                         size_t *erroff)
{
    bool nginx = dialect == KGI_REGEX_NGINX;
    int rc = KG_ENOMEM;
    *out = NULL;
    if (erroff)
        *erroff = 0;
    if (err && errcap)
        err[0] = '\0';
    if (memchr(pat, '\0', len)) {
        if (err && errcap)
            snprintf(err, errcap, "NUL byte in regex path");
        if (erroff)
            *erroff = (size_t)((const char *)memchr(pat, '\0', len) - pat);
        return KG_EINVALID;
    }
    pcre2_general_context *g = NULL;
    pcre2_compile_context *cc = NULL;
    char *src = NULL;
    struct kgi_regex *re = kgi_calloc(1, sizeof(*re));
    if (!re)
        goto fail;
    g = pcre2_general_context_create(heap_malloc, heap_free, NULL);
    if (!g)
        goto fail;
    cc = pcre2_compile_context_create(g);
    if (!cc)
        goto fail;
    /* a pattern is a path: bound the nesting a hostile one may use */
    pcre2_set_parens_nest_limit(cc, 64);
    src = kgi_malloc(len + 2);
    if (!src)
        goto fail;
    /* nginx: location ~* "^<path>"; Gateway API: the whole value */
    size_t skip = nginx ? 1 : 0;
    src[0] = '^';
    memcpy(src + skip, pat, len);
    src[len + skip] = '\0';
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    re->code = pcre2_compile((PCRE2_SPTR)src, len + skip,
                             nginx ? PCRE2_CASELESS
                                   : PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                             &ecode, &eoff, cc);
    if (!re->code) {
        if (ecode == PCRE2_ERROR_NOMEMORY || ecode == PCRE2_ERROR_HEAP_FAILED)
            goto fail;
        rc = KG_EINVALID;
        if (err && errcap) {
            PCRE2_UCHAR msg[160];
            if (pcre2_get_error_message(ecode, msg, sizeof(msg)) < 0)
                strcpy((char *)msg, "invalid regular expression");
            snprintf(err, errcap, "%s", (const char *)msg);
        }
        if (erroff)
            *erroff = eoff >= skip ? (size_t)eoff - skip : 0; /* minus '^' */
        goto fail;
    }
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    re->mctx = pcre2_match_context_create(g);
    if (!re->mctx)
        goto fail;
    pcre2_set_match_limit(re->mctx, KGI_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, KGI_REGEX_DEPTH_LIMIT);
    pcre2_set_heap_limit(re->mctx, KGI_REGEX_FRAME_BYTES / 1024u);
    kgi_free(src);
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(g);
    *out = re;
    return 0;
fail:
    kgi_free(src);
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(g);
    kgi_regex_free(re);
    return rc;
}

void kgi_regex_free(struct kgi_regex *re)
{
    if (!re)
        return;
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    kgi_free(re);
}

bool kgi_regex_jit(const struct kgi_regex *re)
{
    return re && re->jit;
}

/* -------------------------------------------------------------- match */

/* A bump allocator over a caller's buffer: PCRE2's per-match memory. */
struct stack_mem {
    unsigned char *buf;
    size_t cap, used;
};

static void *stack_malloc(PCRE2_SIZE size, void *data)
{
    struct stack_mem *m = data;
    size_t at = (m->used + 15u) & ~(size_t)15u;
    if (at > m->cap || size > m->cap - at)
        return NULL;
    m->used = at + size;
    return m->buf + at;
}

static void stack_free(void *p, void *data)
{
    (void)p;
    (void)data; /* the buffer dies with the caller's frame */
}

static int match_in(const struct kgi_regex *re, const char *s, size_t len,
                    unsigned char *buf, size_t cap)
{
    struct stack_mem m = {buf, cap, 0};
    pcre2_general_context *g =
        pcre2_general_context_create(stack_malloc, stack_free, &m);
    if (!g)
        return KG_ELIMIT_MATCH;
    pcre2_match_data *md = pcre2_match_data_create(1, g);
    if (!md)
        return KG_ELIMIT_MATCH;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, md, re->mctx);
    /* nothing to free: stack_free is a no-op and buf is the caller's */
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    return KG_ELIMIT_MATCH; /* match/depth/heap/JIT-stack limit, no memory */
}

static int match_interpreted(const struct kgi_regex *re, const char *s,
                             size_t len)
{
    alignas(16) unsigned char buf[KGI_REGEX_FRAME_BYTES + 1024u];
    return match_in(re, s, len, buf, sizeof(buf));
}

int kgi_regex_match(const struct kgi_regex *re, const char *subject, size_t len)
{
    if (!re->jit)
        return match_interpreted(re, subject ? subject : "", len);
    alignas(16) unsigned char buf[1024];
    return match_in(re, subject ? subject : "", len, buf, sizeof(buf));
}
