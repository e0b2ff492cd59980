// SPDX-License-Identifier: MIT
/*
 * dns_cache.c - kg_dns_cache (representation and concurrency in
 * dns_cache.h): the writer's interning, binding and eviction under the
 * mutex, the readers' seqlock walk, and the public functions.
 */
#include "policy/dns_cache.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "policy/dns_wire.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/options.h"

#define NONE UINT32_MAX
#define NAME_WORDS 32 /* 256 bytes: the length byte and up to 253 octets */

struct node {
    _Atomic uint64_t dst[2], client[2]; /* IPv6 form; client :: = global */
    _Atomic uint64_t since;   /* observed at (cache time): live from here */
    _Atomic uint64_t expires; /* cache time, before the grace */
    _Atomic uint32_t name, next;
    /* writer only */
    uint32_t bucket; /* NONE: free */
    uint32_t age_prev, age_next;
    uint32_t nm_prev, nm_next;
};

struct name {
    _Atomic uint64_t text[NAME_WORDS]; /* byte 0: length, then the text */
    /* writer only */
    uint64_t hash;
    uint32_t hnext;       /* intern chain */
    uint32_t first, last; /* its nodes */
    uint32_t n_nodes;
    uint32_t age_prev, age_next;
    uint32_t snap; /* kg_dns_cache_save: its index in the snapshot */
    bool used, pinned;
};

struct bucket {
    _Atomic uint32_t seq, head;
};

/* a doubly linked list threaded through an array (LRU order: head is the
 * least recently observed) */
struct list {
    uint32_t head, tail;
};

struct kg_dns_cache {
    pthread_mutex_t lock;
    uint64_t min_ttl, max_ttl, grace;
    bool shared;
    uint32_t n_nodes, n_names, per_name;
    uint32_t bmask, nmask;
    struct bucket *buckets;
    struct node *nodes;
    struct name *names;
    uint32_t *nheads; /* intern hash of names */
    uint32_t free_node, free_name;
    struct list node_age, name_age;
    size_t used_nodes, used_names;
    uint64_t evicted, evicted_live;
    atomic_uint_fast64_t retries;
    struct kgi_dns_answer scratch; /* observe_msg, under the mutex */
};

/* ------------------------------------------------------------ addresses */

static const uint64_t zero2[2] = {0, 0};

/* The 16-byte form of an address: IPv4 as ::ffff:a.b.c.d, the form an
 * IPv4-mapped IPv6 address already has, so both are one key. */
static void canon(const struct kgi_ip *ip, uint64_t w[2])
{
    uint8_t b[16];
    if (ip->family == 4) {
        memset(b, 0, 10);
        b[10] = b[11] = 0xff;
        memcpy(b + 12, ip->b, 4);
    } else {
        memcpy(b, ip->b, 16);
    }
    memcpy(w, b, 16);
}

static bool from_public(const struct kg_addr *a, struct kgi_ip *ip)
{
    if (a->family != 4 && a->family != 6)
        return false;
    memset(ip, 0, sizeof(*ip));
    ip->family = a->family;
    memcpy(ip->b, a->bytes, a->family == 4 ? 4 : 16);
    return true;
}

