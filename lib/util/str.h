// SPDX-License-Identifier: MIT
/*
 * str.h - the library's one string slice type and its comparisons.
 *
 * Every engine reads names, label keys, hosts and paths out of a node tree
 * or an arena and compares them: equality with a literal while reading a
 * field, byte order for the sorted tables (binary search, deterministic
 * dumps), ASCII case-insensitive equality for protocol names, host names
 * and HTTP header names. A slice is (pointer, length) and never needs NUL
 * termination, because lookups take caller buffers as (pointer, length).
 * Everything here is inline and allocation-free; `p` may be NULL only when
 * `n` is 0.
 *
 * Order: kgi_str_cmp is memcmp over the common length, then the shorter
 * first ("a" < "a/" < "b"): the order of the dumps and of every sorted
 * table since 0.1.
 */
#ifndef KGI_UTIL_STR_H
#define KGI_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A byte string inside the node tree, an arena or a caller buffer. */
struct kgi_str {
    const char *p;
    size_t n;
};

static inline struct kgi_str kgi_str_make(const char *p, size_t n)
{
    struct kgi_str s = {p, n};
    return s;
}

/* s of a NUL-terminated C string (NULL gives the empty slice). */
static inline struct kgi_str kgi_str_c(const char *s)
{
    return kgi_str_make(s ? s : "", s ? strlen(s) : 0);
}

/* Byte order of a[0..an) and b[0..bn): <0, 0, >0 (see above). */
static inline int kgi_mem_cmp(const char *a, size_t an, const char *b,
                              size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static inline bool kgi_mem_eq(const char *a, size_t an, const char *b,
                              size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static inline int kgi_str_cmp(struct kgi_str a, struct kgi_str b)
{
    return kgi_mem_cmp(a.p, a.n, b.p, b.n);
}

static inline bool kgi_str_equal(struct kgi_str a, struct kgi_str b)
{
    return kgi_mem_eq(a.p, a.n, b.p, b.n);
}

/* s equals the NUL-terminated literal lit (byte for byte). */
static inline bool kgi_str_eq(struct kgi_str s, const char *lit)
{
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= s.n || s.p[i] != lit[i])
            return false;
    return i == s.n;
}

/* ASCII lower case of c; every other byte (>= 0x80 included) unchanged,
 * whatever the C locale says. */
static inline unsigned char kgi_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ASCII case-insensitive equality (RFC 9110 field names, RFC 4343 host
 * names, "TCP"/"tcp"); bytes >= 0x80 compare exactly. */
static inline bool kgi_mem_caseeq(const char *a, size_t an, const char *b,
                                  size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (kgi_ascii_lower((unsigned char)a[i]) !=
            kgi_ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

/* ASCII case-insensitive order: kgi_mem_cmp on the lower-cased bytes. */
static inline int kgi_mem_casecmp(const char *a, size_t an, const char *b,
                                  size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int x = kgi_ascii_lower((unsigned char)a[i]);
        int y = kgi_ascii_lower((unsigned char)b[i]);
        if (x != y)
            return x - y;
    }
    return an < bn ? -1 : an > bn;
}

static inline bool kgi_str_caseeq(struct kgi_str a, struct kgi_str b)
{
    return kgi_mem_caseeq(a.p, a.n, b.p, b.n);
}

/* s equals the literal lit, ASCII case-insensitively. */
static inline bool kgi_str_caseeq_lit(struct kgi_str s, const char *lit)
{
    return kgi_mem_caseeq(s.p, s.n, lit, strlen(lit));
}

static inline bool kgi_str_has_prefix(struct kgi_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static inline bool kgi_str_has_suffix(struct kgi_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && (n == 0 || memcmp(s.p + s.n - n, lit, n) == 0);
}

/* Index of the first c in s, or s.n when there is none. */
static inline size_t kgi_str_find(struct kgi_str s, char c)
{
    const char *q = s.n ? memchr(s.p, c, s.n) : NULL;
    return q ? (size_t)(q - s.p) : s.n;
}

#endif
