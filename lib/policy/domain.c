// SPDX-License-Identifier: MIT
/*
 * domain.c - kgi_domain_*: resolve once (rule 21 of the fqdn semantics, as
 * domain.h states it), then answer peers from the list of hits.
 */
#include "policy/domain.h"

#include <string.h>

void kgi_domain_init(struct kgi_domain *d, const struct kgi_namepat *t,
                     const struct kg_flow *flow, const struct kgi_ip *src,
                     const struct kgi_ip *dst)
{
    d->t = t;
    d->flow = flow;
    d->src = *src;
    d->dst = *dst;
    d->resolved = false;
    d->n_names = d->n_hits = 0;
}

/* The patterns matching names[j], appended to the hits. */
static void add_hits(struct kgi_domain *d, size_t j)
{
    uint32_t ids[KGI_DOMAIN_HITS_MAX];
    size_t k = kgi_namepat_match(d->t, d->names[j].text, d->names[j].len, ids,
                                 KGI_DOMAIN_HITS_MAX);
    if (k > KGI_DOMAIN_HITS_MAX)
        k = KGI_DOMAIN_HITS_MAX;
    /* the most specific first: the exact pattern, then the wildcards from
     * the longest suffix (kgi_namepat_match lists them the other way) */
    for (size_t i = k; i-- > 0 && d->n_hits < KGI_DOMAIN_HITS_MAX;) {
        d->hits[d->n_hits].pattern = ids[i];
        d->hits[d->n_hits].name = (uint32_t)j;
        d->n_hits++;
    }
}

static void resolve(struct kgi_domain *d)
{
    const struct kg_flow *f = d->flow;
    d->resolved = true;
    if (!d->t || !d->t->n_patterns)
        return;
    if (f->dst_name) {
        struct kgi_dns_seen *nm = &d->names[0];
        int len = kgi_name_normalize(f->dst_name, f->dst_name_len, nm->text);
        if (len < 0)
            return; /* not a DNS name: matches nothing */
        nm->len = (size_t)len;
        d->n_names = 1;
        if (f->name_trust == KG_NAME_CLAIMED) {
            /* the claim holds only when dst is an address of that name */
            if (!f->cache)
                return;
            struct kgi_dns_seen seen[KGI_DNS_SEEN_MAX];
            size_t n = kgi_dns_cache_names(f->cache, &d->src, &d->dst, f->now,
                                           seen, KGI_DNS_SEEN_MAX);
            bool found = false;
            for (size_t i = 0; i < n && !found; i++)
                found = seen[i].len == nm->len &&
                        memcmp(seen[i].text, nm->text, nm->len) == 0;
            if (!found)
                return;
        }
        add_hits(d, 0);
        return;
    }
    if (!f->cache)
        return;
    d->n_names = kgi_dns_cache_names(f->cache, &d->src, &d->dst, f->now,
                                     d->names, KGI_DNS_SEEN_MAX);
    for (size_t j = 0; j < d->n_names; j++)
        add_hits(d, j);
}

const struct kgi_domain_hit *kgi_domain_match(struct kgi_domain *d,
                                              const uint32_t *ids, size_t n)
{
    if (!d->resolved)
        resolve(d);
    for (size_t h = 0; h < d->n_hits; h++)
        for (size_t i = 0; i < n; i++)
            if (ids[i] == d->hits[h].pattern)
                return &d->hits[h];
    return NULL;
}

void kgi_domain_report(const struct kgi_domain *d,
                       const struct kgi_domain_hit *h,
                       struct kg_side_detail *detail)
{
    const struct kg_flow *f = d->flow;
    const struct kgi_dns_seen *nm = &d->names[h->name];
    detail->domain = kgi_namepat_text(d->t, h->pattern);
    detail->name = NULL;
    if (f->name_buf && f->name_buf_size > nm->len) {
        memcpy(f->name_buf, nm->text, nm->len);
        f->name_buf[nm->len] = 0;
        detail->name = f->name_buf;
    }
}
