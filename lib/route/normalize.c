// SPDX-License-Identifier: MIT
/*
 * normalize.c - request Host and path normalization. See normalize.h for
 * the rules; this file says why they are done this way.
 *
 * Workload: once per request, on inputs of tens to a few thousand bytes
 * that an attacker controls. So: no allocation, each byte looked at a
 * bounded number of times (host: two passes; path: escape pass, then
 * dot-segment pass and slash pass over the output in place), every index
 * checked against its buffer's length before it is read or written.
 * Those passes are the reference implementation (kgi_norm_*_ref); the
 * entry points at the end of the file add a one-pass fast path for the
 * common input that is already in normal form (see "fast paths").
 *
 * The path passes run in place in `out`: each pass only ever shortens the
 * text (a decoded escape is 1 byte for 3, a removed dot segment or slash is
 * dropped), so its write index never overtakes its read index and no second
 * buffer is needed.
 */
#include "route/normalize.h"

#include <stdint.h>
#include <string.h>

#include "kgress.h"

/* ------------------------------------------------------------------ host */

static bool host_ctl(unsigned char ch)
{
    /* NUL, controls, space, DEL (nginx: ch <= 0x20 || ch == 0x7f) and the
     * path separators '/' and '\' */
    return ch <= 0x20 || ch == 0x7f || ch == '/' || ch == '\\';
}

/* Checks that s[0..n) is `:digits` with a value <= 65535 (or empty). */
static bool port_ok(const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (s[0] != ':')
        return false;
    unsigned long v = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > 65535)
            return false;
    }
    return true;
}

int kgi_norm_host_ref(const char *host, size_t len, char *out, size_t cap,
                      size_t *out_len, bool *ascii)
{
    if (!out_len || !ascii || (!host && len) || (!out && cap))
        return KG_EINVAL;
    *out_len = 0;
    *ascii = true;
    if (len == 0)
        return 0; /* no Host: host-less rules only */

    const unsigned char *s = (const unsigned char *)host;
    size_t hlen; /* bytes of the host part, before any :port */
    bool non_ascii = false;
    if (s[0] == '[') {
        /* IP-literal (RFC 3986 §3.2.2): kept with its brackets */
        size_t i = 1;
        while (i < len && s[i] != ']') {
            if (host_ctl(s[i]) || s[i] == '[')
                return KG_EREQUEST;
            if (s[i] >= 0x80)
                non_ascii = true;
            i++;
        }
        if (i == len || i == 1) /* no ']', or "[]" */
            return KG_EREQUEST;
        hlen = i + 1;
        if (!port_ok(host + hlen, len - hlen))
            return KG_EREQUEST;
    } else {
        size_t i = 0;
        size_t label = 0; /* bytes in the current label */
        while (i < len && s[i] != ':') {
            unsigned char ch = s[i];
            if (host_ctl(ch) || ch == '[' || ch == ']')
                return KG_EREQUEST;
            if (ch == '.') {
                if (label == 0) /* ".a", "a..b", "." */
                    return KG_EREQUEST;
                label = 0;
            } else {
                label++;
                if (ch >= 0x80)
                    non_ascii = true;
            }
            i++;
        }
        hlen = i;
        if (hlen == 0) /* ":80" */
            return KG_EREQUEST;
        if (!port_ok(host + hlen, len - hlen))
            return KG_EREQUEST;
        if (s[hlen - 1] == '.') /* one trailing dot (rule 20); ".." was
                                   refused above */
            hlen--;
    }
    if (hlen > cap)
        return KG_ENOSPACE;
    for (size_t i = 0; i < hlen; i++) {
        unsigned char ch = s[i];
        out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
    }
    *out_len = hlen;
    *ascii = !non_ascii;
    return 0;
}

/* ------------------------------------------------------------------ path */

/* RFC 3986 §2.3 unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool unreserved(unsigned v)
{
    return (v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
           (v >= '0' && v <= '9') || v == '-' || v == '.' || v == '_' ||
           v == '~';
}

static bool escaped_slash(unsigned v)
{
    return v == 0x2F || v == 0x5C;
}

/* Step 3, in place: RFC 3986 §5.2.4 remove_dot_segments on p[0..n), which
 * starts with '/'. The output is a sequence of "/segment" units; "." is
 * dropped, ".." drops the last unit (none above the root: clamped), and a
 * dot segment at the very end leaves a trailing "/" (`/a/.` -> `/a/`,
 * `/a/..` -> `/`). Reads at i, writes at w <= i. Returns the new length. */
