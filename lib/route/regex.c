// SPDX-License-Identifier: MIT
/*
 * regex.c - PCRE2 patterns of kgress's routes. See regex.h for the
 * workload, the per-request budget and why per-match state lives in an
 * on-stack buffer.
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
    char *prefix;    /* literal prefix (folded when caseless), or NULL */
    size_t prefix_n; /* 0: no prefix to check */
    /* bigrams of a literal every match contains after the prefix */
    uint16_t factor[KGI_REGEX_FACTOR_MAX - 1];
    uint32_t n_factor;
    bool caseless;
    bool jit;
};

/* ------------------------------------------------------------ prefix */

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Bytes PCRE2 reads as themselves outside a class (pcre2pattern
 * "Characters and metacharacters"), restricted to printable ASCII: a byte
 * >= 0x80 stops the prefix, since case folding past ASCII depends on the
 * character tables. */
static bool plain_byte(unsigned char c)
{
    if (c < 0x20 || c >= 0x7f)
        return false;
    return !strchr("\\^$.[]|()?*+{}", c);
}

/* What the scan of a pattern found (see regex.h, "a prefilter"). */
struct scan {
    bool unsafe;      /* a top-level '|', or a construct not followed */
    bool no_factor;   /* (*VERB)s: (*ACCEPT) may end a match anywhere */
    size_t factor_at; /* the longest top-level literal run after the */
    size_t factor_n;  /* first one: required somewhere after the prefix */
};

/* Skips the class starting at pat[i] == '['; returns the index of its
 * closing ']', or len when unterminated. A ']' right after "[" or "[^" is a
 * member, and so is a POSIX class "[:name:]". */
static size_t skip_class(const char *pat, size_t len, size_t i)
{
    i++;
    if (i < len && pat[i] == '^')
        i++;
    if (i < len && pat[i] == ']')
        i++;
    for (; i < len && pat[i] != ']'; i++) {
        if (pat[i] == '\\') {
            i++;
        } else if (pat[i] == '[' && i + 1 < len && pat[i + 1] == ':') {
            size_t j = i + 2;
            while (j + 1 < len && !(pat[j] == ':' && pat[j + 1] == ']'))
                j++;
            if (j + 1 >= len)
                return len;
            i = j + 1;
        }
    }
    return i < len ? i : len;
}

/* One pass over pat[0..len): groups, classes and escapes are skipped; a
 * run of plain bytes outside every group is a literal every match
 * contains in that order, minus its last byte when a quantifier follows.
 * Constructs whose text this scan cannot delimit (\Q..\E, comments,
 * extended mode) make the pattern unsafe: no prefilter at all. */
static struct scan scan_pattern(const char *pat, size_t len)
{
    struct scan sc = {false, false, 0, 0};
    int depth = 0;
    size_t run_at = 0, run_n = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)pat[i] : 0;
        if (i < len && depth == 0 && plain_byte(c)) {
            if (run_n == 0)
                run_at = i;
            run_n++;
            continue;
        }
        /* the run ends here */
        if (run_n && i < len && strchr("?*+{", c))
            run_n--;
        if (run_n && run_at > 0 && run_n > sc.factor_n) {
            sc.factor_at = run_at;
            sc.factor_n = run_n;
        }
        run_n = 0;
        if (i == len)
            break;
        if (c == '\\') {
            if (i + 1 < len && (pat[i + 1] == 'Q' || pat[i + 1] == 'E'))
                sc.unsafe = true;
            i++;
        } else if (c == '{') {
            /* a quantifier's counts are no literal (nor, conservatively,
             * is the text of a '{' that is one) */
            const char *end = memchr(pat + i, '}', len - i);
            i = end ? (size_t)(end - pat) : len;
        } else if (c == '[') {
            i = skip_class(pat, len, i);
            if (i >= len)
                sc.unsafe = true; /* PCRE2 refuses it anyway */
        } else if (c == '(') {
            if (i + 1 < len && pat[i + 1] == '*')
                sc.no_factor = true;
            if (i + 1 < len && pat[i + 1] == '?') {
                /* (?#comment) and option settings with x */
                for (size_t j = i + 2; j < len; j++) {
                    char o = pat[j];
                    if (o == '#' || o == 'x')
                        sc.unsafe = true;
                    if (!((o >= 'a' && o <= 'z') || (o >= 'A' && o <= 'Z') ||
                          o == '-' || o == '^'))
                        break;
                }
            }
            depth++;
        } else if (c == ')') {
            if (--depth < 0)
                sc.unsafe = true;
        } else if (c == '|' && depth == 0) {
            sc.unsafe = true;
        }
        if (sc.unsafe)
            break;
    }
    if (sc.no_factor || sc.factor_n < 2)
        sc.factor_n = 0;
    if (sc.factor_n > KGI_REGEX_FACTOR_MAX)
        sc.factor_n = KGI_REGEX_FACTOR_MAX;
    return sc;
}

