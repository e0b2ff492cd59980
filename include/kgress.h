// SPDX-License-Identifier: MIT
/*
 * kgress.h - the one public header of kgress, the stable C ABI.
 *
 * kgress reads Kubernetes traffic rules as `kubectl get -o yaml|json` prints
 * them (Ingress, IngressClass, NetworkPolicy, Pod, Namespace) and compiles
 * them into an immutable ruleset that answers, without allocating or
 * locking:
 *
 *   route:   HTTP (host, path)                  -> backend Service and port
 *   verdict: (src IP, dst IP, protocol, port)   -> allow / deny, and why
 *
 * Life cycle
 *
 *     kg_options ──▶ kg_builder ──add_buffer/add_file──▶ compile ──▶ kg_ruleset
 *                        │                                              │
 *                        └── kg_diagnostics (every problem, all files)   └── ref/unref,
 *                                                                          lookups from
 *                                                                          any thread
 *
 * ABI promise
 *   - Every type the library owns is opaque; public structs that may grow
 *     begin with a `size` member the caller sets to sizeof(struct).
 *   - Functions that act return 0 or a negative KG_E* code; predicates
 *     return bool. Codes are fixed numbers and never reused.
 *   - Only `kg_` symbols are exported, through the version script
 *     lib/kgress.map (one node per release). A symbol keeps its meaning once
 *     it ships. The soname changes only when the ABI breaks.
 *   - Lookups take (pointer, length) buffers, never need NUL termination,
 *     never allocate, lock or parse.
 *   - Every *_free() accepts NULL.
 *
 * Thread safety
 *   kg_options and kg_builder are single-threaded objects: one thread at a
 *   time. A kg_ruleset is immutable once compiled: any number of threads may
 *   look up in it concurrently; kg_ruleset_ref/unref are atomic. Diagnostics
 *   are read-only once their builder is done.
 */
#ifndef KGRESS_H
#define KGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KG_API __attribute__((visibility("default")))
#else
#define KG_API
#endif

/* ---------------------------------------------------------------- version */

#define KG_VERSION_MAJOR 0
#define KG_VERSION_MINOR 1
#define KG_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH, comparable with `>=`. */
#define KG_VERSION_NUMBER \
    (KG_VERSION_MAJOR * 10000 + KG_VERSION_MINOR * 100 + KG_VERSION_PATCH)

/** Version of the library at run time, "MAJOR.MINOR.PATCH". Static string,
 *  never NULL. Thread-safe. */
KG_API const char *kg_version(void);

/** KG_VERSION_NUMBER of the library at run time. Thread-safe. */
KG_API unsigned kg_version_number(void);

/* ----------------------------------------------------------- error codes */
/*
 * Fixed numbers, never reused. Functions return them negated-as-defined
 * (all are negative). Diagnostics carry them too, as their stable code.
 */
