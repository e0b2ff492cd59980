// SPDX-License-Identifier: MIT
/*
 * fuzz_cidr.c - the address and CIDR parsers (lib/util/ip.c) on arbitrary
 * text: the IPs of every pod and the ipBlocks of every policy go through
 * them, and kg_check parses flow addresses with kgi_ip_parse.
 *
 * Properties:
 *   - strict kgi_ip_parse agrees with glibc's inet_pton (which accepts
 *     exactly the dotted quad without leading zeros and RFC 4291 text, no
 *     zone), byte for byte;
 *   - what parses formats (RFC 5952) within KGI_IP_STRLEN and parses back
 *     to the same address, strictly and without warnings;
 *   - a strict success is a legacy success without warnings (except the
 *     IPv4-mapped form, which the legacy reading converts with a warning);
 *   - a parsed CIDR is masked, its length fits the family, its canonical
 *     text reparses strictly to itself; KGI_IP_STRICT only ever turns a
 *     warning into KGI_IP_ESTRICT;
 *   - reasons are within the enum and have a message.
 */
#include <arpa/inet.h>

#include "fuzz_common.h"
#include "util/ip.h"

static void check_ip(const char *s, size_t n)
{
    struct kgi_ip ip;
    memset(&ip, 0xAA, sizeof(ip));
    bool ok = kgi_ip_parse(s, n, &ip);

    /* glibc reference, on a NUL-terminated copy without inner NULs */
    if (memchr(s, '\0', n) == NULL && n < 128) {
        char z[128];
        memcpy(z, s, n);
        z[n] = '\0';
        uint8_t ref[16];
        bool r4 = inet_pton(AF_INET, z, ref) == 1;
        bool r6 = !r4 && inet_pton(AF_INET6, z, ref) == 1;
        if (ok != (r4 || r6)) {
            fprintf(stderr, "kgi_ip_parse(\"%s\") = %d, inet_pton = %d\n", z,
                    ok, r4 || r6);
            abort();
        }
        if (ok) {
            FZ_CHECK(ip.family == (r4 ? 4 : 6));
            FZ_CHECK(memcmp(ip.b, ref, r4 ? 4 : 16) == 0);
        }
    }
    if (ok) {
        FZ_CHECK(ip.family == 4 || ip.family == 6);
        char txt[KGI_IP_STRLEN + 8];
        memset(txt, 'x', sizeof(txt));
        size_t len = kgi_ip_format(&ip, txt);
        FZ_CHECK(len < KGI_IP_STRLEN && txt[len] == '\0');
        struct kgi_ip back;
        FZ_CHECK(kgi_ip_parse(txt, len, &back));
        FZ_CHECK(kgi_ip_equal(&ip, &back));

        struct kgi_ip leg;
        unsigned w = 0;
        FZ_CHECK(kgi_ip_parse_legacy(s, n, 0, &leg, &w) == 0);
        struct kgi_ip un = ip;
        if (kgi_ip_unmap(&un)) {
            FZ_CHECK(w == KGI_IPW_MAPPED);
            FZ_CHECK(kgi_ip_equal(&un, &leg));
        } else {
            FZ_CHECK(w == 0);
            FZ_CHECK(kgi_ip_equal(&ip, &leg));
        }
    }

    struct kgi_ip leg;
    unsigned w = 0;
    int r = kgi_ip_parse_legacy(s, n, 0, &leg, &w);
    FZ_CHECK(r >= 0 && r <= KGI_IP_ESTRICT && r != KGI_IP_ESTRICT);
    FZ_CHECK(kgi_ip_strerror(r) != NULL);
    struct kgi_ip st;
    unsigned ws = 0;
    int rs = kgi_ip_parse_legacy(s, n, KGI_IP_STRICT, &st, &ws);
    if (r != 0)
        FZ_CHECK(rs == r);
    else if (w != 0)
        FZ_CHECK(rs == KGI_IP_ESTRICT);
    else
        FZ_CHECK(rs == 0 && kgi_ip_equal(&st, &leg));
    if (r == 0) {
        FZ_CHECK(leg.family == 4 || leg.family == 6);
        /* the legacy reading never leaves a mapped address */
        struct kgi_ip copy = leg;
        FZ_CHECK(!kgi_ip_unmap(&copy));
    }
}

static void check_cidr(const char *s, size_t n)
{
    struct kgi_cidr c;
    unsigned w = 0;
    int r = kgi_cidr_parse(s, n, 0, &c, &w);
    FZ_CHECK(r >= 0 && r < KGI_IP_ESTRICT);
    FZ_CHECK(kgi_ip_strerror(r) != NULL);
    struct kgi_cidr cs;
    unsigned ws = 0;
    int rs = kgi_cidr_parse(s, n, KGI_IP_STRICT, &cs, &ws);
    if (r != 0) {
        FZ_CHECK(rs == r);
        return;
    }
    if (w)
        FZ_CHECK(rs == KGI_IP_ESTRICT);
    else
        FZ_CHECK(rs == 0 && cs.len == c.len && kgi_ip_equal(&cs.ip, &c.ip));
    FZ_CHECK(c.ip.family == 4 || c.ip.family == 6);
    FZ_CHECK(c.len <= (c.ip.family == 4 ? 32 : 128));
    struct kgi_ip masked = c.ip;
    kgi_ip_mask(&masked, c.len);
    FZ_CHECK(kgi_ip_equal(&masked, &c.ip));
    FZ_CHECK(kgi_cidr_has_ip(&c, &c.ip));
    FZ_CHECK(kgi_cidr_contains(&c, &c));
    char txt[KGI_CIDR_STRLEN + 8];
    size_t len = kgi_cidr_format(&c, txt);
    FZ_CHECK(len < KGI_CIDR_STRLEN && txt[len] == '\0');
    struct kgi_cidr back;
    unsigned wb = 0;
    FZ_CHECK(kgi_cidr_parse(txt, len, KGI_IP_STRICT, &back, &wb) == 0);
    FZ_CHECK(wb == 0 && back.len == c.len && kgi_ip_equal(&back.ip, &c.ip));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    /* split at the first newline: two strings tried both ways */
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t a = nl ? (size_t)(nl - s) : size;
    check_ip(s, a);
    check_cidr(s, a);
    if (nl) {
        check_ip(nl + 1, size - a - 1);
        check_cidr(nl + 1, size - a - 1);
    }
    return 0;
}
