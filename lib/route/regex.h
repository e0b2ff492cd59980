// SPDX-License-Identifier: MIT
/*
 * regex.h - the PCRE2 patterns of the ingress-nginx dialect: compile once,
 * match many, from any thread, without touching the heap on the hot path.
 *
 * Workload: with the ingress-nginx dialect, a host whose Ingresses carry
 * `nginx.ingress.kubernetes.io/use-regex: "true"` or a `rewrite-target`
 * annotation has all its paths rendered by that controller as
 * `location ~* "^<path>"`: case-insensitive PCRE, anchored only by the
 * leading `^` (so an alternation `^/a|/b` is anchored on its first branch
 * only, exactly as nginx does). A few dozen patterns per host at most;
 * each request tries them in the controller's order until one matches.
 *
 * This is the only place (with its lookup half, kgi_regex_match) that
 * includes <pcre2.h>.
 *
 * Hostile patterns and requests: every pattern is JIT-compiled when the
 * platform allows it and matched under a match limit, a depth limit and a
 * heap limit (KGI_REGEX_*_LIMIT), set once in a match context that is
 * read-only after compile and so shared by threads. Reaching a limit is
 * KG_ELIMIT_MATCH for the request, never a hang.
 *
 * Per-match state without allocation or locks: pcre2_match() needs a
 * pcre2_match_data, which is not shareable between threads. kgress creates
 * one per call inside an on-stack buffer: a PCRE2 general context whose
 * malloc hands out bytes of that buffer (and whose free does nothing).
 * This costs two small initialisations per regex host lookup and no heap
 * at all. The JIT uses its default 32 KiB machine-stack area. A pattern the
 * JIT cannot compile runs in the interpreter, which needs a heap-frame
 * vector (at least 20 KiB); it gets a larger on-stack buffer
 * (KGI_REGEX_FRAME_BYTES), and a match needing more than that is
 * KG_ELIMIT_MATCH. So a lookup may use up to ~64 KiB of the calling
 * thread's stack when regex hosts exist.
 */
#ifndef KGI_COMPILE_REGEX_H
#define KGI_COMPILE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

/* Backtracking steps per match (pcre2_set_match_limit). Legitimate Ingress
 * patterns need a few hundred; 100k bounds a catastrophic pattern to well
 * under a millisecond. */
#define KGI_REGEX_MATCH_LIMIT 100000u
/* Nested backtracking depth (pcre2_set_depth_limit; interpreter only). */
#define KGI_REGEX_DEPTH_LIMIT 1000u
/* Interpreter heap-frame bytes available on the stack. */
#define KGI_REGEX_FRAME_BYTES (40u * 1024u)

struct kgi_regex;

/* Compiles "^" followed by pat[0..len), case-insensitive, and JIT-compiles
 * it when possible. Returns 0 and *out; KG_EINVALID with a message in
 * err[0..errcap) and the offset of the error in the path in *erroff (a NUL
 * in the pattern is refused there too); KG_ENOMEM. All heap memory comes
 * from kgi_malloc (JIT code from the PCRE2 executable allocator). */
int kgi_regex_compile(const char *pat, size_t len, struct kgi_regex **out,
                      char *err, size_t errcap, size_t *erroff);

/* Pattern dialects of kgi_regex_compile_as. */
enum kgi_regex_dialect {
    /* ingress-nginx location ~*: "^" prepended, case-insensitive */
    KGI_REGEX_NGINX = 0,
    /* Gateway API RegularExpression matches (httproute-semantics decision
     * regex-full-match): the pattern must match the whole subject
     * (anchored at both ends, as Envoy's safe_regex), case-sensitive */
    KGI_REGEX_WHOLE = 1,
};

/* kgi_regex_compile in a dialect; erroff is an offset into pat. */
int kgi_regex_compile_as(const char *pat, size_t len, int dialect,
                         struct kgi_regex **out, char *err, size_t errcap,
                         size_t *erroff);

/* Frees a pattern; NULL is fine. */
void kgi_regex_free(struct kgi_regex *re);

/* Whether the pattern was JIT-compiled (for dumps and tests). */
bool kgi_regex_jit(const struct kgi_regex *re);

/* Matches subject[0..len). Returns 1 on a match, 0 on none,
 * KG_ELIMIT_MATCH when a limit was reached (or the interpreter needed more
 * frame memory than it is given). No heap, no lock: thread-safe. */
int kgi_regex_match(const struct kgi_regex *re, const char *subject,
                    size_t len);

#endif
