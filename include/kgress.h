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
 *                        └── kg_diagnostics (every problem, all files)   └──
 * ref/unref, lookups from any thread
 *
 * ABI promise
 *   - Every type the library owns is opaque; public structs that may grow
 *     begin with a `size` member the caller sets to sizeof(struct). Such a
 *     struct only ever grows at its end, and the library accepts any size
 *     from the first released size (KG_<STRUCT>_SIZE_0_1 below) up: it
 *     reads and writes only the first min(size, its own sizeof) bytes and
 *     never touches the rest (the rule of zstd's and curl's sized
 *     structs). So a binary built against an older header keeps working
 *     with a newer library, and one built against a newer header with an
 *     older library sees the fields the library does not know left as it
 *     set them (zero-initialize the struct to tell). A size below the
 *     first released one is KG_EINVAL.
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

/* KG_VERSION_MAJOR, _MINOR, _PATCH and KG_VERSION_STRING: generated from
 * the project version (meson.build) into kgress_version.h, installed beside
 * this header. */
#include "kgress_version.h"
/** MAJOR*10000 + MINOR*100 + PATCH, comparable with `>=`. */
#define KG_VERSION_NUMBER                                                      \
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
/* clang-format off */
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
#define KG_ERELIST -28        /**< watch expired (410 Gone): list again       */
#define KG_EWATCH -29         /**< the watch stream reported an ERROR event   */
#define KG_ELIMIT_DIAGNOSTICS -30 /**< diagnostics past KG_LIMIT_DIAGNOSTICS (0.2) */
#define KG_EDNS -31           /**< a DNS message is malformed or truncated    */
#define KG_ELIMIT_CACHE -32   /**< a DNS cache limit evicted live entries     */
#define KG_ESNAPSHOT -33      /**< a DNS cache snapshot is malformed/corrupted */
#define KG_ESNAPSHOT_VERSION -34 /**< a snapshot of an unsupported version   */
#define KG_ECODE_MIN -34      /**< lowest code defined in this version        */
/* clang-format on */

/*
 * Builds without an engine. A library built with the meson option
 * -Droute=disabled (the firewall build, without PCRE2) or -Dpolicy=disabled
 * exports the same symbols; the functions of the missing engine then
 * return KG_ENOTSUPPORTED once their arguments are otherwise valid (a NULL
 * ruleset or struct, or a size below the first released one, is still
 * KG_EINVAL): route: kg_route, kg_route_request, kg_tls_lookup,
 * kg_route_host_group; policy: kg_check, kg_check_flow, kg_check_str,
 * kg_check_side, kg_check_batch, kg_explain_rule, kg_pod_find,
 * kg_pod_find_addr, kg_pod_addr, kg_dns_cache_observe,
 * kg_dns_cache_observe_msg, kg_dns_cache_name, while kg_pod_name,
 * kg_pod_policy and kg_dns_cache_new return NULL and kg_match_name "?". The
 * builder reads the objects of the missing engine's kinds (their metadata is
 * checked) but compiles nothing of them, and kg_ruleset_dump leaves out that
 * engine's section ("routes" or "policies"). kg_addr_parse, kg_protocol_parse,
 * kg_verdict_format and kg_reason_name work in every build.
 */

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

/** Limits of the YAML stage. Each has its own error code (see above).
 *  The structural limits (depth, object nodes, scalar bytes) hold per
 *  object: a document, or an item of a List document; the stream limits
 *  (input bytes, nodes, documents) per source, sized so that
 *  `kubectl get pods -A -o yaml` of a 150,000-pod cluster (about 1.1 GB,
 *  80M nodes) loads with the defaults. */
enum kg_limit {
    KG_LIMIT_INPUT_BYTES = 1,  /**< bytes per source; default 2 GiB         */
    KG_LIMIT_DEPTH = 2,        /**< nesting of maps/sequences per object;
                                    default 64                               */
    KG_LIMIT_NODES = 3,        /**< nodes per source, as in 0.1;
                                    default 128,000,000                      */
    KG_LIMIT_SCALAR_BYTES = 4, /**< bytes per scalar; default 1 MiB          */
    KG_LIMIT_DOCUMENTS = 5,    /**< documents per stream; default 1,000,000  */
    KG_LIMIT_ALIAS_NODES = 6,  /**< nodes that aliases may expand to per
                                    source; 0 (default) rejects aliases      */
    KG_LIMIT_OBJECT_NODES = 7, /**< nodes per object (KG_ELIMIT_NODES);
                                    default 1,000,000 (0.2)                  */
    KG_LIMIT_DIAGNOSTICS = 8,  /**< diagnostics a builder keeps; the rest
                                    are counted in one last entry, code
                                    KG_ELIMIT_DIAGNOSTICS; default 1,000 (0.2) */
    /* since 0.2, read by kg_dns_cache_new (durations in the caller's
     * seconds, see "DNS name cache") */
    /** (address, client, name) bindings a cache holds; default 65,536 */
    KG_LIMIT_DNS_ENTRIES = 9,
    /** distinct names a cache holds; default 16,384 */
    KG_LIMIT_DNS_NAMES = 10,
    /** addresses recorded per name from one observation; default 256 */
    KG_LIMIT_DNS_ADDRS_PER_NAME = 11,
    /** shortest lifetime of an observation; default 1 (0 allowed) */
    KG_LIMIT_DNS_MIN_TTL = 12,
    /** longest lifetime; default 2^31 - 1 (RFC 2181: no cap) */
    KG_LIMIT_DNS_MAX_TTL = 13,
    /** seconds an address stays usable after its lifetime; default 0 (0
     *  allowed) */
    KG_LIMIT_DNS_GRACE = 14,
};

/** Boolean switches. */
enum kg_flag {
    /** Normalize request paths before matching (default on). */
    KG_FLAG_NORMALIZE = 1,
    /** Keep invalid objects out of the ruleset and report their problems as
     *  warnings instead of failing the compile (default off). Cluster tier
     *  policies fail closed instead of being left out: an invalid rule is
     *  kept matching nothing (Allow) or everything (Deny, Pass), and a
     *  policy that may deny but cannot be kept so still fails the compile
     *  (docs/policy.md, "Invalid tier objects under skip-invalid"). */
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
    /** a flow to a Service address (ClusterIP) is allowed when any ready
     *  endpoint allows it, instead of every one (default off) */
    KG_FLAG_SERVICE_ANY_ENDPOINT = 9,
    /** kg_dns_cache: an observation made for one client opens the address
     *  for every client, as if made without a client (default off:
     *  per-client scoping) (0.2) */
    KG_FLAG_DNS_SHARED = 10,
};

/** Ingress dialects. */
enum kg_dialect {
    /** the Ingress API; ImplementationSpecific = Prefix */
    KG_DIALECT_PORTABLE = 0,
    /** ingress-nginx: use-regex, rewrite-target, character-prefix
     *  ImplementationSpecific */
    KG_DIALECT_INGRESS_NGINX = 1,
};

/** New options with every default. Returns NULL on allocation failure.
 *  The caller owns the result and frees it with kg_options_free(). */
KG_API kg_options *kg_options_new(void);

/** Frees options. NULL is fine. */
KG_API void kg_options_free(kg_options *opts);

/** Sets a limit. Returns 0, or KG_EINVAL for a NULL handle, unknown limit
 *  or a zero value (except KG_LIMIT_ALIAS_NODES, where 0 rejects aliases,
 *  and KG_LIMIT_DNS_MIN_TTL / KG_LIMIT_DNS_GRACE). */
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

/** Number of diagnostics; 0 for NULL. After kg_builder_compile they come in
 *  file order: sources in the order they were added, then line and
 *  column (0:0 first, as a whole source's problems). A builder keeps at most
 *  KG_LIMIT_DIAGNOSTICS of them: when more were reported, the last entry
 *  (one past the limit) is a summary with code KG_ELIMIT_DIAGNOSTICS, no
 *  file or mark, severity error when any of those not kept is an error,
 *  and the message "N more diagnostics not kept (E errors, W warnings)". */
KG_API size_t kg_diagnostics_count(const kg_diagnostics *d);
/** Number of errors reported, those past KG_LIMIT_DIAGNOSTICS included;
 *  0 for NULL. */
KG_API size_t kg_diagnostics_errors(const kg_diagnostics *d);
/** Number of warnings reported, those past KG_LIMIT_DIAGNOSTICS included
 *  (the summary entry itself is not counted); 0 for NULL. (0.2) */
KG_API size_t kg_diagnostics_warnings(const kg_diagnostics *d);
/** Severity of diagnostic i (KG_SEVERITY_*); -1 when out of range. */
KG_API int kg_diagnostic_severity(const kg_diagnostics *d, size_t i);
/** Code (KG_E*) of diagnostic i; 0 when out of range. */
KG_API int kg_diagnostic_code(const kg_diagnostics *d, size_t i);
/** Source name of diagnostic i ("" when none or out of range). Never NULL. */
KG_API const char *kg_diagnostic_file(const kg_diagnostics *d, size_t i);
/** Field path of diagnostic i ("" for the whole document). Never NULL. */
KG_API const char *kg_diagnostic_path(const kg_diagnostics *d, size_t i);
/** The object diagnostic i belongs to, as "Kind namespace/name" (or "Kind
 *  name" for cluster-scoped kinds), log-safe; "" for problems of a whole
 *  source (syntax, limits, I/O) or out of range. Never NULL. (0.2) */
KG_API const char *kg_diagnostic_object(const kg_diagnostics *d, size_t i);
/** 1-based line (0 unknown or out of range). */
KG_API unsigned kg_diagnostic_line(const kg_diagnostics *d, size_t i);
/** 1-based column in characters (0 unknown or out of range). */
KG_API unsigned kg_diagnostic_column(const kg_diagnostics *d, size_t i);
/** Message of diagnostic i. Never NULL. */
KG_API const char *kg_diagnostic_message(const kg_diagnostics *d, size_t i);

