// SPDX-License-Identifier: MIT
/*
 * test_normalize.c - request Host and path normalization (route/normalize).
 *
 * Tables of (input, flags) -> (code, output) for every rule of normalize.h,
 * with the traversal and encoding tricks of the advisories it cites
 * (`/public/../admin`, `%2e%2e`, `//admin`, `%2F..%2F`, NUL, `%00`), the
 * buffer contract checked with canary bytes, then a differential run on
 * random paths against a reference written straight from RFC 3986 §5.2.4
 * (string buffers, steps A-E) that always tells the truth, plus
 * idempotence: normalizing a normalized path changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "route/normalize.h"

#define S(lit) lit, sizeof(lit) - 1

/* ------------------------------------------------------------------ host */

struct host_case {
    const char *in;
    size_t len;
    int rc;
    const char *out; /* when rc == 0 */
    bool ascii;
};

static const struct host_case host_cases[] = {
    {S("example.com"), 0, "example.com", true},
    {S("Example.COM"), 0, "example.com", true},
    {S("EXAMPLE.com:8080"), 0, "example.com", true},
    {S("example.com."), 0, "example.com", true},
    {S("example.com.:443"), 0, "example.com", true},
    {S("a.b.c."), 0, "a.b.c", true},
    {S("localhost"), 0, "localhost", true},
    {S("exact-path-rules"), 0, "exact-path-rules", true},
    {S("*.example.com"), 0, "*.example.com", true},
    {S("10.0.0.1:80"), 0, "10.0.0.1", true},
    {S("a.com:"), 0, "a.com", true},
    {S("a.com:0"), 0, "a.com", true},
    {S("a.com:65535"), 0, "a.com", true},
    {S("a.com:00080"), 0, "a.com", true},
    {S("[2001:db8::1]:8443"), 0, "[2001:db8::1]", true},
    {S("[2001:DB8::1]"), 0, "[2001:db8::1]", true},
    {S("[::1]:"), 0, "[::1]", true},
    {S("[::FFFF:10.0.0.1]:1"), 0, "[::ffff:10.0.0.1]", true},
    {S("M\xc3\xbcnchen.DE"), 0, "m\xc3\xbcnchen.de", false},
    {S("xn--mnchen-3ya.de"), 0, "xn--mnchen-3ya.de", true},
    {S(""), 0, "", true},
    /* malformed: rejected like ngx_http_validate_host */
    {S("a..b"), KG_EREQUEST, NULL, true},
    {S("example.com.."), KG_EREQUEST, NULL, true},
    {S(".example.com"), KG_EREQUEST, NULL, true},
    {S("."), KG_EREQUEST, NULL, true},
    {S(".."), KG_EREQUEST, NULL, true},
    {S(".:80"), KG_EREQUEST, NULL, true},
    {S(":80"), KG_EREQUEST, NULL, true},
    {S(":"), KG_EREQUEST, NULL, true},
    {S("[::1"), KG_EREQUEST, NULL, true},
    {S("[::1]x"), KG_EREQUEST, NULL, true},
    {S("[::1]]"), KG_EREQUEST, NULL, true},
    {S("[[::1]"), KG_EREQUEST, NULL, true},
    {S("[]"), KG_EREQUEST, NULL, true},
    {S("["), KG_EREQUEST, NULL, true},
    {S("a[b"), KG_EREQUEST, NULL, true},
    {S("a]b"), KG_EREQUEST, NULL, true},
    {S("a.com:80x"), KG_EREQUEST, NULL, true},
    {S("a.com:x"), KG_EREQUEST, NULL, true},
    {S("a.com:80:80"), KG_EREQUEST, NULL, true},
    {S("a.com:65536"), KG_EREQUEST, NULL, true},
    {S("a.com:99999999999999999999"), KG_EREQUEST, NULL, true},
    {S("a.com: 80"), KG_EREQUEST, NULL, true},
    {S("a b"), KG_EREQUEST, NULL, true},
    {S(" a"), KG_EREQUEST, NULL, true},
    {S("a\0b"), KG_EREQUEST, NULL, true},
    {S("a.com\0.evil"), KG_EREQUEST, NULL, true},
    {S("\0"), KG_EREQUEST, NULL, true},
    {S("a\tb"), KG_EREQUEST, NULL, true},
    {S("a\r\nb"), KG_EREQUEST, NULL, true},
    {S("a\x7f"), KG_EREQUEST, NULL, true},
    {S("a/b"), KG_EREQUEST, NULL, true},
    {S("a\\b"), KG_EREQUEST, NULL, true},
    {S("[::1\0]"), KG_EREQUEST, NULL, true},
    {S("[::1/64]"), KG_EREQUEST, NULL, true},
};

