// SPDX-License-Identifier: MIT
/*
 * check.c - kg_check_flow and friends: the public entry points of the
 * policy engine. Each checks the caller's struct sizes (the growth rule of
 * util/abi.h), then calls the engine's lookup on the ruleset's policy
 * tables (policy/table.h: NetworkPolicy and the cluster tiers, then the
 * Service table), which works on full-size structs. Also the parsers of
 * addresses and protocols the string forms use. No allocation, no lock.
 *
 * In a library built without the policy engine (-Dpolicy=disabled) each
 * lookup returns KG_ENOTSUPPORTED (KG_EINVAL first for a NULL ruleset or
 * struct or a size below the first released one; the string forms still
 * parse their arguments first), the functions returning a name NULL; the
 * symbols stay exported. The parsers work in every build.
 */
#include <string.h>

#include "api/ruleset.h"
#include "kgress.h"
#include "util/abi.h"
#include "util/ip.h"
#if KGI_WITH_POLICY
#include "policy/table.h"
#else
/* the engine's lookups, absent: every call is unsupported */
static int kgi_netpol_check(const struct kgi_netpol *np,
                            const struct kgi_services *svc,
                            const struct kg_flow *f, struct kg_verdict *out)
{
    (void)np, (void)svc, (void)f, (void)out;
    return KG_ENOTSUPPORTED;
}

static int kgi_netpol_side(const struct kgi_netpol *np, uint32_t pod,
                           int direction, const struct kg_addr *peer,
                           int protocol, unsigned port, struct kg_side *out)
{
    (void)np, (void)pod, (void)direction, (void)peer, (void)protocol;
    (void)port, (void)out;
    return KG_ENOTSUPPORTED;
}

static int kgi_netpol_pod_find(const struct kgi_netpol *np, const char *ns,
                               size_t ns_len, const char *name, size_t name_len,
                               uint32_t *pod)
{
    (void)np, (void)ns, (void)ns_len, (void)name, (void)name_len, (void)pod;
    return KG_ENOTSUPPORTED;
}

static int kgi_netpol_pod_find_addr(const struct kgi_netpol *np,
                                    const struct kg_addr *addr, uint32_t *pod)
{
    (void)np, (void)addr, (void)pod;
    return KG_ENOTSUPPORTED;
}

static const char *kgi_netpol_pod_name(const struct kgi_netpol *np,
                                       uint32_t pod)
{
    (void)np, (void)pod;
    return NULL;
}

static int kgi_netpol_pod_addr(const struct kgi_netpol *np, uint32_t pod,
                               size_t i, struct kg_addr *out)
{
    (void)np, (void)pod, (void)i, (void)out;
    return KG_ENOTSUPPORTED;
}

static const char *kgi_netpol_pod_policy(const struct kgi_netpol *np,
                                         uint32_t pod, int direction, size_t i)
{
    (void)np, (void)pod, (void)direction, (void)i;
    return NULL;
}
#endif

KG_API int kg_check_flow(const kg_ruleset *rs, const struct kg_flow *flow,
                         struct kg_verdict *out)
{
    if (!rs || !flow || !out || flow->size < KG_FLOW_SIZE_0_2 ||
        out->size < KG_VERDICT_SIZE_0_1)
        return KG_EINVAL;
    /* the caller's flow up to its size, the rest zero (absent) */
    struct kg_flow f;
    kgi_abi_in(&f, sizeof(f), flow);
    if (out->size >= sizeof(*out))
        return kgi_netpol_check(rs->netpol, rs->services, &f, out);
    /* an older caller's smaller struct (kgress.h "ABI promise") */
    struct kg_verdict full;
    kgi_abi_in(&full, sizeof(full), out);
    int rc = kgi_netpol_check(rs->netpol, rs->services, &f, &full);
    kgi_abi_out(out, &full);
    return rc;
}

KG_API int kg_check(const kg_ruleset *rs, const struct kg_addr *src,
                    const struct kg_addr *dst, int protocol, unsigned port,
                    struct kg_verdict *out)
{
    if (!src || !dst)
        return KG_EINVAL;
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    f.src = *src;
    f.dst = *dst;
    f.protocol = protocol;
    f.port = port;
    return kg_check_flow(rs, &f, out);
}

KG_API int kg_addr_parse(const char *s, size_t len, struct kg_addr *out)
{
    struct kgi_ip ip;
    if (!s || !out || !kgi_ip_parse(s, len, &ip))
        return KG_EINVAL;
    out->family = ip.family;
    memcpy(out->bytes, ip.b, 16);
    return 0;
}

KG_API int kg_protocol_parse(const char *s, size_t len)
{
    static const struct {
        const char *name;
        int proto;
    } names[] = {
        {"TCP", KG_PROTO_TCP}, {"UDP", KG_PROTO_UDP}, {"SCTP", KG_PROTO_SCTP}};
    if (!s)
        return KG_EINVAL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *n = names[i].name;
        if (strlen(n) != len)
            continue;
        size_t k = 0;
        while (k < len && (s[k] & ~0x20) == n[k])
            k++;
        if (k == len)
            return names[i].proto;
    }
    return KG_EINVAL;
}

KG_API int kg_check_str(const kg_ruleset *rs, const char *src, size_t src_len,
                        const char *dst, size_t dst_len, const char *protocol,
                        size_t protocol_len, unsigned port,
                        struct kg_verdict *out)
{
    struct kg_addr s, d;
    if (kg_addr_parse(src, src_len, &s) || kg_addr_parse(dst, dst_len, &d))
        return KG_EINVAL;
    int proto = kg_protocol_parse(protocol, protocol_len);
    if (proto < 0)
        return KG_EINVAL;
    return kg_check(rs, &s, &d, proto, port, out);
}

KG_API int kg_check_side(const kg_ruleset *rs, uint32_t pod, int direction,
                         const struct kg_addr *peer, int protocol,
                         unsigned port, struct kg_side *out)
{
    if (!rs)
        return KG_EINVAL;
    return kgi_netpol_side(rs->netpol, pod, direction, peer, protocol, port,
                           out);
}

KG_API int kg_pod_find(const kg_ruleset *rs, const char *ns, size_t ns_len,
                       const char *name, size_t name_len, uint32_t *pod)
{
    if (!rs)
        return KG_EINVAL;
    return kgi_netpol_pod_find(rs->netpol, ns, ns_len, name, name_len, pod);
}

KG_API int kg_pod_find_addr(const kg_ruleset *rs, const struct kg_addr *addr,
                            uint32_t *pod)
{
    if (!rs)
        return KG_EINVAL;
    return kgi_netpol_pod_find_addr(rs->netpol, addr, pod);
}

KG_API const char *kg_pod_name(const kg_ruleset *rs, uint32_t pod)
{
    return rs ? kgi_netpol_pod_name(rs->netpol, pod) : NULL;
}

KG_API int kg_pod_addr(const kg_ruleset *rs, uint32_t pod, size_t i,
                       struct kg_addr *out)
{
    if (!rs)
        return KG_EINVAL;
    return kgi_netpol_pod_addr(rs->netpol, pod, i, out);
}

KG_API const char *kg_pod_policy(const kg_ruleset *rs, uint32_t pod,
                                 int direction, size_t i)
{
    return rs ? kgi_netpol_pod_policy(rs->netpol, pod, direction, i) : NULL;
}
