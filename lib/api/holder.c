// SPDX-License-Identifier: MIT
/*
 * holder.c - kg_holder: the slot a proxy swaps new rulesets into while its
 * worker threads keep looking up (see "reload" in kgress.h).
 *
 * Workload: acquires on every request from many threads, swaps a few times
 * a minute from one control thread. So acquire must be cheap and never wait
 * for a swap; a swap may wait for the few acquires in flight.
 *
 * Why not a plain atomic load + kg_ruleset_ref: between the reader's load
 * of the pointer and its reference increment, a swap could drop the last
 * reference and free the ruleset, and the increment would then write to
 * freed memory. The reader must be visible to the swapper during that
 * window. The scheme is the two-counter grace period of user-space RCU:
 *
 *     reader                                swapper (mutex held)
 *     e = epoch                             old = exchange(cur, next)
 *     in[e & 1] += 1                        e = epoch; epoch = e + 1
 *     if epoch != e: in[e&1] -= 1, retry    wait until in[e & 1] == 0
 *     p = cur; ref(p)                       unref(old)
 *     in[e & 1] -= 1
 *
 * All operations are sequentially consistent. Proof sketch: a reader that
 * passes its epoch re-check is counted in in[e&1] before it loads cur. A
 * swap whose flip comes after that re-check read epoch == e (swaps are
 * serialized, so it is the swap that moves e to e+1) and so waits on
 * in[e&1]: it sees the reader's increment and waits for the decrement,
 * which comes after the reader's reference is taken — or the reader loaded
 * cur after the exchange and holds the new ruleset, which this swap does
 * not drop. A swap whose flip came before the re-check exchanged the
 * pointer before the reader's load, so the reader never sees its old
 * pointer. The re-check is what makes a reader that read a stale epoch
 * (one or more swaps ago) retry instead of hiding in the counter nobody
 * waits on. Readers that arrive after a flip count in the other counter,
 * so the one a swap waits on drains and the swap cannot starve.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "api/ruleset.h"
#include "util/alloc.h"

struct kg_holder {
    _Atomic(kg_ruleset *) cur;
    atomic_ulong epoch;
    /* readers between their epoch read and their reference, per parity;
     * each on its own cache line so the two sides do not share one */
    struct {
        atomic_ulong n;
        char pad[64 - sizeof(atomic_ulong)];
    } in[2];
    pthread_mutex_t swap_lock;
};

KG_API kg_holder *kg_holder_new(kg_ruleset *initial)
{
    kg_holder *h = kgi_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (pthread_mutex_init(&h->swap_lock, NULL) != 0) {
        kgi_free(h);
        return NULL;
    }
    atomic_init(&h->cur, kg_ruleset_ref(initial));
    atomic_init(&h->epoch, 0);
    atomic_init(&h->in[0].n, 0);
    atomic_init(&h->in[1].n, 0);
    return h;
}

KG_API kg_ruleset *kg_holder_acquire(kg_holder *h)
{
    if (!h)
        return NULL;
    for (;;) {
        unsigned long e = atomic_load(&h->epoch);
        atomic_ulong *in = &h->in[e & 1].n;
        atomic_fetch_add(in, 1);
        if (atomic_load(&h->epoch) != e) {
            /* a swap flipped meanwhile and may not wait for this counter */
            atomic_fetch_sub(in, 1);
            continue;
        }
        kg_ruleset *rs = kg_ruleset_ref(atomic_load(&h->cur));
        atomic_fetch_sub(in, 1);
        return rs;
    }
}

KG_API int kg_holder_swap(kg_holder *h, kg_ruleset *next)
{
    if (!h)
        return KG_EINVAL;
    kg_ruleset_ref(next);
    pthread_mutex_lock(&h->swap_lock);
    kg_ruleset *old = atomic_exchange(&h->cur, next);
    unsigned long e = atomic_load(&h->epoch);
    atomic_store(&h->epoch, e + 1);
    while (atomic_load(&h->in[e & 1].n) != 0)
        sched_yield();
    pthread_mutex_unlock(&h->swap_lock);
    kg_ruleset_unref(old);
    return 0;
}

KG_API void kg_holder_free(kg_holder *h)
{
    if (!h)
        return;
    kg_ruleset_unref(atomic_load(&h->cur));
    pthread_mutex_destroy(&h->swap_lock);
    kgi_free(h);
}