static void test_host_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(host_cases) / sizeof(*host_cases); i++) {
        const struct host_case *t = &host_cases[i];
        char out[128];
        size_t n = 99;
        bool ascii = !t->ascii;
        memset(out, '#', sizeof(out));
        int rc = kgi_norm_host(t->in, t->len, out, sizeof(out), &n, &ascii);
        if (rc != t->rc)
            fail_msg("host case %zu \"%.*s\": rc %d, want %d", i, (int)t->len,
                     t->in, rc, t->rc);
        if (rc != 0) {
            assert_int_equal(n, 0);
            continue;
        }
        if (n != strlen(t->out) || memcmp(out, t->out, n) != 0)
            fail_msg("host case %zu \"%.*s\": got \"%.*s\", want \"%s\"", i,
                     (int)t->len, t->in, (int)n, out, t->out);
        assert_int_equal(ascii, t->ascii);
        assert_true(n <= t->len);
        assert_int_equal(out[n], '#'); /* nothing written past the result */
    }
}

static void test_host_buffers(void **state)
{
    (void)state;
    char out[16];
    size_t n;
    bool ascii;
    /* exact fit, one short, zero */
    memset(out, '#', sizeof(out));
    assert_int_equal(kgi_norm_host(S("Ab.c.:1"), out, 4, &n, &ascii), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "ab.c", 4);
    assert_int_equal(out[4], '#');
    memset(out, '#', sizeof(out));
    assert_int_equal(kgi_norm_host(S("ab.c"), out, 3, &n, &ascii), KG_ENOSPACE);
    assert_int_equal(out[0], '#');
    assert_int_equal(kgi_norm_host(S("a"), NULL, 0, &n, &ascii), KG_ENOSPACE);
    /* empty host needs no room at all */
    assert_int_equal(kgi_norm_host(NULL, 0, NULL, 0, &n, &ascii), 0);
    assert_int_equal(n, 0);
    assert_true(ascii);
    /* arguments */
    assert_int_equal(kgi_norm_host(NULL, 1, out, 16, &n, &ascii), KG_EINVAL);
    assert_int_equal(kgi_norm_host("a", 1, NULL, 16, &n, &ascii), KG_EINVAL);
    assert_int_equal(kgi_norm_host("a", 1, out, 16, NULL, &ascii), KG_EINVAL);
    assert_int_equal(kgi_norm_host("a", 1, out, 16, &n, NULL), KG_EINVAL);
    /* not NUL-terminated input: only len bytes are read */
    char in[4] = {'H', 'O', 'S', 'T'};
    assert_int_equal(kgi_norm_host(in, 4, out, 16, &n, &ascii), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "host", 4);
}

/* ------------------------------------------------------------------ path */

#define ON KGI_NORM_ON
#define REJ KGI_NORM_REJECT_ESCAPED_SLASH
#define ESC (KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY)

struct path_case {
    const char *in;
    size_t len;
    unsigned flags;
    int rc;
    const char *out;
};