#define KG_OK 0
#define KG_ENOMEM -1          /**< an allocation failed; nothing changed      */
#define KG_EINVAL -2          /**< bad argument (NULL handle, bad enum, ...)  */
#define KG_EIO -3             /**< a file could not be read                   */
#define KG_ECOMPILE -4        /**< input has errors: see the diagnostics      */
#define KG_ESYNTAX -5         /**< malformed YAML or JSON                     */
#define KG_EENCODING -6       /**< not UTF-8 (or UTF-16 with BOM), NUL bytes  */
#define KG_ELIMIT_BYTES -7    /**< input larger than KG_LIMIT_INPUT_BYTES     */
#define KG_ELIMIT_DEPTH -8    /**< nesting deeper than KG_LIMIT_DEPTH         */
#define KG_ELIMIT_NODES -9    /**< more nodes than KG_LIMIT_NODES             */
#define KG_ELIMIT_SCALAR -10  /**< a scalar longer than KG_LIMIT_SCALAR_BYTES */
#define KG_ELIMIT_DOCUMENTS -11 /**< more documents than KG_LIMIT_DOCUMENTS   */
#define KG_EALIAS -12         /**< YAML alias/anchor while aliases are off    */
#define KG_ELIMIT_ALIAS -13   /**< alias expansion beyond KG_LIMIT_ALIAS_NODES */
#define KG_ETYPE -14          /**< a field has the wrong YAML type            */
#define KG_EREQUIRED -15      /**< a required field is missing                */
#define KG_EINVALID -16       /**< a field's value is not allowed             */
#define KG_ENOTSUPPORTED -17  /**< a value outside the supported set          */
#define KG_EDUPLICATE -18     /**< a duplicate key or entry                   */
#define KG_EFORBIDDEN -19     /**< a field that must not be set here          */
#define KG_ETOOLONG -20       /**< a value longer than the API allows         */
#define KG_ENOMATCH -21       /**< lookup: no rule matches                    */
#define KG_EREQUEST -22       /**< lookup: the request itself is rejected      */
#define KG_ELIMIT_MATCH -23   /**< lookup: a regex hit its match/depth limit  */
#define KG_ENOSPACE -24       /**< a caller buffer is too small               */
#define KG_EWARNING -25       /**< code of warnings that have no finer code   */
#define KG_ECONFLICT -26      /**< a rule shadowed by an older identical one  */
#define KG_ENOTFOUND -27      /**< the named object/entry does not exist      */
#define KG_ECODE_MIN -27      /**< lowest code defined in this version        */

/** Human-readable text for a KG_E* code (or 0). Never NULL: unknown codes
 *  give "unknown error". Static string. Thread-safe. */
KG_API const char *kg_strerror(int code);

/** Symbolic name of a code, e.g. "KG_ENOMEM"; "KG_OK" for 0; "KG_E?" for an
 *  unknown code. Static string, never NULL. Thread-safe. */
KG_API const char *kg_error_name(int code);

/* --------------------------------------------------------------- options */
/*
 * Options bound what a load may cost and switch semantics. A builder copies
 * them when it is created, so the options may be changed or freed after.
 */
typedef struct kg_options kg_options;

/** Limits of the YAML stage. Each has its own error code (see above). */
enum kg_limit {
    KG_LIMIT_INPUT_BYTES = 1,  /**< bytes per source; default 64 MiB        */
    KG_LIMIT_DEPTH = 2,        /**< nesting of maps/sequences; default 64    */
    KG_LIMIT_NODES = 3,        /**< nodes per source; default 4,000,000      */
    KG_LIMIT_SCALAR_BYTES = 4, /**< bytes per scalar; default 1 MiB          */
    KG_LIMIT_DOCUMENTS = 5,    /**< documents per stream; default 100,000    */
    KG_LIMIT_ALIAS_NODES = 6,  /**< nodes that aliases may expand to per
                                    source; 0 (default) rejects aliases      */
};

/** Boolean switches. */
enum kg_flag {
    /** Normalize request paths before matching (default on). */
    KG_FLAG_NORMALIZE = 1,
    /** Keep invalid objects out of the ruleset and report their problems as
     *  warnings instead of failing the compile (default off). */
    KG_FLAG_SKIP_INVALID = 2,
    /** Reject request paths containing %2F or %5C (default off: kept). */
    KG_FLAG_REJECT_ESCAPED_SLASH = 3,
    /** ipBlock peers match pod IPs too (default on). */
    KG_FLAG_IPBLOCK_MATCHES_PODS = 4,
    /** hostNetwork pods are selected by pod/namespace selectors (default
     *  off: their traffic is node traffic). */
    KG_FLAG_SELECT_HOSTNETWORK = 5,
    /** Ingress from the pod's own node (status.hostIP) is allowed (default
     *  on). */
    KG_FLAG_ALLOW_NODE_INGRESS = 6,
    /** A pod reaching its own IP is allowed (default on). */
    KG_FLAG_ALLOW_LOOPBACK = 7,
    /** Reject CIDRs that the API server accepts only with a warning (host
     *  bits set, leading zeros, IPv4-mapped IPv6) instead of masking them
     *  with a warning (default off). */
    KG_FLAG_STRICT_CIDR = 8,
};

