// SPDX-License-Identifier: MIT
/*
 * fuzz_netpol.c - the NetworkPolicy compiler (pods, namespaces, selectors,
 * ipBlocks, ports, CIDR tables), then verdicts on what it built.
 *
 * Text input (first byte printable or whitespace) is compiled as YAML, so
 * the seeds are ordinary manifests. Binary input (first byte < 0x09)
 * drives a generator of 2 namespaces, up to 6 pods and up to 4 policies
 * whose selectors, CIDRs, ports and protocols are picked from valid and
 * borderline values or taken raw from the fuzz bytes. With KGF_HAVE_CHECK
 * every compiled ruleset also answers flows derived from the input.
 */
#include "fuzz_common.h"

static const char *const cidrs[] = {"10.0.0.0/8",     "10.1.2.3/32",
                                    "0.0.0.0/0",      "::/0",
                                    "2001:db8::/32",  "10.0.0.0/33",
                                    "::/129",         "fe80::1%eth0/64",
                                    "010.0.0.0/8",    "::ffff:10.0.0.0/104",
                                    "10.1.2.3/24",    "10.1.0.0/16",
                                    "garbage",        "",
                                    "1.2.3.4",        "10.0.0.0/-1",
                                    "10.0.0.0/08",    " 10.0.0.0/8",
                                    "2001:db8::1/128"};
static const char *const ips[] = {
    "10.1.2.3",    "10.1.2.4",        "10.2.0.1",  "2001:db8::5",
    "192.168.0.1", "::ffff:10.1.2.9", "010.1.2.7", "10.1.2.3"};
static const char *const protos[] = {"TCP", "UDP", "SCTP", "ICMP", "tcp", ""};
static const char *const ports[] = {
    "80",    "443",   "http", "dns",  "0",
    "65535", "65536", "-1",   "HTTP", "a-very-long-port-name"};
static const char *const labels[] = {
    "a", "b", "web", "db", "", "-bad-", "kubernetes.io/metadata.name"};

#define PICK FZ_PICK

static void put_selector(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    fz_printf(b, "{");
    if (f & 1) {
        fz_printf(b, "\"matchLabels\":{\"app\":");
        PICK(b, in, labels, 8);
        fz_printf(b, "}");
    }
    if (f & 2) {
        static const char *const ops[] = {"In", "NotIn", "Exists",
                                          "DoesNotExist", "Bogus"};
        fz_printf(b,
                  "%s\"matchExpressions\":[{\"key\":\"app\",\"operator\":"
                  "\"%s\"",
                  f & 1 ? "," : "", ops[(f >> 2) % 5]);
        if (f & 32) {
            fz_printf(b, ",\"values\":[");
            PICK(b, in, labels, 8);
            fz_printf(b, "]");
        }
        fz_printf(b, "}]");
    }
    fz_printf(b, "}");
}

static void put_peer(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    fz_printf(b, "{");
    if ((f & 3) == 0) {
        fz_printf(b, "\"ipBlock\":{\"cidr\":");
        PICK(b, in, cidrs, 48);
        if (f & 4) {
            fz_printf(b, ",\"except\":[");
            PICK(b, in, cidrs, 48);
            fz_printf(b, "]");
        }
        fz_printf(b, "}");
    } else {
        const char *sep = "";
        if (f & 1) {
            fz_printf(b, "\"podSelector\":");
            put_selector(b, in);
            sep = ",";
        }
        if (f & 2) {
            fz_printf(b, "%s\"namespaceSelector\":", sep);
            put_selector(b, in);
        }
    }
    fz_printf(b, "}");
}

static void put_ports(struct fz_buf *b, struct fz_in *in)
{
    unsigned n = fz_u8(in) % 3;
    fz_printf(b, "\"ports\":[");
    for (unsigned i = 0; i < n; i++) {
        uint8_t f = fz_u8(in);
        fz_printf(b, "%s{", i ? "," : "");
        if (f & 1) {
            fz_printf(b, "\"protocol\":");
            PICK(b, in, protos, 8);
        }
        if (f & 2) {
            fz_printf(b, "%s\"port\":", f & 1 ? "," : "");
            if (f & 4)
                PICK(b, in, ports, 16); /* a string: a name, or digits */
            else
                fz_printf(b, "%d", (int)fz_u16(in) - 2);
            if (f & 8)
                fz_printf(b, ",\"endPort\":%d", (int)fz_u16(in));
        }
        fz_printf(b, "}");
    }
    fz_printf(b, "]");
}

