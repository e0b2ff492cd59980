// SPDX-License-Identifier: MIT
/*
 * fuzz_yaml.c - the YAML stage and everything behind it on arbitrary bytes.
 *
 * The input is one source as a user would pass it to kg_builder_add_buffer.
 * Its last byte also picks the options (so the seeds stay plain manifests):
 * aliases off or on with a small expansion limit, small depth/node/scalar
 * limits, skip-invalid, the ingress-nginx dialect. Properties: no crash,
 * leak or hang; every return code is a documented one; a source with
 * errors never compiles; diagnostics are consistent and format safely; a
 * compiled ruleset dumps; compiling twice gives the same diagnostics count.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = size ? data[size - 1] : 0;
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    if (cfg & 1)
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_ALIAS_NODES, 1000) == 0);
    if (cfg & 2) {
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DEPTH, 8) == 0);
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_OBJECT_NODES, 300) == 0);
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_SCALAR_BYTES, 64) == 0);
        FZ_CHECK(kg_options_set_limit(o, KG_LIMIT_DOCUMENTS, 4) == 0);
    }
    if (cfg & 4)
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
    if (cfg & 8)
        FZ_CHECK(kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX) == 0);

    kg_builder *b = kg_builder_new(o);
    FZ_CHECK(b != NULL);
    int rc = kg_builder_add_buffer(b, "fuzz.yaml", (const char *)data, size);
    FZ_CHECK(rc == 0 || rc == KG_ECOMPILE);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    if (rc == KG_ECOMPILE)
        FZ_CHECK(kg_diagnostics_errors(d) > 0);
    else
        FZ_CHECK(kg_diagnostics_errors(d) == 0);
    fz_check_diagnostics(d);

    kg_ruleset *rs = NULL;
    int crc = kg_builder_compile(b, &rs);
    FZ_CHECK(crc == 0 || crc == KG_ECOMPILE);
    FZ_CHECK((crc == 0) == (rs != NULL));
    if (rc == KG_ECOMPILE)
        FZ_CHECK(crc == KG_ECOMPILE);
    fz_check_diagnostics(d);
    size_t first = kg_diagnostics_count(d);
    if (rs)
        fz_dump(rs);

    /* a second compile replaces the first one's diagnostics */
    kg_ruleset *rs2 = NULL;
    int crc2 = kg_builder_compile(b, &rs2);
    FZ_CHECK(crc2 == crc);
    FZ_CHECK(kg_diagnostics_count(d) == first);
    kg_ruleset_unref(rs2);

    kg_builder_free(b);
    /* the ruleset outlives its builder */
    if (rs)
        fz_dump(rs);
    kg_ruleset_unref(rs);
    kg_options_free(o);
    return 0;
}
