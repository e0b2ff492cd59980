// SPDX-License-Identifier: MIT
/*
 * abi.h - the growth rule of the public sized structs (kgress.h "ABI
 * promise"), in one place.
 *
 * A sized struct begins with `size_t size`, set by the caller to the
 * sizeof it was compiled with. An entry point checks size >= the first
 * released size, then works on the caller's struct directly when it is at
 * least as large as the library's (the library then writes only its own
 * sizeof bytes), or else on a full-size copy of it, of which only the
 * caller's first `size` bytes are handed back. Either way nothing past the
 * caller's size is read or written, and the answer code is shared by both
 * paths. The copy costs two small memcpys and happens only for callers
 * built against an older header.
 */
#ifndef KGI_UTIL_ABI_H
#define KGI_UTIL_ABI_H

#include <stddef.h>
#include <string.h>

/* Fills full (full_size bytes, a sized struct) from the caller's smaller
 * struct: its bytes, zeros after them, and size = full_size. */
static inline void kgi_abi_in_(void *full, size_t full_size, const void *caller)
{
    size_t n;
    memcpy(&n, caller, sizeof(n));
    if (n > full_size)
        n = full_size;
    memset(full, 0, full_size);
    memcpy(full, caller, n);
    memcpy(full, &full_size, sizeof(full_size));
}

/* Hands the first caller->size bytes of full back, the size member aside. */
static inline void kgi_abi_out_(void *caller, const void *full,
                                size_t full_size)
{
    size_t n;
    memcpy(&n, caller, sizeof(n));
    if (n > full_size)
        n = full_size;
    if (n > sizeof(size_t))
        memcpy((char *)caller + sizeof(size_t),
               (const char *)full + sizeof(size_t), n - sizeof(size_t));
}

#define kgi_abi_in(full, full_size, caller) kgi_abi_in_(full, full_size, caller)
#define kgi_abi_out(caller, full) kgi_abi_out_(caller, full, sizeof(*(full)))

#endif
