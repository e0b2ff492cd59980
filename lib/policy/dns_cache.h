// SPDX-License-Identifier: MIT
/*
 * dns_cache.h - kg_dns_cache: which names an address stands for, learnt
 * from DNS answers, for the domainNames checks of a packet firewall.
 *
 * Workload: one writer thread feeding every answer the node's pods receive
 * (10^5 to 10^6 observations per second at peak), many checking threads
 * asking, per new connection, which names its destination address stands
 * for to its source (a few per address). Readers must never block on the
 * writer nor allocate; memory must be bounded whatever the answers say.
 *
 * Representation: everything is allocated by kg_dns_cache_new. A binding
 * (destination address, client address, name, the interval [since,
 * expires) it is seen in) is a node of a fixed pool, chained from a
 * bucket chosen by (destination, client), so a
 * lookup reads two short chains: the client's own bindings and the global
 * ones (client ::). Names are interned in fixed 256-byte slots. Readers
 * are seqlock readers (Lamport's concurrent reading and writing; Boehm,
 * "Can seqlocks get along with programming language memory models?",
 * MSPC 2012): every bucket has a sequence counter that the writer makes
 * odd while it changes the bucket's chain, and a reader retries when the
 * counter moved or was odd. Nodes and name slots are reused, never freed,
 * so a reader that raced a writer reads stale but mapped memory, bounded
 * by indices it checks, and throws the result away; every shared word is
 * a C11 relaxed atomic, which makes those racing reads defined (and TSan
 * clean) and costs plain loads on common hardware. A node leaves its chain
 * (its bucket's counter moves) before it or its name slot is reused, which
 * is what lets the reader's final counter check cover the name it copied.
 *
 *     buckets[]  {seq, head} ---> node ---> node ---> NONE
 *                                  | name         | name
 *                                  v              v
 *     names[]    [len|text ... 256 bytes]   [len|text ...]
 *
 * Writer-only bookkeeping (under the mutex): a least-recently-observed
 * list of nodes and one of names for eviction, each name's list of nodes
 * (a name evicted takes its bindings along), free lists, and a hash of
 * names for interning.
 */
#ifndef KGI_POLICY_DNS_CACHE_H
#define KGI_POLICY_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "kgress.h"
#include "policy/namepat.h"
#include "util/ip.h"

#define KGI_DNS_SEEN_MAX 16 /* names one lookup copies out */

struct kgi_dns_seen {
    size_t len;
    char text[KGI_NAME_MAX + 1 + 8];
};

/* Copies the names dst stands for to client (NULL: global bindings only)
 * at time now, newest first (the client's own, then the global ones), at
 * most cap of them; returns how many. Lock-free, allocation-free. */
size_t kgi_dns_cache_names(const kg_dns_cache *c, const struct kgi_ip *client,
                           const struct kgi_ip *dst, uint64_t now,
                           struct kgi_dns_seen *out, size_t cap);

/* What the cache holds (tests and benchmarks; takes the writer's mutex). */
struct kgi_dns_stats {
    size_t entries, names;
    uint64_t evicted, evicted_live; /* bindings dropped to make room */
    uint64_t retries;               /* lookups that raced a write */
};
void kgi_dns_cache_stats(kg_dns_cache *c, struct kgi_dns_stats *out);

#endif
