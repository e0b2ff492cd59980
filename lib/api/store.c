// SPDX-License-Identifier: MIT
/*
 * store.c - the builder's keyed objects (api/store.h: workload, memory,
 * order).
 */
#include "api/store.h"

#include <string.h>

#include "k8s/kinds.h"
#include "kgress.h"
#include "util/alloc.h"
#include "yaml/load.h"

void kgi_store_init(struct kgi_store *s)
{
    memset(s, 0, sizeof(*s));
    kgi_hash_init(&s->index, NULL, NULL, NULL);
}

struct kgi_source *kgi_source_new(void)
{
    struct kgi_source *src = kgi_calloc(1, sizeof(*src));
    if (src)
        kgi_arena_init(&src->arena);
    return src;
}

void kgi_source_drop(struct kgi_source *src)
{
    if (!src)
        return;
    kgi_arena_release(&src->arena);
    kgi_free(src);
}

void kgi_store_release(struct kgi_store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct kgi_entry *e = &s->v[i];
        if (e->live && --e->src->live == 0 && !e->src->pins)
            kgi_source_drop(e->src);
    }
    kgi_free(s->v);
    kgi_hash_release(&s->index);
    memset(s, 0, sizeof(*s));
}

static struct kgi_str scalar_at(const struct kgi_node *map, const char *key)
{
    const struct kgi_node *n = kgi_node_get(map, key);
    if (!n || n->kind != KGI_NODE_SCALAR || kgi_node_is_null(n))
        return kgi_str_make("", 0);
    return kgi_str_make(n->u.str, n->count);
}

const char *kgi_store_key(struct kgi_arena *arena, const struct kgi_node *obj,
                          size_t *len)
{
    const struct kgi_node *md = kgi_node_get(obj, "metadata");
    struct kgi_str kind = scalar_at(obj, "kind");
    struct kgi_str ns = scalar_at(md, "namespace");
    struct kgi_str name = scalar_at(md, "name");
    if (!ns.n && kgi_kind_namespaced(kind.p, kind.n))
        ns = kgi_str_c("default");
    size_t n = kind.n + ns.n + name.n + 2;
    char *k = kgi_arena_alloc(arena, n + 1, 1);
    if (!k)
        return NULL;
    char *p = k;
    memcpy(p, kind.p, kind.n);
    p += kind.n;
    *p++ = '\0';
    memcpy(p, ns.p, ns.n);
    p += ns.n;
    *p++ = '\0';
    memcpy(p, name.p, name.n);
    p[name.n] = '\0';
    *len = n;
    return k;
}

static void index_entry(struct kgi_store *s, size_t i)
{
    struct kgi_entry *e = &s->v[i];
    const struct kgi_hash_slot *sl =
        kgi_hash_find(&s->index, e->key, e->key_len, e->hash);
    e->dup_prev = sl ? (size_t)(uintptr_t)sl->val : KGI_STORE_NONE;
    /* room was reserved: cannot fail */
    (void)kgi_hash_set(&s->index, e->key, e->key_len, e->hash,
                       (void *)(uintptr_t)i);
}

/* Drops the holes; indices change, so the index is rebuilt (in place: it
 * holds fewer keys than before, so it never grows). */
static void compact(struct kgi_store *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].live)
            s->v[k++] = s->v[i];
    s->n = k;
    if (s->index.slots)
        memset(s->index.slots, 0,
               (s->index.mask + 1) * sizeof(*s->index.slots));
    s->index.count = 0;
    for (size_t i = 0; i < s->n; i++)
        index_entry(s, i);
}

int kgi_store_reserve(struct kgi_store *s, size_t n)
{
    if (s->n - s->live > s->live + 64)
        compact(s);
    if (kgi_grow((void **)&s->v, &s->cap, s->n + n, sizeof(*s->v)) ||
        kgi_hash_reserve(&s->index, s->live + n))
        return KG_ENOMEM;
    return 0;
}

size_t kgi_store_find(const struct kgi_store *s, const char *key, size_t len)
{
    const struct kgi_hash_slot *sl =
        kgi_hash_find(&s->index, key, len, kgi_hash_bytes(key, len, 0));
    return sl ? (size_t)(uintptr_t)sl->val : KGI_STORE_NONE;
}

/* Kills entry i and the older ones of its key; returns how many were live. */
static size_t kill_chain(struct kgi_store *s, size_t i)
{
    size_t before = s->live;
    while (i != KGI_STORE_NONE) {
        struct kgi_entry *e = &s->v[i];
        size_t prev = e->dup_prev;
        if (e->live) {
            e->live = false;
            s->live--;
            if (--e->src->live == 0 && !e->src->pins)
                kgi_source_drop(e->src);
        }
        e->src = NULL;
        e->dup_prev = KGI_STORE_NONE;
        i = prev;
    }
    return before - s->live;
}

void kgi_store_put(struct kgi_store *s, const struct kgi_object *obj,
                   struct kgi_source *src, const char *key, size_t len,
                   bool always)
{
    uint64_t h = kgi_hash_bytes(key, len, 0);
    const struct kgi_hash_slot *sl = kgi_hash_find(&s->index, key, len, h);
    size_t killed = 0;
    if (sl) {
        size_t old = (size_t)(uintptr_t)sl->val;
        if (always || s->v[old].src != src) {
            /* the key's entries of another source are replaced; deleting
             * the index slot first keeps key memory of a freed source out
             * of the table */
            kgi_hash_del(&s->index, key, len, h);
            killed = kill_chain(s, old);
        }
    }
    struct kgi_entry *e = &s->v[s->n];
    e->obj = *obj;
    e->src = src;
    e->key = key;
    e->key_len = len;
    e->hash = h;
    e->live = true;
    src->live++;
    s->live++;
    index_entry(s, s->n++);
    if (s->changed)
        s->changed(s->user, key, len, 1 - (long)killed);
}

size_t kgi_store_remove(struct kgi_store *s, const char *key, size_t len)
{
    uint64_t h = kgi_hash_bytes(key, len, 0);
    const struct kgi_hash_slot *sl = kgi_hash_find(&s->index, key, len, h);
    if (!sl)
        return 0;
    size_t i = (size_t)(uintptr_t)sl->val;
    kgi_hash_del(&s->index, key, len, h);
    size_t n = kill_chain(s, i);
    if (s->changed)
        s->changed(s->user, key, len, -(long)n);
    return n;
}

int kgi_store_pin(struct kgi_store *s, struct kgi_source ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    uint64_t epoch = ++s->pin_epoch;
    size_t cnt = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct kgi_source *src = s->v[i].src;
        if (s->v[i].live && src->mark != epoch) {
            src->mark = epoch;
            cnt++;
        }
    }
    struct kgi_source **v = kgi_malloc((cnt + 1) * sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    epoch = ++s->pin_epoch;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct kgi_source *src = s->v[i].src;
        if (s->v[i].live && src->mark != epoch) {
            src->mark = epoch;
            src->pins++;
            v[k++] = src;
        }
    }
    *out = v;
    *n = k;
    return 0;
}

void kgi_store_unpin(struct kgi_source **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (--list[i]->pins == 0 && list[i]->live == 0)
            kgi_source_drop(list[i]);
    kgi_free(list);
}