static uint32_t bucket_of(const kg_dns_cache *c, const uint64_t d[2],
                          const uint64_t cl[2])
{
    uint64_t h = kgi_hash_mix(d[0] ^ kgi_hash_mix(d[1]));
    h = kgi_hash_mix(h ^ cl[0] ^ kgi_hash_mix(cl[1] + 0x9e3779b97f4a7c15ull));
    return (uint32_t)h & c->bmask;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* --------------------------------------------------------- writer lists */

#define LIST_REMOVE(arr, l, i, prev, next)                                     \
    do {                                                                       \
        uint32_t p_ = (arr)[i].prev, n_ = (arr)[i].next;                       \
        if (p_ != NONE)                                                        \
            (arr)[p_].next = n_;                                               \
        else                                                                   \
            (l)->head = n_;                                                    \
        if (n_ != NONE)                                                        \
            (arr)[n_].prev = p_;                                               \
        else                                                                   \
            (l)->tail = p_;                                                    \
    } while (0)

#define LIST_APPEND(arr, l, i, prev, next)                                     \
    do {                                                                       \
        (arr)[i].prev = (l)->tail;                                             \
        (arr)[i].next = NONE;                                                  \
        if ((l)->tail != NONE)                                                 \
            (arr)[(l)->tail].next = (i);                                       \
        else                                                                   \
            (l)->head = (i);                                                   \
        (l)->tail = (i);                                                       \
    } while (0)

/* ------------------------------------------------------ seqlock (writer) */

static void write_begin(struct bucket *b)
{
    uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
    atomic_store_explicit(&b->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static void write_end(struct bucket *b)
{
    uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
    atomic_store_explicit(&b->seq, s + 1, memory_order_release);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

/* ---------------------------------------------------------------- names */

static void name_text(const struct name *nm, char *tmp)
{
    for (size_t w = 0; w < NAME_WORDS; w++) {
        uint64_t v = LOAD(nm->text[w]);
        memcpy(tmp + 8 * w, &v, 8);
    }
}

static void free_name(kg_dns_cache *c, uint32_t k)
{
    struct name *nm = &c->names[k];
    uint32_t *p = &c->nheads[nm->hash & c->nmask];
    while (*p != k)
        p = &c->names[*p].hnext;
    *p = nm->hnext;
    LIST_REMOVE(c->names, &c->name_age, k, age_prev, age_next);
    nm->used = false;
    nm->age_next = c->free_name;
    c->free_name = k;
    c->used_names--;
}

/* Takes node i off its chain (its bucket's counter moves), its name and
 * the age list; frees the name with its last node unless pinned. */
static void unlink_node(kg_dns_cache *c, uint32_t i)
{
    struct node *n = &c->nodes[i];
    struct bucket *b = &c->buckets[n->bucket];
    uint32_t next = LOAD(n->next);
    write_begin(b);
    if (LOAD(b->head) == i) {
        STORE(b->head, next);
    } else {
        uint32_t p = LOAD(b->head);
        while (LOAD(c->nodes[p].next) != i)
            p = LOAD(c->nodes[p].next);
        STORE(c->nodes[p].next, next);
    }
    write_end(b);
    n->bucket = NONE;
    LIST_REMOVE(c->nodes, &c->node_age, i, age_prev, age_next);
    uint32_t k = LOAD(n->name);
    struct name *nm = &c->names[k];
    struct list nl = {nm->first, nm->last};
    LIST_REMOVE(c->nodes, &nl, i, nm_prev, nm_next);
    nm->first = nl.head;
    nm->last = nl.tail;
    if (--nm->n_nodes == 0 && !nm->pinned)
        free_name(c, k);
    n->age_next = c->free_node;
    c->free_node = i;
    c->used_nodes--;
}

/* Not yet expired at the writer's time now (what eviction counts as live
 * data lost). */
static bool node_unexpired(const kg_dns_cache *c, const struct node *n,
                           uint64_t now)
{
    return now < sat_add(LOAD(n->expires), c->grace);
}

/* What a lookup at time now sees: observed at or before now, not expired
 * (the observed-in-the-future rule of docs/domains.md). */
static bool node_live(const kg_dns_cache *c, const struct node *n, uint64_t now)
{
    return LOAD(n->since) <= now && node_unexpired(c, n, now);
}

/* Evicts the least recently observed node; *live when it had not
 * expired. */
static void evict_node(kg_dns_cache *c, uint64_t now, bool *live)
{
    uint32_t i = c->node_age.head;
    if (node_unexpired(c, &c->nodes[i], now))
        *live = true;
    c->evicted++;
    c->evicted_live += node_unexpired(c, &c->nodes[i], now);
    unlink_node(c, i);
}

/* Evicts the least recently observed unpinned name and its nodes. */
static void evict_name(kg_dns_cache *c, uint64_t now, bool *live)
{
    uint32_t k = c->name_age.head;
    while (k != NONE && c->names[k].pinned)
        k = c->names[k].age_next;
    if (k == NONE)
        return;
    struct name *nm = &c->names[k];
    if (nm->n_nodes == 0) {
        free_name(c, k);
        return;
    }
    while (nm->used && nm->first != NONE) {
        if (node_unexpired(c, &c->nodes[nm->first], now))
            *live = true;
        c->evicted++;
        c->evicted_live += node_unexpired(c, &c->nodes[nm->first], now);
        unlink_node(c, nm->first); /* the last one frees the name */
    }
}

/* The slot of text[0..len) (normalized), interned; NONE only when every
 * slot is pinned (never: one name is pinned at a time and n_names >= 1
 * means the pinned one is this name or evictable others). */
static uint32_t intern(kg_dns_cache *c, const char *text, size_t len,
                       uint64_t now, bool *live)
{
    uint64_t h = kgi_hash_bytes(text, len, 0);
    char tmp[8 * NAME_WORDS];
    for (uint32_t k = c->nheads[h & c->nmask]; k != NONE;
         k = c->names[k].hnext) {
        if (c->names[k].hash != h)
            continue;
        name_text(&c->names[k], tmp);
        if ((unsigned char)tmp[0] == len && memcmp(tmp + 1, text, len) == 0) {
            LIST_REMOVE(c->names, &c->name_age, k, age_prev, age_next);
            LIST_APPEND(c->names, &c->name_age, k, age_prev, age_next);
            return k;
        }
    }
    if (c->free_name == NONE)
        evict_name(c, now, live);
    if (c->free_name == NONE)
        return NONE;
    uint32_t k = c->free_name;
    struct name *nm = &c->names[k];
    c->free_name = nm->age_next;
    memset(tmp, 0, sizeof tmp);
    tmp[0] = (char)len;
    memcpy(tmp + 1, text, len);
    /* readers that still reach this slot through a node unlinked before
     * (its bucket's counter moved) throw what they read away */
    for (size_t w = 0; w < NAME_WORDS; w++) {
        uint64_t v;
        memcpy(&v, tmp + 8 * w, 8);
        STORE(nm->text[w], v);
    }
    nm->hash = h;
    nm->hnext = c->nheads[h & c->nmask];
    c->nheads[h & c->nmask] = k;
    nm->first = nm->last = NONE;
    nm->n_nodes = 0;
    nm->used = true;
    nm->pinned = false;
    LIST_APPEND(c->names, &c->name_age, k, age_prev, age_next);
    c->used_names++;
    return k;
}

/* A binding seen from `since` until `expires` (+ grace) meets another
 * observation of it, [start, expires + grace): overlapping or touching
 * intervals merge (answers accumulate, never shorten a binding); of two
 * disjoint ones the later is kept, the other's time having passed or, for
 * an observation older than the binding, being past anyway for a writer
 * whose clock runs forward. A new start changes two words: under the
 * bucket's counter. */
static void extend(kg_dns_cache *c, struct bucket *b, struct node *n,
                   uint64_t expires, uint64_t start)
{
    uint64_t s = LOAD(n->since), e = LOAD(n->expires);
    uint64_t end = sat_add(e, c->grace), new_end = sat_add(expires, c->grace);
    if (start <= end && s <= new_end) {
        s = start < s ? start : s;
        e = expires > e ? expires : e;
    } else if (start > end) {
        s = start;
        e = expires;
    } else {
        return;
    }
    if (s == LOAD(n->since)) {
        /* the usual repeat answer: one word, no torn state, and readers
         * of the bucket are not sent round again */
        if (e != LOAD(n->expires))
            STORE(n->expires, e);
        return;
    }
    write_begin(b);
    STORE(n->since, s);
    STORE(n->expires, e);
    write_end(b);
}

/* Binds (dst, client) to name slot k from since until expires; now is the
 * writer's time (what eviction counts as live). */
static void bind(kg_dns_cache *c, const uint64_t d[2], const uint64_t cl[2],
                 uint32_t k, uint64_t since, uint64_t expires, uint64_t now,
                 bool *live)
{
    uint32_t bi = bucket_of(c, d, cl);
    struct bucket *b = &c->buckets[bi];
    for (uint32_t i = LOAD(b->head); i != NONE; i = LOAD(c->nodes[i].next)) {
        struct node *n = &c->nodes[i];
        if (LOAD(n->name) == k && LOAD(n->dst[0]) == d[0] &&
            LOAD(n->dst[1]) == d[1] && LOAD(n->client[0]) == cl[0] &&
            LOAD(n->client[1]) == cl[1]) {
            extend(c, b, n, expires, since);
            LIST_REMOVE(c->nodes, &c->node_age, i, age_prev, age_next);
            LIST_APPEND(c->nodes, &c->node_age, i, age_prev, age_next);
            return;
        }
    }
    if (c->free_node == NONE)
        evict_node(c, now, live);
    uint32_t i = c->free_node;
    struct node *n = &c->nodes[i];
    c->free_node = n->age_next;
    write_begin(b);
    STORE(n->dst[0], d[0]);
    STORE(n->dst[1], d[1]);
    STORE(n->client[0], cl[0]);
    STORE(n->client[1], cl[1]);
    STORE(n->since, since);
    STORE(n->expires, expires);
    STORE(n->name, k);
    STORE(n->next, LOAD(b->head));
    STORE(b->head, i);
    write_end(b);
    n->bucket = bi;
    LIST_APPEND(c->nodes, &c->node_age, i, age_prev, age_next);
    struct name *nm = &c->names[k];
    struct list nl = {nm->first, nm->last};
    LIST_APPEND(c->nodes, &nl, i, nm_prev, nm_next);
    nm->first = nl.head;
    nm->last = nl.tail;
    nm->n_nodes++;
    c->used_nodes++;
}

/* One name and its addresses (ttls[i] for addrs[i], or ttl for all when
 * ttls is NULL); under the mutex. Returns 0 or KG_ELIMIT_CACHE. */
static int record(kg_dns_cache *c, const uint64_t cl[2], const char *text,
                  size_t len, const uint64_t (*addrs)[2], const uint32_t *ttls,
                  uint32_t ttl, size_t n, uint64_t now)
{
    bool live = false;
    if (n == 0)
        return 0;
    uint32_t k = intern(c, text, len, now, &live);
    if (k == NONE)
        return KG_ELIMIT_CACHE;
    c->names[k].pinned = true;
    size_t keep = n < c->per_name ? n : c->per_name;
    for (size_t i = 0; i < keep; i++) {
        uint64_t life = ttls ? ttls[i] : ttl;
        if (life < c->min_ttl)
            life = c->min_ttl;
        if (life > c->max_ttl)
            life = c->max_ttl;
        bind(c, addrs[i], cl, k, now, sat_add(now, life), now, &live);
    }
    c->names[k].pinned = false;
    if (c->names[k].n_nodes == 0)
        free_name(c, k);
    return live || keep < n ? KG_ELIMIT_CACHE : 0;
}

/* --------------------------------------------------------------- public */

KG_API kg_dns_cache *kg_dns_cache_new(const kg_options *opts)
{
    struct kg_options dflt;
    if (!opts) {
        kgi_options_defaults(&dflt);
        opts = &dflt;
    }
    if (opts->limit[KG_LIMIT_DNS_ENTRIES] > (1u << 31) ||
        opts->limit[KG_LIMIT_DNS_NAMES] > (1u << 31))
        return NULL; /* indices are 32 bits, NONE reserved */
    kg_dns_cache *c = kgi_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->n_nodes = (uint32_t)opts->limit[KG_LIMIT_DNS_ENTRIES];
    c->n_names = (uint32_t)opts->limit[KG_LIMIT_DNS_NAMES];
    /* an observation holds at most KGI_DNS_ADDRS_MAX addresses */
    uint64_t per = opts->limit[KG_LIMIT_DNS_ADDRS_PER_NAME];
    if (per > KGI_DNS_ADDRS_MAX)
        per = KGI_DNS_ADDRS_MAX;
    c->per_name = (uint32_t)per;
    c->min_ttl = opts->limit[KG_LIMIT_DNS_MIN_TTL];
    c->max_ttl = opts->limit[KG_LIMIT_DNS_MAX_TTL];
    if (c->max_ttl < c->min_ttl)
        c->max_ttl = c->min_ttl;
    c->grace = opts->limit[KG_LIMIT_DNS_GRACE];
    c->shared = kgi_flag(opts, KG_FLAG_DNS_SHARED);
    /* buckets: a power of two >= the nodes (chains of one on average);
     * intern heads: >= twice the names */
    uint32_t nb = 16, nh = 16;
    while (nb < c->n_nodes)
        nb *= 2;
    while (nh < 2 * (uint64_t)c->n_names)
        nh *= 2;
    c->bmask = nb - 1;
    c->nmask = nh - 1;
    c->buckets = kgi_calloc(nb, sizeof(*c->buckets));
    c->nodes = kgi_calloc(c->n_nodes, sizeof(*c->nodes));
    c->names = kgi_calloc(c->n_names, sizeof(*c->names));
    c->nheads = kgi_malloc((size_t)nh * sizeof(*c->nheads));
    if (!c->buckets || !c->nodes || !c->names || !c->nheads)
        goto fail;
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        goto fail;
    for (uint32_t i = 0; i < nb; i++) {
        atomic_init(&c->buckets[i].seq, 0);
        atomic_init(&c->buckets[i].head, NONE);
    }
    memset(c->nheads, 0xff, (size_t)nh * sizeof(*c->nheads));
    for (uint32_t i = 0; i < c->n_nodes; i++) {
        c->nodes[i].bucket = NONE;
        c->nodes[i].age_next = i + 1 < c->n_nodes ? i + 1 : NONE;
    }
    for (uint32_t k = 0; k < c->n_names; k++)
        c->names[k].age_next = k + 1 < c->n_names ? k + 1 : NONE;
    c->free_node = 0;
    c->free_name = 0;
    c->node_age.head = c->node_age.tail = NONE;
    c->name_age.head = c->name_age.tail = NONE;
    atomic_init(&c->retries, 0);
    return c;
fail:
    kgi_free(c->buckets);
    kgi_free(c->nodes);
    kgi_free(c->names);
    kgi_free(c->nheads);
    kgi_free(c);
    return NULL;
}

KG_API void kg_dns_cache_free(kg_dns_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    kgi_free(c->buckets);
    kgi_free(c->nodes);
    kgi_free(c->names);
    kgi_free(c->nheads);
    kgi_free(c);
}

/* The client key of an observation: :: when none or shared. */
static bool client_key(const kg_dns_cache *c, const struct kg_addr *client,
                       uint64_t cl[2])
{
    cl[0] = cl[1] = 0;
    if (!client)
        return true;
    struct kgi_ip ip;
    if (!from_public(client, &ip))
        return false;
    if (!c->shared)
        canon(&ip, cl);
    return true;
}

KG_API int kg_dns_cache_observe(kg_dns_cache *c, const struct kg_addr *client,
                                const char *name, size_t name_len,
                                const struct kg_addr *addrs, size_t naddrs,
                                uint32_t ttl, uint64_t now)
{
    char text[KGI_NAME_MAX + 1];
    uint64_t cl[2];
    if (!c || !name || (naddrs && !addrs) || !client_key(c, client, cl))
        return KG_EINVAL;
    int len = kgi_name_normalize(name, name_len, text);
    if (len < 0)
        return KG_EINVAL;
    uint64_t keys[KGI_DNS_ADDRS_MAX][2];
    size_t n = 0;
    for (size_t i = 0; i < naddrs; i++) {
        struct kgi_ip ip;
        if (!from_public(&addrs[i], &ip))
            return KG_EINVAL;
        if (n < KGI_DNS_ADDRS_MAX)
            canon(&ip, keys[n++]);
    }
    pthread_mutex_lock(&c->lock);
    int rc = record(c, cl, text, (size_t)len, (const uint64_t(*)[2])keys, NULL,
                    ttl, n, now);
    pthread_mutex_unlock(&c->lock);
    return n < naddrs ? KG_ELIMIT_CACHE : rc;
}

KG_API int kg_dns_cache_observe_msg(kg_dns_cache *c,
                                    const struct kg_addr *client,
                                    const uint8_t *msg, size_t len,
                                    uint64_t now)
{
    uint64_t cl[2];
    if (!c || !msg || !client_key(c, client, cl))
        return KG_EINVAL;
    pthread_mutex_lock(&c->lock);
    struct kgi_dns_answer *a = &c->scratch;
    int rc = kgi_dns_parse(msg, len, a);
    bool limited = rc == 0 && a->dropped > 0;
    /* the chain from its end, so that lookups list the question name
     * (what the client asked for) first */
    for (size_t i = a->n_names; rc == 0 && i-- > 0;) {
        if (a->names[i].text_len < 0)
            continue;
        /* every address of a name at or after i in the chain */
        uint64_t keys[KGI_DNS_ADDRS_MAX][2];
        uint32_t ttls[KGI_DNS_ADDRS_MAX];
        size_t n = 0;
        for (size_t k = 0; k < a->n_addrs; k++) {
            uint32_t t = kgi_dns_ttl_for(a, i, k);
            if (t == KGI_DNS_TTL_NONE)
                continue;
            canon(&a->addrs[k].ip, keys[n]);
            ttls[n++] = t;
        }
        if (record(c, cl, a->names[i].text, (size_t)a->names[i].text_len,
                   (const uint64_t(*)[2])keys, ttls, 0, n, now))
            limited = true;
    }
    pthread_mutex_unlock(&c->lock);
    return rc ? rc : limited ? KG_ELIMIT_CACHE : 0;
}

/* ---------------------------------------------------- lookup (readers) */

/* Copies the live names of chain (d, cl) into out[*n..cap), skipping
 * names already there; retries while the bucket changes under it. */
static void walk(const kg_dns_cache *c, const uint64_t d[2],
                 const uint64_t cl[2], uint64_t now, struct kgi_dns_seen *out,
                 size_t *n, size_t cap)
{
    struct bucket *b = &c->buckets[bucket_of(c, d, cl)];
    size_t first = *n;
    for (unsigned spins = 0;; spins++) {
        uint32_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
        if (s1 & 1) { /* a write in progress: a few stores */
            if (spins > 64)
                sched_yield();
            continue;
        }
        size_t k = first;
        uint32_t i = LOAD(b->head);
        for (uint32_t steps = 0;
             i != NONE && i < c->n_nodes && steps <= c->n_nodes && k < cap;
             steps++) {
            const struct node *nd = &c->nodes[i];
            uint32_t nm = LOAD(nd->name);
            if (LOAD(nd->dst[0]) == d[0] && LOAD(nd->dst[1]) == d[1] &&
                LOAD(nd->client[0]) == cl[0] && LOAD(nd->client[1]) == cl[1] &&
                node_live(c, nd, now) && nm < c->n_names) {
                char tmp[8 * NAME_WORDS];
                uint64_t w0 = LOAD(c->names[nm].text[0]);
                memcpy(tmp, &w0, 8);
                size_t len = (unsigned char)tmp[0];
                for (size_t w = 1; w < (len + 8) / 8 && w < NAME_WORDS; w++) {
                    uint64_t v = LOAD(c->names[nm].text[w]);
                    memcpy(tmp + 8 * w, &v, 8);
                }
                bool dup = len == 0 || len > KGI_NAME_MAX;
                for (size_t j = 0; j < k && !dup; j++)
                    dup = out[j].len == len &&
                          memcmp(out[j].text, tmp + 1, len) == 0;
                if (!dup) {
                    memcpy(out[k].text, tmp + 1, len);
                    out[k].text[len] = 0;
                    out[k].len = len;
                    k++;
                }
            }
            i = LOAD(nd->next);
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&b->seq, memory_order_relaxed) == s1) {
            *n = k;
            return;
        }
        atomic_fetch_add_explicit(&((kg_dns_cache *)c)->retries, 1,
                                  memory_order_relaxed);
    }
}

size_t kgi_dns_cache_names(const kg_dns_cache *c, const struct kgi_ip *client,
                           const struct kgi_ip *dst, uint64_t now,
                           struct kgi_dns_seen *out, size_t cap)
{
    uint64_t d[2];
    size_t n = 0;
    canon(dst, d);
    if (client && !c->shared) {
        uint64_t cl[2];
        canon(client, cl);
        if (cl[0] | cl[1])
            walk(c, d, cl, now, out, &n, cap);
    }
    walk(c, d, zero2, now, out, &n, cap);
    return n;
}

KG_API int kg_dns_cache_name(const kg_dns_cache *c,
                             const struct kg_addr *client,
                             const struct kg_addr *addr, uint64_t now, size_t i,
                             char *buf, size_t cap)
{
    struct kgi_ip ip, cip;
    if (!c || !addr || !buf || !from_public(addr, &ip) ||
        (client && !from_public(client, &cip)))
        return KG_EINVAL;
    struct kgi_dns_seen seen[KGI_DNS_SEEN_MAX];
    size_t n = kgi_dns_cache_names(c, client ? &cip : NULL, &ip, now, seen,
                                   KGI_DNS_SEEN_MAX);
    if (i >= n)
        return KG_ENOTFOUND;
    if (cap < seen[i].len + 1)
        return KG_ENOSPACE;
    memcpy(buf, seen[i].text, seen[i].len + 1);
    return (int)seen[i].len;
}

void kgi_dns_cache_stats(kg_dns_cache *c, struct kgi_dns_stats *out)
{
    pthread_mutex_lock(&c->lock);
    out->entries = c->used_nodes;
    out->names = c->used_names;
    out->evicted = c->evicted;
    out->evicted_live = c->evicted_live;
    out->retries = atomic_load_explicit(&c->retries, memory_order_relaxed);
    pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------------ snapshots */

/* Version 1 (docs/domains.md, "Snapshots"), little-endian:
 *
 *     0  magic "KGDNSC\r\n"       8  u32 version (1)   12  u32 flags (0)
 *    16  u64 saved_at (the saver's now, informative)
 *    24  u32 names                28  u32 bindings
 *    32  names:    u8 length (1..253), the normalized name
 *        bindings: dst[16], client[16] (:: none), u32 name index,
 *                  u32 reserved (0), i64 since - saved_at,
 *                  i64 expiry - saved_at
 *   end  u64 FNV-1a of every byte before it
 *
 * The "\r\n" of the magic catches a text-mode copy. Relative times make a
 * snapshot independent of the clock that wrote it; they are clamped to
 * +-2^62 (an expiry at the end of time stays far away). */
#define SNAP_MAGIC "KGDNSC\r\n"
#define SNAP_VERSION 1u
#define SNAP_HEADER 32u
#define SNAP_BINDING 56u
#define SNAP_REL_MAX ((int64_t)1 << 62)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << 8 * i;
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << 8 * i;
    return v;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* t - base, clamped to +-SNAP_REL_MAX */
static int64_t rel(uint64_t t, uint64_t base)
{
    if (t >= base)
        return t - base > (uint64_t)SNAP_REL_MAX ? SNAP_REL_MAX
                                                 : (int64_t)(t - base);
    return base - t > (uint64_t)SNAP_REL_MAX ? -SNAP_REL_MAX
                                             : -(int64_t)(base - t);
}

/* base - elapsed + r, saturated to [0, UINT64_MAX] */
static uint64_t unrel(uint64_t base, uint64_t elapsed, int64_t r)
{
    uint64_t up = r > 0 ? (uint64_t)r : 0;
    uint64_t down = sat_add(elapsed, r < 0 ? (uint64_t)(-(r + 1)) + 1 : 0);
    if (up >= down)
        return sat_add(base, up - down);
    return base > down - up ? base - (down - up) : 0;
}

KG_API int kg_dns_cache_save(kg_dns_cache *c, uint64_t now, void *buf,
                             size_t cap, size_t *len)
{
    if (!c || !len || (!buf && cap))
        return KG_EINVAL;
    pthread_mutex_lock(&c->lock);
    /* number the names of the bindings kept, in the order first used */
    for (uint32_t k = 0; k < c->n_names; k++)
        c->names[k].snap = NONE;
    uint32_t nn = 0, nb = 0;
    size_t size = SNAP_HEADER + 8;
    for (uint32_t i = c->node_age.head; i != NONE; i = c->nodes[i].age_next) {
        const struct node *n = &c->nodes[i];
        if (!node_unexpired(c, n, now))
            continue;
        struct name *nm = &c->names[LOAD(n->name)];
        if (nm->snap == NONE) {
            char tmp[8 * NAME_WORDS];
            name_text(nm, tmp);
            nm->snap = nn++;
            size += 1 + (unsigned char)tmp[0];
        }
        nb++;
        size += SNAP_BINDING;
    }
    *len = size;
    if (cap < size) {
        pthread_mutex_unlock(&c->lock);
        return KG_ENOSPACE;
    }
    uint8_t *p = buf;
    memcpy(p, SNAP_MAGIC, 8);
    put32(p + 8, SNAP_VERSION);
    put32(p + 12, 0);
    put64(p + 16, now);
    put32(p + 24, nn);
    put32(p + 28, nb);
    size_t at = SNAP_HEADER;
    /* names in snapshot order: walk again, writing each at its first use */
    for (uint32_t i = c->node_age.head; i != NONE; i = c->nodes[i].age_next) {
        const struct node *n = &c->nodes[i];
        if (!node_unexpired(c, n, now))
            continue;
        struct name *nm = &c->names[LOAD(n->name)];
        if (nm->snap & 0x80000000u)
            continue; /* written already */
        char tmp[8 * NAME_WORDS];
        name_text(nm, tmp);
        size_t l = (unsigned char)tmp[0];
        memcpy(p + at, tmp, 1 + l);
        at += 1 + l;
        /* remember the index past the name pass: snap | top bit */
        nm->snap |= 0x80000000u;
    }
    for (uint32_t i = c->node_age.head; i != NONE; i = c->nodes[i].age_next) {
        const struct node *n = &c->nodes[i];
        if (!node_unexpired(c, n, now))
            continue;
        uint64_t w[2];
        for (int h = 0; h < 2; h++) {
            w[h] = LOAD(n->dst[h]);
            memcpy(p + at + 8 * h, &w[h], 8);
            w[h] = LOAD(n->client[h]);
            memcpy(p + at + 16 + 8 * h, &w[h], 8);
        }
        put32(p + at + 32, c->names[LOAD(n->name)].snap & 0x7fffffffu);
        put32(p + at + 36, 0);
        put64(p + at + 40, (uint64_t)rel(LOAD(n->since), now));
        put64(p + at + 48, (uint64_t)rel(LOAD(n->expires), now));
        at += SNAP_BINDING;
    }
    put64(p + at, fnv1a(p, at));
    pthread_mutex_unlock(&c->lock);
    return 0;
}

/* The message of a refused snapshot: what, at which byte. */
static int snap_error(char *why, size_t why_size, int code, size_t at,
                      const char *fmt, ...)
{
    if (why && why_size) {
        char msg[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(why, why_size, "DNS cache snapshot, byte %zu: %s", at, msg);
    }
    return code;
}

KG_API int kg_dns_cache_restore(kg_dns_cache *c, const void *data, size_t len,
                                uint64_t now, uint64_t elapsed, char *why,
                                size_t why_size)
{
    if (why && why_size)
        why[0] = 0;
    if (!c || (!data && len))
        return KG_EINVAL;
    const uint8_t *p = data;
    if (len < 8 || memcmp(p, SNAP_MAGIC, 8) != 0)
        return snap_error(why, why_size, KG_ESNAPSHOT, 0,
                          "not a kgress DNS cache snapshot (magic "
                          "\"KGDNSC\\r\\n\" expected)");
    if (len < SNAP_HEADER + 8)
        return snap_error(why, why_size, KG_ESNAPSHOT, len,
                          "truncated: %zu bytes, the header and checksum "
                          "take 40",
                          len);
    uint32_t version = get32(p + 8);
    if (version != SNAP_VERSION)
        return snap_error(why, why_size, KG_ESNAPSHOT_VERSION, 8,
                          "version %u, this library reads version 1",
                          (unsigned)version);
    if (get64(p + len - 8) != fnv1a(p, len - 8))
        return snap_error(why, why_size, KG_ESNAPSHOT, len - 8,
                          "checksum mismatch: the snapshot is truncated or "
                          "corrupted (%zu bytes)",
                          len);
    if (get32(p + 12) != 0)
        return snap_error(why, why_size, KG_ESNAPSHOT, 12,
                          "flags 0x%x, none are defined",
                          (unsigned)get32(p + 12));
    uint32_t nn = get32(p + 24), nb = get32(p + 28);
    size_t end = len - 8, at = SNAP_HEADER;
    /* bounded before anything is read: each name takes 2 bytes at least */
    if ((uint64_t)nn * 2 + (uint64_t)nb * SNAP_BINDING > end - SNAP_HEADER)
        return snap_error(why, why_size, KG_ESNAPSHOT, 24,
                          "counts of names and bindings larger than the "
                          "snapshot (%zu bytes)",
                          len);
    /* every name valid and normalized; where each starts */
    uint32_t *off = nn ? kgi_malloc((size_t)nn * sizeof(*off)) : NULL;
    if (nn && !off)
        return KG_ENOMEM;
    int rc = 0;
    for (uint32_t k = 0; k < nn; k++) {
        size_t l = p[at];
        char norm[KGI_NAME_MAX + 1];
        if (l == 0 || at + 1 + l > end ||
            kgi_name_normalize((const char *)p + at + 1, l, norm) != (int)l ||
            memcmp(norm, p + at + 1, l) != 0) {
            rc = snap_error(why, why_size, KG_ESNAPSHOT, at,
                            "name %u is not a normalized DNS name (lower "
                            "case, no trailing dot, 1 to 253 bytes)",
                            (unsigned)k);
            goto done;
        }
        off[k] = (uint32_t)at;
        at += 1 + l;
    }
    if (end - at != (size_t)nb * SNAP_BINDING) {
        rc = snap_error(why, why_size, KG_ESNAPSHOT, at,
                        "%zu bytes of bindings do not match %u bindings of "
                        "%u bytes",
                        end - at, (unsigned)nb, SNAP_BINDING);
        goto done;
    }
    for (uint32_t i = 0; i < nb; i++) {
        const uint8_t *b = p + at + (size_t)i * SNAP_BINDING;
        size_t bat = at + (size_t)i * SNAP_BINDING;
        int64_t s = (int64_t)get64(b + 40), e = (int64_t)get64(b + 48);
        if (get32(b + 32) >= nn)
            rc = snap_error(why, why_size, KG_ESNAPSHOT, bat + 32,
                            "binding %u: name index %u past the %u names",
                            (unsigned)i, (unsigned)get32(b + 32), (unsigned)nn);
        else if (get32(b + 36) != 0)
            rc = snap_error(why, why_size, KG_ESNAPSHOT, bat + 36,
                            "binding %u: reserved field 0x%x, must be 0",
                            (unsigned)i, (unsigned)get32(b + 36));
        else if (s < -SNAP_REL_MAX || s > SNAP_REL_MAX || e < -SNAP_REL_MAX ||
                 e > SNAP_REL_MAX || s > e)
            rc = snap_error(why, why_size, KG_ESNAPSHOT, bat + 40,
                            "binding %u: its interval is not one "
                            "kg_dns_cache_save writes (start after end, or "
                            "past 2^62 s)",
                            (unsigned)i);
        if (rc)
            goto done;
    }
    /* checked: add the bindings in their order (least recently observed
     * first, so that eviction keeps the newest) */
    pthread_mutex_lock(&c->lock);
    bool live = false;
    for (uint32_t i = 0; i < nb; i++) {
        const uint8_t *b = p + at + (size_t)i * SNAP_BINDING;
        const uint8_t *name = p + off[get32(b + 32)];
        uint64_t since = unrel(now, elapsed, (int64_t)get64(b + 40));
        uint64_t expires = unrel(now, elapsed, (int64_t)get64(b + 48));
        uint64_t cap = sat_add(now, c->max_ttl);
        if (expires > cap)
            expires = cap;
        if (since > expires || now >= sat_add(expires, c->grace))
            continue; /* expired while the agent was away */
        uint64_t d[2], cl[2];
        memcpy(d, b, 16);
        memcpy(cl, b + 16, 16);
        if (c->shared)
            cl[0] = cl[1] = 0;
        uint32_t k = intern(c, (const char *)name + 1, name[0], now, &live);
        if (k == NONE) {
            live = true;
            continue;
        }
        c->names[k].pinned = true;
        bind(c, d, cl, k, since, expires, now, &live);
        c->names[k].pinned = false;
    }
    pthread_mutex_unlock(&c->lock);
    rc = live ? KG_ELIMIT_CACHE : 0;
done:
    kgi_free(off);
    return rc;
}