static const struct path_case path_cases[] = {
    /* empty, query, fragment */
    {S("/"), ON, 0, "/"},
    {S(""), ON, 0, "/"},
    {S(""), 0, 0, "/"},
    {S("?a=b"), ON, 0, "/"},
    {S("#frag"), ON, 0, "/"},
    {S("/a?x=/../admin"), ON, 0, "/a"},
    {S("/a?x=%zz\x01"), ON, 0, "/a"},
    {S("/a#/../b"), ON, 0, "/a"},
    {S("/a/b?"), ON, 0, "/a/b"},
    {S("/a?b#c"), 0, 0, "/a"},
    /* not an origin-form path */
    {S("admin"), ON, KG_EREQUEST, NULL},
    {S("*"), ON, KG_EREQUEST, NULL},
    {S("../x"), ON, KG_EREQUEST, NULL},
    {S("%2Fadmin"), ON, KG_EREQUEST, NULL},
    {S("http://h/a"), ON, KG_EREQUEST, NULL},
    {S("admin"), 0, KG_EREQUEST, NULL},
    /* dot segments (RFC 3986 §5.2.4) */
    {S("/public/../admin"), ON, 0, "/admin"},
    {S("/public/./admin"), ON, 0, "/public/admin"},
    {S("/../a"), ON, 0, "/a"},
    {S("/../../../../etc/passwd"), ON, 0, "/etc/passwd"},
    {S("/a/b/../../../c"), ON, 0, "/c"},
    {S("/a/./b"), ON, 0, "/a/b"},
    {S("/a/."), ON, 0, "/a/"},
    {S("/a/.."), ON, 0, "/"},
    {S("/a/b/.."), ON, 0, "/a/"},
    {S("/a/b/../"), ON, 0, "/a/"},
    {S("/."), ON, 0, "/"},
    {S("/.."), ON, 0, "/"},
    {S("/./"), ON, 0, "/"},
    {S("/../"), ON, 0, "/"},
    {S("/./../a/./b/../c"), ON, 0, "/a/c"},
    {S("/a/..b"), ON, 0, "/a/..b"},
    {S("/a/.b"), ON, 0, "/a/.b"},
    {S("/a/b./"), ON, 0, "/a/b./"},
    {S("/a/.../b"), ON, 0, "/a/.../b"},
    {S("/mid/content=5/../6"), ON, 0, "/mid/6"},
    /* encoded dots are decoded first, then removed */
    {S("/public/%2e%2e/admin"), ON, 0, "/admin"},
    {S("/public/%2E%2e/admin"), ON, 0, "/admin"},
    {S("/public/%2E%2E/"), ON, 0, "/"},
    {S("/public/.%2e/admin"), ON, 0, "/admin"},
    {S("/public/%2e./admin"), ON, 0, "/admin"},
    {S("/public/%2e/admin"), ON, 0, "/public/admin"},
    {S("/a/%2e"), ON, 0, "/a/"},
    {S("/a/%2E%2E"), ON, 0, "/"},
    {S("/%2e%2e/%2e%2e/etc/passwd"), ON, 0, "/etc/passwd"},
    {S("/%2e%2e%2fadmin"), ON, 0, "/..%2Fadmin"},
    /* slashes: dot segments first (RFC), then runs merged */
    {S("//admin"), ON, 0, "/admin"},
    {S("/a//b///c"), ON, 0, "/a/b/c"},
    {S("/a/"), ON, 0, "/a/"},
    {S("/a//"), ON, 0, "/a/"},
    {S("///"), ON, 0, "/"},
    {S("/a//../b"), ON, 0, "/a/b"},
    {S("/a/b//.."), ON, 0, "/a/b/"},
    {S("//../admin"), ON, 0, "/admin"},
    {S("/.//admin"), ON, 0, "/admin"},
    /* escapes: hex upper-cased, unreserved decoded, the rest kept */
    {S("/%7euser"), ON, 0, "/~user"},
    {S("/%41%42%5a%61%7A%30%39%2D%2e%5F%7E"), ON, 0, "/ABZaz09-._~"},
    {S("/a%20b"), ON, 0, "/a%20b"},
    {S("/a%c3%a9"), ON, 0, "/a%C3%A9"},
    {S("/a%2fb"), ON, 0, "/a%2Fb"},
    {S("/a%2Fb"), ON, 0, "/a%2Fb"},
    {S("/a%5cb"), ON, 0, "/a%5Cb"},
    {S("/a%2f..%2fadmin"), ON, 0, "/a%2F..%2Fadmin"},
    {S("/something%2F..%2Fadmin"), ON, 0, "/something%2F..%2Fadmin"},
    {S("/a%252e%252e"), ON, 0, "/a%252e%252e"},
    {S("/a%25"), ON, 0, "/a%25"},
    {S("/a%3f/b"), ON, 0, "/a%3F/b"},
    {S("/a%0a"), ON, 0, "/a%0A"},
    /* invalid escapes */
    {S("/%zz"), ON, KG_EREQUEST, NULL},
    {S("/%4"), ON, KG_EREQUEST, NULL},
    {S("/%"), ON, KG_EREQUEST, NULL},
    {S("/a%g0"), ON, KG_EREQUEST, NULL},
    {S("/a%0g"), ON, KG_EREQUEST, NULL},
    {S("/a%4?x"), ON, KG_EREQUEST, NULL},
    {S("/a%%41"), ON, KG_EREQUEST, NULL},
    /* NUL and controls, raw or (NUL) escaped, in both modes */
    {S("/a%00b"), ON, KG_EREQUEST, NULL},
    {S("/a%00b"), 0, KG_EREQUEST, NULL},
    {S("/a\0b"), ON, KG_EREQUEST, NULL},
    {S("/a\0b"), 0, KG_EREQUEST, NULL},
    {S("/admin\0/public"), ON, KG_EREQUEST, NULL},
    {S("/a\nb"), ON, KG_EREQUEST, NULL},
    {S("/a\r"), 0, KG_EREQUEST, NULL},
    {S("/a\tb"), ON, KG_EREQUEST, NULL},
    {S("/a\x7f"), ON, KG_EREQUEST, NULL},
    {S("/a\x1f"), 0, KG_EREQUEST, NULL},
    {S("/a b"), ON, 0, "/a b"},
    {S("/caf\xc3\xa9"), ON, 0, "/caf\xc3\xa9"},
    {S("/a\\..\\b"), ON, 0, "/a\\..\\b"},
    /* escaped slashes rejected on request */
    {S("/a%2Fb"), ON | REJ, KG_EREQUEST, NULL},
    {S("/a%2fb"), ON | REJ, KG_EREQUEST, NULL},
    {S("/a%5Cb"), ON | REJ, KG_EREQUEST, NULL},
    {S("/a%5cb"), ON | REJ, KG_EREQUEST, NULL},
    {S("/a%2fb"), REJ, KG_EREQUEST, NULL},
    {S("/a%2e/%5a"), ON | REJ, 0, "/a./Z"},
    {S("/a?x=%2F"), ON | REJ, 0, "/a"},
    /* normalization off: the path part as it is */
    {S("/a/../b"), 0, 0, "/a/../b"},
    {S("//a/./b"), 0, 0, "//a/./b"},
    {S("/A%2fB%7e"), 0, 0, "/A%2fB%7e"},
    {S("/%zz"), 0, 0, "/%zz"},
    {S("/%"), 0, 0, "/%"},
    {S("/a%2F"), 0, 0, "/a%2F"},
    /* escapes only (how rule paths are brought to request form) */
    {S("/a/%2e%2e//b"), ESC, 0, "/a/..//b"},
    {S("/%7Ea%2f"), ESC, 0, "/~a%2F"},
};

