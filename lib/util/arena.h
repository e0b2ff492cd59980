// SPDX-License-Identifier: MIT
/*
 * arena.h - bump allocator for objects that live and die together.
 *
 * The node tree of a load and the tables of a compiled ruleset are built
 * once and freed at once; an arena makes that one free and keeps related
 * data close in memory. Chunks grow geometrically (4 KiB to 1 MiB) so a
 * small load costs one page and a large one few mallocs; a request larger
 * than a chunk gets a chunk of its own.
 */
#ifndef KGI_UTIL_ARENA_H
#define KGI_UTIL_ARENA_H

#include <stddef.h>

struct kgi_arena_chunk;

struct kgi_arena {
    struct kgi_arena_chunk *head;
    size_t next_size; /* size of the next chunk to allocate */
    size_t total;     /* bytes obtained from the heap */
};

void kgi_arena_init(struct kgi_arena *a);
/* Frees every chunk; the arena is empty and reusable. */
void kgi_arena_release(struct kgi_arena *a);
/* size bytes aligned to align (a power of two <= 64); NULL on failure. */
void *kgi_arena_alloc(struct kgi_arena *a, size_t size, size_t align);
/* Zeroed array of count elements of size bytes (max_align_t aligned). */
void *kgi_arena_calloc(struct kgi_arena *a, size_t count, size_t size);
/* NUL-terminated copy of s[0..len). */
char *kgi_arena_strndup(struct kgi_arena *a, const char *s, size_t len);
/* Copy of len bytes (aligned like max_align_t). */
void *kgi_arena_memdup(struct kgi_arena *a, const void *p, size_t len);

#endif
