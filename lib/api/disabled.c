// SPDX-License-Identifier: MIT
/*
 * disabled.c - the public functions an engine defines in its own folder,
 * for a library built without that engine (meson option policy disabled):
 * the same symbols, answering KG_ENOTSUPPORTED (NULL for a constructor),
 * so a program linked against either build runs on the other, and
 * tests/abi's symbol check sees the same exports in every build. (The
 * route engine's public functions all live in api/route.c.) Empty in a
 * full build.
 */
#include <stddef.h>

#include "kgress.h"

#if !KGI_WITH_POLICY
KG_API kg_dns_cache *kg_dns_cache_new(const kg_options *opts)
{
    (void)opts;
    return NULL;
}

KG_API void kg_dns_cache_free(kg_dns_cache *c)
{
    (void)c; /* kg_dns_cache_new returned NULL: nothing to free */
}

KG_API int kg_dns_cache_observe(kg_dns_cache *c, const struct kg_addr *client,
                                const char *name, size_t name_len,
                                const struct kg_addr *addrs, size_t naddrs,
                                uint32_t ttl, uint64_t now)
{
    (void)c, (void)client, (void)name, (void)name_len, (void)addrs;
    (void)naddrs, (void)ttl, (void)now;
    return KG_ENOTSUPPORTED;
}

KG_API int kg_dns_cache_observe_msg(kg_dns_cache *c,
                                    const struct kg_addr *client,
                                    const uint8_t *msg, size_t len,
                                    uint64_t now)
{
    (void)c, (void)client, (void)msg, (void)len, (void)now;
    return KG_ENOTSUPPORTED;
}

KG_API int kg_dns_cache_name(const kg_dns_cache *c,
                             const struct kg_addr *client,
                             const struct kg_addr *addr, uint64_t now, size_t i,
                             char *buf, size_t cap)
{
    (void)c, (void)client, (void)addr, (void)now, (void)i, (void)buf;
    (void)cap;
    return KG_ENOTSUPPORTED;
}

KG_API const char *kg_match_name(int which, int value)
{
    (void)which, (void)value;
    return "?"; /* no explanation to name (kg_explain_rule unsupported) */
}
#else
/* a translation unit must not be empty (ISO C) */
typedef int kgi_disabled_none;
#endif