/** Writes s[0..n) into buf as log-safe text, the way diagnostics show a
 *  manifest's bytes: printable ASCII and well-formed UTF-8 as they are;
 *  control bytes, DEL and bytes of malformed UTF-8 as `\xNN`; C1 controls,
 *  U+2028/U+2029 and bidi embeddings, overrides and isolates as `\uNNNN`.
 *  snprintf-style: always NUL-terminated when cap > 0 (never cutting an
 *  escape), returns the length the whole text needs. s may be NULL when n
 *  is 0; buf may be NULL when cap is 0. No allocation; thread-safe. (0.2) */
KG_API size_t kg_text_escape(const char *s, size_t n, char *buf, size_t cap);

/** Formats diagnostic i as `file:line:col: error: Kind ns/name: path:
 *  message [KG_ECODE]` (the object and path parts only when present) into buf
 *  (always NUL-terminated when cap > 0), like snprintf: returns the length
 *  the full text needs, excluding the NUL; 0 when out of range. */
KG_API size_t kg_diagnostic_format(const kg_diagnostics *d, size_t i, char *buf,
                                   size_t cap);

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

/* ------------------------------------------------ incremental (0.2) */
/*
 * A builder keeps its objects between compiles, keyed by (kind, namespace,
 * name): `kind` as written (Ingress of extensions/v1beta1 and of
 * networking.k8s.io/v1 are one object), the namespace "default" for
 * namespaced kinds written without one, "" for cluster-scoped kinds. An
 * object added by a later kg_builder_add_buffer / add_file / apply_events
 * call replaces the loaded object of its key (objects of one source with
 * the same key are all kept, and compiling reports the duplicate as
 * before). Compiling again gives a new, independent ruleset of the objects
 * loaded now; rulesets compiled earlier are unchanged and stay valid (swap
 * them with kg_holder). Compiling the objects in the order they were last
 * added gives the same answers as a new builder loading them in that
 * order. Memory: a source's node trees are freed when its last object is
 * replaced or removed, and not before the next full compile when the last
 * one read them (incremental compiles still point into them).
 *
 * Cost: when only Pods, NetworkPolicies and Namespaces changed since the
 * last full compile, kg_builder_compile extends that compile instead of
 * repeating it: the new ruleset shares every table of it (reference
 * counted) and adds what changed, so it costs the changed pods (a new
 * label set: a pass over the selections of its namespace), the namespaces
 * of changed policies (their policies and identities, plus copies of the
 * cluster's policy, rule, selection and identity arrays, no pod and no
 * CIDR table), the identities of relabelled namespaces, and a pass over
 * the identities for each peer selector text not seen before -- not the
 * cluster. Services and EndpointSlices may be loaded; they must not
 * change, and pods may change only when no Service takes its endpoints
 * from pods (a selector without EndpointSlices). Any other change
 * (another kind, tier policies, a new namespace, two pods with one
 * address), or more changed objects than 64 + 1/32 of the pods, compiles
 * in full. The answers are the same either way; an incremental compile's
 * diagnostics are those of the changed objects only, its kg_builder_kind
 * counts those of the full compile with Pods recounted, and
 * kg_ruleset_dump lists the changed pods after the others.
 *
 * Thread safety: as every builder call, single-threaded per builder.
 */

/** Removes the loaded object(s) of kind/ns/name (NUL-terminated; ns NULL
 *  or "" for cluster-scoped kinds and for "default"). Returns 0, or
 *  KG_ENOTFOUND when none is loaded, KG_EINVAL for a NULL builder, kind or
 *  name. Never allocates for keys under 256 bytes (KG_ENOMEM otherwise). */
KG_API int kg_builder_remove(kg_builder *b, const char *kind, const char *ns,
                             const char *name);

/** Applies a Kubernetes watch stream from buf[0..len): JSON values one
 *  after another (any whitespace between), as `kubectl get --watch -o json
 *  --output-watch-events` and the watch API print them:
 *  {"type": "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR",
 *   "object": {...}}. ADDED and MODIFIED add the object, replacing the
 *  loaded one of its key; DELETED removes it (an unknown object is no
 *  change); BOOKMARK only moves kg_builder_resource_version; a value
 *  without "type" is an object, added (plain `kubectl get --watch -o
 *  json`; a List adds its items). An ADDED, MODIFIED or DELETED whose
 *  object and the loaded one both have decimal metadata.resourceVersions
 *  and is not newer is a replay and is ignored. Events are applied in
 *  order, each one whole or not at all: a malformed event (bad JSON, an
 *  unknown type, an object without kind or name, invalid metadata) gets an
 *  error diagnostic with its line:column in buf and changes nothing; the
 *  other events are applied. The full validation of an object happens when
 *  compiling (set KG_FLAG_SKIP_INVALID to keep serving a cluster with a
 *  bad object). An ERROR event stops the stream there (the API server ends
 *  the watch with it): KG_ERELIST for a 410 Status (the resourceVersion is
 *  too old: list again and watch from the list's version), KG_EWATCH for
 *  any other, both with a diagnostic.
 *  name: source name of diagnostics (NULL: "<events>"), copied.
 *  used: NULL, or where the bytes consumed go: an incomplete last value is
 *  then left unread (not an error) so a caller reading a pipe appends more
 *  and calls again with the rest; without used it is an error. Line
 *  numbers count from buf.
 *  Returns 0; KG_ECOMPILE when an event was rejected (see
 *  kg_builder_diagnostics: they last until the next call on the builder;
 *  they do not make kg_builder_compile fail); KG_ERELIST; KG_EWATCH;
 *  KG_ENOMEM (the events before the one that failed stay applied);
 *  KG_EINVAL (NULL builder, or buf NULL with len > 0). */
KG_API int kg_builder_apply_events(kg_builder *b, const char *name,
                                   const char *buf, size_t len, size_t *used);

/** The newest metadata.resourceVersion of the watch events applied
 *  (applied objects, deletions, bookmarks; the largest when decimal),
 *  from which a client resumes its watch; "" before any, NULL for a NULL
 *  builder. Owned by the builder, valid until its next call. */
KG_API const char *kg_builder_resource_version(const kg_builder *b);

/** Number of objects loaded now (every kind, read or not); 0 for NULL. */
KG_API size_t kg_builder_object_count(const kg_builder *b);

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

/* ---------------------------------------------------------------- reload */
/*
 * A holder is the slot a proxy keeps its current ruleset in, so that a new
 * one can be swapped in while other threads are looking up in the old one:
 *
 *     worker threads (per request)            control thread (on change)
 *     rs = kg_holder_acquire(h);              b = kg_builder_new(opts);
 *     kg_route(rs, ...);  / kg_check(rs, ...)  ... add sources ...
 *     kg_ruleset_unref(rs);                   if (kg_builder_compile(b, &rs) ==
 * 0) { kg_holder_swap(h, rs); kg_ruleset_unref(rs); }   // else keep serving
 * the old kg_builder_free(b);
 *
 * A thread that acquired a ruleset keeps using that one (an in-flight
 * request finishes on the rules it started with); the old ruleset is freed
 * when its last reference goes, by whichever thread drops it. Every answer
 * therefore comes from exactly one ruleset, old or new, never a mix.
 *
 * Cost: acquire is lock-free (three atomic read-modify-writes on the holder
 * plus the reference increment; it retries only when a swap happens at the
 * same moment) and never blocks on a swap. A swap publishes the new ruleset
 * at once, then waits (yielding the CPU) until every acquire that may still
 * be reading the old pointer has taken its reference — a few instructions
 * per reader — before dropping the holder's reference; swaps are
 * serialized by a mutex among themselves. Acquire once per request or
 * batch, not per lookup: the lookups themselves take no lock.
 */
typedef struct kg_holder kg_holder;

/** New holder serving `initial` (may be NULL: acquire then gives NULL until
 *  the first swap). The holder takes its own reference; the caller keeps
 *  theirs. Returns NULL on allocation failure (no reference taken). Free
 *  with kg_holder_free(). */
KG_API kg_holder *kg_holder_new(kg_ruleset *initial);

/** The current ruleset, with a new reference the caller must drop with
 *  kg_ruleset_unref() (NULL when the holder is empty or h is NULL). Safe
 *  from any number of threads, concurrently with kg_holder_swap(); never
 *  blocks on a swap. */
KG_API kg_ruleset *kg_holder_acquire(kg_holder *h);

/** Replaces the current ruleset with `next` (may be NULL to empty the
 *  holder). The holder takes its own reference to next and drops the one it
 *  held on the previous ruleset once no acquire can still be taking it;
 *  threads that acquired the previous one keep it until they unref it.
 *  Returns 0, or KG_EINVAL when h is NULL (no reference taken). Thread-safe
 *  against acquires and other swaps. */
KG_API int kg_holder_swap(kg_holder *h, kg_ruleset *next);

/** Drops the holder's reference and frees it. NULL is fine. Must not run
 *  concurrently with any other call on the same holder; rulesets acquired
 *  from it stay valid. */
KG_API void kg_holder_free(kg_holder *h);