/* The length of the literal prefix of pat[0..len): plain bytes up to the
 * first metacharacter, minus the last one when a quantifier follows it. */
static size_t literal_prefix(const char *pat, size_t len)
{
    size_t n = 0;
    while (n < len && plain_byte((unsigned char)pat[n]))
        n++;
    if (n > 0 && n < len && strchr("?*+{", pat[n]))
        n--;
    return n;
}

/* The bigram of two bytes, ASCII-folded: a bit of kgi_regex_budget. */
static unsigned bigram(unsigned char a, unsigned char b)
{
    return (unsigned)(fold(a) & 0x7fu) << 7 | (fold(b) & 0x7fu);
}

static int set_filters(struct kgi_regex *re, const char *pat, size_t len)
{
    uint32_t opts = 0;
    if (pcre2_pattern_info(re->code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 ||
        !(opts & PCRE2_ANCHORED))
        return 0; /* some match may start elsewhere */
    struct scan sc = scan_pattern(pat, len);
    if (sc.unsafe)
        return 0; /* a branch may bypass the literals */
    size_t n = literal_prefix(pat, len);
    if (n) {
        re->prefix = kgi_malloc(n);
        if (!re->prefix)
            return KG_ENOMEM;
        for (size_t i = 0; i < n; i++)
            re->prefix[i] =
                re->caseless ? (char)fold((unsigned char)pat[i]) : pat[i];
        re->prefix_n = n;
    }
    /* the factor's bigrams, always folded: a top-level (?i) may make it
     * caseless, and folding only lets more subjects through */
    for (size_t i = 0; i + 1 < sc.factor_n; i++)
        re->factor[re->n_factor++] =
            (uint16_t)bigram((unsigned char)pat[sc.factor_at + i],
                             (unsigned char)pat[sc.factor_at + i + 1]);
    return 0;
}

/* Whether s[0..len) starts with the pattern's literal prefix. */
static bool prefix_ok(const struct kgi_regex *re, const char *s, size_t len)
{
    size_t n = re->prefix_n;
    if (n > len)
        return false;
    if (n == 0)
        return true;
    if (!re->caseless)
        return memcmp(s, re->prefix, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)s[i]) != (unsigned char)re->prefix[i])
            return false;
    return true;
}

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
    re->caseless = nginx;
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
    if (set_filters(re, pat, len))
        goto fail;
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
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
    pcre2_code_free(re->code);
    kgi_free(re->prefix);
    kgi_free(re);
}

bool kgi_regex_jit(const struct kgi_regex *re)
{
    return re && re->jit;
}

