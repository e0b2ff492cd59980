// SPDX-License-Identifier: MIT
/*
 * load.h - the YAML stage: bytes -> node trees -> Kubernetes objects.
 *
 * The only code in kgress that includes <yaml.h>. It enforces the limits of
 * kg_options (bytes, depth, nodes, scalar length, documents, aliases) while
 * reading events, so hostile input is refused as soon as it crosses a limit,
 * and reports problems with 1-based line:column.
 */
#ifndef KGI_YAML_LOAD_H
#define KGI_YAML_LOAD_H

#include <stddef.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "yaml/node.h"

struct kgi_objects {
    struct kgi_object *v;
    size_t n, cap;
};

/* Parses buf[0..len) as one stream. Appends every object found (top-level
 * maps; items of kind List / *List) to objs; nodes and strings go to arena.
 * Problems go to diags with file `name`. Returns 0, KG_ECOMPILE when this
 * source had an error (objects found before it are kept only when the
 * source had none: a half-read stream is dropped whole), or KG_ENOMEM. */
int kgi_yaml_load(const struct kg_options *opts, const char *name,
                  const char *buf, size_t len, struct kgi_arena *arena,
                  struct kgi_objects *objs, struct kg_diagnostics *diags);

/* kgi_yaml_load of a part of a larger text that starts at 1-based line:column
 * of it (one JSON value of a watch stream): marks and diagnostics count from
 * there. */
int kgi_yaml_load_at(const struct kg_options *opts, const char *name,
                     const char *buf, size_t len, uint32_t line,
                     uint32_t column, struct kgi_arena *arena,
                     struct kgi_objects *objs, struct kg_diagnostics *diags);

#endif
