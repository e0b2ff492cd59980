// SPDX-License-Identifier: MIT
/*
 * diff_rx.c - members of a regular expression, for the diff's witnesses
 * (api/diff.h says what they are for and where they fall short).
 *
 * Workload: once per pattern of the two rule sets' regex regions, at diff
 * time (control plane); patterns are at most a few KiB. A recursive
 * descent over the pattern (alternation > sequence > quantified atom)
 * builds each node's set of strings: a sequence varies one part at a time
 * from the first choice of every part (so every alternative of every group
 * appears once, not their product), a repeat gives its fewest and one
 * more. Sets live on the heap, one per level; nesting deeper than
 * DEPTH_MAX reads as empty.
 */
#include <string.h>

#include "api/diff.h"
#include "kgress.h"
#include "util/alloc.h"

#define DEPTH_MAX 32
#define REPEAT_MAX 16 /* copies of a repeat's body a witness spells */

struct rx {
    const char *p;
    size_t n, i;
    int depth;
    bool oom;
};

typedef struct kgi_diff_rx set;

static void set_one(set *s, const char *b, size_t n)
{
    s->n = 1;
    s->len[0] = n < KGI_DIFF_RX_LEN ? n : KGI_DIFF_RX_LEN - 1;
    memcpy(s->s[0], b, s->len[0]);
}

static void set_add(set *s, const char *b, size_t n)
{
    if (s->n == KGI_DIFF_RX_MAX)
        return;
    if (n >= KGI_DIFF_RX_LEN)
        n = KGI_DIFF_RX_LEN - 1;
    for (size_t k = 0; k < s->n; k++)
        if (s->len[k] == n && memcmp(s->s[k], b, n) == 0)
            return;
    memcpy(s->s[s->n], b, n);
    s->len[s->n++] = n;
}

/* a + b into out (out may not alias): b's first with each of a, then a's
 * first with each other of b */
static void set_cat(const set *a, const set *b, set *out)
{
    char buf[KGI_DIFF_RX_LEN];
    out->n = 0;
    for (size_t k = 0; k < a->n; k++)
        for (size_t j = 0; j < b->n; j++) {
            if (k && j)
                continue;
            size_t an = a->len[k], bn = b->len[j];
            if (an + bn >= KGI_DIFF_RX_LEN)
                bn = KGI_DIFF_RX_LEN - 1 - an;
            memcpy(buf, a->s[k], an);
            memcpy(buf + an, b->s[j], bn);
            set_add(out, buf, an + bn);
        }
}

static bool at(const struct rx *x, char c)
{
    return x->i < x->n && x->p[x->i] == c;
}

/* A byte the witness can carry for c. */
static char safe(unsigned char c)
{
    return c <= ' ' || c == 0x7f ? 'a' : (char)c;
}

/* The member of an escape outside a class; sets *any when it is an
 * assertion (matches the empty string). */
static char escape(struct rx *x, bool *empty)
{
    *empty = false;
    if (x->i >= x->n)
        return '\\';
    char c = x->p[x->i++];
    switch (c) {
    case 'd':
        return '0';
    case 'w':
    case 'D':
    case 'S':
    case 'H':
    case 'V':
    case 'N':
        return 'a';
    case 'W':
        return '-';
    case 's':
    case 'h':
    case 'v':
    case 'R':
        return 'a'; /* whitespace cannot be in a path: the closest byte */
    case 'b':
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
    case 'K':
        *empty = true;
        return 0;
    case 'x': {
        int v = 0, k = 0;
        while (k < 2 && x->i < x->n) {
            char h = x->p[x->i];
            int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0)
                break;
            v = v * 16 + d;
            x->i++;
            k++;
        }
        return safe((unsigned char)v);
    }
    default:
        if (c >= '1' && c <= '9') { /* a back-reference: read as empty */
            *empty = true;
            return 0;
        }
        return safe((unsigned char)c);
    }
}

/* A bracket class at x->i (after '['): its first members, or a byte
 * outside a negated one. */