const char *kgi_regex_prefix(const struct kgi_regex *re, size_t *len)
{
    *len = re->prefix_n;
    return re->prefix ? re->prefix : "";
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

/* One pcre2_match under a step limit: 1, 0, PCRE2_ERROR_MATCHLIMIT, or
 * KG_ELIMIT_MATCH for every other failure (depth, heap, JIT stack). */
static int match_in(const struct kgi_regex *re, const char *s, size_t len,
                    uint32_t limit, unsigned char *buf, size_t cap)
{
    struct stack_mem m = {buf, cap, 0};
    pcre2_general_context *g =
        pcre2_general_context_create(stack_malloc, stack_free, &m);
    if (!g)
        return KG_ELIMIT_MATCH;
    pcre2_match_context *mctx = pcre2_match_context_create(g);
    pcre2_match_data *md = pcre2_match_data_create(1, g);
    if (!mctx || !md)
        return KG_ELIMIT_MATCH;
    pcre2_set_match_limit(mctx, limit);
    pcre2_set_depth_limit(mctx, KGI_REGEX_DEPTH_LIMIT);
    /* the frames get what is left of buf (in KiB, rounded down) */
    pcre2_set_heap_limit(mctx, (uint32_t)((cap - m.used) / 1024u));
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, md, mctx);
    /* nothing to free: stack_free is a no-op and buf is the caller's */
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT)
        return rc;
    return KG_ELIMIT_MATCH;
}

static int match_interpreted(const struct kgi_regex *re, const char *s,
                             size_t len, uint32_t limit)
{
    alignas(16) unsigned char buf[KGI_REGEX_FRAME_BYTES + 1024u];
    return match_in(re, s, len, limit, buf, sizeof(buf));
}

static int match_jit(const struct kgi_regex *re, const char *s, size_t len,
                     uint32_t limit)
{
    alignas(16) unsigned char buf[1024];
    return match_in(re, s, len, limit, buf, sizeof(buf));
}

int kgi_regex_match(const struct kgi_regex *re, const char *subject, size_t len,
                    struct kgi_regex_budget *budget)
{
    if (budget->left == 0)
        return KG_ELIMIT_MATCH;
    const char *s = subject ? subject : "";
    if (!prefix_ok(re, s, len))
        return 0;
    /* the weight of a step: what it may cost on this subject */
    uint64_t w = 1 + len / KGI_REGEX_LEN_UNIT;
    if (re->n_factor) {
        if (budget->subject != s || budget->subject_n != len) {
            /* the subject's bigrams, once per subject: O(len) */
            if (budget->left <= w) {
                budget->left = 0;
                return KG_ELIMIT_MATCH;
            }
            budget->left -= w;
            memset(budget->bigrams, 0, sizeof(budget->bigrams));
            for (size_t i = 0; i + 1 < len; i++) {
                unsigned b =
                    bigram((unsigned char)s[i], (unsigned char)s[i + 1]);
                budget->bigrams[b / 64] |= (uint64_t)1 << (b % 64);
            }
            budget->subject = s;
            budget->subject_n = len;
        }
        for (uint32_t i = 0; i < re->n_factor; i++) {
            unsigned b = re->factor[i];
            if (!(budget->bigrams[b / 64] >> (b % 64) & 1))
                return 0;
        }
    }
    if (!re->jit)
        w *= KGI_REGEX_INTERP_WEIGHT;
    uint64_t limit = KGI_REGEX_PROBE;
    for (;;) {
        uint64_t steps = budget->left / w;
        if (steps <= KGI_REGEX_CALL_COST) {
            budget->left = 0;
            return KG_ELIMIT_MATCH;
        }
        steps -= KGI_REGEX_CALL_COST;
        bool last = steps <= limit;
        if (!last)
            steps = limit;
        budget->left -= (steps + KGI_REGEX_CALL_COST) * w;
        int rc = re->jit ? match_jit(re, s, len, (uint32_t)steps)
                         : match_interpreted(re, s, len, (uint32_t)steps);
        if (rc != PCRE2_ERROR_MATCHLIMIT) {
            if (rc < 0)
                budget->left = 0;
            return rc;
        }
        if (last) {
            budget->left = 0;
            return KG_ELIMIT_MATCH;
        }
        limit *= 8;
    }
}