static size_t remove_dot_segments(char *p, size_t n)
{
    size_t w = 0, i = 0;
    while (i < n) {
        /* p[i] == '/': the segment is p[i+1..j) */
        size_t j = i + 1;
        while (j < n && p[j] != '/')
            j++;
        size_t seg = j - i - 1;
        bool last = j == n;
        if (seg == 1 && p[i + 1] == '.') {
            if (last)
                p[w++] = '/';
        } else if (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
            while (w > 0 && p[w - 1] != '/')
                w--;
            if (w > 0)
                w--; /* the unit's own '/' */
            if (last)
                p[w++] = '/';
        } else {
            memmove(p + w, p + i, j - i);
            w += j - i;
        }
        i = j;
    }
    if (w == 0) /* not reached (a leading "/" always leaves one), but the
                   result must stay an absolute path whatever happens */
        p[w++] = '/';
    return w;
}

/* Step 4, in place: runs of '/' become one. */
static size_t merge_slashes(char *p, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!(p[i] == '/' && w > 0 && p[w - 1] == '/'))
            p[w++] = p[i];
    return w;
}

int kgi_norm_path_ref(const char *path, size_t len, unsigned flags, char *out,
                      size_t cap, size_t *out_len)
{
    if (!out_len || (!path && len) || (!out && cap))
        return KG_EINVAL;
    *out_len = 0;
    const unsigned char *s = (const unsigned char *)path;

    /* only the path: up to the first '?' or '#' (RFC 3986 §3.3, §3.4) */
    size_t n = 0;
    while (n < len && s[n] != '?' && s[n] != '#')
        n++;
    if (n == 0) {
        if (cap < 1)
            return KG_ENOSPACE;
        out[0] = '/';
        *out_len = 1;
        return 0;
    }
    if (s[0] != '/')
        return KG_EREQUEST;
    if (cap < n)
        return KG_ENOSPACE;

    const bool on = flags & KGI_NORM_ON;
    const bool reject_slash = flags & KGI_NORM_REJECT_ESCAPED_SLASH;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch < 0x20 || ch == 0x7f)
            return KG_EREQUEST;
        if (ch != '%') {
            out[w++] = (char)ch;
            continue;
        }
        int hi = i + 1 < n ? kgi_hexval(s[i + 1]) : -1;
        int lo = i + 2 < n ? kgi_hexval(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            if (on) /* %zz, %4, a trailing % */
                return KG_EREQUEST;
            out[w++] = '%'; /* not normalizing: data */
            continue;
        }
        unsigned v = (unsigned)(hi * 16 + lo);
        if (v == 0)
            return KG_EREQUEST; /* %00 */
        if (reject_slash && escaped_slash(v))
            return KG_EREQUEST;
        if (!on) {
            out[w++] = (char)ch;
            continue;
        }
        if (unreserved(v)) {
            out[w++] = (char)v;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            out[w++] = '%';
            out[w++] = hex[v >> 4];
            out[w++] = hex[v & 15];
        }
        i += 2;
    }
    if (on && !(flags & KGI_NORM_ESCAPES_ONLY)) {
        w = remove_dot_segments(out, w);
        w = merge_slashes(out, w);
    }
    *out_len = w;
    return 0;
}

/* ------------------------------------------------------------ fast paths */

/*
 * The functions above are the reference: they state the rules step by step
 * and handle every input. Nearly every real request is already in normal
 * form, though (a lower-case host without a port; a path without escapes,
 * dot segments or repeated slashes), and for those the reference costs
 * several passes for an output equal to its input. The entry points below
 * make one pass (a byte-class table; for the path, 8 bytes per step while
 * they are all ordinary) and, when nothing in the input
 * needs rewriting or rejecting, finish there; on the first byte that needs
 * more they hand the whole input to the reference, which therefore decides
 * every error and every rewrite. test_normalize compares the two on random
 * inputs.
 */

