// SPDX-License-Identifier: MIT
/*
 * diag_objects.h - the last step of a compile's diagnostics: each names
 * its object ("Kind namespace/name") and the list reads in file order
 * (see diag_objects.c).
 */
#ifndef KGI_API_DIAG_OBJECTS_H
#define KGI_API_DIAG_OBJECTS_H

#include <stddef.h>

#include "api/store.h"
#include "util/diag.h"

/* Names the object of every kept diagnostic of d that has none, from the
 * live objects of st, and orders d's accessors by (source, line, column):
 * sources[0..n_sources) are the log-safe names of the sources in the
 * order they were added. Returns 0 or KG_ENOMEM (d then as it was, but for
 * objects already named). */
int kgi_diag_annotate(struct kg_diagnostics *d, const struct kgi_store *st,
                      char *const *sources, size_t n_sources);

#endif
