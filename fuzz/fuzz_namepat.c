// SPDX-License-Identifier: MIT
/*
 * fuzz_namepat.c - the domainNames pattern table (lib/policy/namepat.c)
 * against a linear reference, on patterns and names made of fuzz bytes:
 * the table's normalization, hashing, Bloom filter, label masks, inline
 * and pooled bodies and growth must never change an answer.
 *
 * Input: lines. A line starting with '+' adds the rest as a pattern, any
 * other line is a name to match (after every pattern of the input is
 * added); bytes are used as they are, so case, dots, '*', control and
 * UTF-8 bytes all reach the code.
 *
 * Properties:
 *   - kgi_namepat_add accepts a pattern exactly when its body (after an
 *     optional "*.") normalizes (kgi_name_normalize), returns the same id
 *     for two spellings of one pattern, and new ids in order otherwise;
 *     a pattern the DomainName syntax check accepts (either dialect) is
 *     added unless it is too long for DNS (a label over 63 octets, a name
 *     over 253), which that syntax does not limit;
 *   - kgi_namepat_match returns, for every name, exactly the ids of the
 *     patterns the reference matches (exact: the normalized name equals the
 *     body; "*.": it ends with "." + body with at least one label before),
 *     each once, never more than it reports, whatever the cap;
 *   - kgi_namepat_text of each id is the normalized pattern.
 */
#include "fuzz_common.h"
#include "policy/namepat.h"

#define MAX_PATS 256

static struct {
    bool wild;
    char body[KGI_NAME_MAX + 1];
    int len;
} pats[MAX_PATS];

static bool ref_match(int k, const char *n, int nl)
{
    int bl = pats[k].len;
    if (!pats[k].wild)
        return bl == nl && memcmp(pats[k].body, n, (size_t)nl) == 0;
    return nl > bl + 1 && n[nl - bl - 1] == '.' &&
           memcmp(n + nl - bl, pats[k].body, (size_t)bl) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kgi_namepat t;
    kgi_namepat_init(&t);
    uint32_t n_ids = 0;
    /* patterns first */
    for (size_t at = 0; at < size;) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        const char *s = (const char *)data + at;
        size_t n = end - at;
        at = end + 1;
        if (n == 0 || s[0] != '+')
            continue;
        s++;
        n--;
        bool wild = n >= 2 && s[0] == '*' && s[1] == '.';
        char body[KGI_NAME_MAX + 1];
        int bl = wild ? kgi_name_normalize(s + 2, n - 2, body)
                      : kgi_name_normalize(s, n, body);
        bool syntax = kgi_domain_pattern_check(s, n, KGI_DN_V1BETA1) == NULL ||
                      kgi_domain_pattern_check(s, n, KGI_DN_V1ALPHA) == NULL;
        uint32_t id = KGI_NP_NONE;
        int rc = kgi_namepat_add(&t, s, n, &id);
        FZ_CHECK(rc == 0 || rc == KG_EINVALID || rc == KG_ENOMEM);
        if (rc == KG_ENOMEM)
            break;
        FZ_CHECK((rc == 0) == (bl >= 0));
        if (syntax && rc) { /* the syntax has no length limits */
            size_t run = 0, longest = 0;
            for (size_t i = wild ? 2 : 0; i < n; i++) {
                run = s[i] == '.' ? 0 : run + 1;
                longest = run > longest ? run : longest;
            }
            size_t body_len = n - (wild ? 2 : 0) - (s[n - 1] == '.');
            FZ_CHECK(longest > KGI_NAME_LABEL_MAX || body_len > KGI_NAME_MAX);
        }
        if (rc)
            continue;
        /* an earlier equal pattern has the same id */
        uint32_t same = KGI_NP_NONE;
        for (uint32_t k = 0; k < n_ids; k++)
            if (pats[k].wild == wild && pats[k].len == bl &&
                memcmp(pats[k].body, body, (size_t)bl) == 0)
                same = k;
        if (same != KGI_NP_NONE) {
            FZ_CHECK(id == same);
            continue;
        }
        FZ_CHECK(id == n_ids);
        if (n_ids == MAX_PATS)
            break;
        pats[n_ids].wild = wild;
        memcpy(pats[n_ids].body, body, (size_t)bl);
        pats[n_ids].len = bl;
        n_ids++;
        const char *text = kgi_namepat_text(&t, id);
        FZ_CHECK(text != NULL);
        FZ_CHECK(strlen(text) == (size_t)bl + (wild ? 2 : 0));
        FZ_CHECK(memcmp(text + (wild ? 2 : 0), body, (size_t)bl) == 0);
    }
    FZ_CHECK(t.n_patterns == n_ids);
    /* then every name */
    for (size_t at = 0; at < size;) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        const char *s = (const char *)data + at;
        size_t n = end - at;
        at = end + 1;
        if (n && s[0] == '+')
            continue;
        char norm[KGI_NAME_MAX + 1];
        int len = kgi_name_normalize(s, n, norm);
        bool want[MAX_PATS] = {false};
        size_t n_want = 0;
        for (uint32_t k = 0; k < n_ids && len >= 0; k++) {
            want[k] = ref_match((int)k, norm, len);
            n_want += want[k];
        }
        uint32_t ids[MAX_PATS];
        size_t got = kgi_namepat_match(&t, s, n, ids, MAX_PATS);
        FZ_CHECK(got == n_want);
        for (size_t i = 0; i < got; i++) {
            FZ_CHECK(ids[i] < n_ids && want[ids[i]]);
            want[ids[i]] = false; /* each once */
        }
        /* a small cap counts the same and stores a prefix */
        uint32_t few[2];
        FZ_CHECK(kgi_namepat_match(&t, s, n, few, 2) == got);
        for (size_t i = 0; i < got && i < 2; i++)
            FZ_CHECK(few[i] == ids[i]);
    }
    kgi_namepat_release(&t);
    return 0;
}
