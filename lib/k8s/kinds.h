// SPDX-License-Identifier: MIT
/*
 * kinds.h - the table of object kinds kgress knows (kinds.c) and the
 * dispatch of an object to the kind an engine reads.
 *
 * One table for every engine: a row per kind of the API groups kgress
 * reads, with the versions read and its enum kgi_kind (meta.h), or none for
 * a kind that exists but is not read. Engines that add a kind append to it.
 */
#ifndef KGI_K8S_KINDS_H
#define KGI_K8S_KINDS_H

#include <stdbool.h>

#include "k8s/field.h"

struct kgi_kind_row {
    const char *group; /* "" for core */
    const char *kind;  /* as the API spells it, case-sensitive */
    /* the versions read, space-separated, preferred first ("v1beta1
     * v1alpha2"); NULL when the kind is not read */
    const char *version;
    int id; /* enum kgi_kind, KGI_KIND_UNKNOWN when not read */
    bool namespaced;
};

/* The row of a kind kgress reads, NULL for KGI_KIND_UNKNOWN. */
const struct kgi_kind_row *kgi_kind_row_of(int kind);

/* Whether kind[0..n), a kind kgress reads (any group), is namespaced: its
 * objects without metadata.namespace are in "default". False for kinds
 * kgress does not read. */
bool kgi_kind_namespaced(const char *kind, size_t n);
/* Whether an engine reads objects of kind[0..n) (of some group). */
bool kgi_kind_read(const char *kind, size_t n);

/* The kind of an object from its kind/apiVersion (see kgi_meta_kind in
 * meta.h, which this implements). */

#endif