static void gen(struct fz_buf *b, struct fz_in *in)
{
    fz_printf(b, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                 "{\"name\":\"ns0\",\"labels\":{\"team\":\"a\"}}},"
                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                 "{\"name\":\"ns1\",\"labels\":{\"team\":\"b\"}}}");
    unsigned n_pods = fz_u8(in) % 7;
    for (unsigned i = 0; i < n_pods; i++) {
        uint8_t f = fz_u8(in);
        fz_printf(b,
                  ",{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                  "{\"name\":\"pod%u\",\"namespace\":\"ns%u\",\"labels\":"
                  "{\"app\":",
                  i, f & 1);
        PICK(b, in, labels, 8);
        fz_printf(b,
                  "}},\"spec\":{%s\"containers\":[{\"name\":\"c\","
                  "\"ports\":[{\"name\":\"http\",\"containerPort\":%u,"
                  "\"protocol\":\"TCP\"}]}]},\"status\":{\"hostIP\":"
                  "\"192.168.0.1\",\"podIPs\":[{\"ip\":",
                  f & 2 ? "\"hostNetwork\":true," : "", 80u + (f >> 4));
        PICK(b, in, ips, 40);
        if (f & 4) {
            fz_printf(b, "},{\"ip\":");
            PICK(b, in, ips, 40);
        }
        fz_printf(b, "}]}}");
    }
    unsigned n_pol = fz_u8(in) % 5;
    for (unsigned i = 0; i < n_pol && in->n; i++) {
        uint8_t f = fz_u8(in);
        fz_printf(b,
                  ",{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
                  "\"NetworkPolicy\",\"metadata\":{\"name\":\"pol%u\","
                  "\"namespace\":\"ns%u\"},\"spec\":{\"podSelector\":",
                  i, f & 1);
        put_selector(b, in);
        static const char *const pt[] = {"", "\"Ingress\"", "\"Egress\"",
                                         "\"Ingress\",\"Egress\"", "\"Bogus\""};
        if (f & 2)
            fz_printf(b, ",\"policyTypes\":[%s]", pt[(f >> 2) % 5]);
        static const char *const dir[] = {"ingress", "egress"};
        static const char *const peer[] = {"from", "to"};
        for (int d = 0; d < 2; d++) {
            if (!(f & (32 << d)))
                continue;
            unsigned n_rules = fz_u8(in) % 3;
            fz_printf(b, ",\"%s\":[", dir[d]);
            for (unsigned r = 0; r < n_rules; r++) {
                uint8_t rf = fz_u8(in);
                fz_printf(b, "%s{", r ? "," : "");
                const char *sep = "";
                if (rf & 1) {
                    unsigned n_peers = 1 + fz_u8(in) % 3;
                    fz_printf(b, "\"%s\":[", peer[d]);
                    for (unsigned p = 0; p < n_peers; p++) {
                        if (p)
                            fz_printf(b, ",");
                        put_peer(b, in);
                    }
                    fz_printf(b, "]");
                    sep = ",";
                }
                if (rf & 2) {
                    fz_printf(b, "%s", sep);
                    put_ports(b, in);
                }
                fz_printf(b, "}");
            }
            fz_printf(b, "]");
        }
        fz_printf(b, "}}");
    }
    fz_printf(b, "]}\n");
}

#ifdef KGF_HAVE_CHECK
#include "fuzz_check_probe.h"
#endif

static void compile_and_probe(const kg_options *o, const char *text, size_t len,
                              struct fz_in probe)
{
    kg_ruleset *rs = fz_compile(o, text, len);
    if (!rs)
        return;
    fz_dump(rs);
#ifdef KGF_HAVE_CHECK
    fz_check_probe(rs, probe);
#else
    (void)probe;
#endif
    kg_ruleset_unref(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    if (size && data[0] < 0x09) {
        struct fz_in in = {data + 1, size - 1};
        struct fz_buf b = {0};
        uint8_t mode = data[0];
        gen(&b, &in);
        static const int flags[] = {KG_FLAG_STRICT_CIDR, KG_FLAG_SKIP_INVALID,
                                    KG_FLAG_SELECT_HOSTNETWORK};
        for (int i = 0; i < 3; i++)
            if (mode & (1 << i))
                FZ_CHECK(kg_options_set_flag(o, flags[i], true) == 0);
        compile_and_probe(o, b.p, b.n, in);
        fz_free(&b);
    } else {
        struct fz_in all = {data, size};
        compile_and_probe(o, (const char *)data, size, all);
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_IPBLOCK_MATCHES_PODS, false) ==
                 0);
        compile_and_probe(o, (const char *)data, size, all);
    }
    kg_options_free(o);
    return 0;
}