/* ----------------------------------------------------------------- route */
/*
 * Ingress routing: (Host, path) -> backend, and SNI host -> TLS secret.
 *
 * Semantics (see the README "Routing" section and DESIGN.md; rule numbers
 * refer to ingress-semantics.md):
 *   - Host: lower-cased, `:port` stripped (IPv6 literals keep their
 *     brackets), one trailing dot stripped. A host with a byte >= 0x80
 *     matches no host rule (only host-less rules). NUL, control bytes and
 *     malformed hosts (`a..b`, bad port, ...) are KG_EREQUEST, and so is a
 *     host longer than KG_ROUTE_HOST_MAX bytes. An empty host (no Host
 *     header) reaches host-less rules only.
 *   - Host selection is exclusive: exact host, else a `*.parent` wildcard
 *     (exactly one non-empty label, never the apex), else the host-less
 *     rules. A path miss in the chosen host never falls through to a less
 *     specific host.
 *   - Paths: only the part before `?`/`#`; normalized by default
 *     (KG_FLAG_NORMALIZE: escapes upper-cased, unreserved escapes decoded,
 *     dot segments removed, `//` merged; `%2F`/`%5C` stay data, or are
 *     rejected with KG_FLAG_REJECT_ESCAPED_SLASH). Exact is byte equality;
 *     Prefix is element-wise with its trailing slash ignored; the longest
 *     match wins, an Exact equal to the request beats every Prefix, and
 *     Prefix `/foo/` beats `/foo`. ImplementationSpecific is Prefix in the
 *     portable dialect and a character prefix in KG_DIALECT_INGRESS_NGINX,
 *     where hosts with use-regex/rewrite-target match every path as a
 *     case-insensitive start-anchored PCRE2 regex in ingress-nginx's order.
 *   - defaultBackend: an Ingress's defaultBackend is the fallback for the
 *     hosts that Ingress has rules for (like ingress-nginx); an Ingress
 *     without rules makes it the global default, which answers requests
 *     whose host matches no group and path misses of hosts without their
 *     own fallback (the API: "requests that don't match any rule").
 *   - Conflicts (same host, path and type, or several defaultBackends):
 *     the oldest creationTimestamp wins (none = newest), then the smaller
 *     "namespace/name", then the first listed; the losers are reported as
 *     KG_ECONFLICT warnings at compile time.
 */

/** Longest Host (after removing `:port`) kg_route and kg_tls_lookup accept. */
#define KG_ROUTE_HOST_MAX 1024

/** Path types, as in HTTPIngressPath.pathType. */
enum kg_path_type {
    KG_PATH_NONE = 0, /**< the answer is a defaultBackend */
    KG_PATH_EXACT = 1,
    KG_PATH_PREFIX = 2,
    KG_PATH_IMPLEMENTATION_SPECIFIC = 3,
    KG_PATH_REGULAR_EXPRESSION =
        4, /**< since 0.2: HTTPRoute RegularExpression */
};

/*
 * Gateway API filters, returned as data for the proxy to apply (since
 * 0.2). A struct kg_filter is fixed-size: later fields take the reserved
 * words. Filters live in the ruleset (valid while the caller holds a
 * reference to it); their strings are NUL-terminated, "" when absent.
 */
/** HTTPRouteFilter / GRPCRouteFilter types kgress returns. */
enum kg_filter_type {
    KG_FILTER_REQUEST_HEADER = 1,  /**< RequestHeaderModifier: ops */
    KG_FILTER_RESPONSE_HEADER = 2, /**< ResponseHeaderModifier: ops */
    KG_FILTER_MIRROR = 3,          /**< RequestMirror: mirror_* */
    KG_FILTER_REDIRECT = 4,        /**< RequestRedirect (already applied:
                                        kg_route's redirect_*) */
    KG_FILTER_URL_REWRITE = 5,     /**< URLRewrite (already applied:
                                    kg_route's rewrite_*) */
};
/** Header modifier operations (HTTPHeaderFilter set/add/remove). */
enum kg_header_op_kind {
    KG_HEADER_SET = 1,    /**< replace the value */
    KG_HEADER_ADD = 2,    /**< append to an existing value with ',' */
    KG_HEADER_REMOVE = 3, /**< delete the header (value "") */
};
struct kg_header_op {
    int op;           /**< KG_HEADER_* */
    const char *name; /**< as written; names compare case-insensitively */
    size_t name_len;
    const char *value;
    size_t value_len;
};
/** HTTPPathModifier types of a redirect or rewrite. */
enum kg_path_modifier {
    KG_PATH_MOD_NONE = 0,
    KG_PATH_MOD_FULL = 1,   /**< ReplaceFullPath */
    KG_PATH_MOD_PREFIX = 2, /**< ReplacePrefixMatch */
};
struct kg_filter {
    int type;                       /**< KG_FILTER_* */
    const struct kg_header_op *ops; /**< header modifiers: set, add, remove */
    size_t n_ops;
    /* redirect and rewrite, as written (kg_route has the computed result) */
    const char *scheme; /**< redirect "http"/"https"; "" not set */
    size_t scheme_len;
    const char *hostname; /**< "" not set */
    size_t hostname_len;
    uint32_t port;     /**< redirect; 0 not set */
    int status_code;   /**< redirect: 301, 302, 303, 307 or 308 */
    int path_modifier; /**< KG_PATH_MOD_* */
    const char *path;  /**< the replacement path; "" none */
    size_t path_len;
    /* mirror: the Service copies go to, and the fraction copied */
    const char *mirror_ns;
    size_t mirror_ns_len;
    const char *mirror_service;
    size_t mirror_service_len;
    uint32_t mirror_port;
    uint32_t mirror_numerator; /**< percent p is p/100; default 100/100 */
    uint32_t mirror_denominator;
    bool mirror_valid;    /**< false: the reference did not resolve (a missing
                               Service or no ReferenceGrant): skip the mirror,
                               still serve the request */
    uint64_t reserved[4]; /**< written as zero */
};

/**
 * The answer of kg_route. The caller sets `size` to sizeof(struct
 * kg_route) before the call; the library fills the rest. Every string is
 * given as pointer + length and is also NUL-terminated; all of them point
 * into the ruleset (valid while the caller holds a reference to it),
 * except normalized_path, which points into the caller's buffer. Absent
 * strings are "" with length 0, never NULL.
 */
struct kg_route {
    size_t size;
    const char *ns; /**< namespace of the Ingress and its backend */
    size_t ns_len;
    const char *ingress; /**< name of the Ingress that answered */
    size_t ingress_len;
    const char *service; /**< backend Service name ("" for resource) */
    size_t service_len;
    uint32_t port;         /**< service port number, 0 when named/resource */
    const char *port_name; /**< service port name ("" when numbered) */
    size_t port_name_len;
    bool is_resource; /**< a resource backend (apiGroup, kind, name) */
    const char *resource_api_group; /**< "" for the core group */
    size_t resource_api_group_len;
    const char *resource_kind;
    size_t resource_kind_len;
    const char *resource_name;
    size_t resource_name_len;
    bool is_default;          /**< a defaultBackend answered */
    int path_type;            /**< KG_PATH_*; KG_PATH_NONE when is_default */
    const char *matched_path; /**< the rule's path as written ("" default) */
    size_t matched_path_len;
    const char *normalized_path; /**< what was matched; forward this */
    size_t normalized_path_len;
    /* since 0.2: the object that answered, whatever its kind (written only
     * when size covers them; an older library leaves them as set) */
    const char *source_kind; /**< "Ingress", "HTTPRoute", "GRPCRoute" */
    size_t source_kind_len;
    const char *source_name; /**< its name (for an Ingress == ingress) */
    size_t source_name_len;  /**< its namespace is `ns` */
    int rule; /**< index in its spec.rules; -1 for a defaultBackend */
    /* since 0.2: Gateway API answers (source_kind HTTPRoute or GRPCRoute,
     * kg_http_request with a gateway or port). For them `ns` is the
     * route's namespace, `ingress` is "", service/port the picked
     * backendRef (is_resource with resource_* for a kind other than a core
     * Service, which answers 500), path_type/matched_path the match's path
     * (KG_PATH_NONE for GRPCRoute). For an Ingress answer match is -1 and
     * the rest 0 / "" / NULL. */
    int match;              /**< index in the rule's matches */
    int status;             /**< 0: forward to the backend; 301/302/303/307/308:
                                 answer a redirect to the redirect_* parts; 421:
                                 misdirected (the request's SNI and Host select
                                 different listeners, see kg_route_request); 500: answer
                                 500 (gRPC: UNAVAILABLE): no or only zero-weight
                                 backends, an ExtensionRef, or the picked backend is
                                 invalid (another namespace without a ReferenceGrant,
                                 an unknown kind, a missing Service or port) */
    const char *backend_ns; /**< the backend's namespace (a ReferenceGrant
                                 may allow another than `ns`) */
    size_t backend_ns_len;
    uint32_t weight;       /**< the picked backend's weight */
    uint64_t total_weight; /**< of the rule's backends: its share is
                                weight / total_weight */
    const char *listener;  /**< name of the Gateway listener that took it */
    size_t listener_len;
    const struct kg_filter *filters; /**< the rule's, in order; NULL if 0 */
    size_t n_filters;
    const struct kg_filter *backend_filters; /**< the picked backendRef's,
                                                  applied after the rule's */
    size_t n_backend_filters;
    /* status 3xx: the Location parts; the request's query follows the
     * path unchanged. Omit the port from Location when it is the scheme's
     * default (http 80, https 443). */
    const char *redirect_scheme;
    size_t redirect_scheme_len;
    const char *redirect_host; /**< the filter's, else the request host */
    size_t redirect_host_len;
    uint32_t redirect_port; /**< the filter's, else the scheme's default
                                 when it sets a scheme, else the listener's */
    const char *redirect_path;
    size_t redirect_path_len;
    /* URLRewrite: what to send upstream instead; "" unchanged (the query
     * is kept) */
    const char *rewrite_host;
    size_t rewrite_host_len;
    const char *rewrite_path;
    size_t rewrite_path_len;
};

/** Smallest `size` kg_route accepts: struct kg_route as released in 0.1. */
#define KG_ROUTE_SIZE_0_1                                                      \
    (offsetof(struct kg_route, normalized_path_len) + sizeof(size_t))