static void test_path_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(*path_cases); i++) {
        const struct path_case *t = &path_cases[i];
        char out[256];
        size_t n = 99;
        memset(out, '#', sizeof(out));
        int rc = kgi_norm_path(t->in, t->len, t->flags, out, t->len + 1, &n);
        if (rc != t->rc)
            fail_msg("path case %zu \"%.*s\" flags %u: rc %d, want %d", i,
                     (int)t->len, t->in, t->flags, rc, t->rc);
        if (rc != 0) {
            assert_int_equal(n, 0);
            continue;
        }
        if (n != strlen(t->out) || memcmp(out, t->out, n) != 0)
            fail_msg("path case %zu \"%.*s\" flags %u: got \"%.*s\", want "
                     "\"%s\"",
                     i, (int)t->len, t->in, t->flags, (int)n, out, t->out);
        assert_true(n <= t->len + 1);
        assert_int_equal(out[t->len + 1], '#'); /* within cap */
    }
}

static void test_path_buffers(void **state)
{
    (void)state;
    char out[32];
    size_t n;
    /* the path part must fit, even when the result would be shorter */
    assert_int_equal(kgi_norm_path(S("/a/../b"), ON, out, 7, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(kgi_norm_path(S("/a/../b"), ON, out, 6, &n), KG_ENOSPACE);
    /* the query does not count */
    assert_int_equal(kgi_norm_path(S("/a?long-query"), ON, out, 2, &n), 0);
    assert_int_equal(n, 2);
    /* empty needs one byte */
    assert_int_equal(kgi_norm_path(NULL, 0, ON, out, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], '/');
    assert_int_equal(kgi_norm_path(NULL, 0, ON, NULL, 0, &n), KG_ENOSPACE);
    /* arguments */
    assert_int_equal(kgi_norm_path(NULL, 1, ON, out, 32, &n), KG_EINVAL);
    assert_int_equal(kgi_norm_path("/", 1, ON, NULL, 32, &n), KG_EINVAL);
    assert_int_equal(kgi_norm_path("/", 1, ON, out, 32, NULL), KG_EINVAL);
    /* input without NUL, ending in the middle of an escape */
    char in[3] = {'/', '%', '4'};
    assert_int_equal(kgi_norm_path(in, 3, ON, out, 32, &n), KG_EREQUEST);
    char in2[4] = {'/', '%', '4', '1'};
    assert_int_equal(kgi_norm_path(in2, 4, ON, out, 32, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "/A", 2);
}

/* Long inputs: runs of slashes, of "..", of segments. */
static void test_path_long_runs(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *in = malloc(3 * N + 8), *out = malloc(3 * N + 8);
    assert_non_null(in);
    assert_non_null(out);
    size_t n;

    memset(in, '/', N);
    in[N] = 'a';
    assert_int_equal(kgi_norm_path(in, N + 1, ON, out, N + 2, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "/a", 2);

    in[0] = '/';
    in[1] = 'a';
    for (size_t i = 0; i < N; i++)
        memcpy(in + 2 + 3 * i, "/..", 3);
    assert_int_equal(kgi_norm_path(in, 2 + 3 * N, ON, out, 3 * N + 3, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], '/');

    for (size_t i = 0; i < N; i++)
        memcpy(in + 2 * i, "/a", 2);
    assert_int_equal(kgi_norm_path(in, 2 * N, ON, out, 2 * N + 1, &n), 0);
    assert_int_equal(n, 2 * N);
    assert_memory_equal(out, in, 2 * N);

    for (size_t i = 0; i < N; i++)
        memcpy(in + 3 * i, "%2e", 3);
    in[0] = '/';
    in[1] = '.';
    in[2] = '.';
    assert_int_equal(kgi_norm_path(in, 3 * N, ON, out, 3 * N + 1, &n), 0);
    /* "/.." then N-1 decoded dots: one segment of N+1 dots, kept */
    assert_int_equal(n, N + 2);
    assert_int_equal(out[0], '/');
    assert_int_equal(out[N + 1], '.');
    free(in);
    free(out);
}

/* ------------------------------------------ reference (RFC 3986 literally) */

static int ref_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Steps 1-2 on a NUL-terminated string; returns false on a bad escape. */
static bool ref_escapes(const char *in, char *out)
{
    size_t w = 0;
    for (size_t i = 0; in[i]; i++) {
        if (in[i] != '%') {
            out[w++] = in[i];
            continue;
        }
        if (!in[i + 1] || !in[i + 2] || ref_hex(in[i + 1]) < 0 ||
            ref_hex(in[i + 2]) < 0)
            return false;
        int v = ref_hex(in[i + 1]) * 16 + ref_hex(in[i + 2]);
        if (v == 0)
            return false;
        if ((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
            (v >= '0' && v <= '9') || v == '-' || v == '.' || v == '_' ||
            v == '~')
            out[w++] = (char)v;
        else
            w += (size_t)sprintf(out + w, "%%%02X", v);
        i += 2;
    }
    out[w] = '\0';
    return true;
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* RFC 3986 §5.2.4, steps A-E, with an input and an output buffer. */
static void ref_remove_dots(const char *path, char *output)
{
    char input[1024];
    strcpy(input, path);
    output[0] = '\0';
    while (input[0]) {
        if (starts(input, "../")) {
            memmove(input, input + 3, strlen(input + 3) + 1);
        } else if (starts(input, "./")) {
            memmove(input, input + 2, strlen(input + 2) + 1);
        } else if (starts(input, "/./")) {
            memmove(input, input + 2, strlen(input + 2) + 1);
        } else if (strcmp(input, "/.") == 0) {
            strcpy(input, "/");
        } else if (starts(input, "/../")) {
            memmove(input, input + 3, strlen(input + 3) + 1);
            char *last = strrchr(output, '/');
            if (last)
                *last = '\0';
            else
                output[0] = '\0';
        } else if (strcmp(input, "/..") == 0) {
            strcpy(input, "/");
            char *last = strrchr(output, '/');
            if (last)
                *last = '\0';
            else
                output[0] = '\0';
        } else if (strcmp(input, ".") == 0 || strcmp(input, "..") == 0) {
            input[0] = '\0';
        } else {
            /* move the first segment (with its leading '/') */
            size_t k = input[0] == '/' ? 1 : 0;
            while (input[k] && input[k] != '/')
                k++;
            strncat(output, input, k);
            memmove(input, input + k, strlen(input + k) + 1);
        }
    }
}

static void ref_merge(char *p)
{
    size_t w = 0;
    for (size_t i = 0; p[i]; i++)
        if (!(p[i] == '/' && w > 0 && p[w - 1] == '/'))
            p[w++] = p[i];
    p[w] = '\0';
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_path_differential(void **state)
{
    (void)state;
    static const char *const atoms[] = {
        "/",   "/",   "/", ".",  "..", "a", "b",  "%2e", "%2E", "%2f", "%5C",
        "%41", "%7e", "%", "%z", "?",  "#", "x/", "%00", "%c3", "./",  "../"};
    size_t n_atoms = sizeof(atoms) / sizeof(*atoms);
    for (int iter = 0; iter < 100000; iter++) {
        char in[256] = "/";
        size_t parts = 1 + next_rand() % 12;
        for (size_t k = 0; k < parts; k++)
            strcat(in, atoms[next_rand() % n_atoms]);
        size_t len = strlen(in);

        /* reference: cut at ? or #, escapes, dots, slashes */
        char cut[256], esc[256], dots[1024];
        size_t plen = strcspn(in, "?#");
        memcpy(cut, in, plen);
        cut[plen] = '\0';
        bool good = ref_escapes(cut, esc);
        if (good) {
            ref_remove_dots(esc, dots);
            ref_merge(dots);
            if (!dots[0])
                strcpy(dots, "/");
        }

        char out[257], again[257];
        size_t n, n2;
        int rc = kgi_norm_path(in, len, ON, out, len + 1, &n);
        if (!good) {
            if (rc != KG_EREQUEST)
                fail_msg("\"%s\": rc %d, reference rejects", in, rc);
            continue;
        }
        if (rc != 0 || n != strlen(dots) || memcmp(out, dots, n) != 0)
            fail_msg("\"%s\": rc %d \"%.*s\", reference \"%s\"", in, rc,
                     rc ? 0 : (int)n, out, dots);
        /* idempotent, and clean in the API's sense */
        assert_int_equal(kgi_norm_path(out, n, ON, again, n + 1, &n2), 0);
        if (n2 != n || memcmp(out, again, n) != 0)
            fail_msg("not idempotent: \"%s\" -> \"%.*s\" -> \"%.*s\"", in,
                     (int)n, out, (int)n2, again);
        out[n] = '\0';
        assert_null(strstr(out, "//"));
        assert_null(strstr(out, "/./"));
        assert_null(strstr(out, "/../"));
        assert_int_equal(out[0], '/');
    }
}

/* The one-pass fast paths of kgi_norm_path / kgi_norm_host against the
 * reference implementations (kgi_norm_*_ref): random inputs drawn from
 * atoms that sit on either side of every fast-path decision (plain
 * segments, "/." and "//", escapes, controls, '?', '#', upper case, ports,
 * dots, brackets, bytes >= 0x80), every flag combination and buffer sizes
 * around the input length. Same return code, length, output and flags. */
static void test_fast_paths_agree(void **state)
{
    (void)state;
    static const char *const patoms[] = {
        "/",   "/",   "/a", "/abc", "/.",   "/..", "/.x",  "//",
        "a",   "Z9",  ".",  "..",   "%",    "%2e", "%2F",  "%41",
        "%00", "%zz", "?",  "#",    "?/..", "\t",  "\x7f", "\xc3\xa9",
        "\\",  "-_~", "x/", "/v1",  "/x",   "",    ";=",   "/%"};
    static const char *const hatoms[] = {
        "a",      "B",    "h12",      "Example", ".",   "..",  ":",     ":443",
        ":65536", ":x",   "[",        "]",       "::1", " ",   "/",     "\\",
        "\x01",   "\x7f", "\xc3\xa9", "-",       "_",   "com", "[::1]", "0"};
    size_t np = sizeof(patoms) / sizeof(*patoms);
    size_t nh = sizeof(hatoms) / sizeof(*hatoms);
    for (int iter = 0; iter < 200000; iter++) {
        char in[256] = "";
        size_t parts = next_rand() % 10;
        bool host = iter & 1;
        for (size_t k = 0; k < parts; k++)
            strcat(in,
                   host ? hatoms[next_rand() % nh] : patoms[next_rand() % np]);
        if (!host && next_rand() % 4 != 0 && in[0] != '/') {
            memmove(in + 1, in, strlen(in) + 1);
            in[0] = '/';
        }
        size_t len = strlen(in);
        /* capacities: 0, around len, and plenty */
        size_t caps[] = {0, len ? len - 1 : 0, len, len + 1, 300};
        size_t cap = caps[next_rand() % 5];
        char a[300], b[300];
        memset(a, '#', sizeof(a));
        memset(b, '#', sizeof(b));
        size_t na = 77, nb = 77;
        int ra, rb;
        if (host) {
            bool xa = false, xb = true;
            ra = kgi_norm_host(in, len, a, cap, &na, &xa);
            rb = kgi_norm_host_ref(in, len, b, cap, &nb, &xb);
            if (ra == 0 && xa != xb)
                fail_msg("host \"%s\": ascii %d, reference %d", in, xa, xb);
        } else {
            unsigned flags = (unsigned)(next_rand() % 8);
            ra = kgi_norm_path(in, len, flags, a, cap, &na);
            rb = kgi_norm_path_ref(in, len, flags, b, cap, &nb);
        }
        if (ra != rb || na != nb || (ra == 0 && memcmp(a, b, na) != 0))
            fail_msg("%s \"%s\" cap %zu: rc %d \"%.*s\", reference rc %d "
                     "\"%.*s\"",
                     host ? "host" : "path", in, cap, ra, ra ? 0 : (int)na, a,
                     rb, rb ? 0 : (int)nb, b);
        /* never a write past cap; a host, not even past the result (the
         * path passes work in place and may) */
        if (host && ra == 0 && na < cap && a[na] != '#')
            fail_msg("host \"%s\": write past the result", in);
        for (size_t k = cap; k < sizeof(a); k++)
            if (a[k] != '#')
                fail_msg("%s \"%s\": write at %zu, cap %zu",
                         host ? "host" : "path", in, k, cap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_table),
        cmocka_unit_test(test_host_buffers),
        cmocka_unit_test(test_path_table),
        cmocka_unit_test(test_path_buffers),
        cmocka_unit_test(test_path_long_runs),
        cmocka_unit_test(test_path_differential),
        cmocka_unit_test(test_fast_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
