// SPDX-License-Identifier: MIT
/*
 * arena.c - chunked bump allocator. See arena.h.
 */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_CHUNK (1u << 20)

struct kgi_arena_chunk {
    struct kgi_arena_chunk *next;
    size_t used, size;
    alignas(64) unsigned char data[];
};

void kgi_arena_init(struct kgi_arena *a)
{
    a->head = NULL;
    a->next_size = ARENA_MIN_CHUNK;
    a->total = 0;
}

void kgi_arena_release(struct kgi_arena *a)
{
    struct kgi_arena_chunk *c = a->head;
    while (c) {
        struct kgi_arena_chunk *n = c->next;
        kgi_free(c);
        c = n;
    }
    kgi_arena_init(a);
}

void *kgi_arena_alloc(struct kgi_arena *a, size_t size, size_t align)
{
    if (align == 0)
        align = 1;
    struct kgi_arena_chunk *c = a->head;
    if (c) {
        size_t off = (c->used + align - 1) & ~(align - 1);
        if (off <= c->size && size <= c->size - off) {
            c->used = off + size;
            return c->data + off;
        }
    }
    size_t want = a->next_size;
    if (size > SIZE_MAX - sizeof(*c) - align)
        return NULL;
    if (want < size + align)
        want = size + align;
    c = kgi_malloc(sizeof(*c) + want);
    if (!c)
        return NULL;
    c->size = want;
    c->used = 0;
    /* keep filling the larger of the two chunks: a big one-off allocation
     * goes behind the current chunk so its free space is not wasted */
    if (a->head && want > a->next_size && a->head->size - a->head->used > 256) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    a->total += sizeof(*c) + want;
    if (a->next_size < ARENA_MAX_CHUNK)
        a->next_size *= 2;
    c->used = size;
    return c->data;
}

void *kgi_arena_calloc(struct kgi_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = kgi_arena_alloc(a, count * size, alignof(max_align_t));
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *kgi_arena_strndup(struct kgi_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = kgi_arena_alloc(a, len + 1, 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *kgi_arena_memdup(struct kgi_arena *a, const void *src, size_t len)
{
    void *p = kgi_arena_alloc(a, len, alignof(max_align_t));
    if (p && len)
        memcpy(p, src, len);
    return p;
}