/**
 * Routes an HTTP request (kg_route_request of {host, path}: one
 * implementation).
 *
 * host[0..host_len): the Host header or :authority (no userinfo), NULL
 * allowed when host_len is 0. path[0..path_len): the request-target in
 * origin form (`/a/b?q`); the query and fragment are ignored. Neither
 * needs NUL termination; nothing outside them is read.
 *
 * buf[0..cap): where the path actually matched is written (normalized,
 * or as given without KG_FLAG_NORMALIZE; always without the query;
 * NUL-terminated); cap >= path_len + 2 always suffices.
 *
 * Returns 0 and fills *out; KG_ENOMATCH (no rule and no defaultBackend
 * applies; *out's normalized_path is still set); KG_EREQUEST (malformed or
 * dangerous host or path, see above: answer 400); KG_ENOSPACE (cap too
 * small); KG_ELIMIT_MATCH (an ingress-nginx regex hit its match or depth
 * limit: answer 500/400, do not retry); KG_EINVAL (NULL rs or out, out->size
 * below KG_ROUTE_SIZE_0_1, NULL buffers with non-zero lengths).
 *
 * Never allocates, locks, or blocks; O(length of host + path). Thread-safe:
 * any number of threads may route on one ruleset. With regex hosts the
 * PCRE2 per-match state lives on the calling thread's stack (up to ~64 KiB
 * when a pattern could not be JIT-compiled, see README).
 */
KG_API int kg_route(const kg_ruleset *rs, const char *host, size_t host_len,
                    const char *path, size_t path_len, char *buf, size_t cap,
                    struct kg_route *out);

/** One HTTP request header, as (pointer, length) pairs (NUL not needed). */
struct kg_header {
    const char *name; /**< field name; ASCII case does not matter */
    size_t name_len;
    const char *value;
    size_t value_len;
};

/**
 * An HTTP request to route. The caller sets `size` to sizeof(struct
 * kg_http_request); the library reads only the first `size` bytes (at
 * least KG_HTTP_REQUEST_SIZE_0_2), and a field past the caller's size
 * counts as zero (absent). Nothing is retained after the call.
 */
struct kg_http_request {
    size_t size;
    const char *host; /**< Host header or :authority; NULL when host_len 0 */
    size_t host_len;
    const char *path; /**< request-target, origin form, query included */
    size_t path_len;
    /* optional from here (read only when size covers them) */
    /** request method ("GET"); NULL/0: unknown, which matches only rules
     *  without a method */
    const char *method;
    size_t method_len;
    const struct kg_header *headers; /**< n_headers of them; NULL when 0 */
    size_t n_headers;
    /** a random value or a hash of the request choosing among weighted
     *  backends (the same pick, the same backend) */
    uint64_t
        pick; /* since 0.2, Gateway API: which Gateway and listener port
               * received the request. With both absent (NULL, 0) the Ingress
               * rules answer, as in 0.1; with either set the Gateway API routes
               * do: `gateway` NULL means every Gateway, `port` 0 every port of
               * it (the listener with the most specific matching hostname wins,
               * ties to the lowest port, then the Gateway namespace/name) */
    const char *gateway; /**< "namespace/name" */
    size_t gateway_len;
    unsigned port; /**< listener port, 0..65535 */
    /** since 0.2, Gateway API: the TLS SNI server name of the connection
     *  (NULL/0: not TLS, or no SNI). When the SNI and the Host select
     *  different listeners of the port, the answer is status 421
     *  (misdirected request). Ignored by Ingress rules, where the SNI only
     *  picks the certificate. */
    const char *sni;
    size_t sni_len;
};

/** Smallest `size` kg_route_request accepts: the request up to path_len. */
#define KG_HTTP_REQUEST_SIZE_0_2                                               \
    (offsetof(struct kg_http_request, path_len) + sizeof(size_t))

/**
 * Routes an HTTP request: kg_route's answer, buffer contract, errors and
 * thread safety, for a request given as a struct. Ingress matches host and
 * path only: the method, the headers and pick are accepted (and checked)
 * but no Ingress rule matches on them, and an Ingress has one backend per
 * path, so they do not change an Ingress answer.
 *
 * Gateway API (since 0.2, when req sets `gateway` or `port`): the
 * listener on the port with the most specific hostname matching the Host
 * (exact, then the longest `*.` wildcard, which covers one or more labels,
 * then none) takes the request, and only routes attached to it answer;
 * among their effective hostnames the most specific one matching the Host
 * selects the routes (no fall-through to less specific ones); the first
 * match in the order of HTTPRouteRule.matches wins: Exact path, then
 * RegularExpression (whole path, longer pattern first), then PathPrefix
 * (element-wise, longer first), then a method match, more header matches,
 * more query parameter matches, the oldest route, the smaller
 * "namespace/name", the first rule. Header names compare
 * case-insensitively, repeated headers joined with ','; query names and
 * values are percent-decoded and compared exactly, the first value of a
 * name counts. GRPCRoute: the path `/service/method`. `pick` chooses the
 * backend: pick mod the sum of weights, over the backendRefs in order,
 * weight 0 never. The answer's status, redirect_*, rewrite_* and filters
 * say what to do (struct kg_route). buf also gets the computed redirect or
 * rewrite path: cap >= 2 * path_len + host_len + 1030 always suffices.
 * KG_ENOMATCH when no listener, hostname or match takes the request
 * (answer 404; gRPC: UNIMPLEMENTED), also when the ruleset has no Gateway.
 * With `sni` set, the listener is chosen for the SNI name as for the Host
 * (the same rules); when the two choices differ (another listener, or
 * none for one of them) the answer is 0 with status 421 and only
 * `listener` (the SNI's, else the Host's) set: the client reused a
 * connection for a host that connection's listener does not serve
 * (Gateway API conformance HTTPRouteHTTPSListenerDetectMisdirectedRequests).
 * KG_EREQUEST also for a malformed SNI name, KG_EINVAL for a NULL sni
 * with sni_len > 0.
 *
 * Returns kg_route's codes; KG_EINVAL also for a NULL req, req->size below
 * KG_HTTP_REQUEST_SIZE_0_2, a NULL method with method_len > 0, NULL
 * headers with n_headers > 0 or a NULL gateway with gateway_len > 0.
 * Never allocates, locks, or blocks; thread-safe.
 */
KG_API int kg_route_request(const kg_ruleset *rs,
                            const struct kg_http_request *req, char *buf,
                            size_t cap, struct kg_route *out);

/**
 * Routes n requests: rc[i] and out[i] as kg_route_request(rs, &reqs[i],
 * buf + i * cap, cap, &out[i]) would return and fill them, for every
 * i < n, faster than n calls on a large ruleset (the host lookups of later
 * requests are started while earlier ones are answered; software
 * prefetch, nothing reordered). Since 0.2.
 *
 * reqs and out are arrays of the caller's struct kg_http_request and
 * struct kg_route: the caller sets the `size` of every element to sizeof
 * of its own struct, and reqs[0].size and out[0].size are taken as the
 * arrays' strides, so a caller built against an older header works
 * unchanged. buf holds n buffers of cap bytes each (n * cap bytes): request
 * i's normalized path (and Gateway redirect or rewrite path) is written to
 * buf + i * cap, and out[i]'s strings point there or into rs. rc has n
 * entries. None of them is retained; they must not overlap.
 *
 * Returns KG_EINVAL, with nothing written, for a NULL rs, reqs, out or rc
 * with n > 0, a ruleset without routes, a NULL buf with cap > 0,
 * reqs[0].size below KG_HTTP_REQUEST_SIZE_0_2, out[0].size below
 * KG_ROUTE_SIZE_0_1, or n * cap overflowing. Otherwise every request is
 * answered and the call returns 0 when each rc[i] is 0 or KG_ENOMATCH,
 * else the first other code among them (rc[] tells which request); an
 * element whose size differs from its array's stride gets rc[i] =
 * KG_EINVAL and its out[i] untouched. n == 0: returns 0.
 *
 * No allocation, no lock: any number of threads at once on one ruleset.
 */
KG_API int kg_route_batch(const kg_ruleset *rs,
                          const struct kg_http_request *reqs, size_t n,
                          char *buf, size_t cap, struct kg_route *out, int *rc);

/** The answer of kg_tls_lookup; `size` set by the caller as for kg_route.
 *  Strings point into the ruleset and are NUL-terminated. */
struct kg_tls {
    size_t size;
    const char *ns; /**< namespace of the Ingress (and the Secret) */
    size_t ns_len;
    const char *secret; /**< tls[].secretName; "" when absent (SNI only) */
    size_t secret_len;
    const char *ingress; /**< name of the Ingress that listed the host */
    size_t ingress_len;
    const char *host; /**< the tls host that matched, as written
                           ("*.example.com"); "" for a tls entry
                           without hosts (the default certificate) */
    size_t host_len;
};

/** Smallest `size` kg_tls_lookup accepts: struct kg_tls as released in 0.1.
 */
#define KG_TLS_SIZE_0_1 (offsetof(struct kg_tls, host_len) + sizeof(size_t))

/**
 * The Ingress host group that claims a request's host (kg_route's first
 * step; host selection is exclusive, so a path miss there never falls
 * through): *group is that group's host as written in the rules ("a.b",
 * "*.b"), "" for the rules without host. Lets a caller say why a request
 * missed ("no path of host *.b matches"). The host is normalized as
 * kg_route's. Returns 0; KG_ENOMATCH when no group claims it (no rule
 * without host either); KG_EREQUEST for a host kg_route rejects; KG_EINVAL.
 * *group lives as long as rs. No allocation, no lock; thread-safe. (0.2)
 */
KG_API int kg_route_host_group(const kg_ruleset *rs, const char *host,
                               size_t host_len, const char **group,
                               size_t *group_len);

/**
 * The TLS secret for an SNI host name: exact tls[].hosts entry, else a
 * one-label wildcard entry, else a tls entry without hosts (the
 * controller-wide default). The host is normalized like kg_route's (a
 * trailing dot and case do not matter; a port is accepted and ignored).
 * TLS entries do not route (rule 39). Returns 0, KG_ENOMATCH, KG_EREQUEST,
 * KG_EINVAL. No allocation, no lock; thread-safe.
 */
KG_API int kg_tls_lookup(const kg_ruleset *rs, const char *host,
                         size_t host_len, struct kg_tls *out);

