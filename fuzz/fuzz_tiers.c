// SPDX-License-Identifier: MIT
/*
 * fuzz_tiers.c - the cluster-tier models and compiler (ClusterNetworkPolicy
 * v1alpha2/v1beta1, AdminNetworkPolicy, BaselineAdminNetworkPolicy, Node)
 * on the identity engine, then verdicts on what it built.
 *
 * Text input (first byte printable or whitespace) is compiled as YAML, so
 * the seeds are ordinary manifests (tests/data/tiers). Binary input (first
 * byte < 0x09) drives a generator of 2 namespaces, up to 4 pods, 2 Nodes
 * and up to 4 tier policies whose kinds, versions, tiers, priorities,
 * actions, peers (selectors, networks, nodes, domainNames) and ports are
 * picked from valid and borderline values or taken raw from the fuzz
 * bytes. With KGF_HAVE_CHECK every compiled ruleset answers flows derived
 * from the input.
 */
#include "fuzz_common.h"

static const char *const kinds[] = {
    "\"policy.networking.k8s.io/v1alpha1\",\"kind\":\"AdminNetworkPolicy\"",
    ("\"policy.networking.k8s.io/v1alpha1\",\"kind\":"
     "\"BaselineAdminNetworkPolicy\""),
    "\"policy.networking.k8s.io/v1alpha2\",\"kind\":\"ClusterNetworkPolicy\"",
    "\"policy.networking.k8s.io/v1beta1\",\"kind\":\"ClusterNetworkPolicy\""};
static const char *const actions[] = {"Allow", "Accept", "Deny",
                                      "Pass",  "allow",  ""};
static const char *const tiers[] = {"Admin", "Baseline", "admin", ""};
static const char *const cidrs[] = {
    "10.0.0.0/8",  "0.0.0.0/0", "::/0",          "10.1.2.3/8",
    "10.0.0.1/32", "fd00::/64", "010.0.0.0/8",   "::ffff:10.0.0.0/104",
    "10.0.0.0",    "garbage",   "192.168.0.1/32"};
static const char *const names[] = {
    "api.example.com", "*.example.com", "Example.COM.", "_x.example.com",
    "*.com",           "localhost",     "a..b",         "*api.example.com"};
static const char *const labels[] = {"a", "b", "", "-bad-"};
static const char *const protos[] = {"TCP", "UDP", "SCTP", "tcp", "ICMP"};
static const char *const cprotos[] = {"tcp", "udp", "sctp", "icmp"};
static const char *const pnames[] = {"web", "dns", "Bad_Name", ""};

#define PICK FZ_PICK

static void put_selector(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    if (f & 1) {
        fz_printf(b, "{\"matchLabels\":{\"app\":");
        PICK(b, in, labels, 8);
        fz_printf(b, "}}");
    } else if (f & 2) {
        fz_printf(b,
                  "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":"
                  "\"%s\",\"values\":[\"a\"]}]}",
                  f & 4 ? "NotIn" : "In");
    } else {
        fz_printf(b, "{}");
    }
}

static void put_peer(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    fz_printf(b, "{");
    switch (f % 6) {
    case 0:
        fz_printf(b, "\"namespaces\":");
        put_selector(b, in);
        break;
    case 1:
        fz_printf(b, "\"pods\":{");
        if (f & 8) {
            fz_printf(b, "\"namespaceSelector\":");
            put_selector(b, in);
            fz_printf(b, ",");
        }
        fz_printf(b, "\"podSelector\":");
        put_selector(b, in);
        fz_printf(b, "}");
        break;
    case 2:
        fz_printf(b, "\"nodes\":");
        put_selector(b, in);
        break;
    case 3:
    case 4: {
        bool dom = f % 6 == 4;
        unsigned n = 1 + fz_u8(in) % 3;
        fz_printf(b, "\"%s\":[", dom ? "domainNames" : "networks");
        for (unsigned i = 0; i < n; i++) {
            fz_printf(b, "%s", i ? "," : "");
            if (dom)
                PICK(b, in, names, 40);
            else
                PICK(b, in, cidrs, 40);
        }
        fz_printf(b, "]");
        break;
    }
    default:
        break; /* {}: refused */
    }
    if (f & 0x40)
        fz_printf(b, "%s\"nodes\":{}", f % 6 == 5 ? "" : ",");
    fz_printf(b, "}");
}

static void put_ports(struct fz_buf *b, struct fz_in *in, bool cnp)
{
    unsigned n = fz_u8(in) % 3;
    fz_printf(b, ",\"%s\":[", cnp ? "protocols" : "ports");
    for (unsigned i = 0; i < n; i++) {
        uint8_t f = fz_u8(in);
        unsigned lo = fz_u16(in), hi = fz_u16(in);
        fz_printf(b, "%s{", i ? "," : "");
        if (f & 1) {
            fz_printf(b, "\"%s\":", cnp ? "destinationNamedPort" : "namedPort");
            PICK(b, in, pnames, 20);
        } else if (cnp) {
            fz_printf(b, "\"%s\":{\"destinationPort\":", cprotos[(f >> 1) % 4]);
            if (f & 8)
                fz_printf(b, "{\"range\":{\"start\":%u,\"end\":%u}}}", lo, hi);
            else
                fz_printf(b, "{\"number\":%u}}", lo);
        } else if (f & 8) {
            fz_printf(b, "\"portRange\":{\"protocol\":");
            PICK(b, in, protos, 10);
            fz_printf(b, ",\"start\":%u,\"end\":%u}", lo, hi);
        } else {
            fz_printf(b, "\"portNumber\":{\"protocol\":");
            PICK(b, in, protos, 10);
            fz_printf(b, ",\"port\":%u}", lo);
        }
        fz_printf(b, "}");
    }
    fz_printf(b, "]");
}

