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
 *
 * The path passes run in place in `out`: each pass only ever shortens the
 * text (a decoded escape is 1 byte for 3, a removed dot segment or slash is
 * dropped), so its write index never overtakes its read index and no second
 * buffer is needed.
 */
#include "lookup/normalize.h"

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

int kgi_norm_host(const char *host, size_t len, char *out, size_t cap,
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

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

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

int kgi_norm_path(const char *path, size_t len, unsigned flags, char *out,
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
        int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
        int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
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