/* --------------------------------------------------------------- verdict */
/*
 * A flow (source address, destination address, protocol, destination port)
 * is judged on two sides, as Kubernetes NetworkPolicy does
 * (netpol-semantics.md rule 8): the egress side of the source pod and the
 * ingress side of the destination pod. A flow is allowed when both sides
 * allow it; an end that is not a known pod has no policy side (it allows).
 *
 *   src ──egress side of src pod──▶ ──ingress side of dst pod──▶ dst
 *
 * Per side (rules 4-7): a pod that no policy of that direction selects is
 * not isolated (allowed); otherwise the flow must match a rule of one of the
 * policies isolating it (peers AND ports, union over rules and policies).
 *
 * Implementation-defined choices (README, DESIGN.md), each a KG_FLAG_*:
 *   - ipBlock matches pod IPs too          KG_FLAG_IPBLOCK_MATCHES_PODS (on)
 *   - hostNetwork pods are not pods: not selected by any selector, their
 *     IPs are node addresses               KG_FLAG_SELECT_HOSTNETWORK (off)
 *   - ingress from the pod's own node (status.hostIP/hostIPs) is allowed
 *                                          KG_FLAG_ALLOW_NODE_INGRESS (on)
 *   - a pod reaching one of its own IPs is allowed on both sides
 *                                          KG_FLAG_ALLOW_LOOPBACK (on)
 * Pods are found by IP: status.podIPs (else podIP). When several eligible
 * pods report the same IP (a stale dump), the smallest namespace/name owns
 * it (with a warning at compile time). A pod whose Namespace object is not
 * loaded has only the kubernetes.io/metadata.name label for
 * namespaceSelectors. Addresses are compared by family: an IPv4 address
 * never matches an IPv6 ipBlock. An IPv4-mapped IPv6 flow address
 * (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) is judged as
 * the IPv4 address a.b.c.d, so a pod cannot escape its policies that way.
 *
 * Lookups read the compiled tables only: no allocation, no lock; strings in
 * results point into the ruleset and live as long as a reference to it.
 */

/** An IP address of either family. */
struct kg_addr {
    uint8_t family;    /**< 4 or 6 */
    uint8_t bytes[16]; /**< network order; IPv4 in bytes[0..3], rest zero */
};

/** Parses an IPv4 dotted quad (no leading zeros) or an IPv6 address (RFC
 *  4291 text, no zone) from s[0..len) (NUL not needed) into *out. Returns 0
 *  or KG_EINVAL (NULL argument or not an address; *out untouched).
 *  Thread-safe, no allocation. */
KG_API int kg_addr_parse(const char *s, size_t len, struct kg_addr *out);

/** IP protocol numbers of the three protocols NetworkPolicy knows. */
enum kg_protocol {
    KG_PROTO_TCP = 6,
    KG_PROTO_UDP = 17,
    KG_PROTO_SCTP = 132,
};

/** "TCP", "UDP" or "SCTP" (ASCII case-insensitive) in s[0..len) to
 *  KG_PROTO_*; KG_EINVAL for anything else. */
KG_API int kg_protocol_parse(const char *s, size_t len);

/** Directions of a pod's policy side. */
enum kg_direction {
    KG_INGRESS = 0,
    KG_EGRESS = 1,
};

/** Why a side allowed or denied. */
enum kg_reason {
    /** this end is not a known pod: no policy side (allowed) */
    KG_REASON_NOT_A_POD = 1,
    /** no policy of this direction selects the pod (allowed) */
    KG_REASON_NOT_ISOLATED = 2,
    /** a rule allowed it: see policy and rule */
    KG_REASON_ALLOWED_BY_RULE = 3,
    /** isolated by `policies` policies and none of their rules allows it
     *  (denied) */
    KG_REASON_NO_RULE = 4,
    /** the pod reaches one of its own IPs (KG_FLAG_ALLOW_LOOPBACK) */
    KG_REASON_LOOPBACK = 5,
    /** ingress from the pod's own node (KG_FLAG_ALLOW_NODE_INGRESS) */
    KG_REASON_NODE = 6,
    /** a hostNetwork pod, not subject to policy (per-pod calls only, when
     *  KG_FLAG_SELECT_HOSTNETWORK is off) */
    KG_REASON_HOST_NETWORK = 7,
    /** the destination is a Service address with no ready endpoint for
     *  the flow's port and protocol: nothing receives it */
    KG_REASON_NO_ENDPOINTS = 8,
    /** a Deny rule of a cluster tier denied it (ClusterNetworkPolicy,
     *  AdminNetworkPolicy, BaselineAdminNetworkPolicy): see policy and
     *  rule (since 0.2) */
    KG_REASON_DENIED_BY_RULE = 9,
};

/** Short name of a reason ("not-a-pod", "not-isolated", "allowed-by-rule",
 *  "no-rule", "loopback", "node", "host-network"); "?" otherwise. Static,
 *  never NULL. */
KG_API const char *kg_reason_name(int reason);

/** Pod handle: an index into the ruleset's pods, valid for that ruleset. */
#define KG_POD_NONE UINT32_MAX

/** The verdict of one side. */
struct kg_side {
    bool allowed;
    int reason;           /**< KG_REASON_* */
    uint32_t pod;         /**< the pod of this side, or KG_POD_NONE */
    const char *pod_name; /**< "namespace/name"; NULL when not a pod */
    /** the policy whose rule allowed ("namespace/name") and the index of
     *  that rule in its spec.ingress / spec.egress; NULL and -1 unless
     *  reason is KG_REASON_ALLOWED_BY_RULE. When several rules allow, the
     *  first policy in namespace/name order, then the first rule. */
    const char *policy;
    int rule;
    /** number of policies isolating the pod in this direction (0 when not
     *  isolated or not a pod); list them with kg_pod_policy() */
    unsigned policies;
};

/** Which tier decided a side (struct kg_side_detail.tier). */
enum kg_tier {
    /** not decided by a tier: not a pod, hostNetwork, loopback, node */
    KG_TIER_NONE = 0,
    /** ClusterNetworkPolicy tier Admin, AdminNetworkPolicy */
    KG_TIER_ADMIN = 1,
    /** NetworkPolicy (networking.k8s.io/v1) */
    KG_TIER_NETWORK_POLICY = 2,
    /** ClusterNetworkPolicy tier Baseline, BaselineAdminNetworkPolicy */
    KG_TIER_BASELINE = 3,
    /** no tier selected the pod in this direction: the default allow */
    KG_TIER_DEFAULT = 4,
};

/** The deciding rule's action (struct kg_side_detail.action). */
enum kg_action {
    /** no rule decided (not a pod, loopback, node, no endpoints) */
    KG_ACTION_NONE = 0,
    /** a NetworkPolicy rule, ClusterNetworkPolicy Accept, ANP/BANP Allow,
     *  or the default allow of KG_TIER_DEFAULT */
    KG_ACTION_ALLOW = 1,
    /** a CNP/ANP/BANP Deny rule, or NetworkPolicy isolation with no
     *  allowing rule */
    KG_ACTION_DENY = 2,
    /** a Pass rule: reported only by per-tier helpers, never final */
    KG_ACTION_PASS = 3,
};

/**
 * What decided one side of a verdict: the tier, the action, the policy and
 * rule, and the domain name that matched. Fixed size with reserved room:
 * fields added later take the reserved words, so struct kg_verdict's layout
 * never shifts. A zero field is absent (NULL string, 0 number), except rule
 * and priority, whose "none" is -1 when this library writes the detail
 * (an older library leaves the whole detail as the caller set it).
 *
 * NetworkPolicy alone (what this version decides):
 *   KG_REASON_ALLOWED_BY_RULE   tier NETWORK_POLICY, action ALLOW, policy_kind
 *                               "NetworkPolicy", policy and rule as the side
 *   KG_REASON_NO_RULE           tier NETWORK_POLICY, action DENY, policy_kind
 *                               "NetworkPolicy", policy NULL, rule -1
 *   KG_REASON_NOT_ISOLATED      tier DEFAULT, action ALLOW
 *   not a pod, hostNetwork, loopback, node, no endpoints: tier NONE,
 *                               action NONE
 * priority is -1 for all of them (NetworkPolicy has none); rule_name,
 * domain and name are NULL. Strings point into the ruleset.
 */
struct kg_side_detail {
    int tier;                /**< KG_TIER_* */
    int action;              /**< KG_ACTION_* */
    const char *policy_kind; /**< "NetworkPolicy", "ClusterNetworkPolicy",
                                  "AdminNetworkPolicy",
                                  "BaselineAdminNetworkPolicy"; NULL none */
    /** the deciding policy, allowing or denying: "namespace/name", or
     *  "name" for cluster-scoped kinds; NULL none. NULL with action DENY
     *  for a pod isolated by NetworkPolicies none of which allows */
    const char *policy;
    const char *rule_name; /**< the deciding rule's `name`; NULL unnamed */
    int rule;              /**< index of the rule in its list; -1 none */
    int32_t priority;      /**< CNP/ANP priority; -1 none (NetworkPolicy) */
    const char *domain;    /**< the domainNames pattern that matched; NULL */
    const char *name;      /**< the destination name that matched it; NULL */
    uint64_t reserved[8];  /**< written as zero */
};

/** The verdict of a flow. Set size = sizeof(struct kg_verdict) before the
 *  call; fields added in later versions are appended. */
struct kg_verdict {
    size_t size;
    bool allowed;           /**< egress.allowed && ingress.allowed */
    struct kg_side egress;  /**< the source pod's egress side */
    struct kg_side ingress; /**< the destination pod's ingress side */
    /* since 0.2: written only when size covers them */
    /** When the destination was a Service address (a ClusterIP) and port:
     *  the Service ("namespace/name"), else NULL. The flow is then judged
     *  against each ready endpoint after port translation (docs/services.md)
     *  and allowed only when every endpoint allows it (any one with
     *  KG_FLAG_SERVICE_ANY_ENDPOINT); egress and ingress are the sides of
     *  the endpoint reported: the first that decides (denies; allows with
     *  the flag), else the first. No ready endpoint: denied, ingress reason
     *  KG_REASON_NO_ENDPOINTS. */
    const char *service;
    uint32_t endpoints;      /**< ready endpoints judged */
    struct kg_addr endpoint; /**< the endpoint reported (family 0: none) */
    unsigned endpoint_port;  /**< its port after translation (targetPort) */
    /** what decided each side (of the endpoint reported, for a Service) */
    struct kg_side_detail egress_detail;
    struct kg_side_detail ingress_detail;
};

