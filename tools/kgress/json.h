// SPDX-License-Identifier: MIT
/*
 * json.h - the JSON writer of the kgress tool.
 *
 * Every --json answer of the tool goes through here: one object per
 * request, flow, pair or diagnostic, one per line, so a program reading the
 * tool as a coprocess can parse each line as it arrives. The writer keeps a
 * small stack of "first element?" bits so callers never place commas, and
 * writes strings as valid UTF-8 JSON whatever bytes they hold: control
 * characters, quotes and backslashes are escaped, and a byte that does not
 * start a well-formed UTF-8 sequence becomes U+FFFD (JSON text must be
 * Unicode, RFC 8259 section 8.1), so the output always parses.
 *
 * Field names are those of the Python binding (python/kgress): a route
 * answer has the fields of kgress.Route, a verdict those of kgress.Verdict,
 * a diagnostic those of kgress.Diagnostic.
 */
#ifndef KGRESS_JSON_H
#define KGRESS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
    FILE *out;
    int depth;
    bool after_key;
    bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* A member name; the next value written is its value. */
void json_key(struct json *j, const char *key);
/* Values. json_str takes (pointer, length); json_cstr a NUL-terminated
 * string, NULL writing null. */
void json_str(struct json *j, const char *s, size_t n);
void json_cstr(struct json *j, const char *s);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Ends a top-level value: newline and flush. */
void json_line_end(struct json *j);

/* Shorthands for a member with its value. */
void json_kv_str(struct json *j, const char *key, const char *s, size_t n);
void json_kv_cstr(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);

#endif