static void gen(struct fz_buf *b, struct fz_in *in)
{
    fz_printf(b, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    for (int n = 0; n < 2; n++)
        fz_printf(
            b,
            "%s{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
            "\"metadata\":{\"name\":\"ns%d\",\"labels\":{\"app\":\"%s\"}}}",
            n ? "," : "", n, n ? "a" : "b");
    for (int n = 0; n < 2; n++)
        fz_printf(b,
                  ",{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":"
                  "{\"name\":\"node%d\",\"labels\":{\"app\":\"a\"}},"
                  "\"status\":{\"addresses\":[{\"type\":\"InternalIP\","
                  "\"address\":\"192.168.0.%d\"}]}}",
                  n, n + 1);
    unsigned n_pods = 1 + fz_u8(in) % 4;
    for (unsigned i = 0; i < n_pods; i++) {
        uint8_t f = fz_u8(in);
        fz_printf(b,
                  ",{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                  "{\"name\":\"p%u\",\"namespace\":\"ns%u\",\"labels\":"
                  "{\"app\":\"%s\"}},\"spec\":{%s\"containers\":[{\"name\":"
                  "\"c\",\"ports\":[{\"name\":\"web\",\"containerPort\":%u},"
                  "{\"name\":\"dns\",\"containerPort\":53,\"protocol\":\"UDP\"}"
                  "]}]},\"status\":{\"podIP\":\"10.0.0.%u\"%s}}",
                  i, f & 1, f & 2 ? "a" : "b",
                  f & 4 ? "\"hostNetwork\":true," : "", 80u + (f >> 4), i + 1,
                  f & 8 ? ",\"podIPs\":[{\"ip\":\"10.0.0.1\"}]" : "");
    }
    unsigned n_pol = fz_u8(in) % 5;
    for (unsigned i = 0; i < n_pol && in->n; i++) {
        uint8_t f = fz_u8(in);
        unsigned kind = f % 4;
        bool cnp = kind >= 2, banp = kind == 1;
        fz_printf(b,
                  ",{\"apiVersion\":%s,\"metadata\":{\"name\":\"%s\"},"
                  "\"spec\":{",
                  kinds[kind], banp && !(f & 4) ? "default" : "p");
        const char *sep = "";
        if (cnp) {
            fz_printf(b, "\"tier\":");
            PICK(b, in, tiers, 8);
            sep = ",";
        }
        if (!banp || (f & 8)) {
            fz_printf(b, "%s\"priority\":%d", sep,
                      (int)(fz_u16(in) % 1100) - 50);
            sep = ",";
        }
        fz_printf(b, "%s\"subject\":{\"%s\":", sep,
                  f & 16 ? "pods" : "namespaces");
        if (f & 16) {
            fz_printf(b, "{\"namespaceSelector\":");
            put_selector(b, in);
            fz_printf(b, ",\"podSelector\":");
            put_selector(b, in);
            fz_printf(b, "}");
        } else {
            put_selector(b, in);
        }
        fz_printf(b, "}");
        static const char *const dir[] = {"ingress", "egress"};
        static const char *const peer[] = {"from", "to"};
        for (int d = 0; d < 2; d++) {
            if (!(f & (32 << d)))
                continue;
            unsigned n_rules = fz_u8(in) % 4;
            fz_printf(b, ",\"%s\":[", dir[d]);
            for (unsigned r = 0; r < n_rules; r++) {
                uint8_t rf = fz_u8(in);
                fz_printf(b, "%s{\"name\":\"r%u\",\"action\":", r ? "," : "",
                          r);
                PICK(b, in, actions, 10);
                unsigned n_peers = rf & 1 ? 0 : 1 + fz_u8(in) % 3;
                fz_printf(b, ",\"%s\":[", peer[d]);
                for (unsigned p = 0; p < n_peers; p++) {
                    fz_printf(b, "%s", p ? "," : "");
                    put_peer(b, in);
                }
                fz_printf(b, "]");
                if (rf & 2)
                    put_ports(b, in, cnp);
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
                                    KG_FLAG_ALLOW_LOOPBACK};
        for (int i = 0; i < 3; i++)
            if (mode & (1 << i))
                FZ_CHECK(kg_options_set_flag(o, flags[i], i < 2) == 0);
        compile_and_probe(o, b.p, b.n, in);
        fz_free(&b);
    } else {
        struct fz_in all = {data, size};
        compile_and_probe(o, (const char *)data, size, all);
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        compile_and_probe(o, (const char *)data, size, all);
    }
    kg_options_free(o);
    return 0;
}