/** Smallest `size` kg_check accepts: struct kg_verdict as released in 0.1.
 */
#define KG_VERDICT_SIZE_0_1                                                    \
    (offsetof(struct kg_verdict, ingress) + sizeof(struct kg_side))

/* ------------------------------------------------------- DNS name cache */
/*
 * Which names an address currently stands for, learnt from DNS answers
 * (what a packet firewall sees): the cache behind domainNames rules when
 * the caller does not know the destination name. It is separate from any
 * ruleset (it survives reloads), bounded, and safe for concurrent use:
 * observations are serialized by an internal mutex, lookups by kg_check_flow
 * (struct kg_flow `cache`) take no lock and never wait for a writer to
 * finish more than the few stores of one update (a sequence counter per
 * bucket; a lookup that raced a write retries it).
 *
 * An observation at time `now` binds (client, name, address) from `now`
 * until `now + ttl`, the TTL clamped to [KG_LIMIT_DNS_MIN_TTL,
 * KG_LIMIT_DNS_MAX_TTL]; a lookup at time t sees the bindings with
 * since <= t < expiry + KG_LIMIT_DNS_GRACE, so not one observed after t
 * (the observed-in-the-future rule: a checking clock behind the writer's
 * fails closed). A new answer within a binding's interval extends it,
 * never shortens it (answers accumulate); one after it expired starts a
 * new interval (docs/domains.md). Time is the
 * caller's: any monotonic count of seconds, the same for observations and
 * checks; the cache never reads a clock. Observations carry the client
 * (the pod whose query was answered): its flows see its own bindings and
 * those made without a client; other clients do not (KG_FLAG_DNS_SHARED
 * makes every binding global). Names are compared in ASCII lower case
 * without the trailing dot; a name that is not a valid DNS name (see
 * domainNames in docs/domains.md) is refused.
 *
 * Memory is allocated once by kg_dns_cache_new and bounded by
 * KG_LIMIT_DNS_ENTRIES bindings and KG_LIMIT_DNS_NAMES names; when full,
 * the least recently observed binding (or name, with its bindings) makes
 * room. Observing never allocates.
 */
typedef struct kg_dns_cache kg_dns_cache;

/** A new empty cache sized by opts (NULL: the defaults; the KG_LIMIT_DNS_*
 *  limits and KG_FLAG_DNS_SHARED are read, the options may be freed after).
 *  Returns NULL when the memory cannot be allocated (also for more than
 *  2^31 entries or names). The caller owns it and
 *  frees it with kg_dns_cache_free(), after every thread is done with it. */
KG_API kg_dns_cache *kg_dns_cache_new(const kg_options *opts);

/** Frees a cache. NULL is fine. */
KG_API void kg_dns_cache_free(kg_dns_cache *cache);

/** Records that name[0..name_len) (NUL not needed) resolved to
 *  addrs[0..naddrs) for client (NULL: no client, seen by every client) with
 *  the given TTL at time now. Returns 0; KG_ELIMIT_CACHE when the
 *  observation was recorded but a limit dropped live data to do it (a
 *  binding or name not yet expired made room, or addresses past
 *  KG_LIMIT_DNS_ADDRS_PER_NAME were left out); KG_EINVAL (NULL cache or
 *  name, addrs NULL with naddrs > 0, a family not 4/6, a name that is not a
 *  valid DNS name; nothing recorded). IPv4-mapped IPv6 addresses are the
 *  IPv4 address. Thread-safe (serialized with other observations); no
 *  allocation. */
KG_API int kg_dns_cache_observe(kg_dns_cache *cache,
                                const struct kg_addr *client, const char *name,
                                size_t name_len, const struct kg_addr *addrs,
                                size_t naddrs, uint32_t ttl, uint64_t now);

/** Records a DNS response message (RFC 1035 wire format, as received over
 *  UDP, or one TCP message without its two length bytes) answered to
 *  client (NULL: none): the question name, the CNAME chain from it and the
 *  A/AAAA records of the chain's names, each address under every name of
 *  the chain before it, for the shortest TTL on the way (docs/domains.md).
 *  Only the answer section is read, only class IN, only records owned by a
 *  chain name. Returns 0 (also for a well-formed answer naming nothing,
 *  such as NXDOMAIN); KG_EDNS (malformed, not a response, truncated (TC),
 *  not one question; nothing recorded); KG_ELIMIT_CACHE as above;
 *  KG_EINVAL (NULL cache or msg). Thread-safe; no allocation. */
KG_API int kg_dns_cache_observe_msg(kg_dns_cache *cache,
                                    const struct kg_addr *client,
                                    const uint8_t *msg, size_t len,
                                    uint64_t now);

/** The i-th name (newest first: the client's own bindings, then the global
 *  ones) that addr stands for to client (NULL: the global bindings only)
 *  at time now, copied NUL-terminated into buf (KG_DNS_NAME_BUF bytes hold
 *  any). Returns the name's length; KG_ENOTFOUND when i is past the last;
 *  KG_ENOSPACE when cap is too small (nothing copied); KG_EINVAL (NULL
 *  cache, addr or buf, bad family). Lock-free, any thread. */
KG_API int kg_dns_cache_name(const kg_dns_cache *cache,
                             const struct kg_addr *client,
                             const struct kg_addr *addr, uint64_t now, size_t i,
                             char *buf, size_t cap);

/** Room for any normalized name and its NUL (RFC 1035: 253 + 1). */
#define KG_DNS_NAME_BUF 254

/** Writes a snapshot of the cache at time now into buf[0..cap): every
 *  binding not expired at now (now < expiry + KG_LIMIT_DNS_GRACE), with its
 *  client, name and interval relative to now, least recently observed
 *  first, in the versioned format of docs/domains.md ("Snapshots";
 *  version 1, checksummed), so that a restarted agent keeps what the DNS
 *  answers taught it. *len is set to the snapshot's size. Returns 0;
 *  KG_ENOSPACE when cap is smaller than *len (buf unchanged: call again
 *  with *len bytes; buf may be NULL with cap 0 to ask the size); KG_EINVAL
 *  (NULL cache or len, NULL buf with cap > 0). Since 0.2. Thread-safe:
 *  observations wait for it, lookups do not; no allocation. */
KG_API int kg_dns_cache_save(kg_dns_cache *cache, uint64_t now, void *buf,
                             size_t cap, size_t *len);

/** Adds the bindings of a snapshot made by kg_dns_cache_save (any cache's,
 *  any options) to cache, as observations would: now is this cache's time,
 *  elapsed the seconds that passed since the snapshot was taken (0 when
 *  unknown); a binding's interval moves to this clock and counts elapsed
 *  down, one expired by then is dropped, lifetimes are capped at
 *  KG_LIMIT_DNS_MAX_TTL from now, clients become global under
 *  KG_FLAG_DNS_SHARED, and a binding already in the cache merges with the
 *  snapshot's. The whole snapshot is checked before anything is added.
 *  Returns 0; KG_ELIMIT_CACHE (restored, but a limit dropped live bindings:
 *  the least recently observed go first); KG_ESNAPSHOT (not a snapshot,
 *  truncated, trailing bytes, a bad checksum, count, name, name index or
 *  reserved field) or KG_ESNAPSHOT_VERSION (a version this library does not
 *  read): nothing added, and when why is not NULL a NUL-terminated message
 *  saying what and at which byte offset is written to why[0..why_size);
 *  KG_EINVAL (NULL cache, or NULL data with len > 0); KG_ENOMEM (the
 *  temporary index of the names, 4 bytes each, could not be allocated).
 *  Since 0.2. Thread-safe (serialized with observations). */
KG_API int kg_dns_cache_restore(kg_dns_cache *cache, const void *data,
                                size_t len, uint64_t now, uint64_t elapsed,
                                char *why, size_t why_size);

/** How the destination name of a flow was learnt (struct kg_flow). */
enum kg_name_trust {
    /** the name the source dialled (its own DNS answer, a proxy's CONNECT,
     *  TLS SNI the caller checked against the address) */
    KG_NAME_DIALLED = 1,
    /** a name the source merely claims (an unchecked SNI or Host) */
    KG_NAME_CLAIMED = 2,
};

/**
 * A flow to judge: src -> dst:port over protocol. The caller sets `size`
 * to sizeof(struct kg_flow); the library reads only the first `size` bytes
 * (at least KG_FLOW_SIZE_0_2), and a field past the caller's size counts
 * as zero (absent). Not retained after the call.
 */
struct kg_flow {
    size_t size;
    struct kg_addr src;
    struct kg_addr dst;
    int protocol;  /**< KG_PROTO_* */
    unsigned port; /**< destination port 0..65535 */
    /* optional from here (read only when size covers them) */
    /** the destination's domain name (ASCII case and one trailing dot do
     *  not matter; NUL not needed), for policies naming domains; NULL
     *  none. NetworkPolicy does not match names: with NetworkPolicy alone
     *  it does not change the verdict */
    const char *dst_name;
    size_t dst_name_len;
    int name_trust; /**< KG_NAME_*; 0 = KG_NAME_DIALLED when dst_name is set */
    /** names learnt from DNS (kg_dns_cache) for domainNames rules: a
     *  claimed dst_name must be a name of dst there, and without dst_name
     *  the names dst stands for to src are matched. NULL: none (a claimed
     *  name, or no name, then matches no domainNames rule). Only read. */
    const kg_dns_cache *cache;
    uint64_t now; /**< the cache's time of this flow (kg_dns_cache) */
    /** where the name that matched a domainNames rule is copied
     *  (NUL-terminated, normalized) for egress_detail.name; NULL or too
     *  small (KG_DNS_NAME_BUF holds any): egress_detail.name is NULL */
    char *name_buf;
    size_t name_buf_size;
};

