// SPDX-License-Identifier: MIT
/*
 * resolve.c - YAML 1.1 scalar resolution as go-yaml v2 does it. See
 * resolve.h.
 *
 * go-yaml v2 (resolve.go, as vendored by sigs.k8s.io/yaml/goyaml.v2) looks
 * at the first byte of a plain scalar: a letter among yYnNtTfFoO~, '.',
 * '+', '-' or a digit may make it a non-string, anything else is a string.
 * Then, in order: an exact word of the YAML 1.1 tables (booleans y/yes/on/
 * true/n/no/off/false in three casings, nulls, .inf/.nan); for a digit or
 * sign, Go's strconv.ParseInt(s, 0, 64) on the text with every '_'
 * removed (so 0x, 0o, 0b prefixes, a leading 0 for octal, a sign), else
 * ParseUint (beyond int64), else a float matching
 * ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ that ParseFloat
 * takes without overflow, else (a prefixed unsigned number beyond 64 bits)
 * a big integer; for a leading '.', ParseFloat of the text as is. What
 * matches nothing is a string (sexagesimal 1:20, timestamps, 1e400).
 * Floats are converted through a digits-and-exponent text, so the value
 * does not depend on the C locale. Allocation: none below 256 bytes of
 * scalar (a longer numeric scalar takes one short-lived buffer).
 */
#include "yaml/resolve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static bool word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool in_words(const char *s, size_t n, const char *const *w)
{
    for (; *w; w++)
        if (word_is(s, n, *w))
            return true;
    return false;
}

static const char *const true_words[] = {"y",   "Y",    "yes",  "Yes",
                                         "YES", "true", "True", "TRUE",
                                         "on",  "On",   "ON",   NULL};
static const char *const false_words[] = {"n",   "N",     "no",    "No",
                                          "NO",  "false", "False", "FALSE",
                                          "off", "Off",   "OFF",   NULL};
static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
static const char *const inf_words[] = {".inf",  ".Inf",  ".INF", "+.inf",
                                        "+.Inf", "+.INF", NULL};
static const char *const ninf_words[] = {"-.inf", "-.Inf", "-.INF", NULL};

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

enum { P_OK, P_SYNTAX, P_RANGE };

/* strconv.ParseUint(s, 0, 64) */
static int parse_uint(const char *s, size_t n, uint64_t *out)
{
    if (n == 0)
        return P_SYNTAX;
    unsigned base = 10;
    if (s[0] == '0') {
        char p = n >= 3 ? (char)(s[1] | 0x20) : 0;
        if (p == 'b' || p == 'o' || p == 'x') {
            base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
            s += 2;
            n -= 2;
        } else {
            base = 8;
            s += 1;
            n -= 1;
        }
    }
    uint64_t v = 0;
    bool range = false;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)digit_value(s[i]);
        if (d >= base)
            return P_SYNTAX;
        if (v > (UINT64_MAX - d) / base)
            range = true;
        else
            v = v * base + d;
    }
    if (range)
        return P_RANGE;
    *out = v;
    return P_OK;
}

/* strconv.ParseInt(s, 0, 64) */
static int parse_int(const char *s, size_t n, int64_t *out)
{
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    uint64_t u;
    int rc = parse_uint(s, n, &u);
    if (rc != P_OK)
        return rc;
    if (!neg && u > (uint64_t)INT64_MAX)
        return P_RANGE;
    if (neg && u > (uint64_t)INT64_MAX + 1)
        return P_RANGE;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return P_OK;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ (also what
 * ParseFloat takes of a text starting with '.': underscores, hex and
 * "inf" are refused there). */
static bool float_syntax(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t int_digits = 0, frac_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, int_digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, frac_digits++;
        if (!int_digits && !frac_digits)
            return false;
    } else if (!int_digits) {
        return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (!e)
            return false;
    }
    return i == n;
}

/* The double of a text float_syntax accepted, rounded as ParseFloat does
 * (strtod on "digits e exponent" in buf of at least n + 24 bytes, which no
 * locale changes); false when it overflows (ParseFloat's ErrRange: go-yaml
 * then keeps a string). */
static bool float_value(const char *s, size_t n, char *buf, double *out)
{
    size_t k = 0, i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-')
        neg = s[i++] == '-';
    long long exp10 = 0;
    bool seen_nonzero = false, dot = false;
    buf[k++] = neg ? '-' : '+';
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            dot = true;
            continue;
        }
        if (s[i] == '0' && !seen_nonzero) {
            exp10 -= dot;
            continue;
        }
        seen_nonzero = true;
        buf[k++] = s[i];
        exp10 -= dot;
    }
    if (!seen_nonzero) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (i < n) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        long long e = 0;
        for (; i < n; i++)
            if (e < 100000000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (exp10 > 100000000)
        exp10 = 100000000;
    if (exp10 < -100000000)
        exp10 = -100000000;
    buf[k++] = 'e';
    long long e = exp10 < 0 ? -exp10 : exp10;
    buf[k++] = exp10 < 0 ? '-' : '+';
    char digits[16];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + e % 10);
        e /= 10;
    } while (e);
    while (nd)
        buf[k++] = digits[--nd];
    buf[k] = '\0';
    double d = strtod(buf, NULL);
    if (isinf(d))
        return false;
    *out = d;
    return true;
}

