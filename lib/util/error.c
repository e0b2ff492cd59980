// SPDX-License-Identifier: MIT
/*
 * error.c - version and the text of every KG_E* code. The table is indexed
 * by -code; codes are never renumbered or reused (see kgress.h).
 */
#include <stddef.h>

#include "kgress.h"

#define STR2(x) #x
#define STR(x) STR2(x)

static const struct {
    const char *name, *text;
} codes[] = {
    {"KG_OK", "success"},
    {"KG_ENOMEM", "out of memory"},
    {"KG_EINVAL", "invalid argument"},
    {"KG_EIO", "input/output error"},
    {"KG_ECOMPILE", "the input has errors (see the diagnostics)"},
    {"KG_ESYNTAX", "malformed YAML or JSON"},
    {"KG_EENCODING", "invalid text encoding"},
    {"KG_ELIMIT_BYTES", "input larger than the byte limit"},
    {"KG_ELIMIT_DEPTH", "nesting deeper than the depth limit"},
    {"KG_ELIMIT_NODES", "more nodes than the node limit"},
    {"KG_ELIMIT_SCALAR", "scalar longer than the scalar limit"},
    {"KG_ELIMIT_DOCUMENTS", "more documents than the document limit"},
    {"KG_EALIAS", "YAML aliases are not allowed"},
    {"KG_ELIMIT_ALIAS", "alias expansion beyond the alias limit"},
    {"KG_ETYPE", "wrong type"},
    {"KG_EREQUIRED", "required value"},
    {"KG_EINVALID", "invalid value"},
    {"KG_ENOTSUPPORTED", "unsupported value"},
    {"KG_EDUPLICATE", "duplicate value"},
    {"KG_EFORBIDDEN", "forbidden"},
    {"KG_ETOOLONG", "too long"},
    {"KG_ENOMATCH", "no rule matches"},
    {"KG_EREQUEST", "request rejected"},
    {"KG_ELIMIT_MATCH", "regex match limit reached"},
    {"KG_ENOSPACE", "buffer too small"},
    {"KG_EWARNING", "warning"},
    {"KG_ECONFLICT", "conflicting rule"},
    {"KG_ENOTFOUND", "not found"},
    {"KG_ERELIST", "watch expired: list again"},
    {"KG_EWATCH", "watch stream error"},
    {"KG_ELIMIT_DIAGNOSTICS", "more diagnostics than KG_LIMIT_DIAGNOSTICS"},
    {"KG_EDNS", "malformed or truncated DNS message"},
    {"KG_ELIMIT_CACHE", "DNS cache limit reached: live entries evicted"},
    {"KG_ESNAPSHOT", "malformed or corrupted DNS cache snapshot"},
    {"KG_ESNAPSHOT_VERSION", "unsupported DNS cache snapshot version"},
};

_Static_assert(sizeof(codes) / sizeof(codes[0]) == 1 - KG_ECODE_MIN,
               "every code has a name and a text");

KG_API const char *kg_strerror(int code)
{
    if (code > 0 || code < KG_ECODE_MIN)
        return "unknown error";
    return codes[-code].text;
}

KG_API const char *kg_error_name(int code)
{
    if (code > 0 || code < KG_ECODE_MIN)
        return "KG_E?";
    return codes[-code].name;
}

KG_API const char *kg_version(void)
{
    return KG_VERSION_STRING;
}

KG_API unsigned kg_version_number(void)
{
    return KG_VERSION_NUMBER;
}