/** Smallest `size` kg_check_flow accepts: struct kg_flow up to port. */
#define KG_FLOW_SIZE_0_2 (offsetof(struct kg_flow, port) + sizeof(unsigned))

/**
 * Judges a flow (port 0..65535; numeric policy ports are 1..65535, so port
 * 0 matches only rules without a port) and fills *out, as much of it as
 * out->size covers (egress_detail / ingress_detail since 0.2).
 *
 * Returns 0, or KG_EINVAL: NULL rs, flow or out; flow->size below
 * KG_FLOW_SIZE_0_2; out->size below KG_VERDICT_SIZE_0_1; an address family
 * other than 4/6; an unknown protocol; port > 65535; dst_name NULL with a
 * non-zero length; name_trust not 0 or a KG_NAME_*. On KG_EINVAL *out is
 * left untouched.
 *
 * No allocation, no lock: any number of threads at once on one ruleset.
 */
KG_API int kg_check_flow(const kg_ruleset *rs, const struct kg_flow *flow,
                         struct kg_verdict *out);

/** kg_check_flow of the flow {src, dst, protocol, port} without a name:
 *  the same answer and errors (NULL src or dst: KG_EINVAL). Thread-safe,
 *  no allocation. */
KG_API int kg_check(const kg_ruleset *rs, const struct kg_addr *src,
                    const struct kg_addr *dst, int protocol, unsigned port,
                    struct kg_verdict *out);

/**
 * Judges n flows: out[i] as kg_check_flow(rs, &flows[i], &out[i]) would
 * fill it, for every i < n, faster than n calls (the memory accesses of
 * later flows are started while earlier ones are judged; software
 * prefetch, nothing reordered). Since 0.2.
 *
 * flows and out are arrays of the caller's struct kg_flow and struct
 * kg_verdict: the caller sets the `size` of every element to sizeof of its
 * own struct, and flows[0].size and out[0].size are taken as the arrays'
 * strides, so a caller built against an older header works unchanged.
 * Neither array is retained; they must not overlap.
 *
 * Returns 0 when every flow was judged. KG_EINVAL, with nothing written,
 * for a NULL rs, flows or out with n > 0, or flows[0].size below
 * KG_FLOW_SIZE_0_2, or out[0].size below KG_VERDICT_SIZE_0_1. Otherwise a
 * flow kg_check_flow rejects, or an element whose size differs from its
 * array's stride, leaves its out[i] untouched and the call returns
 * KG_EINVAL after judging all the others (check flows one by one with
 * kg_check_flow to find which). n == 0: returns 0.
 *
 * No allocation, no lock: any number of threads at once on one ruleset.
 */
KG_API int kg_check_batch(const kg_ruleset *rs, const struct kg_flow *flows,
                          size_t n, struct kg_verdict *out);

/** kg_check on text addresses and protocol name (s, len pairs, NUL not
 *  needed). KG_EINVAL also when an address or the protocol does not parse.
 */
KG_API int kg_check_str(const kg_ruleset *rs, const char *src, size_t src_len,
                        const char *dst, size_t dst_len, const char *protocol,
                        size_t protocol_len, unsigned port,
                        struct kg_verdict *out);

/** Finds a pod by namespace and name (s, len pairs). Returns 0 and sets
 *  *pod, KG_ENOTFOUND, or KG_EINVAL. Thread-safe. */
KG_API int kg_pod_find(const kg_ruleset *rs, const char *ns, size_t ns_len,
                       const char *name, size_t name_len, uint32_t *pod);

/** Finds the pod owning an IP. Returns 0 and sets *pod, KG_ENOTFOUND (no
 *  pod: an external or node address), or KG_EINVAL. Thread-safe. */
KG_API int kg_pod_find_addr(const kg_ruleset *rs, const struct kg_addr *addr,
                            uint32_t *pod);

/** "namespace/name" of a pod; NULL for an unknown handle. */
KG_API const char *kg_pod_name(const kg_ruleset *rs, uint32_t pod);

/** The i-th IP address of a pod (status.podIPs order, at most one per
 *  family) into *out. Returns 0, KG_ENOTFOUND when i is past its last
 *  address, KG_EINVAL (NULL argument, unknown pod). With kg_pod_find it
 *  turns "namespace/name" into the address a flow of that pod has (the
 *  CLI's --src NS/POD). No allocation, no lock; thread-safe. */
KG_API int kg_pod_addr(const kg_ruleset *rs, uint32_t pod, size_t i,
                       struct kg_addr *out);

/** The i-th policy (namespace/name order) isolating pod in direction
 *  (KG_INGRESS / KG_EGRESS), as "namespace/name"; NULL when i is past the
 *  last one or an argument is invalid. Thread-safe. */
KG_API const char *kg_pod_policy(const kg_ruleset *rs, uint32_t pod,
                                 int direction, size_t i);

/** One side for a caller that knows its own pod (a sidecar): egress from
 *  `pod` to peer:port, or ingress to `pod` from peer (port is then the
 *  pod's own destination port). Named ports resolve on the destination
 *  pod: the peer's pod for egress, `pod` itself for ingress. Fills *out;
 *  returns 0 or KG_EINVAL (unknown pod, bad direction, family, protocol or
 *  port). No allocation, no lock. */
KG_API int kg_check_side(const kg_ruleset *rs, uint32_t pod, int direction,
                         const struct kg_addr *peer, int protocol,
                         unsigned port, struct kg_side *out);

/** Formats a verdict as one line of text, e.g. "denied (egress x/a: not
 *  isolated; ingress y/b: no rule allows, isolated by 2 policies)", into
 *  buf, snprintf-style (always NUL-terminated when cap > 0); returns
 *  the length the full text needs. A flow to a Service address (since 0.2)
 *  begins "service NS/NAME, N ready endpoints; " and its sides are the
 *  endpoint's; without a ready endpoint the ingress side reads "ingress: no
 *  ready endpoint". */
KG_API size_t kg_verdict_format(const struct kg_verdict *v, char *buf,
                                size_t cap);

/* ------------------------------------------- a side explained rule by rule */
/*
 * Why a side got its answer, one rule at a time (what `kgress explain`
 * prints): every rule of every policy isolating the side's pod in that
 * direction, in evaluation order -- the admin tier (ClusterNetworkPolicy
 * Admin, AdminNetworkPolicy), then the NetworkPolicies (namespace/name
 * order), then the baseline tier -- each judged on its own: whether one of
 * its peers admits the other end and how, or why none does; whether one of
 * its ports matches the flow's protocol and port, or why none does; and
 * what it did to the side. Since 0.2.
 */

/** How a rule's peers judged the other end (struct kg_rule_match.peer). */
enum kg_peer_match {
    KG_PEER_ANY = 1,      /**< the rule lists no peer: every peer matches */
    KG_PEER_SELECTOR = 2, /**< a podSelector/namespaceSelector (namespaces,
                               pods) peer selects the peer pod */
    KG_PEER_CIDR = 3,     /**< an ipBlock (networks) peer holds the address */
    KG_PEER_NODE = 4,     /**< a nodes peer: the address is a selected Node's */
    KG_PEER_DOMAIN = 5,   /**< a domainNames peer matches the destination's
                               name (struct kg_flow dst_name, the cache) */
    /** no match: the peer is a pod that none of the rule's selector peers
     *  selects, and no ipBlock/networks/nodes peer holds its address */
    KG_PEER_NOT_SELECTED = 6,
    /** no match: the peer is not a pod (selector peers select pods only)
     *  and no ipBlock/networks/nodes/domainNames peer admits it */
    KG_PEER_NOT_IN_CIDR = 7,
    /** no match: an ipBlock holds the address, but it is a pod's and
     *  ipBlocks do not match pod addresses (KG_FLAG_IPBLOCK_MATCHES_PODS
     *  off) */
    KG_PEER_POD_ADDRESS = 8,
};

/** How a rule's ports judged the flow (struct kg_rule_match.ports). */
enum kg_port_match {
    KG_PORTS_ANY = 1,    /**< the rule lists no port: every port matches */
    KG_PORTS_NUMBER = 2, /**< a port or range of the flow's protocol holds
                              its port */
    KG_PORTS_NAMED = 3,  /**< a named port, resolved on the destination pod,
                              is the flow's protocol and port */
    /** no match: no listed port is of the flow's protocol */
    KG_PORTS_NOT_PROTOCOL = 4,
    /** no match: ports of the protocol, none holding the flow's port (and
     *  no named port of it) */
    KG_PORTS_NOT_NUMBER = 5,
    /** no match: the numbers miss and no named port of the protocol is the
     *  flow's port on the destination pod (or the destination is not a
     *  pod, where names never resolve) */
    KG_PORTS_NOT_NAMED = 6,
};

/** What a rule did to the side (struct kg_rule_match.effect). */
enum kg_rule_effect {
    KG_EFFECT_NONE = 0,    /**< it did not match (or it is a policy's
                                placeholder: rule -1) */
    KG_EFFECT_DECIDED = 1, /**< it decided the side (allow or deny) */
    KG_EFFECT_PASSED = 2,  /**< a Pass rule that matched first in its tier:
                                evaluation went on to the next tier */
    /** it matched, but the side was decided before it was reached (an
     *  earlier rule or tier decided or passed, or the tiers do not apply:
     *  a pod reaching itself) */
    KG_EFFECT_NOT_REACHED = 3,
};

/**
 * One rule judged for a flow (kg_explain_rule). Fixed size; fields added
 * later take the reserved words. Strings point into the ruleset.
 */
