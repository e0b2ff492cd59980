// SPDX-License-Identifier: MIT
/*
 * cidrtab.c - prefix -> value tables of the verdict compiler: a leaf-pushed
 * sorted range array for small tables, the LPM module for large ones. See
 * cidrtab.h for the workload and the threshold.
 *
 * Leaf pushing: the prefixes, in preorder (a prefix before the prefixes it
 * contains), are walked with a stack of the enclosing prefixes; each prefix
 * starts a range with its value, and when a prefix ends the range that
 * follows takes the value of the enclosing one (or NONE). Adjacent ranges
 * of equal value are merged, so the array is the smallest exact partition.
 */
#include "policy/cidrtab.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

size_t kgi_cidrtab_lpm_min = 65536;

struct kgi_u128 kgi_u128_of_ip(const struct kgi_ip *ip)
{
    struct kgi_u128 k = {0, 0};
    for (int i = 0; i < 8; i++)
        k.hi = (k.hi << 8) | ip->b[i];
    for (int i = 8; i < 16; i++)
        k.lo = (k.lo << 8) | ip->b[i];
    return k;
}

struct kgi_u128 kgi_u128_last(const struct kgi_cidr *c)
{
    struct kgi_u128 k = kgi_u128_of_ip(&c->ip);
    unsigned host = 128u - c->len; /* IPv4: its top c->len bits fixed too */
    if (host >= 64) {
        k.lo = UINT64_MAX;
        k.hi |= host == 128 ? UINT64_MAX : ((uint64_t)1 << (host - 64)) - 1;
    } else if (host > 0) {
        k.lo |= ((uint64_t)1 << host) - 1;
    }
    return k;
}

int kgi_cidr_cmp(const struct kgi_cidr *a, const struct kgi_cidr *b)
{
    int c = kgi_u128_cmp(kgi_u128_of_ip(&a->ip), kgi_u128_of_ip(&b->ip));
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int entry_cmp(const void *x, const void *y)
{
    const struct kgi_cidrtab_entry *a = x, *b = y;
    return kgi_cidr_cmp(&a->cidr, &b->cidr);
}

struct ranges {
    struct kgi_u128 *start;
    uint32_t *value;
    size_t n;
};

/* Appends a range start, replacing one at the same key and merging with an
 * equal predecessor. */
static void emit(struct ranges *r, struct kgi_u128 s, uint32_t v)
{
    if (r->n > 0 && kgi_u128_cmp(r->start[r->n - 1], s) == 0)
        r->n--;
    if (r->n > 0 && r->value[r->n - 1] == v)
        return;
    r->start[r->n] = s;
    r->value[r->n] = v;
    r->n++;
}

static bool u128_inc(struct kgi_u128 *k)
{
    if (k->lo == UINT64_MAX && k->hi == UINT64_MAX)
        return false;
    k->lo++;
    if (k->lo == 0)
        k->hi++;
    return true;
}

static int build_ranges(struct kgi_cidrtab *t, int family,
                        const struct kgi_cidrtab_entry *e, size_t n,
                        struct kgi_arena *arena)
{
    struct ranges r = {NULL, NULL, 0};
    struct {
        struct kgi_u128 last;
        uint32_t value;
    } stack[130];
    size_t depth = 0;
    int rc = -1;
    r.start = kgi_malloc((2 * n + 1) * sizeof(*r.start));
    r.value = kgi_malloc((2 * n + 1) * sizeof(*r.value));
    if (!r.start || !r.value)
        goto out;
    emit(&r, (struct kgi_u128){0, 0}, KGI_CIDRTAB_NONE);
    for (size_t i = 0; i <= n; i++) {
        struct kgi_u128 s = {0, 0};
        if (i < n)
            s = kgi_u128_of_ip(&e[i].cidr.ip);
        /* close the enclosing prefixes that end before this one starts
         * (all of them after the last prefix) */
        while (depth > 0 &&
               (i == n || kgi_u128_cmp(stack[depth - 1].last, s) < 0)) {
            struct kgi_u128 after = stack[depth - 1].last;
            depth--;
            if (u128_inc(&after))
                emit(&r, after,
                     depth ? stack[depth - 1].value : KGI_CIDRTAB_NONE);
        }
        if (i == n)
            break;
        emit(&r, s, e[i].value);
        stack[depth].last = kgi_u128_last(&e[i].cidr);
        stack[depth].value = e[i].value;
        depth++; /* nested prefixes are strictly longer: depth <= 129 */
    }
    t->value = kgi_arena_alloc(arena, r.n * sizeof(*t->value), 4);
    if (!t->value)
        goto out;
    memcpy(t->value, r.value, r.n * sizeof(*t->value));
    if (family == 4) {
        /* IPv4 keys live in the top 32 bits; range starts are v4 too */
        t->start4 = kgi_arena_alloc(arena, r.n * sizeof(*t->start4), 4);
        if (!t->start4)
            goto out;
        for (size_t i = 0; i < r.n; i++)
            t->start4[i] = (uint32_t)(r.start[i].hi >> 32);
    } else {
        t->start = kgi_arena_alloc(arena, r.n * sizeof(*t->start), 16);
        if (!t->start)
            goto out;
        memcpy(t->start, r.start, r.n * sizeof(*t->start));
    }
    t->n = (uint32_t)r.n;
    rc = 0;
out:
    kgi_free(r.start);
    kgi_free(r.value);
    return rc;
}

static int build_lpm(struct kgi_cidrtab *t, int family,
                     const struct kgi_cidrtab_entry *e, size_t n)
{
    int rc = -1;
    if (family == 4) {
        struct kgi_lpm4_entry *v = kgi_malloc(n * sizeof(*v));
        if (!v)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const uint8_t *b = e[i].cidr.ip.b;
            v[i].addr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                        (uint32_t)b[2] << 8 | b[3];
            v[i].len = e[i].cidr.len;
            v[i].value = e[i].value;
        }
        rc = kgi_lpm4_build(v, n, &t->lpm4);
        kgi_free(v);
    } else {
        struct kgi_lpm6_entry *v = kgi_malloc(n * sizeof(*v));
        if (!v)
            return -1;
        for (size_t i = 0; i < n; i++) {
            memcpy(v[i].addr, e[i].cidr.ip.b, 16);
            v[i].len = e[i].cidr.len;
            v[i].value = e[i].value;
        }
        rc = kgi_lpm6_build(v, n, &t->lpm6);
        kgi_free(v);
    }
    return rc;
}