/** Ingress dialects. */
enum kg_dialect {
    KG_DIALECT_PORTABLE = 0,      /**< the Ingress API; ImplSpecific = Prefix */
    KG_DIALECT_INGRESS_NGINX = 1, /**< ingress-nginx: use-regex, rewrite-target,
                                       character-prefix ImplementationSpecific */
};

/** New options with every default. Returns NULL on allocation failure.
 *  The caller owns the result and frees it with kg_options_free(). */
KG_API kg_options *kg_options_new(void);

/** Frees options. NULL is fine. */
KG_API void kg_options_free(kg_options *opts);

/** Sets a limit. Returns 0, or KG_EINVAL for a NULL handle, unknown limit
 *  or a zero value (except KG_LIMIT_ALIAS_NODES, where 0 rejects aliases). */
KG_API int kg_options_set_limit(kg_options *opts, int limit, uint64_t value);

/** Current value of a limit; 0 for a NULL handle or unknown limit. */
KG_API uint64_t kg_options_get_limit(const kg_options *opts, int limit);

/** Sets a switch. Returns 0 or KG_EINVAL (NULL handle, unknown flag). */
KG_API int kg_options_set_flag(kg_options *opts, int flag, bool on);

/** Current value of a switch; false for a NULL handle or unknown flag. */
KG_API bool kg_options_get_flag(const kg_options *opts, int flag);

/** Serve only Ingresses of this class (see the README for how an Ingress's
 *  class is determined). name NULL or len 0 serves every Ingress. The name
 *  is copied. Returns 0, KG_EINVAL (NULL handle, len > 253), KG_ENOMEM. */
KG_API int kg_options_set_ingress_class(kg_options *opts, const char *name,
                                        size_t len);

/** Selects an Ingress dialect. Returns 0 or KG_EINVAL. */
KG_API int kg_options_set_dialect(kg_options *opts, int dialect);

/* ----------------------------------------------------------- diagnostics */
/*
 * Every problem of a load, in input order: severity, stable code, file,
 * field path (`spec.rules[0].http.paths[1].pathType`), 1-based line and
 * column (0 when unknown), message. Owned by the object that returned them.
 */
typedef struct kg_diagnostics kg_diagnostics;

enum kg_severity {
    KG_SEVERITY_ERROR = 0,
    KG_SEVERITY_WARNING = 1,
};

/** Number of diagnostics; 0 for NULL. */
KG_API size_t kg_diagnostics_count(const kg_diagnostics *d);
/** Number of diagnostics of severity error; 0 for NULL. */
KG_API size_t kg_diagnostics_errors(const kg_diagnostics *d);
/** Severity of diagnostic i (KG_SEVERITY_*); -1 when out of range. */
KG_API int kg_diagnostic_severity(const kg_diagnostics *d, size_t i);
/** Code (KG_E*) of diagnostic i; 0 when out of range. */
KG_API int kg_diagnostic_code(const kg_diagnostics *d, size_t i);
/** Source name of diagnostic i ("" when none or out of range). Never NULL. */
KG_API const char *kg_diagnostic_file(const kg_diagnostics *d, size_t i);
/** Field path of diagnostic i ("" for the whole document). Never NULL. */
KG_API const char *kg_diagnostic_path(const kg_diagnostics *d, size_t i);
/** 1-based line (0 unknown or out of range). */
KG_API unsigned kg_diagnostic_line(const kg_diagnostics *d, size_t i);
/** 1-based column in characters (0 unknown or out of range). */
KG_API unsigned kg_diagnostic_column(const kg_diagnostics *d, size_t i);
/** Message of diagnostic i. Never NULL. */
KG_API const char *kg_diagnostic_message(const kg_diagnostics *d, size_t i);