struct kg_rule_match {
    int tier;                /**< KG_TIER_ADMIN, _NETWORK_POLICY, _BASELINE */
    int action;              /**< KG_ACTION_ALLOW / _DENY / _PASS (every
                                  NetworkPolicy rule allows) */
    const char *policy_kind; /**< "NetworkPolicy", "AdminNetworkPolicy", ... */
    const char *policy; /**< "namespace/name"; "name" when cluster-scoped */
    int32_t priority;   /**< CNP/ANP priority; -1 none */
    /** index in spec.ingress / spec.egress; -1 for a NetworkPolicy with no
     *  rule in this direction (it isolates and allows nothing: peer, ports
     *  0, matched false) */
    int rule;
    const char *rule_name; /**< the rule's `name`; NULL unnamed */
    int peer;              /**< KG_PEER_*; 0 for rule -1 */
    int ports;             /**< KG_PORTS_*; 0 for rule -1 */
    bool matched;          /**< peer and ports both matched */
    int effect;            /**< KG_EFFECT_* */
    uint64_t reserved[4];  /**< written as zero */
};

/**
 * The i-th rule (from 0) judged for side `direction` of flow: KG_EGRESS,
 * the source pod's egress to the destination; KG_INGRESS, the destination
 * pod's ingress from the source. The flow is read as kg_check_flow reads
 * it, but addresses are taken as they are: for a Service address, explain
 * the flow to the endpoint kg_check_flow reports (kg_verdict.endpoint,
 * endpoint_port). The rule that decided agrees with kg_check_flow's detail
 * of that side.
 *
 * Returns 0 and fills *out; KG_ENOTFOUND when i is past the last rule
 * (none at all: the side is not a pod, a hostNetwork pod, or no policy
 * isolates it -- kg_check_flow's reason says which); KG_EINVAL as
 * kg_check_flow, or a bad direction, or NULL out. Costs the rules up to
 * the i-th (a listing of n rules costs n^2/2 rule tests: a diagnostic
 * tool, not a packet path). No allocation, no lock; thread-safe.
 */
KG_API int kg_explain_rule(const kg_ruleset *rs, const struct kg_flow *flow,
                           int direction, size_t i, struct kg_rule_match *out);

/** Which enumeration kg_match_name names. */
enum kg_match_enum {
    KG_MATCH_PEER = 0,   /**< enum kg_peer_match */
    KG_MATCH_PORTS = 1,  /**< enum kg_port_match */
    KG_MATCH_EFFECT = 2, /**< enum kg_rule_effect */
};

/** The name of a value: "any-peer", "selected", "in-cidr", "node",
 *  "domain", "not-selected", "not-in-cidr", "pod-address" (KG_MATCH_PEER);
 *  "any-port", "number", "named", "not-protocol", "not-number",
 *  "not-named" (KG_MATCH_PORTS); "none", "decided", "passed",
 *  "not-reached" (KG_MATCH_EFFECT); "?" for anything else. Static
 *  strings; thread-safe. */
KG_API const char *kg_match_name(int which, int value);

/* ------------------------------------------------- objects read, by kind */
/*
 * What a compile read: per kind (as written in the objects' `kind`), how
 * many objects an engine read and how many it skipped (kinds kgress does
 * not read, such as apps/v1 Deployment or v1 ConfigMap; unsupported
 * apiVersions; objects whose kind was an error). A kind that a group kgress
 * reads (core v1, networking.k8s.io, policy.networking.k8s.io,
 * gateway.networking.k8s.io) does not have is an error diagnostic, as the
 * API server's "no matches for kind", never a silent skip.
 */
struct kg_kind_count {
    size_t size;      /**< sizeof(struct kg_kind_count), set by the caller */
    const char *kind; /**< NUL-terminated; "" for objects without a kind */
    size_t read;      /**< objects of this kind read by an engine */
    size_t skipped;   /**< objects of this kind not read */
};

/** Number of distinct kinds the last kg_builder_compile saw (0 before the
 *  first compile or for NULL). */
KG_API size_t kg_builder_kind_count(const kg_builder *b);

/** Fills *out with the i-th kind (sorted by kind name) of the last
 *  compile; out->size must be set (fields past it are left alone).
 *  out->kind is owned by the builder and valid until it is freed or
 *  compiles again. Returns 0, or KG_EINVAL (NULL argument, size too small,
 *  i out of range). Not thread-safe against calls changing the builder. */
KG_API int kg_builder_kind(const kg_builder *b, size_t i,
                           struct kg_kind_count *out);

/* ------------------------------------------------------- rule set diffs */
/*
 * kg_route_diff (since 0.2): every class of request whose answer differs
 * between two compiled rule sets, computed from their tables rather than
 * by sampling (design: docs/diff.md). The request space is cut into
 * classes: a listener port (Gateway API sides), a host class (an exact
 * host of either set, one label or several under a wildcard of either set,
 * or any other host), a path region (a node of either set's path tries:
 * exactly that path, below it, a character prefix, or a witness of a
 * regular expression) and a combination of the match conditions the
 * HTTPRoutes of that region test (method, header and query values). Each
 * class is evaluated on one witness request through kg_route_request on
 * both sides; outside regular expressions the answer of every request of a
 * class is the witness's, so the diff is exact there.
 *
 * A side is routed as a Gateway API rule set when it has a Gateway
 * listener and no served Ingress, or when the options name a port or a
 * Gateway and it has listeners; else as Ingress rules (which ignore the
 * port, method, headers and query). Ports are the listener ports of the
 * Gateway API sides (or options.port).
 */

/** Flags of struct kg_diff_options. */
#define KG_DIFF_FILTERS                                                        \
    1u /**< also compare what the proxy does besides choosing a backend:       \
            URLRewrite results, header modifiers, mirrors (an Ingress          \
            answer has none: kgress does not apply rewrite-target) */

/** Options of kg_route_diff; `size` = sizeof(struct kg_diff_options). A
 *  NULL options pointer means all zero. */
struct kg_diff_options {
    size_t size;
    unsigned flags; /**< KG_DIFF_* */
    unsigned port;  /**< Gateway API sides: only this listener port (0: every
                         listener port of either side) */
    const char *gateway; /**< Gateway API sides: only this Gateway,
                              "namespace/name"; NULL: every Gateway */
    size_t gateway_len;
    /** condition combinations tried per path region before falling back to
     *  one per match (the class is then marked inexact); 0: 4096 */
    size_t max_combinations;
};

/** One class of requests whose answer differs, as kg_route_diff hands it
 *  to its callback. Every pointer is valid only during the callback;
 *  strings are NUL-terminated. */
struct kg_route_diff {
    size_t size;   /**< sizeof(struct kg_route_diff) of the library */
    unsigned port; /**< listener port of the class; 0: Ingress on both sides */
    bool exact;    /**< false: a regular expression decides in this region
                        (the class is a witness of it, other members of the
                        region may answer otherwise), or its conditions had
                        more combinations than max_combinations */
    const char *host; /**< the witness Host */
    size_t host_len;
    const char *host_class; /**< "a.example.com", "*.example.com" (one
                                 label), "*.*.example.com" (two or more
                                 labels), or "*" (any other host) */
    size_t host_class_len;
    const char *path; /**< the witness request-target, query included */
    size_t path_len;
    const char *path_class; /**< "= /a/b" exactly, "/a/b/..." below it and
                                 not in another class, "/a/bc..." a character
                                 prefix, "~ PATTERN" a regex witness */
    size_t path_class_len;
    const char *method; /**< the witness method; "" none (a method no
                             rule of the region names) */
    size_t method_len;
    const struct kg_header *headers; /**< the witness headers */
    size_t n_headers;
    const char *conditions; /**< the condition class as text: "method GET,
                                 header x-env=canary, query v=2" or "" */
    size_t conditions_len;
    /** the answers compared, as canonical text: "service ns/name:port",
     *  several with their shares ("service a/x:80 (1/4), service a/y:80
     *  (3/4)"), "resource GROUP/KIND ns/name", "status 500",
     *  "redirect 301 https://host:443/path", "no route", "error KG_..." */
    const char *old_answer;
    size_t old_answer_len;
    const char *new_answer;
    size_t new_answer_len;
    int old_rc, new_rc; /**< kg_route_request's codes on the witness */
    /** the answers at pick 0; NULL when the code is not 0 */
    const struct kg_route *old_route, *new_route;
};

/** What kg_route_diff looked at; `size` set by the caller. */
struct kg_diff_summary {
    size_t size;
    uint64_t classes;   /**< request classes evaluated */
    uint64_t differing; /**< of them, with different answers */
    uint64_t inexact;   /**< of them, witnesses only (see exact) */
};

/** Called once per differing class, in order of port, host class, path,
 *  conditions. Returns 0 to go on; any other value stops the diff, which
 *  returns it. */
typedef int (*kg_route_diff_fn)(void *user, const struct kg_route_diff *d);

/**
 * Compares the routing answers of two rule sets (both compiled; either may
 * have no routes). Calls fn (NULL: none) for each differing class, then
 * fills *summary (NULL: not wanted). Returns 0 when done (the sets agree
 * on every class iff summary->differing is 0), fn's value when it stopped
 * the walk, KG_EINVAL (NULL rule set, options or summary with a size too
 * small, a NULL gateway with gateway_len > 0), KG_ENOMEM, or
 * KG_ENOTSUPPORTED in a library built without the route engine. Allocates
 * (witnesses, one request buffer); reads the rule sets only, so any number
 * of threads may diff and route on them at once. Cost: the sum over
 * classes of two lookups; classes grow with hosts x path nodes x condition
 * combinations of the nodes of each host.
 */
KG_API int kg_route_diff(const kg_ruleset *old_rs, const kg_ruleset *new_rs,
                         const struct kg_diff_options *opts,
                         kg_route_diff_fn fn, void *user,
                         struct kg_diff_summary *summary);

#ifdef __cplusplus
}
#endif

#endif /* KGRESS_H */
