// SPDX-License-Identifier: MIT
/*
 * regex.h - the PCRE2 patterns of kgress's routes (ingress-nginx regex
 * locations, Gateway API RegularExpression matches): compile once, match
 * many, from any thread, without touching the heap on the hot path, with
 * the whole regex work of one request bounded.
 *
 * Workload: with the ingress-nginx dialect, a host whose Ingresses carry
 * `nginx.ingress.kubernetes.io/use-regex: "true"` or a `rewrite-target`
 * annotation has all its paths rendered by that controller as
 * `location ~* "^<path>"`: case-insensitive PCRE, anchored only by the
 * leading `^` (so an alternation `^/a|/b` is anchored on its first branch
 * only, exactly as nginx does). Usually a few dozen patterns per host, but
 * manifests come from many teams: a host may carry thousands, and each
 * request tries them in the controller's order until one matches.
 *
 * This is the only place (with its lookup half, kgi_regex_match) that
 * includes <pcre2.h>.
 *
 * Bounded work per request, not per pattern. A per-pattern match limit
 * alone lets N patterns cost N times the limit (16,000 patterns like
 * `/(a+)+b<i>` made one request take seconds), and PCRE2's JIT does not
 * count the inner loops of single-character repeats, so one counted step
 * can scan the whole subject (`/[a-z]*[a-z]*x` is quadratic in the path at
 * a few thousand steps). So:
 *   - a prefilter: each pattern anchored at the start keeps its literal
 *     prefix (the bytes before the first metacharacter, when no top-level
 *     alternation can bypass them), and a subject that does not start with
 *     it is a miss without running PCRE2. It also keeps the bigrams of the
 *     longest other literal outside every group (at most
 *     KGI_REGEX_FACTOR_MAX bytes of it: `b42` in `/(a+)+b42`), which every
 *     match contains; a subject lacking one of them is a miss too. The
 *     subject's bigrams are a 2 KiB bitmap in the budget, built once per
 *     subject, so this check costs the same on any path length. Most
 *     patterns of a large host differ in their literals, so most are never
 *     run; either check is a few nanoseconds.
 *   - a budget (struct kgi_regex_budget, KGI_REGEX_BUDGET work units) that
 *     every PCRE2 call of one request draws from. PCRE2 cannot report the
 *     steps a call used, so each call is charged its step limit, not its
 *     use: a call first runs under a small limit (KGI_REGEX_PROBE: enough
 *     for every ordinary pattern), and only a pattern that reaches it is
 *     run again under a limit 8 times larger, up to what the budget has
 *     left (so the charge is at most 8/7 of what the final run needed).
 *     A step is weighted by the subject length (1 + len/128: what a JIT
 *     step can cost on a long subject) and by 8 for patterns the JIT could
 *     not compile (the interpreter is about 6 times slower per step), and
 *     each call also pays KGI_REGEX_CALL_COST steps for its set-up. With
 *     the budget spent the request is KG_ELIMIT_MATCH, never a hang: a
 *     work unit is a few nanoseconds, so a request's regex work stays in
 *     the low hundreds of microseconds whatever the patterns (measured in
 *     bench/route: bench_regex).
 *
 * Per-match state without allocation or locks: pcre2_match() needs a
 * pcre2_match_data, which is not shareable between threads. kgress creates
 * one per call inside an on-stack buffer: a PCRE2 general context whose
 * malloc hands out bytes of that buffer (and whose free does nothing), and
 * the match context carrying that call's limits is made there too. This
 * costs a few small initialisations per call and no heap at all. The JIT
 * uses its default 32 KiB machine-stack area. A pattern the JIT cannot
 * compile runs in the interpreter, which needs a heap-frame vector (at
 * least 20 KiB); it gets a larger on-stack buffer (KGI_REGEX_FRAME_BYTES),
 * and a match needing more than that is KG_ELIMIT_MATCH. So a lookup may
 * use up to ~64 KiB of the calling thread's stack when regex hosts exist.
 */
