// SPDX-License-Identifier: MIT
/*
 * test_packet.c - kgress-nfq's packet parser (packet.c) on hand-built
 * headers: IPv4 with options and fragments, IPv6 with each extension
 * header it walks, fragments, truncated copies at every length, too many
 * extension headers. One table; each case gives the expected flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "packet.h"

struct packet_case {
    const char *what;
    uint8_t bytes[128];
    size_t len;
    int rc;
    int protocol;
    bool has_ports;
    unsigned sport, dport;
};

/* IPv4 header, 20 bytes: proto, fragment field (flags/offset) */
#define V4(proto, frag_hi, frag_lo)                                            \
    0x45, 0, 0, 40, 0, 0, frag_hi, frag_lo, 64, proto, 0, 0, 10, 244, 1, 10,   \
        10, 244, 3, 10
/* IPv6 header, 40 bytes: next header */
#define V6(next)                                                               \
    0x60, 0, 0, 0, 0, 0, next, 64, 0xfd, 0, 0, 0x10, 2, 0x44, 0, 1, 0, 0, 0,   \
        0, 0, 0, 0, 0x10, 0xfd, 0, 0, 0x10, 2, 0x44, 0, 2, 0, 0, 0, 0, 0, 0,   \
        0, 0x10
/* ports 40000 -> 9000 */
#define PORTS 0x9c, 0x40, 0x23, 0x28

static const struct packet_case cases[] = {
    {"ipv4 tcp", {V4(6, 0, 0), PORTS}, 24, 0, 6, true, 40000, 9000},
    {"ipv4 udp", {V4(17, 0x40, 0), PORTS}, 24, 0, 17, true, 40000, 9000},
    {"ipv4 sctp", {V4(132, 0, 0), PORTS}, 24, 0, 132, true, 40000, 9000},
    {"ipv4 icmp: no ports", {V4(1, 0, 0), 8, 0, 0, 0}, 24, 0, 1, false, 0, 0},
    {"ipv4 first fragment (MF set, offset 0)",
     {V4(6, 0x20, 0), PORTS},
     24,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv4 later fragment", {V4(6, 0x00, 0x10), PORTS}, 24, 0, 6, false, 0, 0},
    {"ipv4 with 4 bytes of options",
     {0x46, 0, 0,  44, 0,   0, 0,  0, 64, 6, 0, 0,    10,
      244,  1, 10, 10, 244, 3, 10, 1, 1,  1, 0, PORTS},
     28,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv4 ports cut off",
     {V4(6, 0, 0), 0x9c, 0x40, 0x23},
     23,
     0,
     6,
     false,
     0,
     0},
    {"ipv4 header cut off", {V4(6, 0, 0)}, 19, -1, 0, false, 0, 0},
    {"ipv4 ihl below 5", {0x44, 0, 0, 40}, 20, -1, 0, false, 0, 0},
    {"ipv4 ihl past the copy", {0x4f, 0, 0, 40}, 40, -1, 0, false, 0, 0},
    {"ipv6 tcp", {V6(6), PORTS}, 44, 0, 6, true, 40000, 9000},
    {"ipv6 hop-by-hop then udp",
     {V6(0), 17, 0, 0, 0, 0, 0, 0, 0, PORTS},
     52,
     0,
     17,
     true,
     40000,
     9000},
    {"ipv6 destination options (16 bytes) then tcp",
     {V6(60), 6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, PORTS},
     60,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv6 routing then tcp",
     {V6(43), 6, 0, 0, 0, 0, 0, 0, 0, PORTS},
     52,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv6 first fragment then tcp",
     {V6(44), 6, 0, 0, 1, 0, 0, 0, 1, PORTS},
     52,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv6 later fragment",
     {V6(44), 6, 0, 0, 0x10, 0, 0, 0, 1, PORTS},
     52,
     0,
     6,
     false,
     0,
     0},
    {"ipv6 authentication header (12 bytes) then tcp",
     {V6(51), 6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, PORTS},
     56,
     0,
     6,
     true,
     40000,
     9000},
    {"ipv6 extension header cut off", {V6(0), 6}, 41, 0, 0, false, 0, 0},
    {"ipv6 extension header longer than the copy",
     {V6(0), 6, 8, 0, 0, 0, 0, 0, 0, PORTS},
     52,
     0,
     6,
     false,
     0,
     0},
    {"ipv6 nine hop-by-hop headers: gives up",
     {V6(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0,     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0,     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0,     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, PORTS},
     116,
     0,
     0,
     false,
     0,
     0},
    {"ipv6 header cut off", {V6(6)}, 39, -1, 0, false, 0, 0},
    {"not ip (version 5)", {0x50}, 20, -1, 0, false, 0, 0},
    {"empty", {0}, 0, -1, 0, false, 0, 0},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct packet_case *c = &cases[i];
        struct kgn_flow f;
        int rc = kgn_packet_parse(c->bytes, c->len, &f);
        print_message("%s\n", c->what);
        assert_int_equal(rc, c->rc);
        if (rc != 0)
            continue;
        assert_int_equal(f.protocol, c->protocol);
        assert_int_equal(f.has_ports, c->has_ports);
        assert_int_equal(f.sport, c->sport);
        assert_int_equal(f.dport, c->dport);
        if (c->bytes[0] >> 4 == 4) {
            assert_int_equal(f.src.family, 4);
            assert_memory_equal(f.src.bytes, c->bytes + 12, 4);
            assert_memory_equal(f.dst.bytes, c->bytes + 16, 4);
        } else {
            assert_int_equal(f.dst.family, 6);
            assert_memory_equal(f.src.bytes, c->bytes + 8, 16);
            assert_memory_equal(f.dst.bytes, c->bytes + 24, 16);
        }
    }
}

/* Every prefix of every case parses without reading past it (ASan and
 * valgrind watch), and a shorter copy never gains ports. */
static void test_truncations(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t n = 0; n < cases[i].len; n++) {
            uint8_t *copy = test_malloc(n ? n : 1);
            struct kgn_flow f;
            memcpy(copy, cases[i].bytes, n);
            if (kgn_packet_parse(copy, n, &f) == 0 && f.has_ports)
                assert_true(cases[i].has_ports);
            test_free(copy);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
