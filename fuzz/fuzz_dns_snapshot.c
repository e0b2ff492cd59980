// SPDX-License-Identifier: MIT
/*
 * fuzz_dns_snapshot.c - kg_dns_cache_restore on arbitrary bytes: a
 * snapshot file is read back after an agent restarts, from a disk that may
 * have cut, flipped or replaced it.
 *
 * The first byte chooses how the rest is used: even, as the snapshot
 * itself (what a damaged file gives: almost always a checksum mismatch);
 * odd, as a snapshot without its last 8 bytes, the checksum appended here,
 * so that the field checks behind the checksum are what the fuzzer
 * explores. The second byte picks the cache's limits and flags.
 *
 * Properties:
 *   - any input is restored (0, or KG_ELIMIT_CACHE when the small cache
 *     evicted) or refused with KG_ESNAPSHOT / KG_ESNAPSHOT_VERSION and a
 *     message "DNS cache snapshot, byte N: ..." with N within the input;
 *     never a crash, hang or read past the input;
 *   - a refused snapshot adds nothing (the cache saves as empty);
 *   - a restored one round-trips: its save, restored into a fresh cache
 *     with the same options and time, saves to the same bytes, and that
 *     save restores without error. The time is 2^63, so no relative time
 *     of the format (within +-2^62) saturates either way.
 */
#include "fuzz_common.h"

#define NOW ((uint64_t)1 << 63)

static kg_dns_cache *new_cache(uint8_t sel)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, 4 + (sel & 7) * 8) ==
             0);
    FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, 2 + (sel >> 3 & 3)) ==
             0);
    FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_MAX_TTL,
                                  sel & 0x20 ? 30 : 0x7fffffff) == 0);
    FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DNS_GRACE, sel & 0x40 ? 5 : 0) ==
             0);
    FZ_CHECK(kg_options_set_flag(o, KG_FLAG_DNS_SHARED, sel & 0x80) == 0);
    kg_dns_cache *c = kg_dns_cache_new(o);
    kg_options_free(o);
    FZ_CHECK(c != NULL);
    return c;
}

static uint8_t *save(kg_dns_cache *c, size_t *len)
{
    FZ_CHECK(kg_dns_cache_save(c, NOW, NULL, 0, len) == KG_ENOSPACE);
    uint8_t *buf = malloc(*len);
    FZ_CHECK(buf != NULL);
    size_t again;
    FZ_CHECK(kg_dns_cache_save(c, NOW, buf, *len, &again) == 0);
    FZ_CHECK(again == *len);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0], sel = data[1];
    data += 2;
    size -= 2;
    uint8_t *in = malloc(size + 8);
    FZ_CHECK(in != NULL);
    memcpy(in, data, size);
    if (mode & 1) { /* seal: FNV-1a 64 of the body, little-endian */
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < size; i++)
            h = (h ^ in[i]) * 0x100000001b3ull;
        for (int i = 0; i < 8; i++)
            in[size + i] = (uint8_t)(h >> 8 * i);
        size += 8;
    }
    kg_dns_cache *c = new_cache(sel);
    char why[256];
    int rc = kg_dns_cache_restore(c, in, size, NOW, 0, why, sizeof why);
    FZ_CHECK(rc == 0 || rc == KG_ELIMIT_CACHE || rc == KG_ESNAPSHOT ||
             rc == KG_ESNAPSHOT_VERSION);
    size_t len;
    uint8_t *s1 = save(c, &len);
    if (rc == KG_ESNAPSHOT || rc == KG_ESNAPSHOT_VERSION) {
        const char *pre = "DNS cache snapshot, byte ";
        FZ_CHECK(strncmp(why, pre, strlen(pre)) == 0);
        FZ_CHECK(strtoull(why + strlen(pre), NULL, 10) <= size);
        FZ_CHECK(len == 40); /* nothing added */
    } else {
        FZ_CHECK(why[0] == 0);
        kg_dns_cache *d = new_cache(sel);
        FZ_CHECK(kg_dns_cache_restore(d, s1, len, NOW, 0, NULL, 0) == 0);
        size_t len2;
        uint8_t *s2 = save(d, &len2);
        FZ_CHECK(len2 == len && memcmp(s1, s2, len) == 0);
        free(s2);
        kg_dns_cache_free(d);
    }
    free(s1);
    kg_dns_cache_free(c);
    free(in);
    return 0;
}
