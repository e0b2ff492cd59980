// SPDX-License-Identifier: MIT
/*
 * gateway_fields.h - field readers shared by the Gateway API model files
 * (gateway_model.c, httproute_model.c): the schema types of
 * kubernetes-sigs/gateway-api apis/v1/shared_types.go (Group, Kind,
 * Namespace, ObjectName, SectionName) and list bounds (MinItems/MaxItems),
 * each reporting under the current field path like the API server.
 * Private to lib/route.
 */
#ifndef KGI_ROUTE_GATEWAY_FIELDS_H
#define KGI_ROUTE_GATEWAY_FIELDS_H

#include "route/gateway_model.h"

/* Reports KG_ENOMEM at n and sets *flag and c->diags->oom. */
void kgi_gw_oom(struct kgi_ctx *c, const struct kgi_node *n, bool *flag);
/* map[key]'s node, map itself when absent (for marks). */
const struct kgi_node *kgi_gw_at(const struct kgi_node *map, const char *key);
/* KG_EINVALID "Invalid value: "v": why" at key (NULL: the current path). */
void kgi_gw_invalid(struct kgi_ctx *c, const char *key,
                    const struct kgi_node *n, struct kgi_str v,
                    const char *why);
/* The sequence at map[key] (NULL when absent) with min..max items: fewer
 * is KG_EREQUIRED (absent) or KG_EINVALID, more KG_ETOOLONG. */
const struct kgi_node *kgi_gw_list(struct kgi_ctx *c,
                                   const struct kgi_node *map, const char *key,
                                   size_t min, size_t max, bool *ok);
/* A string of 1..max bytes (0 allowed when not required) without control
 * bytes. Returns true when present and valid. */
bool kgi_gw_str(struct kgi_ctx *c, const struct kgi_node *map, const char *key,
                bool required, size_t max, struct kgi_str *out, bool *ok);
/* Group ("" or a DNS subdomain), Kind, Namespace (DNS label), ObjectName,
 * SectionName (DNS subdomain). Return true when present and valid. */
bool kgi_gw_group_ok(struct kgi_ctx *c, const struct kgi_node *map,
                     const char *key, struct kgi_str *out, bool *ok);
bool kgi_gw_kind_ok(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool required, struct kgi_str *out,
                    bool *ok);
bool kgi_gw_ns_ok(struct kgi_ctx *c, const struct kgi_node *map,
                  const char *key, struct kgi_str *out, bool *ok);
bool kgi_gw_name_ok(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool required, struct kgi_str *out,
                    bool *ok);
bool kgi_gw_section_ok(struct kgi_ctx *c, const struct kgi_node *map,
                       const char *key, bool required, struct kgi_str *out,
                       bool *ok);

#endif