static void resolve_number(const char *s, size_t n, char *plain, char *work,
                           struct kgi_yvalue *out);

void kgi_yaml_resolve_plain(const char *s, size_t n, struct kgi_yvalue *out)
{
    memset(out, 0, sizeof(*out));
    out->type = KGI_Y_STR;
    if (n == 0) {
        out->type = KGI_Y_NULL;
        return;
    }
    char c = s[0];
    bool digit = c >= '0' && c <= '9';
    bool sign = c == '+' || c == '-';
    bool word = strchr("yYnNtTfFoO~", c) != NULL;
    if (!digit && !sign && !word && c != '.')
        return;
    if (in_words(s, n, true_words) || in_words(s, n, false_words)) {
        out->type = KGI_Y_BOOL;
        out->b = in_words(s, n, true_words);
        return;
    }
    if (in_words(s, n, null_words)) {
        out->type = KGI_Y_NULL;
        return;
    }
    if (in_words(s, n, nan_words) || in_words(s, n, inf_words) ||
        in_words(s, n, ninf_words)) {
        out->type = KGI_Y_FLOAT;
        out->f = in_words(s, n, nan_words)   ? NAN
                 : in_words(s, n, inf_words) ? INFINITY
                                             : -INFINITY;
        return;
    }
    if (word)
        return;
    /* a scratch area for the text without '_' and a float's digits: on
     * the stack for every realistic scalar, else from the heap; when that
     * fails the scalar is a number no field accepts (never a string) */
    char small[2 * 256 + 64];
    char *buf = small;
    if (n > 256) {
        buf = kgi_malloc(2 * n + 64);
        if (!buf) {
            out->type = KGI_Y_FLOAT;
            out->f = NAN;
            return;
        }
    }
    if (c == '.') {
        double d;
        if (float_syntax(s, n) && float_value(s, n, buf, &d)) {
            out->type = KGI_Y_FLOAT;
            out->f = d;
        }
    } else {
        resolve_number(s, n, buf, buf + n + 1, out);
    }
    if (buf != small)
        kgi_free(buf);
}

/* A plain scalar starting with a digit or a sign; plain and work have n + 1
 * and n + 24 bytes. */
static void resolve_number(const char *s, size_t n, char *plain, char *work,
                           struct kgi_yvalue *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            plain[m++] = s[i];
    int64_t iv;
    int rc = parse_int(plain, m, &iv);
    if (rc == P_OK) {
        out->type = KGI_Y_INT;
        out->i = iv;
        return;
    }
    uint64_t uv;
    rc = parse_uint(plain, m, &uv);
    if (rc == P_OK) {
        out->type = KGI_Y_INT;
        out->big = true;
        return;
    }
    double d;
    if (float_syntax(plain, m) && float_value(plain, m, work, &d)) {
        out->type = KGI_Y_FLOAT;
        out->f = d;
        return;
    }
    if (rc == P_RANGE) { /* big.Int SetString(plain, 0) */
        out->type = KGI_Y_INT;
        out->big = true;
    }
}

void kgi_yaml_value(const struct kgi_node *n, struct kgi_yvalue *out)
{
    memset(out, 0, sizeof(*out));
    out->type = KGI_Y_STR;
    if (!n || n->kind != KGI_NODE_SCALAR)
        return;
    switch (n->tag) {
    case KGI_TAG_NONE:
        if (n->quoted)
            return;
        break;
    case KGI_TAG_INT:
    case KGI_TAG_FLOAT:
    case KGI_TAG_BOOL:
    case KGI_TAG_NULL:
        break;
    default: /* !!str, !!binary, !, local and unknown tags */
        return;
    }
    kgi_yaml_resolve_plain(n->u.str, n->count, out);
    if (n->tag == KGI_TAG_FLOAT && out->type == KGI_Y_INT && !out->big) {
        out->type = KGI_Y_FLOAT; /* !!float 80: go-yaml makes it 80.0 */
        out->f = (double)out->i;
    }
}

bool kgi_yaml_int(const struct kgi_node *n, int64_t *out)
{
    struct kgi_yvalue v;
    kgi_yaml_value(n, &v);
    if (v.type == KGI_Y_INT && !v.big) {
        *out = v.i;
        return true;
    }
    /* encoding/json prints a float64 with |x| < 1e21 as plain digits, so
     * an integral one decodes into an integer field */
    if (v.type == KGI_Y_FLOAT && isfinite(v.f) && v.f == trunc(v.f) &&
        fabs(v.f) < 9.2e18) {
        *out = (int64_t)v.f;
        return true;
    }
    return false;
}

const char *kgi_ytype_name(int type)
{
    switch (type) {
    case KGI_Y_NULL:
        return "null";
    case KGI_Y_BOOL:
        return "a boolean";
    case KGI_Y_INT:
        return "an integer";
    case KGI_Y_FLOAT:
        return "a number";
    default:
        return "a string";
    }
}
