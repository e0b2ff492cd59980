// SPDX-License-Identifier: MIT
/*
 * header_cpp.cpp - include/kgress.h from C++: compiles with -Wall -Wextra
 * -Werror -pedantic (checked at test time when a C++ compiler exists), and
 * links and runs against the shared library, which proves the extern "C"
 * block covers every function called here.
 */
#include "kgress.h"

#include <cstdio>
#include <cstring>

static_assert(KG_VERSION_NUMBER >= 100, "version number");

int main()
{
    if (std::strcmp(kg_version(), "") == 0)
        return 1;
    if (kg_version_number() != KG_VERSION_NUMBER)
        return 1;
    kg_options *o = kg_options_new();
    kg_builder *b = kg_builder_new(o);
    kg_options_free(o);
    if (!b)
        return 1;
    static const char in[] = "apiVersion: v1\nkind: Namespace\n"
                             "metadata: {name: cpp}\n";
    int rc = kg_builder_add_buffer(b, "cpp", in, sizeof(in) - 1);
    kg_ruleset *rs = nullptr;
    if (rc == 0)
        rc = kg_builder_compile(b, &rs);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    std::printf("%s %s\n", kg_version(), kg_error_name(rc));
    return rc == 0 ? 0 : 1;
}
