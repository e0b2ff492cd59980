// SPDX-License-Identifier: MIT
/*
 * options.c - kg_options_* and the defaults of every limit and switch.
 *
 * Default limits, and why. The structural ones bound one object, what a
 * hostile manifest abuses; the stream ones the whole source, sized for
 * `kubectl get pods -A -o yaml` of a 150,000-pod cluster: a real pod
 * prints as about 7 KB and 520 YAML nodes (managedFields, probes, volumes,
 * status; tests/hardening/test_dump.c), so the dump is about 1.1 GB and
 * 80M nodes.
 *   input bytes   2 GiB   1.1 GB dump, 1.9x headroom
 *   depth         64      Kubernetes objects nest < 20 deep
 *   object nodes  1M      per object: the API server stores at most etcd's
 *                         1.5 MiB request, < 800k nodes even as [0,0,...]
 *   scalar        1 MiB   annotations are capped at 256 KiB by the API server
 *   documents     1M      a dump as one document per object
 *   alias nodes   0       kubectl never prints anchors; aliases are refused
 *   nodes         128M    per source: an 80M-node dump, 1.6x headroom;
 *                         about 66 bytes each (node, pair, text) bound
 *                         the load's memory to ~8.5 GB plus the input
 *   diagnostics   1,000   more than anyone reads; a million invalid labels
 *                         then cost one bit each, not a formatted message
 *   dns entries   65,536  (address, client, name) bindings: a node of 100
 *                         pods each reaching ~100 names of ~6 addresses;
 *                         ~72 bytes each, 4.5 MiB
 *   dns names     16,384  ~288 bytes each (text inline), 4.5 MiB
 *   dns addrs/name  256   above the NPEP-133 minimum of 100 per name; a
 *                         hostile answer cannot flush the cache alone
 *   dns min ttl   1 s     a TTL-0 answer still covers the connection that
 *                         follows it (fqdn semantics: Cilium, kube-network-
 *                         policies use 0 and 30 s)
 *   dns max ttl   2^31-1  RFC 2181 section 8: no cap unless asked
 */
#include "util/options.h"

#include <string.h>

#include "util/alloc.h"

void kgi_options_defaults(struct kg_options *o)
{
    memset(o, 0, sizeof(*o));
    o->limit[KG_LIMIT_INPUT_BYTES] = (uint64_t)2 << 30;
    o->limit[KG_LIMIT_DEPTH] = 64;
    o->limit[KG_LIMIT_OBJECT_NODES] = 1000000;
    o->limit[KG_LIMIT_SCALAR_BYTES] = 1u << 20;
    o->limit[KG_LIMIT_DOCUMENTS] = 1000000;
    o->limit[KG_LIMIT_ALIAS_NODES] = 0;
    o->limit[KG_LIMIT_NODES] = 128000000;
    o->limit[KG_LIMIT_DIAGNOSTICS] = 1000;
    o->limit[KG_LIMIT_DNS_ENTRIES] = 65536;
    o->limit[KG_LIMIT_DNS_NAMES] = 16384;
    o->limit[KG_LIMIT_DNS_ADDRS_PER_NAME] = 256;
    o->limit[KG_LIMIT_DNS_MIN_TTL] = 1;
    o->limit[KG_LIMIT_DNS_MAX_TTL] = 0x7fffffff;
    o->limit[KG_LIMIT_DNS_GRACE] = 0;
    o->flag[KG_FLAG_NORMALIZE] = true;
    o->flag[KG_FLAG_IPBLOCK_MATCHES_PODS] = true;
    o->flag[KG_FLAG_ALLOW_NODE_INGRESS] = true;
    o->flag[KG_FLAG_ALLOW_LOOPBACK] = true;
    o->dialect = KG_DIALECT_PORTABLE;
}

KG_API kg_options *kg_options_new(void)
{
    kg_options *o = kgi_malloc(sizeof(*o));
    if (o)
        kgi_options_defaults(o);
    return o;
}

KG_API void kg_options_free(kg_options *opts)
{
    kgi_free(opts);
}

KG_API int kg_options_set_limit(kg_options *o, int limit, uint64_t value)
{
    if (!o || limit < 1 || limit >= KGI_LIMIT_COUNT)
        return KG_EINVAL;
    if (value == 0 && limit != KG_LIMIT_ALIAS_NODES &&
        limit != KG_LIMIT_DNS_MIN_TTL && limit != KG_LIMIT_DNS_GRACE)
        return KG_EINVAL;
    o->limit[limit] = value;
    return 0;
}

KG_API uint64_t kg_options_get_limit(const kg_options *o, int limit)
{
    if (!o || limit < 1 || limit >= KGI_LIMIT_COUNT)
        return 0;
    return o->limit[limit];
}

KG_API int kg_options_set_flag(kg_options *o, int flag, bool on)
{
    if (!o || flag < 1 || flag >= KGI_FLAG_COUNT)
        return KG_EINVAL;
    o->flag[flag] = on;
    return 0;
}

KG_API bool kg_options_get_flag(const kg_options *o, int flag)
{
    if (!o || flag < 1 || flag >= KGI_FLAG_COUNT)
        return false;
    return o->flag[flag];
}

KG_API int kg_options_set_ingress_class(kg_options *o, const char *name,
                                        size_t len)
{
    if (!o || len > KGI_CLASS_MAX || (len && !name))
        return KG_EINVAL;
    if (!name)
        len = 0;
    if (len)
        memcpy(o->ingress_class, name, len);
    o->ingress_class[len] = '\0';
    o->ingress_class_len = len;
    return 0;
}

KG_API int kg_options_set_dialect(kg_options *o, int dialect)
{
    if (!o ||
        (dialect != KG_DIALECT_PORTABLE && dialect != KG_DIALECT_INGRESS_NGINX))
        return KG_EINVAL;
    o->dialect = dialect;
    return 0;
}