static void klass(struct rx *x, set *out)
{
    bool neg = at(x, '^');
    if (neg)
        x->i++;
    char mem[64];
    size_t nm = 0;
    bool digit = false, word = false, first = true;
    while (x->i < x->n && (first || x->p[x->i] != ']')) {
        first = false;
        char c = x->p[x->i++];
        if (c == '[' && at(x, ':')) { /* [:alpha:] */
            const char *e = memchr(x->p + x->i, ']', x->n - x->i);
            if (e) {
                bool d =
                    x->n - x->i > 6 && memcmp(x->p + x->i, ":digit", 6) == 0;
                x->i = (size_t)(e - x->p) + 1;
                if (nm < sizeof(mem))
                    mem[nm++] = d ? '0' : 'a';
                continue;
            }
        }
        if (c == '\\' && x->i < x->n) {
            char e = x->p[x->i++];
            if (e == 'd')
                digit = true, c = '0';
            else if (e == 'w')
                word = true, c = 'a';
            else if (e == 's' || e == 'S' || e == 'D' || e == 'W')
                c = 'a';
            else
                c = e;
        }
        if (nm < sizeof(mem))
            mem[nm++] = c;
        if (at(x, '-') && x->i + 1 < x->n && x->p[x->i + 1] != ']')
            x->i += 2; /* a range: its first byte stands for it */
    }
    if (at(x, ']'))
        x->i++;
    out->n = 0;
    if (!neg) {
        for (size_t k = 0; k < nm && out->n < 3; k++) {
            char b = safe((unsigned char)mem[k]);
            set_add(out, &b, 1);
        }
        if (!out->n)
            set_one(out, "a", 1);
        return;
    }
    static const char cand[] = "a0-_~z9A.";
    for (size_t k = 0; cand[k]; k++) {
        bool in =
            (digit && cand[k] >= '0' && cand[k] <= '9') ||
            (word && (cand[k] == '_' || (cand[k] >= 'a' && cand[k] <= 'z') ||
                      (cand[k] >= 'A' && cand[k] <= 'Z') ||
                      (cand[k] >= '0' && cand[k] <= '9')));
        for (size_t j = 0; j < nm && !in; j++)
            in = mem[j] == cand[k];
        if (!in) {
            set_one(out, &cand[k], 1);
            return;
        }
    }
    set_one(out, "~", 1);
}

static void alt(struct rx *x, set *out);

/* One atom at x->i into out; false at '|', ')' or the end. */
static bool atom(struct rx *x, set *out)
{
    if (x->i >= x->n || at(x, '|') || at(x, ')'))
        return false;
    char c = x->p[x->i++];
    out->n = 0;
    switch (c) {
    case '(': {
        bool skip = false;
        if (at(x, '?')) {
            x->i++;
            if (at(x, ':') || at(x, '>') || at(x, '|'))
                x->i++;
            else if (at(x, '=') || at(x, '!'))
                skip = true, x->i++;
            else if (at(x, '<') && x->i + 1 < x->n &&
                     (x->p[x->i + 1] == '=' || x->p[x->i + 1] == '!'))
                skip = true, x->i += 2;
            else if (at(x, '#')) {
                while (x->i < x->n && !at(x, ')'))
                    x->i++;
                skip = true;
            } else if (at(x, '<') || at(x, '\'') || at(x, 'P')) {
                while (x->i < x->n && !at(x, '>') && !at(x, '\''))
                    x->i++;
                if (x->i < x->n)
                    x->i++;
            } else { /* flags: (?i) or (?i:...) */
                while (x->i < x->n && !at(x, ')') && !at(x, ':'))
                    x->i++;
                if (at(x, ')')) {
                    x->i++;
                    set_one(out, "", 0);
                    return true;
                }
                x->i++;
            }
        }
        if (x->depth >= DEPTH_MAX) { /* too deep: skip to the close */
            int lvl = 1;
            while (x->i < x->n && lvl) {
                char d = x->p[x->i++];
                if (d == '\\')
                    x->i++;
                else if (d == '(')
                    lvl++;
                else if (d == ')')
                    lvl--;
            }
            set_one(out, "", 0);
            return true;
        }
        x->depth++;
        alt(x, out);
        x->depth--;
        if (at(x, ')'))
            x->i++;
        if (skip)
            set_one(out, "", 0);
        return true;
    }
    case '[':
        klass(x, out);
        return true;
    case '.':
        set_one(out, "a", 1);
        return true;
    case '^':
    case '$':
        set_one(out, "", 0);
        return true;
    case '\\': {
        if (at(x, 'Q')) { /* \Q...\E: literal */
            x->i++;
            size_t s = x->i;
            while (x->i < x->n && !(x->p[x->i] == '\\' && x->i + 1 < x->n &&
                                    x->p[x->i + 1] == 'E'))
                x->i++;
            char buf[KGI_DIFF_RX_LEN];
            size_t k = 0;
            for (size_t j = s; j < x->i && k < sizeof(buf) - 1; j++)
                buf[k++] = safe((unsigned char)x->p[j]);
            if (x->i < x->n)
                x->i += 2;
            set_one(out, buf, k);
            return true;
        }
        bool empty;
        char e = escape(x, &empty);
        if (empty)
            set_one(out, "", 0);
        else
            set_one(out, &e, 1);
        return true;
    }
    default: {
        char b = safe((unsigned char)c);
        set_one(out, &b, 1);
        return true;
    }
    }
}

