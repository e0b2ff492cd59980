// SPDX-License-Identifier: MIT
/*
 * namepat.c - domain-name pattern syntax and the reversed-label trie. See
 * namepat.h for the representation and the matching rules.
 */
#include "policy/namepat.h"

#include <string.h>

#include "kgress.h"
#include "util/alloc.h"
#include "util/hash.h"

static bool alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* First character of a label: [a-zA-Z0-9], or [a-zA-z0-9] in v1alpha. */
static bool first_ok(unsigned char ch, int dialect)
{
    return alnum(ch) || (dialect == KGI_DN_V1ALPHA && ch >= 'Z' && ch <= 'z');
}

const char *kgi_domain_pattern_check(const char *s, size_t n, int dialect)
{
    static const char msg[] =
        "must be a domain name of at least two labels, optionally "
        "prefixed by '*.' and followed by one '.' (each label starts and "
        "ends with a letter or digit and holds letters, digits, '-' or "
        "'_'), e.g. 'api.example.com' or '*.example.com'";
    size_t i = 0;
    if (n >= 2 && s[0] == '*' && s[1] == '.')
        i = 2;
    if (n > i && s[n - 1] == '.')
        n--;
    size_t labels = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        if (j == i || !first_ok((unsigned char)s[i], dialect) ||
            (j - i > 1 && !alnum((unsigned char)s[j - 1])))
            return msg;
        for (size_t k = i + 1; k + 1 < j; k++) {
            unsigned char ch = (unsigned char)s[k];
            if (!alnum(ch) && ch != '-' && ch != '_')
                return msg;
        }
        labels++;
        i = j + 1;
        if (j + 1 == n) /* a second trailing dot: empty label */
            return msg;
    }
    return labels >= 2 ? NULL : msg;
}

int kgi_name_normalize(const char *s, size_t n, char *buf)
{
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > KGI_NAME_MAX)
        return -1;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7f)
            return -1;
        if (ch == '.') {
            if (label == 0)
                return -1;
            label = 0;
        } else if (++label > KGI_NAME_LABEL_MAX) {
            return -1;
        }
        buf[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    if (label == 0)
        return -1;
    buf[n] = 0;
    return (int)n;
}

static uint32_t edge_hash(uint32_t parent, const char *l, size_t n)
{
    uint32_t h = (uint32_t)kgi_hash_bytes(l, n, parent);
    return h ? h : 1;
}

static const char *slot_label(const struct kgi_namepat *t,
                              const struct kgi_np_slot *s)
{
    if (s->len <= KGI_NP_INLINE)
        return s->inl;
    uint32_t off;
    memcpy(&off, s->inl, sizeof off);
    return t->pool + off;
}

static const struct kgi_np_slot *find(const struct kgi_namepat *t,
                                      uint32_t parent, const char *l, size_t n)
{
    if (!t->slots)
        return NULL;
    uint32_t h = edge_hash(parent, l, n);
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const struct kgi_np_slot *s = &t->slots[i];
        if (!s->child)
            return NULL;
        if (s->hash == h && s->parent == parent && s->len == n &&
            memcmp(slot_label(t, s), l, n) == 0)
            return s;
    }
}

void kgi_namepat_init(struct kgi_namepat *t)
{
    memset(t, 0, sizeof(*t));
}

void kgi_namepat_release(struct kgi_namepat *t)
{
    kgi_free(t->slots);
    kgi_free(t->pool);
    kgi_namepat_init(t);
}

static int grow(struct kgi_namepat *t)
{
    uint32_t cap = t->slots ? (t->mask + 1) * 2 : 64;
    struct kgi_np_slot *ns = kgi_calloc(cap, sizeof(*ns));
    if (!ns)
        return KG_ENOMEM;
    for (uint32_t i = 0; t->slots && i <= t->mask; i++) {
        const struct kgi_np_slot *s = &t->slots[i];
        if (!s->child)
            continue;
        uint32_t j = s->hash & (cap - 1);
        while (ns[j].child)
            j = (j + 1) & (cap - 1);
        ns[j] = *s;
    }
    kgi_free(t->slots);
    t->slots = ns;
    t->mask = cap - 1;
    return 0;
}

/* The child of parent under label l, created when missing. */
static struct kgi_np_slot *edge(struct kgi_namepat *t, uint32_t parent,
                                const char *l, size_t n)
{
    struct kgi_np_slot *s = (struct kgi_np_slot *)find(t, parent, l, n);
    if (s)
        return s;
    if ((!t->slots || (t->n_edges + 1) * 2 > t->mask + 1) && grow(t))
        return NULL;
    uint32_t off = 0;
    if (n > KGI_NP_INLINE) {
        if (kgi_grow((void **)&t->pool, &t->pool_cap, t->pool_len + n, 1))
            return NULL;
        off = (uint32_t)t->pool_len;
        memcpy(t->pool + off, l, n);
        t->pool_len += n;
    }
    uint32_t h = edge_hash(parent, l, n);
    uint32_t i = h & t->mask;
    while (t->slots[i].child)
        i = (i + 1) & t->mask;
    s = &t->slots[i];
    s->hash = h;
    s->parent = parent;
    s->child = ++t->n_edges;
    s->exact = s->wild = KGI_NP_NONE;
    s->len = (uint8_t)n;
    if (n > KGI_NP_INLINE)
        memcpy(s->inl, &off, sizeof off);
    else
        memcpy(s->inl, l, n);
    return s;
}

int kgi_namepat_add(struct kgi_namepat *t, const char *pat, size_t n,
                    uint32_t *id)
{
    bool wild = n >= 2 && pat[0] == '*' && pat[1] == '.';
    char buf[KGI_NAME_MAX + 1];
    int len = wild ? kgi_name_normalize(pat + 2, n - 2, buf)
                   : kgi_name_normalize(pat, n, buf);
    if (len < 0)
        return KG_EINVALID;
    uint32_t node = 0;
    struct kgi_np_slot *s = NULL;
    size_t end = (size_t)len;
    for (;;) {
        size_t start = end;
        while (start > 0 && buf[start - 1] != '.')
            start--;
        s = edge(t, node, buf + start, end - start);
        if (!s)
            return KG_ENOMEM;
        node = s->child;
        if (start == 0)
            break;
        end = start - 1;
    }
    uint32_t *slot = wild ? &s->wild : &s->exact;
    if (*slot == KGI_NP_NONE)
        *slot = t->n_patterns++;
    *id = *slot;
    return 0;
}

size_t kgi_namepat_match(const struct kgi_namepat *t, const char *name,
                         size_t n, uint32_t *ids, size_t cap)
{
    char buf[KGI_NAME_MAX + 1];
    int len = kgi_name_normalize(name, n, buf);
    if (len < 0 || !t->slots)
        return 0;
    size_t k = 0;
    uint32_t node = 0;
    size_t end = (size_t)len;
    for (;;) {
        size_t start = end;
        while (start > 0 && buf[start - 1] != '.')
            start--;
        const struct kgi_np_slot *s = find(t, node, buf + start, end - start);
        if (!s)
            break;
        node = s->child;
        if (start == 0) {
            if (s->exact != KGI_NP_NONE) {
                if (k < cap)
                    ids[k] = s->exact;
                k++;
            }
            break;
        }
        if (s->wild != KGI_NP_NONE) {
            if (k < cap)
                ids[k] = s->wild;
            k++;
        }
        end = start - 1;
    }
    return k;
}
