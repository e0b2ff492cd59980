// SPDX-License-Identifier: MIT
/*
 * ptrie.c - the generic path-trie builder (see ptrie.h and table.h).
 */
#include "route/ptrie.h"

#include <string.h>

#include "kgress.h"

/* Next piece of key at *cur; returns false when none is left. */
static bool next_piece(struct kgi_bstr key, uint32_t *cur, bool *done,
                       const char **p, uint32_t *n)
{
    if (*done)
        return false;
    uint32_t i = *cur, j = i;
    while (j < key.n && key.p[j] != '/')
        j++;
    *p = key.p + i;
    *n = j - i;
    if (j < key.n)
        *cur = j + 1;
    else
        *done = true;
    return true;
}

void kgi_ptrie_cursor_init(struct kgi_ptrie_cursor *c, struct kgi_bstr key)
{
    c->key = key;
    c->cur = 1;
    c->done = key.n == 0;
}

int kgi_ptrie_key_cmp(struct kgi_bstr a, struct kgi_bstr b)
{
    uint32_t ac = 1, bc = 1;
    bool ad = a.n == 0, bd = b.n == 0;
    for (;;) {
        const char *ap = "", *bp = "";
        uint32_t an = 0, bn = 0;
        bool ha = next_piece(a, &ac, &ad, &ap, &an);
        bool hb = next_piece(b, &bc, &bd, &bp, &bn);
        if (!ha || !hb)
            return ha == hb ? 0 : (ha ? 1 : -1);
        int c = kgi_seg_cmp(ap, an, bp, bn);
        if (c)
            return c;
    }
}

struct ctx {
    struct kgi_arena *a;
    char *ents;
    size_t stride, off;
    kgi_ptrie_resolve_fn fn;
    void *user;
};

static struct kgi_ptrie_cursor *cur_of(const struct ctx *x, size_t i)
{
    return (struct kgi_ptrie_cursor *)(void *)(x->ents + i * x->stride +
                                               x->off);
}

static bool same_piece(const struct kgi_ptrie_cursor *a,
                       const struct kgi_ptrie_cursor *b)
{
    const char *ap = "", *bp = "";
    uint32_t an = 0, bn = 0, ac = a->cur, bc = b->cur;
    bool ad = a->done, bd = b->done;
    next_piece(a->key, &ac, &ad, &ap, &an);
    next_piece(b->key, &bc, &bd, &bp, &bn);
    return kgi_seg_cmp(ap, an, bp, bn) == 0;
}

/* Path compression: merges n with its only child while n has no answer of
 * its own (so no walk can stop there with a different answer). */
static int compress(struct kgi_arena *a, struct kgi_pnode *n)
{
    while (n->n_child == 1 && !n->exact && !n->prefix && !n->n_partial) {
        const struct kgi_pnode *c = &n->child[0];
        size_t len = (size_t)n->seg_n + 1 + c->seg_n;
        char *l = kgi_arena_alloc(a, len + 1, 1);
        if (!l)
            return KG_ENOMEM;
        memcpy(l, n->seg, n->seg_n);
        l[n->seg_n] = '/';
        memcpy(l + n->seg_n + 1, c->seg, c->seg_n);
        l[len] = '\0';
        n->seg = l;
        n->seg_n = (uint32_t)len;
        n->n_child = c->n_child;
        n->n_partial = c->n_partial;
        n->exact = c->exact;
        n->prefix = c->prefix;
        n->partial = c->partial;
        n->child = c->child;
    }
    return 0;
}

/* Builds the subtree of node from entries [lo, lo + n), which all share
 * the pieces leading to node; their cursors point at the piece after. */
static int build_node(const struct ctx *x, struct kgi_pnode *node, size_t lo,
                      size_t n)
{
    size_t here = 0;
    while (here < n && cur_of(x, lo + here)->done)
        here++;
    int rc =
        x->fn(x->user, node, here ? x->ents + lo * x->stride : x->ents, here);
    if (rc)
        return rc;
    size_t nc = 0;
    for (size_t j = here; j < n; j++)
        if (j == here || !same_piece(cur_of(x, lo + j), cur_of(x, lo + j - 1)))
            nc++;
    if (nc == 0)
        return 0;
    struct kgi_pnode *ch = kgi_arena_calloc(x->a, nc, sizeof(*ch));
    if (!ch)
        return KG_ENOMEM;
    node->child = ch;
    node->n_child = (uint32_t)nc;
    size_t c = 0;
    for (size_t j = here; j < n; c++) {
        size_t end = j + 1;
        while (end < n && same_piece(cur_of(x, lo + end), cur_of(x, lo + j)))
            end++;
        const char *p = "";
        uint32_t pn = 0;
        /* every entry of the run has the same piece: advance them all */
        for (size_t k = j; k < end; k++) {
            struct kgi_ptrie_cursor *e = cur_of(x, lo + k);
            next_piece(e->key, &e->cur, &e->done, &p, &pn);
        }
        ch[c].seg = p;
        ch[c].seg_n = pn;
        ch[c].first_n = pn;
        ch[c].pfx = kgi_seg_pfx(p, pn);
        rc = build_node(x, &ch[c], lo + j, end - j);
        if (rc)
            return rc;
        rc = compress(x->a, &ch[c]);
        if (rc)
            return rc;
        j = end;
    }
    return 0;
}

int kgi_ptrie_build(struct kgi_arena *a, struct kgi_pnode *root, void *ents,
                    size_t n, size_t stride, size_t cursor_off,
                    kgi_ptrie_resolve_fn fn, void *user)
{
    memset(root, 0, sizeof(*root));
    root->seg = "";
    struct ctx x = {a, ents, stride, cursor_off, fn, user};
    return build_node(&x, root, 0, n);
}

int kgi_htab_build(struct kgi_arena *a, struct kgi_htab *t,
                   const struct kgi_bstr *keys, const void *const *vals,
                   size_t n)
{
    t->mask = 0;
    t->slots = NULL;
    if (n == 0)
        return 0;
    uint64_t cap = 2;
    while (cap < 2 * (uint64_t)n)
        cap *= 2;
    struct kgi_hslot *s = kgi_arena_calloc(a, cap, sizeof(*s));
    if (!s)
        return KG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = kgi_routes_hash(keys[i].p, keys[i].n);
        uint64_t j = h & (cap - 1);
        while (s[j].val)
            j = (j + 1) & (cap - 1);
        s[j].hash = h;
        s[j].key = keys[i].p;
        s[j].len = keys[i].n;
        if (keys[i].n <= KGI_HSLOT_INLINE && keys[i].n)
            memcpy(s[j].inl, keys[i].p, keys[i].n);
        s[j].val = vals[i];
    }
    t->mask = cap - 1;
    t->slots = s;
    return 0;
}

struct kgi_bstr kgi_route_bdup(struct kgi_arena *a, const char *p, size_t n,
                               bool *oom)
{
    struct kgi_bstr s = {"", 0};
    if (!p || n == 0)
        return s;
    char *c = kgi_arena_strndup(a, p, n);
    if (!c) {
        *oom = true;
        return s;
    }
    s.p = c;
    s.n = (uint32_t)n;
    return s;
}

struct kgi_bstr kgi_route_bstr(struct kgi_arena *a, struct kgi_str s, bool *oom)
{
    return kgi_route_bdup(a, s.p, s.n, oom);
}