#ifndef KGI_COMPILE_REGEX_H
#define KGI_COMPILE_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Work units one request may spend on all the regexes it tries (see above:
 * a unit is one PCRE2 step on a short subject with the JIT, about 5 ns on
 * catastrophic backtracking, so the whole budget is about a quarter of a
 * millisecond). Ordinary patterns need 1 to 100 steps per call. */
#define KGI_REGEX_BUDGET 50000u
/* The first step limit of a call; a pattern reaching it is run again
 * under 8 times more, up to what the budget has left. */
#define KGI_REGEX_PROBE 16u
/* What a call costs besides its steps (contexts, JIT entry), in steps. */
#define KGI_REGEX_CALL_COST 4u
/* Subject bytes per extra unit of a step's weight. */
#define KGI_REGEX_LEN_UNIT 128u
/* Weight of a step of a pattern the JIT could not compile. */
#define KGI_REGEX_INTERP_WEIGHT 8u
/* Bytes of a required literal whose bigrams the prefilter checks. */
#define KGI_REGEX_FACTOR_MAX 16u
/* Nested backtracking depth (pcre2_set_depth_limit; interpreter only). */
#define KGI_REGEX_DEPTH_LIMIT 1000u
/* Interpreter heap-frame bytes available on the stack. */
#define KGI_REGEX_FRAME_BYTES (40u * 1024u)

struct kgi_regex;

/* Pattern dialects of kgi_regex_compile_as. */
enum kgi_regex_dialect {
    /* ingress-nginx location ~*: "^" prepended, case-insensitive */
    KGI_REGEX_NGINX = 0,
    /* Gateway API RegularExpression matches: the pattern must match the
     * whole subject (anchored at both ends, as Envoy's safe_regex),
     * case-sensitive */
    KGI_REGEX_WHOLE = 1,
};

/* What one request may still spend; on the caller's stack, one per
 * request, initialized with kgi_regex_budget_init. */
struct kgi_regex_budget {
    uint64_t left; /* work units */
    /* the folded bigrams of subject[0..subject_n), built on first use */
    const char *subject;
    size_t subject_n;
    uint64_t bigrams[(128u * 128u) / 64u];
};

static inline void kgi_regex_budget_init(struct kgi_regex_budget *b)
{
    b->left = KGI_REGEX_BUDGET;
    b->subject = NULL;
    b->subject_n = 0;
}

/* Compiles pat[0..len) in a dialect, and JIT-compiles it when possible.
 * Returns 0 and *out; KG_EINVALID with a message in err[0..errcap) and the
 * offset of the error in pat in *erroff (a NUL in the pattern is refused
 * there too); KG_ENOMEM. All heap memory comes from kgi_malloc (JIT code
 * from the PCRE2 executable allocator). */
int kgi_regex_compile_as(const char *pat, size_t len, int dialect,
                         struct kgi_regex **out, char *err, size_t errcap,
                         size_t *erroff);

/* kgi_regex_compile_as(..., KGI_REGEX_NGINX, ...). */
int kgi_regex_compile(const char *pat, size_t len, struct kgi_regex **out,
                      char *err, size_t errcap, size_t *erroff);

/* Frees a pattern; NULL is fine. */
void kgi_regex_free(struct kgi_regex *re);

/* Whether the pattern was JIT-compiled (for dumps and tests). */
bool kgi_regex_jit(const struct kgi_regex *re);

/* The literal prefix every match starts with (ASCII-lower-cased for a
 * case-insensitive pattern), into *len; its length is 0 when the pattern
 * has none the prefilter can rely on. For dumps and tests. */
const char *kgi_regex_prefix(const struct kgi_regex *re, size_t *len);

/* Matches subject[0..len), drawing from *budget. Returns 1 on a match, 0
 * on none (a subject without the pattern's literal prefix costs nothing),
 * KG_ELIMIT_MATCH when the budget is spent or the interpreter needed more
 * frame memory than it is given; the budget is then left at 0, so every
 * later call of the request is KG_ELIMIT_MATCH too. No heap, no lock:
 * thread-safe (the budget is the caller's). */
int kgi_regex_match(const struct kgi_regex *re, const char *subject, size_t len,
                    struct kgi_regex_budget *budget);

#endif