/* path byte classes */
enum {
    P_PLAIN = 0,
    P_STOP = 1,  /* '?' '#': end of the path part */
    P_SLOW = 2,  /* '%', NUL, controls, DEL: the reference decides */
    P_SLASH = 3, /* '/': the next byte must not be '/' or '.' */
};

#define CTL_RANGE(v)                                                           \
    [0x00] = v, [0x01] = v, [0x02] = v, [0x03] = v, [0x04] = v, [0x05] = v,    \
    [0x06] = v, [0x07] = v, [0x08] = v, [0x09] = v, [0x0a] = v, [0x0b] = v,    \
    [0x0c] = v, [0x0d] = v, [0x0e] = v, [0x0f] = v, [0x10] = v, [0x11] = v,    \
    [0x12] = v, [0x13] = v, [0x14] = v, [0x15] = v, [0x16] = v, [0x17] = v,    \
    [0x18] = v, [0x19] = v, [0x1a] = v, [0x1b] = v, [0x1c] = v, [0x1d] = v,    \
    [0x1e] = v, [0x1f] = v, [0x7f] = v

static const unsigned char path_cls[256] = {
    CTL_RANGE(P_SLOW), ['%'] = P_SLOW,  ['?'] = P_STOP,
    ['#'] = P_STOP,    ['/'] = P_SLASH,
};

int kgi_norm_path(const char *path, size_t len, unsigned flags, char *out,
                  size_t cap, size_t *out_len)
{
    if (!out_len || (!path && len) || (!out && cap))
        return KG_EINVAL;
    const unsigned char *s = (const unsigned char *)path;
    /* one scan: find the end of the path part, and give up at the first
     * byte that the output would not copy as it is. First 8 bytes per
     * step while none of them is special (one more byte is read for the
     * pair test, so the step needs 9 bytes); the byte loop then takes the
     * word that has one, and the tail. */
    size_t n = 0;
    while (len - n >= 9) {
        uint64_t w, w1;
        memcpy(&w, s + n, 8);
        memcpy(&w1, s + n + 1, 8); /* w1 byte k is w byte k + 1 */
        uint64_t m = kgi_swar_eq(w, '%') | kgi_swar_eq(w, '?') |
                     kgi_swar_eq(w, '#') | kgi_swar_eq(w, 0x7f) |
                     kgi_swar_lt(w, 0x20) |
                     (kgi_swar_eq(w, '/') &
                      (kgi_swar_eq(w1, '/') | kgi_swar_eq(w1, '.')));
        if (m)
            break;
        n += 8;
    }
    for (; n < len; n++) {
        unsigned c = path_cls[s[n]];
        if (c == P_PLAIN)
            continue;
        if (c == P_STOP)
            break;
        if (c == P_SLOW)
            return kgi_norm_path_ref(path, len, flags, out, cap, out_len);
        /* '/': a following '/' is a run to merge, a following '.' may
         * start a dot segment ("/.", "/..", or just "/.well-known": the
         * reference sorts that out) */
        if (n + 1 < len && (s[n + 1] == '/' || s[n + 1] == '.'))
            return kgi_norm_path_ref(path, len, flags, out, cap, out_len);
    }
    /* every segment of s[0..n) follows a '/' that is not followed by '/'
     * or '.': no empty segment but maybe the last, no dot segment, no
     * escape, no forbidden byte. Each step of the reference leaves such a
     * path unchanged, in every mode, so the output is the input. The
     * checks below are the reference's, in its order. */
    if (n == 0 || s[0] != '/' || cap < n)
        return kgi_norm_path_ref(path, len, flags, out, cap, out_len);
    memmove(out, path, n);
    *out_len = n;
    return 0;
}

/* host byte classes: every byte that the one pass copies (lower-cased)
 * is H_COPY; the others end it or reject the host */
enum {
    H_COPY = 0,  /* letters, digits, '-', '_', bytes >= 0x80, ... */
    H_DOT = 1,   /* '.': ends a label, which must not be empty */
    H_COLON = 2, /* ':': a port follows */
    H_BAD = 3,   /* controls, space, DEL, '/', '\\', '[', ']' */
};