/* Reads a quantifier after an atom: *lo, *hi (SIZE_MAX unbounded); false
 * when none follows. */
static bool quant(struct rx *x, size_t *lo, size_t *hi)
{
    if (x->i >= x->n)
        return false;
    char c = x->p[x->i];
    if (c == '?' || c == '*' || c == '+') {
        x->i++;
        *lo = c == '+';
        *hi = c == '?' ? 1 : SIZE_MAX;
    } else if (c == '{') {
        size_t j = x->i + 1, a = 0, b;
        bool da = false;
        while (j < x->n && x->p[j] >= '0' && x->p[j] <= '9' && a < 100000)
            a = a * 10 + (size_t)(x->p[j++] - '0'), da = true;
        if (!da)
            return false; /* a literal '{' */
        b = a;
        if (j < x->n && x->p[j] == ',') {
            j++;
            b = SIZE_MAX;
            if (j < x->n && x->p[j] >= '0' && x->p[j] <= '9') {
                b = 0;
                while (j < x->n && x->p[j] >= '0' && x->p[j] <= '9' &&
                       b < 100000)
                    b = b * 10 + (size_t)(x->p[j++] - '0');
            }
        }
        if (j >= x->n || x->p[j] != '}')
            return false;
        x->i = j + 1;
        *lo = a;
        *hi = b;
    } else {
        return false;
    }
    if (at(x, '?') || at(x, '+')) /* lazy, possessive */
        x->i++;
    return true;
}

/* body repeated: its first lo times, once more when allowed, and each
 * other member in one of the copies */
static void repeat(const set *body, size_t lo, size_t hi, set *out)
{
    char buf[KGI_DIFF_RX_LEN];
    out->n = 0;
    size_t m = lo > REPEAT_MAX ? REPEAT_MAX : lo;
    for (size_t extra = 0; extra < 2; extra++) {
        size_t copies = m + extra;
        if (extra && (hi == 0 || copies > hi))
            break;
        for (size_t k = 0; k < body->n; k++) {
            if (k && copies == 0)
                break;
            size_t o = 0;
            for (size_t c = 0; c < copies; c++) {
                size_t which = c == 0 ? k : 0, bn = body->len[which];
                if (o + bn >= sizeof(buf))
                    break;
                memcpy(buf + o, body->s[which], bn);
                o += bn;
            }
            set_add(out, buf, o);
        }
    }
    if (!out->n)
        set_one(out, "", 0);
}

static void seq(struct rx *x, set *out)
{
    set *a = kgi_malloc(3 * sizeof(set));
    if (!a) {
        x->oom = true;
        out->n = 0;
        return;
    }
    set *acc = &a[0], *part = &a[1], *tmp = &a[2];
    set_one(acc, "", 0);
    while (atom(x, part)) {
        size_t lo, hi;
        if (quant(x, &lo, &hi)) {
            repeat(part, lo, hi, tmp);
            *part = *tmp;
        }
        set_cat(acc, part, tmp);
        *acc = *tmp;
    }
    *out = *acc;
    kgi_free(a);
}

static void alt(struct rx *x, set *out)
{
    set *b = kgi_malloc(sizeof(set));
    if (!b) {
        x->oom = true;
        out->n = 0;
        return;
    }
    seq(x, out);
    while (!x->oom && at(x, '|')) {
        x->i++;
        seq(x, b);
        /* one member of each alternative first, then the rest */
        if (b->n)
            set_add(out, b->s[0], b->len[0]);
    }
    kgi_free(b);
}

int kgi_diff_rx_members(const char *pat, size_t n, struct kgi_diff_rx *out)
{
    struct rx x = {pat ? pat : "", pat ? n : 0, 0, 0, false};
    out->n = 0;
    alt(&x, out);
    while (!x.oom && x.i < x.n) { /* an unbalanced ')': go on after it */
        x.i++;
        set *rest = kgi_malloc(2 * sizeof(set));
        if (!rest)
            return KG_ENOMEM;
        alt(&x, &rest[0]);
        set_cat(out, &rest[0], &rest[1]);
        *out = rest[1];
        kgi_free(rest);
    }
    return x.oom ? KG_ENOMEM : 0;
}
