// SPDX-License-Identifier: MIT
/*
 * lookup_batch.c - the prefetch stages of a batch of verdicts: what a
 * flow's verdict reads - the endpoint table slot of each address, the
 * pod and its identity's rule set, the CIDR table (for a full BGP view an
 * LPM top-level word, then its record) - started in three dependent steps,
 * each a pipeline stage of kg_check_batch (lib/api/check_batch.c) run
 * several flows ahead of the verdict itself.
 */
#include "policy/lookup_batch.h"

#include <stddef.h>

void kgi_vd_prefetch0(const struct kgi_netpol *np, const struct kg_addr *src,
                      const struct kg_addr *dst, struct kgi_vd_prefetch *st)
{
    st->ok = kgi_vd_addr(src, &st->s) && kgi_vd_addr(dst, &st->d);
    st->tab[0] = st->tab[1] = NULL;
    if (!st->ok || !np->ep)
        return;
    __builtin_prefetch(&np->ep[kgi_vd_ip_hash(&st->s) & np->ep_mask]);
    __builtin_prefetch(&np->ep[kgi_vd_ip_hash(&st->d) & np->ep_mask]);
}

/* The table a side of pod `pod` (direction dir) searches for a peer of
 * family fam, or NULL (not a pod, not isolated in that direction). */
static const struct kgi_cidrtab *side_table(const struct kgi_netpol *np,
                                            uint32_t pod, int dir, int fam)
{
    if (pod == KGI_VD_NONE)
        return NULL;
    uint32_t rsid = np->idents[np->pods[pod].ident].rs[dir];
    if (rsid == KGI_VD_NONE)
        return NULL;
    return &np->rulesets[rsid].tab[fam == 6];
}

void kgi_vd_prefetch1(const struct kgi_netpol *np, struct kgi_vd_prefetch *st)
{
    if (!st->ok || !np->ep)
        return;
    uint32_t sp = kgi_netpol_endpoint(np, &st->s);
    uint32_t dp = kgi_netpol_endpoint(np, &st->d);
    st->tab[0] = side_table(np, sp, KG_EGRESS, st->d.family);
    st->tab[1] = side_table(np, dp, KG_INGRESS, st->s.family);
    if (st->tab[0])
        kgi_cidrtab_prefetch(st->tab[0], &st->d, 0);
    if (st->tab[1])
        kgi_cidrtab_prefetch(st->tab[1], &st->s, 0);
}

void kgi_vd_prefetch2(struct kgi_vd_prefetch *st)
{
    if (st->tab[0])
        kgi_cidrtab_prefetch(st->tab[0], &st->d, 1);
    if (st->tab[1])
        kgi_cidrtab_prefetch(st->tab[1], &st->s, 1);
}