static const unsigned char host_cls[256] = {
    CTL_RANGE(H_BAD), [' '] = H_BAD, ['/'] = H_BAD, ['\\'] = H_BAD,
    ['['] = H_BAD,    [']'] = H_BAD, ['.'] = H_DOT, [':'] = H_COLON,
};

/* ASCII lower case; every other byte maps to itself */
#define ID4(a) (a), (a) + 1, (a) + 2, (a) + 3
#define ID16(a) ID4(a), ID4((a) + 4), ID4((a) + 8), ID4((a) + 12)
#define ID64(a) ID16(a), ID16((a) + 16), ID16((a) + 32), ID16((a) + 48)
static const unsigned char host_lower[256] = {
    ID64(0x00), 0x40, ID16('a'),  ID4('q'),   ID4('u'),   'y',        'z',
    ID4(0x5b),  0x5f, ID64(0x60), ID64(0xa0), ID16(0xe0), ID16(0xf0),
};

int kgi_norm_host(const char *host, size_t len, char *out, size_t cap,
                  size_t *out_len, bool *ascii)
{
    /* the reference for the argument checks, the empty host, IP literals
     * and a host that may not fit (the one pass below writes as it reads,
     * so it needs cap >= len) */
    if (!out_len || !ascii || !host || !out || len == 0 || cap < len ||
        host[0] == '[')
        return kgi_norm_host_ref(host, len, out, cap, out_len, ascii);
    const unsigned char *s = (const unsigned char *)host;
    *out_len = 0;
    *ascii = true;
    unsigned any = 0; /* OR of the host's bytes: bit 7 is non-ASCII */
    size_t label = 0; /* where the current label starts */
    size_t i = 0;
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&             \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                               \
    (defined(__GNUC__) || defined(__clang__))
    /* 8 bytes per step (exact SWAR tests, little-endian: byte k of a word
     * is bits 8k..8k+7) while none of them ends the host or needs the
     * byte loop's judgement: no H_BAD byte, no ':', no dot opening a
     * label (first byte of the host, or after a dot), and no dot just
     * before a ':' (a trailing dot, not written). ASCII upper case gets
     * bit 5; every other byte is copied as it is, like host_lower. The
     * step reads 9 bytes (the one after the word for that last test). On
     * the first word that fails, the byte loop below takes over from it,
     * with the same state. */
    uint64_t wany = 0;
    while (len - i >= 9) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t bad = kgi_swar_lt(w, 0x21) | kgi_swar_eq(w, 0x7f) |
                       kgi_swar_eq(w, '/') | kgi_swar_eq(w, '\\') |
                       kgi_swar_eq(w, '[') | kgi_swar_eq(w, ']') |
                       kgi_swar_eq(w, ':');
        uint64_t dots = kgi_swar_eq(w, '.');
        if (bad || (dots & (dots << 8)) || (i == label && (dots & 0x80)) ||
            ((dots >> 56) && s[i + 8] == ':'))
            break;
        uint64_t up = kgi_swar_lt(w, 'Z' + 1) & ~kgi_swar_lt(w, 'A');
        w |= up >> 2;
        memcpy(out + i, &w, 8);
        wany |= w;
        if (dots)
            label = i + (size_t)((63 - __builtin_clzll(dots)) >> 3) + 1;
        i += 8;
    }
    if (wany & KGI_SWAR_H)
        any = 0x80;
#endif
    for (; i < len; i++) {
        unsigned char ch = s[i];
        unsigned c = host_cls[ch];
        if (c == H_COPY) {
            out[i] = (char)host_lower[ch];
            any |= ch;
            continue;
        }
        if (c != H_DOT)
            break;
        if (i == label) /* ".a", "a..b", "." */
            return KG_EREQUEST;
        /* a trailing dot is dropped: nothing is written past the result
         * (as with the reference) */
        if (i + 1 < len && s[i + 1] != ':')
            out[i] = '.';
        label = i + 1;
    }
    if (i < len && s[i] != ':') /* H_BAD */
        return KG_EREQUEST;
    if (i == 0) /* ":80" */
        return KG_EREQUEST;
    if (!port_ok(host + i, len - i))
        return KG_EREQUEST;
    if (s[i - 1] == '.') /* one trailing dot; ".." was refused above */
        i--;
    *out_len = i;
    *ascii = !(any & 0x80);
    return 0;
}
