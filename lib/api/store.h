// SPDX-License-Identifier: MIT
/*
 * store.h - the builder's objects, keyed by (kind, namespace, name): what
 * makes a builder incremental (kg_builder_remove, kg_builder_apply_events,
 * and adding an object that is already loaded replaces it).
 *
 * Workload: a cluster loaded once (one source of 10^5 objects), then a
 * stream of watch events, each adding, replacing or removing one object,
 * with a compile after each batch. So insert, replace and remove are O(1)
 * (a hash from key to entry) and never touch the other objects, and the
 * compile reads the live objects in order from one array.
 *
 * Memory: the node trees of one add (a file, a buffer, one call of
 * kg_builder_apply_events) live in that source's arena, freed when the last
 * of its objects is replaced or removed. Removed entries stay in the array
 * as holes until they outnumber the live ones; then the array is compacted
 * (amortized O(1) per removal).
 *
 * Order: the live objects in the order they were last added (a replaced
 * object moves to the end), which is the input order a from-scratch
 * compile of the same objects would see. Objects of one source with equal
 * keys are all kept (the compilers report the duplicate, as for any single
 * file); an object of a later source replaces them all.
 */
#ifndef KGI_API_STORE_H
#define KGI_API_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/hash.h"
#include "yaml/node.h"

#define KGI_STORE_NONE SIZE_MAX

/* The node trees of one add; freed with its last live object, unless
 * pinned: then with its last pin (the builder pins the trees its last full
 * compile read, which incremental compiles still point into). */
struct kgi_source {
    struct kgi_arena arena;
    size_t live;
    size_t pins;
    uint64_t mark; /* kgi_store_pin's */
};

struct kgi_entry {
    struct kgi_object obj;
    struct kgi_source *src;
    const char *key; /* "kind\0namespace\0name", in src's arena */
    size_t key_len;
    uint64_t hash;
    size_t dup_prev; /* an older live entry of the same key and source */
    bool live;
};

struct kgi_store {
    struct kgi_entry *v;
    size_t n, cap; /* entries, holes included */
    size_t live;
    uint64_t pin_epoch;    /* of the last kgi_store_pin */
    struct kgi_hash index; /* key -> newest entry index */
    /* told of every change: the key, and how many live entries it has more
     * (an add that replaces one: 0) */
    void (*changed)(void *user, const char *key, size_t len, long delta);
    void *user;
};

void kgi_store_init(struct kgi_store *s);
void kgi_store_release(struct kgi_store *s);

/* A new source (its arena for a load), or NULL on allocation failure. */
struct kgi_source *kgi_source_new(void);
/* Frees a source none of whose objects were stored (live == 0). */
void kgi_source_drop(struct kgi_source *src);

/* The key of an object, "kind\0namespace\0name" in arena (namespaced kinds
 * kgress reads default to "default"); NULL on allocation failure. Missing
 * fields count as empty strings. */
const char *kgi_store_key(struct kgi_arena *arena, const struct kgi_node *obj,
                          size_t *len);

/* Room for n more entries: 0 or KG_ENOMEM (nothing changed). Compacts the
 * holes first when they outnumber the live entries. */
int kgi_store_reserve(struct kgi_store *s, size_t n);

/* The newest live entry of key, or KGI_STORE_NONE. */
size_t kgi_store_find(const struct kgi_store *s, const char *key, size_t len);

/* Adds obj (whose source is src, key in src's arena) after the others,
 * replacing the live entries of its key that came from another source
 * (from any source when always: a watch event). Needs the room of
 * kgi_store_reserve; never fails then. */
void kgi_store_put(struct kgi_store *s, const struct kgi_object *obj,
                   struct kgi_source *src, const char *key, size_t len,
                   bool always);

/* Removes every live entry of key; returns how many. Frees sources left
 * without objects (and pins). Never allocates. */
size_t kgi_store_remove(struct kgi_store *s, const char *key, size_t len);

/* Pins every source holding a live object: *out (heap, the caller's to
 * kgi_store_unpin) lists them, *n of them. Returns 0 or KG_ENOMEM
 * (nothing pinned). */
int kgi_store_pin(struct kgi_store *s, struct kgi_source ***out, size_t *n);
/* Drops the pins of list[0..n) (frees the sources left without objects and
 * pins) and the list. */
void kgi_store_unpin(struct kgi_source **list, size_t n);

/* The newest resourceVersion a watch stream delivered (api/watch.c). */
struct kgi_rv {
    char s[128]; /* NUL-terminated; "" before any */
    size_t n;
};

struct kg_diagnostics;
struct kg_options;

/* Applies the watch events of buf[0..len) to the store (kgress.h,
 * kg_builder_apply_events, says what each does). With used, an incomplete
 * last value is left for the next call and *used is the bytes consumed;
 * without, it is an error. Returns 0, KG_ECOMPILE (an event was rejected:
 * see diags; the others were applied), KG_ERELIST / KG_EWATCH (an ERROR
 * event: stopped there), KG_ENOMEM (stopped there; the events before it are
 * applied). */
int kgi_events_apply(struct kgi_store *st, const struct kg_options *opts,
                     struct kg_diagnostics *diags, struct kgi_rv *rv,
                     const char *name, const char *buf, size_t len,
                     size_t *used, size_t *changed);

#endif
