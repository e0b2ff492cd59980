// SPDX-License-Identifier: MIT
/*
 * lookup_batch.c - kg_route_batch: the answers of many HTTP requests in
 * one call, each exactly kg_route_request's, with the memory accesses of
 * later requests started while earlier ones are answered.
 *
 * Workload: a proxy or a log replay draining a queue of requests (the
 * CLI's and Python's streams), thousands against one ruleset. On a large
 * ruleset a lone request is a chain of dependent cache misses: the hash
 * slot of its host, the host group (with the trie root inline), the
 * root's child array, then the nodes below. Here each request passes
 * through a software pipeline, STEP requests apart, as DPDK's and
 * Poptrie's bulk lookups do:
 *
 *   stage 0  normalize the Host, hash it, prefetch its exact-table slot
 *   stage 1  probe the table (the slot is in cache): the group; prefetch
 *            its first two lines (header and inline root)
 *   stage 2  prefetch the root's child array where the binary search
 *            starts (its middle) and its first line
 *   last     kgi_routes_lookup_pre with the host step of stage 1: path
 *            normalization and the trie walk, on warm lines
 *
 * Each stage reads only what the previous one brought in. Prefetches never
 * change an answer, and the host step is the one kg_route runs (route/
 * lookup.h), so the answers are kg_route_request's. Gateway API requests
 * (gateway or port set) skip the stages and are answered in order.
 *
 * STEP = 4: 12 requests in flight; a ring entry keeps the normalized host
 * between stages 0 and 1 (hosts longer than its 48 bytes, which real
 * traffic rarely has, are normalized again in stage 1). No allocation: the
 * ring (16 entries) is on the stack.
 */
#include <string.h>

#include "kgress.h"
#include "route/lookup.h"
#include "route/table.h"
#include "util/abi.h"

#define STEP 4
#define STAGES 3
#define RING 16 /* > STAGES * STEP, a power of two */
#define HOST_KEEP 48

struct slot {
    struct kgi_route_pre pre;
    uint64_t hash;
    uint32_t hn;
    bool ascii, ingress, kept;
    char h[HOST_KEEP];
};

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

static const struct kg_http_request *req_at(const struct kg_http_request *q,
                                            size_t stride, size_t i)
{
    return (const struct kg_http_request *)(const void *)((const char *)q +
                                                          i * stride);
}

/* Stage 0: the Host normalized and hashed, its slot prefetched. */
static void stage_host(const struct kgi_routes *r,
                       const struct kg_http_request *q, struct slot *s)
{
    /* the fields up to path_len are always there (size >= 0.2's); the
     * Gateway ones only when the caller's struct has them */
    bool gw = false;
    if (q->size >=
        offsetof(struct kg_http_request, gateway_len) + sizeof(size_t))
        gw = q->gateway != NULL;
    if (q->size >= offsetof(struct kg_http_request, port) + sizeof(unsigned))
        gw = gw || q->port != 0;
    s->ingress = !gw;
    if (gw)
        return;
    char h[KG_ROUTE_HOST_MAX];
    size_t hn = 0;
    bool ascii = true;
    s->pre.rc = kgi_routes_norm_host(q->host, q->host_len, h, &hn, &ascii);
    s->pre.g = NULL;
    s->hn = (uint32_t)hn;
    s->ascii = ascii;
    s->kept = hn <= HOST_KEEP;
    if (s->pre.rc || !hn || !ascii)
        return;
    if (s->kept)
        memcpy(s->h, h, hn);
    s->hash = kgi_routes_hash(h, hn);
    if (r->exact.slots)
        PREFETCH(&r->exact.slots[s->hash & r->exact.mask]);
}

/* Stage 1: the group, its first lines prefetched. */
static void stage_group(const struct kgi_routes *r,
                        const struct kg_http_request *q, struct slot *s)
{
    if (!s->ingress || s->pre.rc)
        return;
    if (!s->hn || !s->ascii) {
        s->pre.g = kgi_routes_group(r, NULL, 0, false, 0);
    } else if (s->kept) {
        s->pre.g = kgi_routes_group(r, s->h, s->hn, true, s->hash);
    } else {
        char h[KG_ROUTE_HOST_MAX];
        size_t hn = 0;
        bool ascii = true;
        kgi_routes_norm_host(q->host, q->host_len, h, &hn, &ascii);
        s->pre.g = kgi_routes_group(r, h, hn, ascii, s->hash);
    }
    if (s->pre.g) {
        PREFETCH(s->pre.g);
        PREFETCH((const char *)s->pre.g + 64);
    }
}

/* Stage 2: where the walk's first binary search starts. */
static void stage_root(const struct slot *s)
{
    const struct kgi_hgroup *g = s->pre.g;
    if (!s->ingress || s->pre.rc || !g || g->regex || !g->root.n_child)
        return;
    PREFETCH(&g->root.child[g->root.n_child / 2]);
    PREFETCH(&g->root.child[g->root.n_child / 4]);
}

/* The answer for one request, struct sizes as the caller's (util/abi.h). */
static int answer(const struct kgi_routes *r, const struct kg_http_request *q,
                  const struct kgi_route_pre *pre, char *buf, size_t cap,
                  struct kg_route *out)
{
    struct kg_http_request full_q;
    if (q->size != sizeof(full_q)) {
        kgi_abi_in(&full_q, sizeof(full_q), q);
        q = &full_q;
    }
    if (out->size >= sizeof(*out))
        return kgi_routes_lookup_pre(r, q, pre, buf, cap, out);
    struct kg_route full;
    kgi_abi_in(&full, sizeof(full), out);
    int rc = kgi_routes_lookup_pre(r, q, pre, buf, cap, &full);
    kgi_abi_out(out, &full);
    return rc;
}

int kgi_routes_batch(const struct kgi_routes *r,
                     const struct kg_http_request *reqs, size_t qstride,
                     size_t n, char *buf, size_t cap, struct kg_route *out,
                     size_t ostride, int *rc)
{
    if (!r)
        return KG_EINVAL; /* nothing written */
    const size_t depth = STAGES * STEP;
    struct slot ring[RING];
    int ret = 0;
    for (size_t i = 0; i < n + depth; i++) {
        if (i < n && req_at(reqs, qstride, i)->size == qstride)
            stage_host(r, req_at(reqs, qstride, i), &ring[i % RING]);
        if (i >= STEP && i - STEP < n) {
            size_t k = i - STEP;
            if (req_at(reqs, qstride, k)->size == qstride)
                stage_group(r, req_at(reqs, qstride, k), &ring[k % RING]);
        }
        if (i >= 2 * STEP && i - 2 * STEP < n) {
            size_t k = i - 2 * STEP;
            if (req_at(reqs, qstride, k)->size == qstride)
                stage_root(&ring[k % RING]);
        }
        if (i < depth)
            continue;
        size_t k = i - depth;
        const struct kg_http_request *q = req_at(reqs, qstride, k);
        struct kg_route *o =
            (struct kg_route *)(void *)((char *)out + k * ostride);
        int c;
        if (q->size != qstride || o->size != ostride)
            c = KG_EINVAL;
        else
            c = answer(r, q,
                       ring[k % RING].ingress ? &ring[k % RING].pre : NULL,
                       buf ? buf + k * cap : NULL, cap, o);
        rc[k] = c;
        if (c && c != KG_ENOMATCH && !ret)
            ret = c;
    }
    return ret;
}
