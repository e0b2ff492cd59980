// SPDX-License-Identifier: MIT
/*
 * resolve.h - what a YAML scalar is to the Kubernetes API server.
 *
 * The API server reads YAML through sigs.k8s.io/yaml, which decodes with
 * go-yaml v2 (YAML 1.1) into Go values and re-encodes them as JSON; a field
 * then gets that JSON value. So a plain `yes` is the boolean true, `0100`
 * the integer 64, `0x1538` 5432, `8e1` the float 80 (JSON 80), `1_000`
 * 1000, while `"0100"` and `!!str 0100` stay strings. This file is that
 * resolution (go-yaml v2 resolve.go with Go's strconv rules), so every model
 * reads a scalar the way the API server does; docs/yaml-forms.md lists the
 * forms.
 *
 * Workload: called by the model helpers (k8s/field.c) for the few scalars
 * each object's readers look at; pure and allocation-free.
 */
#ifndef KGI_YAML_RESOLVE_H
#define KGI_YAML_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaml/node.h"

enum kgi_ytype {
    KGI_Y_STR = 1,
    KGI_Y_NULL = 2,
    KGI_Y_BOOL = 3,
    KGI_Y_INT = 4,
    KGI_Y_FLOAT = 5,
};

struct kgi_yvalue {
    int type;  /* enum kgi_ytype */
    bool b;    /* KGI_Y_BOOL */
    bool big;  /* KGI_Y_INT beyond int64 (uint64 or big.Int in Go) */
    int64_t i; /* KGI_Y_INT when !big */
    double f;  /* KGI_Y_FLOAT (may be NaN or infinite) */
};

/* Resolves text[0..n) as go-yaml v2 resolves a plain, untagged scalar. */
void kgi_yaml_resolve_plain(const char *s, size_t n, struct kgi_yvalue *out);

/* The value of scalar node n: quoted, block and !!str/!!binary/other-tagged
 * scalars are strings; plain ones and !!int/!!float/!!bool/!!null ones are
 * resolved (the loader has refused tags that do not fit the text). */
void kgi_yaml_value(const struct kgi_node *n, struct kgi_yvalue *out);

/* The JSON integer an int32/int64 field would get from n (an INT within
 * int64, or a FLOAT that Go's JSON encoding prints as an integer: finite,
 * integral, below 1e21 and within int64). False otherwise. */
bool kgi_yaml_int(const struct kgi_node *n, int64_t *out);

/* Name of the type for messages ("a boolean", "an integer", ...). */
const char *kgi_ytype_name(int type);

#endif
