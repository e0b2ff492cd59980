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

static const struct kgi_cidrtab *
table(const struct kgi_netpol *np, const struct kgi_vd_prefetch *st, int side)
{
    if (st->rsid[side] == KGI_VD_NONE)
        return NULL;
    /* egress of s searches d, ingress of d searches s */
    const struct kgi_ip *peer = side ? &st->s : &st->d;
    return &kgi_vd_ruleset_at(np, st->rsid[side])->tab[peer->family == 6];
}

void kgi_vd_prefetch(const struct kgi_netpol *np, const struct kg_addr *src,
                     const struct kg_addr *dst, struct kgi_vd_prefetch *st,
                     int stage)
{
    if (stage == 0) {
        st->ok = kgi_vd_addr(src, &st->s) && kgi_vd_addr(dst, &st->d);
        st->pod[0] = st->pod[1] = KGI_VD_NONE;
        st->rsid[0] = st->rsid[1] = KGI_VD_NONE;
        if (st->ok) {
            __builtin_prefetch(&np->ep[kgi_vd_ip_hash(&st->s) & np->ep_mask]);
            __builtin_prefetch(&np->ep[kgi_vd_ip_hash(&st->d) & np->ep_mask]);
        }
        return;
    }
    if (!st->ok)
        return;
    for (int i = 0; i < 2; i++) {
        uint32_t pod = st->pod[i];
        switch (stage) {
        case 1:
            pod = st->pod[i] = kgi_netpol_endpoint(np, i ? &st->d : &st->s);
            if (pod != KGI_VD_NONE)
                __builtin_prefetch(kgi_vd_pod_at(np, pod));
            break;
        case 2:
            if (pod != KGI_VD_NONE)
                __builtin_prefetch(
                    kgi_vd_ident_at(np, kgi_vd_pod_at(np, pod)->ident));
            break;
        case 3:
            if (pod != KGI_VD_NONE) {
                /* s's pod sends (egress), d's receives (ingress) */
                uint32_t r = kgi_vd_ident_at(np, kgi_vd_pod_at(np, pod)->ident)
                                 ->rs[i ? KG_INGRESS : KG_EGRESS];
                st->rsid[i] = r;
                if (r != KGI_VD_NONE)
                    __builtin_prefetch(kgi_vd_ruleset_at(np, r));
            }
            break;
        case 4:
        case 5: {
            const struct kgi_cidrtab *t = table(np, st, i);
            if (t)
                kgi_cidrtab_prefetch(t, i ? &st->s : &st->d, stage - 4);
            break;
        }
        default:
            break;
        }
    }
}
