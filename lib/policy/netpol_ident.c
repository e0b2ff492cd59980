// SPDX-License-Identifier: MIT
/*
 * netpol_ident.c - identities and selections of the NetworkPolicy
 * compiler (policy/table.h explains both).
 *
 * Identities: the eligible pods of each namespace (hostNetwork pods are
 * not selectable unless KG_FLAG_SELECT_HOSTNETWORK, rule 20) sorted by
 * their labels; a run of equal label sets is one identity. Workload:
 * O(pods log pods) label comparisons, done once per compile.
 *
 * Selections: a selector peer's pods are the identities of the namespaces
 * it reaches (namespaceSelector over namespace labels, rule 13, else the
 * policy's own namespace, rule 12) whose labels its podSelector matches
 * (rule 14: both = AND). Each distinct peer text is evaluated once over
 * the identities, giving (selection, identity) pairs; each identity then
 * gets the ascending list of selections holding it, which is what a
 * lookup reads for a peer.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/netpol_build.h"
#include "util/alloc.h"
#include "util/hash.h"

/* ------------------------------------------------------------ identities */

int kgi_vd_kvs_cmp(const struct kgi_kvs *a, const struct kgi_kvs *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        int c = kgi_vd_str_cmp(a->v[i].key, b->v[i].key);
        if (!c)
            c = kgi_vd_str_cmp(a->v[i].value, b->v[i].value);
        if (c)
            return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

struct by_labels {
    const struct kgi_kvs *labels;
    uint32_t pod;
};

static int by_labels_cmp(const void *x, const void *y)
{
    const struct by_labels *a = x, *b = y;
    int c = kgi_vd_kvs_cmp(a->labels, b->labels);
    if (c)
        return c;
    return a->pod < b->pod ? -1 : a->pod > b->pod;
}

int kgi_vd_build_idents(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    struct by_labels *v = kgi_malloc((b->n_pods + 1) * sizeof(*v));
    /* at most one identity per pod */
    np->idents =
        kgi_arena_calloc(&np->arena, b->n_pods + 1, sizeof(*np->idents));
    b->ident_labels =
        kgi_arena_calloc(b->scratch, b->n_pods + 1, sizeof(*b->ident_labels));
    if (!v || !np->idents || !b->ident_labels) {
        kgi_free(v);
        return KG_ENOMEM;
    }
    uint32_t id = 0;
    for (size_t x = 0; x < b->n_ns; x++) {
        struct kgi_vd_nsinfo *ns = &b->ns[x];
        size_t n = 0;
        for (uint32_t i = ns->pod_begin; i < ns->pod_end; i++) {
            np->pods[i].ident = KGI_VD_NONE;
            if (np->pods[i].host_network)
                continue;
            v[n].labels = &b->pods[i]->labels;
            v[n++].pod = i;
        }
        qsort(v, n, sizeof(*v), by_labels_cmp);
        ns->ident_begin = id;
        for (size_t k = 0; k < n; k++) {
            if (k == 0 || kgi_vd_kvs_cmp(v[k - 1].labels, v[k].labels) != 0) {
                struct kgi_vd_ident *d = &np->idents[id];
                d->ns = (uint32_t)x;
                d->first = v[k].pod;
                d->rs[0] = d->rs[1] = KGI_VD_NONE;
                b->ident_labels[id] = v[k].labels;
                id++;
            }
            np->idents[id - 1].n_pods++;
            np->pods[v[k].pod].ident = id - 1;
        }
        ns->ident_end = id;
    }
    np->n_idents = id;
    kgi_free(v);
    return 0;
}

/* ------------------------------------------------------------ selections */

static int key_add(struct kgi_vd_memo *m, const void *p, size_t n)
{
    if (kgi_grow((void **)&m->key, &m->key_cap, m->key_len + n + 1, 1))
        return -1;
    if (n)
        memcpy(m->key + m->key_len, p, n);
    m->key_len += n;
    return 0;
}

/* Length-prefixed, so that no two different selectors share a text. */
static int key_str(struct kgi_vd_memo *m, struct kgi_str s)
{
    uint64_t n = s.n;
    return key_add(m, &n, sizeof(n)) || key_add(m, s.p, s.n) ? -1 : 0;
}

static int key_sel(struct kgi_vd_memo *m, const struct kgi_selector *sel)
{
    uint64_t n = sel->match_labels.n;
    if (key_add(m, &n, sizeof(n)))
        return -1;
    for (size_t i = 0; i < sel->match_labels.n; i++)
        if (key_str(m, sel->match_labels.v[i].key) ||
            key_str(m, sel->match_labels.v[i].value))
            return -1;
    n = sel->n_exprs;
    if (key_add(m, &n, sizeof(n)))
        return -1;
    for (size_t i = 0; i < sel->n_exprs; i++) {
        const struct kgi_requirement *q = &sel->exprs[i];
        uint64_t op = (uint64_t)q->op, nv = q->n_values;
        if (key_add(m, &op, sizeof(op)) || key_str(m, q->key) ||
            key_add(m, &nv, sizeof(nv)))
            return -1;
        for (size_t v = 0; v < q->n_values; v++)
            if (key_str(m, q->values[v]))
                return -1;
    }
    return 0;
}

static int memo_rehash(struct kgi_vd_memo *m, size_t mask)
{
    uint32_t *slot = kgi_calloc(mask + 1, sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = m->items[i].hash & mask;
        while (slot[j])
            j = (j + 1) & mask;
        slot[j] = (uint32_t)i + 1;
    }
    kgi_free(m->slot);
    m->slot = slot;
    m->mask = mask;
    return 0;
}

void kgi_vd_memo_free(struct kgi_vd_memo *m)
{
    kgi_free(m->items);
    kgi_free(m->slot);
    kgi_free(m->key);
}

/* Evaluates a new selection over the identities, as (sel, ident) pairs. */
static int select_idents(struct kgi_vd_build *b, const struct kgi_np_peer *peer,
                         uint32_t pol_ns, uint32_t sel)
{
    uint32_t n = 0;
    for (size_t x = 0; x < b->n_ns; x++) {
        const struct kgi_vd_nsinfo *ns = &b->ns[x];
        if (peer->has_ns_sel) {
            /* rule 13: every namespace whose labels match */
            if (!kgi_selector_matches(&peer->ns_sel, ns->labels))
                continue;
        } else if (x != pol_ns) {
            continue; /* rule 12: the policy's namespace only */
        }
        for (uint32_t i = ns->ident_begin; i < ns->ident_end; i++) {
            if (peer->has_pod_sel &&
                !kgi_selector_matches(&peer->pod_sel, b->ident_labels[i]))
                continue; /* rule 14: both selectors = AND */
            if (kgi_grow((void **)&b->pairs, &b->pairs_cap, b->n_pairs + 1,
                         sizeof(*b->pairs)))
                return KG_ENOMEM;
            b->pairs[b->n_pairs].sel = sel;
            b->pairs[b->n_pairs++].ident = i;
            n++;
        }
    }
    b->sels[sel].n_idents = n;
    return 0;
}

int kgi_vd_select_peer(struct kgi_vd_build *b, const struct kgi_np_peer *peer,
                       uint32_t pol_ns, uint32_t *sel)
{
    struct kgi_vd_memo *m = &b->memo;
    m->key_len = 0;
    uint64_t tag[2] = {peer->has_ns_sel ? UINT64_MAX : pol_ns,
                       peer->has_pod_sel};
    if (key_add(m, tag, sizeof(tag)) ||
        (peer->has_ns_sel && key_sel(m, &peer->ns_sel)) ||
        (peer->has_pod_sel && key_sel(m, &peer->pod_sel)))
        return KG_ENOMEM;
    uint64_t h = kgi_hash_bytes(m->key, m->key_len, 0);
    /* a delta's memo: the full compile's selections first */
    const struct kgi_vd_memo *pm = m->parent;
    for (size_t j = h & (pm ? pm->mask : 0); pm && pm->slot && pm->slot[j];
         j = (j + 1) & pm->mask) {
        const struct kgi_vd_memo_item *it = &pm->items[pm->slot[j] - 1];
        if (it->hash == h && it->len == m->key_len &&
            memcmp(it->key, m->key, m->key_len) == 0) {
            *sel = it->sel;
            return 0;
        }
    }
    if (!m->slot && memo_rehash(m, 255))
        return KG_ENOMEM;
    size_t j = h & m->mask;
    for (; m->slot[j]; j = (j + 1) & m->mask) {
        const struct kgi_vd_memo_item *it = &m->items[m->slot[j] - 1];
        if (it->hash == h && it->len == m->key_len &&
            memcmp(it->key, m->key, m->key_len) == 0) {
            *sel = it->sel;
            return 0;
        }
    }
    uint32_t id = b->np->n_sels;
    if (id >= KGI_VD_NONE - 1 ||
        kgi_grow((void **)&b->sels, &b->sels_cap, (size_t)id + 1,
                 sizeof(*b->sels)) ||
        kgi_grow((void **)&b->sel_peer, &b->sel_peer_cap, (size_t)id + 1,
                 sizeof(*b->sel_peer)) ||
        kgi_grow((void **)&m->items, &m->cap, m->n + 1, sizeof(*m->items)))
        return KG_ENOMEM;
    b->np->n_sels = id + 1;
    b->sel_peer[id].peer = peer;
    b->sel_peer[id].pol_ns = pol_ns;
    int rc = select_idents(b, peer, pol_ns, id);
    if (rc)
        return rc;
    struct kgi_vd_memo_item *it = &m->items[m->n];
    it->key = kgi_arena_memdup(b->scratch, m->key, m->key_len);
    if (!it->key)
        return KG_ENOMEM;
    it->len = m->key_len;
    it->hash = h;
    it->sel = id;
    m->slot[j] = (uint32_t)++m->n;
    if (m->n * 2 > m->mask + 1 && memo_rehash(m, m->mask * 2 + 1))
        return KG_ENOMEM;
    *sel = id;
    return 0;
}

int kgi_vd_finish_idents(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    np->sels = kgi_arena_calloc(&np->arena, np->n_sels + 1, sizeof(*np->sels));
    uint32_t *all =
        kgi_arena_alloc(&np->arena, (b->n_pairs + 1) * sizeof(*all), 8);
    uint32_t *start = kgi_calloc((size_t)np->n_idents + 2, sizeof(*start));
    if (!np->sels || !all || !start) {
        kgi_free(start);
        return KG_ENOMEM;
    }
    if (np->n_sels)
        memcpy(np->sels, b->sels, np->n_sels * sizeof(*np->sels));
    /* counting sort by identity, stable: pairs come in selection order */
    for (size_t i = 0; i < b->n_pairs; i++)
        start[b->pairs[i].ident + 1]++;
    for (uint32_t k = 0; k < np->n_idents; k++)
        start[k + 1] += start[k];
    for (uint32_t k = 0; k < np->n_idents; k++) {
        np->idents[k].sels = all + start[k];
        np->idents[k].n_sels = start[k + 1] - start[k];
    }
    for (size_t i = 0; i < b->n_pairs; i++)
        all[start[b->pairs[i].ident]++] = b->pairs[i].sel;
    kgi_free(start);
    return 0;
}
