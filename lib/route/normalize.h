// SPDX-License-Identifier: MIT
/*
 * normalize.h - request Host and path normalization, on the lookup path.
 *
 * A route lookup matches the request against rule hosts and paths that
 * validation has already made canonical (lower-case DNS names; paths
 * without `//`, dot segments or %2F). These functions bring the request to
 * the same form, as DESIGN.md "Semantics decisions / Ingress" states, so
 * that `/public/../admin`, `%2e%2e`, `//admin` or `Example.COM.:443` cannot
 * reach a rule by another spelling (Envoy CVE-2019-9901, Istio
 * CVE-2021-31920, Traefik CVE-2025-32431). They run per request: one pass
 * over an input already in normal form, a few linear passes over any
 * other input, no allocation, no read outside
 * [in, in+len), no write outside [out, out+cap). The output is not
 * NUL-terminated. Thread-safe (pure functions).
 */
#ifndef KGI_LOOKUP_NORMALIZE_H
#define KGI_LOOKUP_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Host (the Host header or :authority, without userinfo).
 *
 * out[0..*out_len) gets the host with
 *   - ASCII letters lower-cased (RFC 3986 §3.2.2);
 *   - `:port` removed; the port must be decimal digits (may be empty, value
 *     at most 65535); an IPv6 literal keeps its brackets:
 *     `[2001:DB8::1]:8443` -> `[2001:db8::1]`;
 *   - one trailing dot removed (`example.com.` -> `example.com`).
 * *ascii is set false when the host has a byte >= 0x80: such a host never
 * matches a host rule (rule hosts are ASCII A-labels; no IDNA mapping is
 * done, to avoid homographs), only host-less rules.
 * An empty host (len 0: HTTP/1.0 without Host) is valid: *out_len = 0, it
 * matches host-less rules only.
 *
 * Rejected with KG_EREQUEST, like nginx's ngx_http_validate_host (never
 * matched against anything): NUL, control bytes, space and DEL; `/` or `\`;
 * an empty label (`a..b`, `.a`, `..`, a lone `.`); an empty host before a
 * port (`:80`); `[` without its `]` (`[::1`), anything but `:port` after
 * `]`, `[` or `]` elsewhere; a port that is not digits or exceeds 65535.
 *
 * Output length <= len; cap >= len always suffices, else KG_ENOSPACE when
 * the result does not fit. Returns 0, KG_EREQUEST, KG_ENOSPACE, or KG_EINVAL
 * (NULL out_len/ascii, NULL host with len > 0, NULL out with cap > 0).
 */
int kgi_norm_host(const char *host, size_t len, char *out, size_t cap,
                  size_t *out_len, bool *ascii);

/* kgi_norm_path flags */
#define KGI_NORM_ON 1u                   /* normalize (KG_FLAG_NORMALIZE) */
#define KGI_NORM_REJECT_ESCAPED_SLASH 2u /* KG_FLAG_REJECT_ESCAPED_SLASH */
/* With KGI_NORM_ON: steps 1-2 only (escapes), no dot-segment removal nor
 * slash merging. Used to bring rule paths to the request form. */
#define KGI_NORM_ESCAPES_ONLY 4u

/*
 * Path (an origin-form request-target; absolute-form is the caller's
 * business: pass the path part of the URI).
 *
 * Always:
 *   - only the bytes before the first `?` or `#` are the path (RFC 3986 §3.3);
 *     the query is never examined nor returned;
 *   - an empty path is `/` (RFC 3986 §6.2.3: `http://h` and `http://h/` are
 *     equivalent);
 *   - a path not starting with `/` (`*`, `admin`, `../x`) -> KG_EREQUEST;
 *   - NUL, control bytes (< 0x20) and DEL -> KG_EREQUEST, and so does the
 *     escaped NUL `%00` (a backend decoding it would truncate there);
 *   - with KGI_NORM_REJECT_ESCAPED_SLASH, `%2F` and `%5C` (any case) ->
 *     KG_EREQUEST.
 * With KGI_NORM_ON, in this order (RFC 3986 §6.2.2):
 *   1. `%xx` escapes must be two hex digits, else KG_EREQUEST (`%zz`, `%4`,
 *      a trailing `%`); their hex digits are upper-cased (§6.2.2.1);
 *   2. escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded
 *      (§6.2.2.2), so `%2e%2E` is `..` and is removed in step 3; every other
 *      escape stays, `%2F` and `%5C` included (data, not separators);
 *   3. dot segments are removed (§5.2.4 remove_dot_segments): `/a/./b` ->
 *      `/a/b`, `/a/../b` -> `/b`, `/a/..` -> `/`, `/a/.` -> `/a/`, and a `..`
 *      above the root is dropped: `/../a` -> `/a`;
 *   4. runs of `/` become one: `//a///b/` -> `/a/b/`.
 * Without KGI_NORM_ON the path part is returned as it is (after the checks
 * under "Always"); raw bytes >= 0x80 and `\` are data in both modes.
 *
 * Buffer: the result is never longer than max(1, length of the path part)
 * <= len + 1, and cap must be at least that (cap >= len + 1 always
 * suffices), else KG_ENOSPACE, whatever the result's length. Returns 0,
 * KG_EREQUEST, KG_ENOSPACE, or KG_EINVAL (NULL out_len, NULL path with
 * len > 0, NULL out with cap > 0).
 */
int kgi_norm_path(const char *path, size_t len, unsigned flags, char *out,
                  size_t cap, size_t *out_len);

/*
 * The reference implementations of the two functions above: same contract
 * and results, written step by step after the rules (several passes). The
 * functions above make one pass for an input already in normal form and
 * call these for every other input; tests compare the two.
 */
int kgi_norm_host_ref(const char *host, size_t len, char *out, size_t cap,
                      size_t *out_len, bool *ascii);
int kgi_norm_path_ref(const char *path, size_t len, unsigned flags, char *out,
                      size_t cap, size_t *out_len);

/* SWAR byte tests on 8 bytes at once: 0x80 in each byte of the result
 * where the byte of w is c (kgi_swar_eq) or is below c, 1 <= c <= 0x80
 * (kgi_swar_lt), 0 elsewhere. Exact for every byte (unlike the usual "has a
 * zero byte" trick): no carry crosses a byte, since (b & 0x7f) + 0x7f and
 * (b & 0x7f) + (0x80 - c) are at most 0xfe. */
#define KGI_SWAR_L7 0x7f7f7f7f7f7f7f7full
#define KGI_SWAR_H 0x8080808080808080ull
#define KGI_SWAR_REP(c) (0x0101010101010101ull * (uint64_t)(c))

static inline uint64_t kgi_swar_eq(uint64_t w, unsigned c)
{
    uint64_t x = w ^ KGI_SWAR_REP(c); /* zero where the byte is c */
    return ~(((x & KGI_SWAR_L7) + KGI_SWAR_L7) | x) & KGI_SWAR_H;
}

static inline uint64_t kgi_swar_lt(uint64_t w, unsigned c)
{
    /* a byte b < 0x80 gets bit 7 from (b + 0x80 - c) iff b >= c */
    return ~(((w & KGI_SWAR_L7) + KGI_SWAR_REP(0x80 - c)) | w) & KGI_SWAR_H;
}

/* The value of hex digit c (either case), -1 for any other byte. */
static inline int kgi_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
