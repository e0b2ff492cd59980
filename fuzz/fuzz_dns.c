// SPDX-License-Identifier: MIT
/*
 * fuzz_dns.c - the DNS response parser (lib/policy/dns_wire.c) on
 * arbitrary bytes: a packet firewall feeds it every answer its pods
 * receive, from resolvers they chose.
 *
 * Properties:
 *   - any input is KG_EDNS or a parse, never a crash, hang or read past
 *     the message (the replay main and libFuzzer both hand over a buffer of
 *     exactly the input's size);
 *   - a parse is deterministic and bounded: at most KGI_DNS_CHAIN_MAX
 *     names, KGI_DNS_ADDRS_MAX addresses, each owned by a chain name;
 *     families 4 or 6; names[0] alone has no CNAME TTL;
 *   - every text form is already normalized (kgi_name_normalize returns
 *     it unchanged), so patterns match it as they match a dialled name;
 *   - the TTL of an address for a name is never above the address
 *     record's TTL, and is none exactly for names after the owner;
 *   - a prefix of a message that parses never parses to more addresses;
 *   - fed to a small kg_dns_cache (limits that evict), a message is
 *     recorded or refused with a documented code, KG_EDNS exactly when
 *     the parser refuses it; recorded without KG_ELIMIT_CACHE, every
 *     address owned by the chain after a name with a text form is listed
 *     under some name at once (the minimum TTL keeps a TTL of 0 alive).
 */
#include "fuzz_common.h"
#include "policy/dns_cache.h"
#include "policy/dns_wire.h"

static struct kgi_dns_answer a, b;
static kg_dns_cache *cache;
static uint64_t clock_now;

/* Records the message in the shared small cache; checks the codes and
 * that every address of the answer is known under some name. */
static void feed(const uint8_t *data, size_t size, int parse_rc)
{
    if (!cache) {
        kg_options *o = kg_options_new();
        FZ_CHECK(o != NULL);
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, 64) == 0);
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, 8) == 0);
        cache = kg_dns_cache_new(o);
        kg_options_free(o);
        FZ_CHECK(cache != NULL);
    }
    clock_now += 1000; /* earlier messages expire (default max TTL aside) */
    struct kg_addr client = {4, {10, 0, 0, 1}};
    int rc = kg_dns_cache_observe_msg(cache, &client, data, size, clock_now);
    FZ_CHECK(rc == 0 || rc == KG_EDNS || rc == KG_ELIMIT_CACHE);
    FZ_CHECK((rc == KG_EDNS) == (parse_rc == KG_EDNS));
    if (rc != 0)
        return; /* evictions may have dropped this message's own names */
    for (size_t k = 0; k < a.n_addrs; k++) {
        struct kg_addr ad;
        ad.family = a.addrs[k].ip.family;
        memcpy(ad.bytes, a.addrs[k].ip.b, 16);
        char buf[KG_DNS_NAME_BUF];
        int got = kg_dns_cache_name(cache, &client, &ad, clock_now, 0, buf,
                                    sizeof buf);
        bool named = false;
        for (size_t i = 0; i <= a.addrs[k].owner; i++)
            named |= a.names[i].text_len >= 0;
        FZ_CHECK(got > 0 || (got == KG_ENOTFOUND && !named));
    }
}

static void check(const struct kgi_dns_answer *x)
{
    FZ_CHECK(x->n_names <= KGI_DNS_CHAIN_MAX);
    FZ_CHECK(x->n_addrs <= KGI_DNS_ADDRS_MAX);
    FZ_CHECK(x->dropped == 0 || x->n_addrs == KGI_DNS_ADDRS_MAX);
    FZ_CHECK(x->n_names > 0 || x->n_addrs == 0);
    for (size_t i = 0; i < x->n_names; i++) {
        const struct kgi_dns_name *nm = &x->names[i];
        FZ_CHECK(i == 0 ? nm->ttl == KGI_DNS_TTL_NONE : nm->ttl <= 0x7fffffffu);
        FZ_CHECK(nm->wire_len < KGI_DNS_WIRE_NAME_MAX);
        FZ_CHECK(nm->text_len >= -1 && nm->text_len <= KGI_NAME_MAX);
        if (nm->text_len < 0)
            continue;
        char buf[KGI_NAME_MAX + 1];
        FZ_CHECK(kgi_name_normalize(nm->text, (size_t)nm->text_len, buf) ==
                 nm->text_len);
        FZ_CHECK(memcmp(buf, nm->text, (size_t)nm->text_len) == 0);
        for (size_t j = 0; j < i; j++) /* a chain never repeats a name */
            FZ_CHECK(x->names[j].wire_len != nm->wire_len ||
                     memcmp(x->names[j].wire, nm->wire, nm->wire_len) != 0);
    }
    for (size_t k = 0; k < x->n_addrs; k++) {
        const struct kgi_dns_addr *ad = &x->addrs[k];
        FZ_CHECK(ad->owner < x->n_names);
        FZ_CHECK(ad->ip.family == 4 || ad->ip.family == 6);
        FZ_CHECK(ad->ttl <= 0x7fffffffu);
        for (size_t i = 0; i < x->n_names; i++) {
            uint32_t t = kgi_dns_ttl_for(x, i, k);
            FZ_CHECK((t == KGI_DNS_TTL_NONE) == (i > ad->owner));
            FZ_CHECK(t == KGI_DNS_TTL_NONE || t <= ad->ttl);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535) /* a DNS message's largest size (TCP length field) */
        return 0;
    int rc = kgi_dns_parse(data, size, &a);
    FZ_CHECK(rc == 0 || rc == KG_EDNS);
    feed(data, size, rc);
    if (rc)
        return 0;
    check(&a);
    FZ_CHECK(kgi_dns_parse(data, size, &b) == 0);
    FZ_CHECK(a.n_names == b.n_names && a.n_addrs == b.n_addrs);
    for (size_t k = 0; k < a.n_addrs; k++)
        FZ_CHECK(memcmp(&a.addrs[k], &b.addrs[k], sizeof(a.addrs[k])) == 0);
    /* a prefix parses to no more than the whole */
    if (size > 12) {
        size_t cut = 12 + (size_t)data[size - 1] % (size - 12);
        uint8_t *copy = malloc(cut);
        FZ_CHECK(copy != NULL);
        memcpy(copy, data, cut);
        if (kgi_dns_parse(copy, cut, &b) == 0) {
            check(&b);
            FZ_CHECK(b.n_addrs <= a.n_addrs);
        }
        free(copy);
    }
    return 0;
}
