// SPDX-License-Identifier: MIT
/*
 * test_frozen.c - the numbers of the public ABI, frozen.
 *
 * Error codes and enum values are part of the ABI (kgress.h "ABI
 * promise"): a binary and the ctypes binding carry them as numbers. This
 * table was written from the 0.1 header and what 0.2 added; a renumbered
 * code or constant fails here. New codes and constants are appended to the
 * table as they land (never edit a row). Each code also has its own name in
 * kg_error_name and a text other than "unknown error".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

struct frozen {
    const char *name;
    long value;  /* as the header defines it today */
    long frozen; /* as released */
    bool code;   /* a KG_E* error code */
};

#define C(name, n)                                                             \
    {                                                                          \
#name, name, n, true                                                   \
    }
#define E(name, n)                                                             \
    {                                                                          \
#name, name, n, false                                                  \
    }

static const struct frozen table[] = {
    C(KG_OK, 0),
    C(KG_ENOMEM, -1),
    C(KG_EINVAL, -2),
    C(KG_EIO, -3),
    C(KG_ECOMPILE, -4),
    C(KG_ESYNTAX, -5),
    C(KG_EENCODING, -6),
    C(KG_ELIMIT_BYTES, -7),
    C(KG_ELIMIT_DEPTH, -8),
    C(KG_ELIMIT_NODES, -9),
    C(KG_ELIMIT_SCALAR, -10),
    C(KG_ELIMIT_DOCUMENTS, -11),
    C(KG_EALIAS, -12),
    C(KG_ELIMIT_ALIAS, -13),
    C(KG_ETYPE, -14),
    C(KG_EREQUIRED, -15),
    C(KG_EINVALID, -16),
    C(KG_ENOTSUPPORTED, -17),
    C(KG_EDUPLICATE, -18),
    C(KG_EFORBIDDEN, -19),
    C(KG_ETOOLONG, -20),
    C(KG_ENOMATCH, -21),
    C(KG_EREQUEST, -22),
    C(KG_ELIMIT_MATCH, -23),
    C(KG_ENOSPACE, -24),
    C(KG_EWARNING, -25),
    C(KG_ECONFLICT, -26),
    C(KG_ENOTFOUND, -27),
    E(KG_LIMIT_INPUT_BYTES, 1),
    E(KG_LIMIT_DEPTH, 2),
    E(KG_LIMIT_NODES, 3),
    E(KG_LIMIT_SCALAR_BYTES, 4),
    E(KG_LIMIT_DOCUMENTS, 5),
    E(KG_LIMIT_ALIAS_NODES, 6),
    E(KG_FLAG_NORMALIZE, 1),
    E(KG_FLAG_SKIP_INVALID, 2),
    E(KG_FLAG_REJECT_ESCAPED_SLASH, 3),
    E(KG_FLAG_IPBLOCK_MATCHES_PODS, 4),
    E(KG_FLAG_SELECT_HOSTNETWORK, 5),
    E(KG_FLAG_ALLOW_NODE_INGRESS, 6),
    E(KG_FLAG_ALLOW_LOOPBACK, 7),
    E(KG_FLAG_STRICT_CIDR, 8),
    E(KG_DIALECT_PORTABLE, 0),
    E(KG_DIALECT_INGRESS_NGINX, 1),
    E(KG_SEVERITY_ERROR, 0),
    E(KG_SEVERITY_WARNING, 1),
    E(KG_DUMP_TEXT, 0),
    E(KG_DUMP_JSON, 1),
    E(KG_PATH_NONE, 0),
    E(KG_PATH_EXACT, 1),
    E(KG_PATH_PREFIX, 2),
    E(KG_PATH_IMPLEMENTATION_SPECIFIC, 3),
    E(KG_PROTO_TCP, 6),
    E(KG_PROTO_UDP, 17),
    E(KG_PROTO_SCTP, 132),
    E(KG_INGRESS, 0),
    E(KG_EGRESS, 1),
    E(KG_REASON_NOT_A_POD, 1),
    E(KG_REASON_NOT_ISOLATED, 2),
    E(KG_REASON_ALLOWED_BY_RULE, 3),
    E(KG_REASON_NO_RULE, 4),
    E(KG_REASON_LOOPBACK, 5),
    E(KG_REASON_NODE, 6),
    E(KG_REASON_HOST_NETWORK, 7),
    /* 0.2 (fixed once v0.2.0 is tagged) */
    E(KG_LIMIT_OBJECT_NODES, 7),
    E(KG_FLAG_SERVICE_ANY_ENDPOINT, 9),
    E(KG_REASON_NO_ENDPOINTS, 8),
    E(KG_TIER_NONE, 0),
    E(KG_TIER_ADMIN, 1),
    E(KG_TIER_NETWORK_POLICY, 2),
    E(KG_TIER_BASELINE, 3),
    E(KG_TIER_DEFAULT, 4),
    E(KG_ACTION_NONE, 0),
    E(KG_ACTION_ALLOW, 1),
    E(KG_ACTION_DENY, 2),
    E(KG_ACTION_PASS, 3),
    E(KG_NAME_DIALLED, 1),
    E(KG_NAME_CLAIMED, 2),
    E(KG_LIMIT_DIAGNOSTICS, 8),
    C(KG_ELIMIT_DIAGNOSTICS, -30),
};

static void test_frozen_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct frozen *f = &table[i];
        if (f->value != f->frozen)
            fail_msg("%s is %ld, released as %ld", f->name, f->value,
                     f->frozen);
        if (!f->code)
            continue;
        assert_string_equal(kg_error_name((int)f->value), f->name);
        if (f->value != 0)
            assert_string_not_equal(kg_strerror((int)f->value),
                                    "unknown error");
        assert_true(f->value >= KG_ECODE_MIN);
    }
    /* codes are dense from KG_ECODE_MIN to -1: none skipped or reused */
    for (int c = KG_ECODE_MIN; c < 0; c++)
        assert_string_not_equal(kg_error_name(c), "KG_E?");
    assert_string_equal(kg_error_name(KG_ECODE_MIN - 1), "KG_E?");
    assert_string_equal(kg_strerror(KG_ECODE_MIN - 1), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frozen_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
