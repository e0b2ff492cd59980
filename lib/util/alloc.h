// SPDX-License-Identifier: MIT
/*
 * alloc.h - the one door to the heap.
 *
 * Every allocation of the library goes through these wrappers so that tests
 * can make the Nth allocation fail (SQLite's technique) and check that each
 * failure path cleans up and reports KG_ENOMEM. The countdown is a relaxed
 * atomic: cheap, and harmless in the lookup path because lookups never
 * allocate.
 */
#ifndef KGI_UTIL_ALLOC_H
#define KGI_UTIL_ALLOC_H

#include <stddef.h>

void *kgi_malloc(size_t size);
void *kgi_calloc(size_t count, size_t size);
void *kgi_realloc(void *ptr, size_t size);
void kgi_free(void *ptr);
/* Copies s[0..len) and a NUL. */
char *kgi_strndup(const char *s, size_t len);
/* Grows *vec (elements of elem bytes, *cap of them) to hold at least need.
 * Doubles; returns 0 or -1 on overflow/allocation failure (vec unchanged). */
int kgi_grow(void **vec, size_t *cap, size_t need, size_t elem);

/* Test hook: the (n+1)th allocation from now on fails, and every one after
 * it until the hook is reset; n < 0 disables. Returns allocations counted
 * since the last call (so a test can learn how many a run needs). */
long kgi_alloc_fail_after(long n);

#endif
