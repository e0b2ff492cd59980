// SPDX-License-Identifier: MIT
/*
 * ptrie.h - the generic path-trie builder shared by the Ingress and the
 * Gateway API compilers (route/ingress_compile.c, route/gateway_compile.c).
 *
 * The trie and its node layout are described in route/table.h: a tree over
 * the '/'-separated pieces of a path after its leading '/', path-compressed,
 * children sorted by (length, bytes) of their first piece. What a node
 * answers with is the engine's business: the Ingress engine keeps one
 * winning target per node, the Gateway engine an ordered list of
 * candidate matches. So the builder takes the engine's entries (an array
 * of any element type, each embedding a struct kgi_ptrie_cursor over its
 * node key), already sorted by kgi_ptrie_key_cmp of their keys, builds the
 * nodes, and calls back once per node with the entries that end there.
 *
 * Workload: control plane, once per host group per compile; the sort and
 * the recursive build are O(entries * pieces). Recursion depth is the
 * piece count of the longest key (bounded by the engines' path limits:
 * 4096 bytes for Ingress, 1024 for Gateway API).
 */
#ifndef KGI_ROUTE_PTRIE_H
#define KGI_ROUTE_PTRIE_H

#include <stddef.h>

#include "k8s/field.h"
#include "route/table.h"

/* The build cursor of one entry: its node key (a normalized path without
 * a trailing empty piece for prefixes; "" is the root) and the position of
 * the next piece. */
struct kgi_ptrie_cursor {
    struct kgi_bstr key;
    uint32_t cur;
    bool done; /* no piece left: the entry ends at the current node */
};

/* Sets the cursor on the first piece of key. */
void kgi_ptrie_cursor_init(struct kgi_ptrie_cursor *c, struct kgi_bstr key);

/* Order of node keys: piece by piece, each by (length, bytes), a key
 * before its extensions. Entries must be sorted by it. */
int kgi_ptrie_key_cmp(struct kgi_bstr a, struct kgi_bstr b);

/* Called for every node (root included) with the n (>= 0) entries ending
 * there, in their sorted order; sets the node's exact/prefix/partial
 * answers. Returns 0 or KG_ENOMEM. */
typedef int (*kgi_ptrie_resolve_fn)(void *user, struct kgi_pnode *node,
                                    void *ents, size_t n);

/* Builds the trie of ents[0..n) (elements of `stride` bytes, each with its
 * cursor at byte offset `cursor_off`, initialised) under root (zeroed
 * here) in arena a. Returns 0 or KG_ENOMEM. */
int kgi_ptrie_build(struct kgi_arena *a, struct kgi_pnode *root, void *ents,
                    size_t n, size_t stride, size_t cursor_off,
                    kgi_ptrie_resolve_fn fn, void *user);

/* Builds the open-addressing table of table.h (load <= 1/2) over keys
 * (pointing into a, which must outlive t) -> vals, in arena a. Keys are
 * unique. Returns 0 or KG_ENOMEM. Lives here with the trie builder: both
 * make the host -> group -> trie tables of the two engines. */
int kgi_htab_build(struct kgi_arena *a, struct kgi_htab *t,
                   const struct kgi_bstr *keys, const void *const *vals,
                   size_t n);

/* Helpers of both compilers. A copy of p[0..n) in arena a as a table
 * string ({"",0} for an empty one; sets *oom on failure). */
struct kgi_bstr kgi_route_bdup(struct kgi_arena *a, const char *p, size_t n,
                               bool *oom);
struct kgi_bstr kgi_route_bstr(struct kgi_arena *a, struct kgi_str s,
                               bool *oom);

#endif