/** Formats diagnostic i as `file:line:col: error: path: message` into buf
 *  (always NUL-terminated when cap > 0), like snprintf: returns the length
 *  the full text needs, excluding the NUL; 0 when out of range. */
KG_API size_t kg_diagnostic_format(const kg_diagnostics *d, size_t i,
                                   char *buf, size_t cap);

/* --------------------------------------------------------------- builder */
/*
 * A builder collects sources, then compiles them all into one ruleset. Each
 * source is parsed when added; every problem becomes a diagnostic.
 */
typedef struct kg_builder kg_builder;
typedef struct kg_ruleset kg_ruleset;

/** New builder using a copy of opts (NULL: defaults). Returns NULL on
 *  allocation failure. Free with kg_builder_free(). */
KG_API kg_builder *kg_builder_new(const kg_options *opts);

/** Frees the builder and its diagnostics. NULL is fine. Rulesets it
 *  compiled stay valid. */
KG_API void kg_builder_free(kg_builder *b);

/** Parses one YAML or JSON stream (one or many documents, List kinds
 *  flattened) from buf[0..len). name is used in diagnostics (NULL:
 *  "<input>") and copied. The buffer need not be NUL-terminated and is not
 *  retained. Returns 0; KG_ECOMPILE when this source had errors (they are
 *  in the diagnostics; later sources may still be added); KG_ENOMEM;
 *  KG_EINVAL for a NULL builder or buf with len > 0. */
KG_API int kg_builder_add_buffer(kg_builder *b, const char *name,
                                 const char *buf, size_t len);

/** Like kg_builder_add_buffer on the contents of a file. KG_EIO (with a
 *  diagnostic) when it cannot be read; KG_ELIMIT_BYTES when it exceeds
 *  KG_LIMIT_INPUT_BYTES (not read). */
KG_API int kg_builder_add_file(kg_builder *b, const char *path);

/** Validates and compiles everything added. On success *out is a new
 *  ruleset with one reference owned by the caller. Returns 0; KG_ECOMPILE
 *  when any error diagnostic exists (*out is NULL; see
 *  kg_builder_diagnostics); KG_ENOMEM; KG_EINVAL. May be called again
 *  after more sources are added. */
KG_API int kg_builder_compile(kg_builder *b, kg_ruleset **out);

/** Diagnostics of everything added and compiled so far; owned by the
 *  builder, valid until it is freed or changed. NULL for a NULL builder. */
KG_API const kg_diagnostics *kg_builder_diagnostics(const kg_builder *b);

/* --------------------------------------------------------------- ruleset */

/** Adds a reference; returns rs. Atomic: any thread. NULL gives NULL. */
KG_API kg_ruleset *kg_ruleset_ref(kg_ruleset *rs);

/** Drops a reference; frees the ruleset when it was the last. Atomic: any
 *  thread. NULL is fine. */
KG_API void kg_ruleset_unref(kg_ruleset *rs);

/** Output sink used by the dump functions: called with chunks of text. */
typedef void (*kg_write_fn)(void *user, const char *text, size_t len);

/** Dump formats. */
enum kg_dump_format {
    KG_DUMP_TEXT = 0, /**< readable tables */
    KG_DUMP_JSON = 1, /**< one JSON object */
};

/** Writes the compiled tables (hosts, path tries, policies, CIDR tables)
 *  through write. Returns 0 or KG_EINVAL. Thread-safe (reads only). */
KG_API int kg_ruleset_dump(const kg_ruleset *rs, int format, kg_write_fn write,
                           void *user);

/* ----------------------------------------------------------------- route */
/* (Ingress routing: kg_route, kg_tls_lookup -- see below when present.) */

/* --------------------------------------------------------------- verdict */
/* (NetworkPolicy verdicts: kg_check -- see below when present.) */

#ifdef __cplusplus
}
#endif

#endif /* KGRESS_H */
