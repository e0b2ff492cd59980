// SPDX-License-Identifier: MIT
/*
 * fuzz_lpm_diff.c - differential: kgi_lpm4/kgi_lpm6 against a linear scan.
 *
 * The fuzz bytes are a prefix list (address, length, value) and a list of
 * query addresses. The reference is the definition of longest-prefix match
 * over the list as kgi_lpm*_build documents it: host bits beyond len are
 * ignored, for a duplicate (addr, len) the last entry wins, the longest
 * covering prefix gives the value. Queries are the fuzzed addresses plus,
 * for every prefix, its first and last address and the neighbours just
 * outside (where off-by-one errors in a multibit trie live).
 */
#include "fuzz_common.h"
#include "lpm/lpm.h"

#define MAX_PREFIXES 256

static uint32_t mask4(uint8_t len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static uint32_t ref4(const struct kgi_lpm4_entry *e, size_t n, uint32_t a)
{
    int best_len = -1;
    uint32_t best = KGI_LPM_NONE;
    for (size_t i = 0; i < n; i++) {
        uint32_t m = mask4(e[i].len);
        if ((a & m) == (e[i].addr & m) && (int)e[i].len >= best_len) {
            best_len = e[i].len;
            best = e[i].value; /* >= : the last duplicate wins */
        }
    }
    return best;
}

static bool covers6(const uint8_t *p, uint8_t len, const uint8_t *a)
{
    size_t full = len / 8;
    if (memcmp(p, a, full) != 0)
        return false;
    if (len % 8) {
        uint8_t m = (uint8_t)(0xff << (8 - len % 8));
        if ((p[full] & m) != (a[full] & m))
            return false;
    }
    return true;
}

static uint32_t ref6(const struct kgi_lpm6_entry *e, size_t n, const uint8_t *a)
{
    int best_len = -1;
    uint32_t best = KGI_LPM_NONE;
    for (size_t i = 0; i < n; i++) {
        if (covers6(e[i].addr, e[i].len, a) && (int)e[i].len >= best_len) {
            best_len = e[i].len;
            best = e[i].value;
        }
    }
    return best;
}

static void check4(const struct kgi_lpm4 *t, const struct kgi_lpm4_entry *e,
                   size_t n, uint32_t a)
{
    uint32_t got = kgi_lpm4_lookup(t, a), want = ref4(e, n, a);
    if (got != want) {
        fprintf(stderr, "lpm4 %08x: got %u, want %u\n", (unsigned)a,
                (unsigned)got, (unsigned)want);
        abort();
    }
}

static void check6(const struct kgi_lpm6 *t, const struct kgi_lpm6_entry *e,
                   size_t n, const uint8_t *a)
{
    uint32_t got = kgi_lpm6_lookup(t, a), want = ref6(e, n, a);
    FZ_CHECK(got == want);
}

/* a with the bits after len set to `ones` (first or last address) */
static void span6(uint8_t *out, const uint8_t *a, uint8_t len, bool ones)
{
    for (int i = 0; i < 16; i++) {
        int keep = (int)len - 8 * i;
        uint8_t m = keep >= 8   ? 0xff
                    : keep <= 0 ? 0
                                : (uint8_t)(0xff << (8 - keep));
        out[i] = (uint8_t)((a[i] & m) | (ones ? (uint8_t)~m : 0));
    }
}

static void step6(uint8_t *a, int dir)
{
    for (int i = 15; i >= 0; i--) {
        if (dir > 0 ? a[i]++ != 0xff : a[i]-- != 0)
            break;
    }
}

/* Prefix lengths drawn towards the interesting ones: stride boundaries
 * and the extremes, else anything. */
static uint8_t pick_len(struct fz_in *in, unsigned max)
{
    uint8_t b = fz_u8(in);
    if (b & 0x80)
        return (uint8_t)(b % (max + 1));
    static const uint8_t common[] = {0,  1,  7,  8,  9,   15, 16, 17,
                                     23, 24, 25, 31, 32,  33, 47, 48,
                                     63, 64, 65, 96, 127, 128};
    uint8_t l = common[b % sizeof(common)];
    return l > max ? (uint8_t)max : l;
}

static void run4(struct fz_in *in)
{
    struct kgi_lpm4_entry e[MAX_PREFIXES];
    size_t n = fz_u8(in) % MAX_PREFIXES;
    uint32_t base = fz_u32(in);
    for (size_t i = 0; i < n; i++) {
        /* clustered around a base so prefixes overlap */
        uint32_t a = fz_u8(in) & 1 ? fz_u32(in) : base ^ fz_u16(in);
        e[i].addr = a;
        e[i].len = pick_len(in, 32);
        e[i].value = fz_u16(in);
    }
    struct kgi_lpm4 *t = NULL;
    FZ_CHECK(kgi_lpm4_build(e, n, &t) == 0 && t != NULL);
    for (size_t i = 0; i < n; i++) {
        uint32_t m = mask4(e[i].len);
        uint32_t lo = e[i].addr & m, hi = lo | ~m;
        check4(t, e, n, lo);
        check4(t, e, n, hi);
        check4(t, e, n, lo - 1);
        check4(t, e, n, hi + 1);
        check4(t, e, n, e[i].addr);
    }
    uint32_t batch_in[64], batch_out[64];
    size_t nb = 0;
    while (in->n >= 4 && nb < 64) {
        uint32_t a = fz_u32(in);
        check4(t, e, n, a);
        batch_in[nb++] = a;
    }
    kgi_lpm4_lookup_batch(t, batch_in, batch_out, nb);
    for (size_t i = 0; i < nb; i++)
        FZ_CHECK(batch_out[i] == ref4(e, n, batch_in[i]));
    FZ_CHECK(kgi_lpm4_memory(t) > 0);
    kgi_lpm4_free(t);
}

static void run6(struct fz_in *in)
{
    static struct kgi_lpm6_entry e[MAX_PREFIXES];
    size_t n = fz_u8(in) % MAX_PREFIXES;
    uint8_t base[16];
    for (int k = 0; k < 16; k++)
        base[k] = fz_u8(in);
    for (size_t i = 0; i < n; i++) {
        memcpy(e[i].addr, base, 16);
        /* perturb a few bytes so prefixes share long stems */
        int flips = fz_u8(in) % 4;
        for (int k = 0; k < flips; k++)
            e[i].addr[fz_u8(in) % 16] = fz_u8(in);
        e[i].len = pick_len(in, 128);
        e[i].value = fz_u16(in);
    }
    struct kgi_lpm6 *t = NULL;
    FZ_CHECK(kgi_lpm6_build(e, n, &t) == 0 && t != NULL);
    uint8_t q[16];
    for (size_t i = 0; i < n; i++) {
        span6(q, e[i].addr, e[i].len, false);
        check6(t, e, n, q);
        step6(q, -1);
        check6(t, e, n, q);
        span6(q, e[i].addr, e[i].len, true);
        check6(t, e, n, q);
        step6(q, +1);
        check6(t, e, n, q);
        check6(t, e, n, e[i].addr);
    }
    uint8_t batch_in[32][16];
    uint32_t batch_out[32];
    size_t nb = 0;
    while (in->n >= 16 && nb < 32) {
        memcpy(batch_in[nb], in->p, 16);
        in->p += 16;
        in->n -= 16;
        check6(t, e, n, batch_in[nb]);
        nb++;
    }
    kgi_lpm6_lookup_batch(t, (const uint8_t(*)[16])batch_in, batch_out, nb);
    for (size_t i = 0; i < nb; i++)
        FZ_CHECK(batch_out[i] == ref6(e, n, batch_in[i]));
    kgi_lpm6_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    if (fz_u8(&in) & 1)
        run6(&in);
    else
        run4(&in);
    return 0;
}