int kgi_cidrtab_build(struct kgi_cidrtab *t, int family,
                      struct kgi_cidrtab_entry *e, size_t n,
                      struct kgi_arena *arena)
{
    memset(t, 0, sizeof(*t));
    if (n == 0)
        return 0;
    /* the verdict compiler hands its prefixes over in order: check, and
     * sort only if not (n compares, not n log n) */
    for (size_t i = 1; i < n; i++) {
        if (entry_cmp(&e[i - 1], &e[i]) > 0) {
            qsort(e, n, sizeof(*e), entry_cmp);
            break;
        }
    }
    size_t lpm_min =
        family == 4 ? kgi_cidrtab_lpm_min : kgi_cidrtab_lpm_min / 10;
    int rc = n >= lpm_min ? build_lpm(t, family, e, n)
                          : build_ranges(t, family, e, n, arena);
    if (rc) {
        kgi_cidrtab_release(t);
        return -1;
    }
    t->family = (uint8_t)family;
    return 0;
}

void kgi_cidrtab_release(struct kgi_cidrtab *t)
{
    kgi_lpm4_free(t->lpm4);
    kgi_lpm6_free(t->lpm6);
    memset(t, 0, sizeof(*t));
}

void kgi_cidrtab_prefetch(const struct kgi_cidrtab *t, const struct kgi_ip *ip,
                          int stage)
{
    if (t->family != ip->family)
        return;
    if (t->lpm4) {
        const uint8_t *b = ip->b;
        kgi_lpm4_prefetch(t->lpm4,
                          (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                              (uint32_t)b[2] << 8 | b[3],
                          stage);
    } else if (t->lpm6) {
        kgi_lpm6_prefetch(t->lpm6, ip->b, stage);
    }
}

uint32_t kgi_cidrtab_lookup(const struct kgi_cidrtab *t,
                            const struct kgi_ip *ip)
{
    if (t->family != ip->family)
        return KGI_CIDRTAB_NONE;
    if (t->lpm4) {
        const uint8_t *b = ip->b;
        return kgi_lpm4_lookup(t->lpm4, (uint32_t)b[0] << 24 |
                                            (uint32_t)b[1] << 16 |
                                            (uint32_t)b[2] << 8 | b[3]);
    }
    if (t->lpm6)
        return kgi_lpm6_lookup(t->lpm6, ip->b);
    if (t->start4) {
        const uint8_t *b = ip->b;
        uint32_t k4 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                      (uint32_t)b[2] << 8 | b[3];
        uint32_t lo = 0, hi = t->n;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (t->start4[mid] <= k4)
                lo = mid;
            else
                hi = mid;
        }
        return t->value[lo];
    }
    struct kgi_u128 k = kgi_u128_of_ip(ip);
    /* largest i with start[i] <= k; start[0] == 0 <= k */
    uint32_t lo = 0, hi = t->n;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (kgi_u128_cmp(t->start[mid], k) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    return t->value[lo];
}

size_t kgi_cidrtab_memory(const struct kgi_cidrtab *t)
{
    size_t m =
        (size_t)t->n * ((t->start4 ? sizeof(*t->start4) : sizeof(*t->start)) +
                        sizeof(*t->value));
    if (t->lpm4)
        m += kgi_lpm4_memory(t->lpm4);
    if (t->lpm6)
        m += kgi_lpm6_memory(t->lpm6);
    return m;
}
