// SPDX-License-Identifier: MIT
/*
 * test_loader.c - the YAML stage (lib/yaml/load.c) on its own.
 *
 * One table of inputs run through kgi_yaml_load: each row says which
 * limits to change, the return code, the objects found (their
 * metadata.name, in order, to check multi-document streams and List
 * flattening) and the one diagnostic expected with its code and exact
 * 1-based line:column. Then the hostile inputs (billion laughs, 100,000
 * nested brackets, alias expansion near 2^64) that must be refused with
 * their own code, and allocation failure at every N.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "util/alloc.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "yaml/load.h"
#include "yaml/resolve.h"

#define IN(s) .in = (s), .len = sizeof(s) - 1

struct load_case {
    const char *name;
    const char *in;
    size_t len;
    uint64_t limit[KGI_LIMIT_COUNT]; /* 0: default */
    int rc;
    const char *objects; /* metadata.name of each object, ","-separated */
    int code;            /* the one diagnostic expected (0: none) */
    unsigned line, col;
    const char *msg; /* substring of its message, or NULL */
};

static const struct load_case cases[] = {
    /* ------------------------------------------------ YAML 1.1 as the
     * API server reads it (go-yaml v2; issue 15 item 14) */
    {"merge key inline map", IN("metadata:\n  <<: {name: merged}\n"),
     .objects = "merged"},
    {"merge key sequence of maps",
     IN("metadata:\n  <<: [{namespace: x}, {name: m2}]\n"), .objects = "m2"},
    {"quoted << is an ordinary key",
     IN("metadata:\n  \"<<\": {name: no}\n  name: q\n"), .objects = "q"},
    {"merge key value not a map", IN("metadata:\n  <<: x\n  name: a\n"),
     .rc = KG_ECOMPILE, .code = KG_ETYPE, .line = 2, .col = 7,
     .msg = "map merge requires map or sequence of maps"},
    {"merge key sequence item not a map", IN("metadata:\n  <<: [{a: b}, x]\n"),
     .rc = KG_ECOMPILE, .code = KG_ETYPE, .line = 2, .col = 7},
    {"merge key and explicit key",
     IN("metadata:\n  name: a\n  <<: {name: b}\n"), .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 3, .col = 8,
     .msg = "also set through a << merge key"},
    {"two merged maps set one key",
     IN("metadata:\n  <<: [{name: a}, {name: b}]\n"), .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 2, .col = 20},
    {"!!binary decoded", IN("metadata: {name: !!binary d2Vi}\n"),
     .objects = "web"},
    {"!!binary multi-line",
     IN("metadata:\n  name: !!binary |\n    d2\n    Vi\n"), .objects = "web"},
    {"!!binary invalid base64", IN("metadata: {name: !!binary d2V}\n"),
     .rc = KG_ECOMPILE, .code = KG_ETYPE, .line = 1, .col = 18,
     .msg = "invalid base64"},
    {"!!binary not UTF-8", IN("metadata: {name: !!binary /w==}\n"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 1, .col = 18},
    {"!!int on a word", IN("a: !!int abc\n"), .rc = KG_ECOMPILE,
     .code = KG_ETYPE, .line = 1, .col = 4,
     .msg = "cannot decode !!str `abc` as a !!int"},
    {"!!int on a number", IN("a: !!int 0x10\nmetadata: {name: i}\n"),
     .objects = "i"},
    {"!!float on an int", IN("a: !!float 1\nmetadata: {name: f}\n"),
     .objects = "f"},
    {"!!bool on a number", IN("a: !!bool 1\n"), .rc = KG_ECOMPILE,
     .code = KG_ETYPE, .line = 1, .col = 4,
     .msg = "cannot decode !!int `1` as a !!bool"},
    {"!!timestamp refused", IN("a: !!timestamp 2024-01-01\n"),
     .rc = KG_ECOMPILE, .code = KG_ENOTSUPPORTED, .line = 1, .col = 4},
    /* ------------------------------------------------ documents */
    {"single", IN("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"),
     .objects = "a"},
    {"multi",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n---\n"
        "metadata: {name: c}\n"),
     .objects = "a,b,c"},
    {"multi with markers",
     IN("---\nmetadata: {name: a}\n...\n---\n"
        "metadata: {name: b}\n...\n"),
     .objects = "a,b"},
    {"empty input", IN(""), .objects = ""},
    {"only a comment", IN("# nothing here\n"), .objects = ""},
    {"empty documents", IN("---\n---\n--- \n...\n"), .objects = ""},
    {"null documents", IN("--- null\n--- ~\n---\nmetadata: {name: a}\n"),
     .objects = "a"},
    {"empty between objects",
     IN("metadata: {name: a}\n---\n---\nmetadata: {name: b}\n"),
     .objects = "a,b"},
    {"empty map document", IN("{}\n"), .objects = "?"},
    /* ------------------------------------------------ List kinds */
    {"kind List",
     IN("apiVersion: v1\nkind: List\nitems:\n"
        "- metadata: {name: a}\n- metadata: {name: b}\n"),
     .objects = "a,b"},
    {"PodList",
     IN("apiVersion: v1\nkind: PodList\nmetadata: {}\nitems:\n"
        "- {kind: Pod, metadata: {name: p1}}\n"
        "- {kind: Pod, metadata: {name: p2}}\n"
        "- {kind: Pod, metadata: {name: p3}}\n"),
     .objects = "p1,p2,p3"},
    {"List among documents",
     IN("metadata: {name: a}\n---\nkind: List\nitems: [{metadata: {name: b}}"
        ", {metadata: {name: c}}]\n---\nmetadata: {name: d}\n"),
     .objects = "a,b,c,d"},
    {"nested List",
     IN("kind: List\nitems:\n- kind: List\n  items:\n"
        "  - metadata: {name: a}\n- metadata: {name: b}\n"),
     .objects = "a,b"},
    {"List items null", IN("kind: List\nitems:\n"), .objects = ""},
    {"List items empty", IN("kind: List\nitems: []\n"), .objects = ""},
    {"List items a map", IN("kind: List\nitems:\n  a: 1\n"), .rc = KG_ECOMPILE,
     .code = KG_ETYPE, .line = 3, .col = 3,
     .msg = "items of a List must be a sequence"},
    {"List item a scalar",
     IN("kind: List\nitems:\n- metadata: {name: a}\n"
        "- 42\n"),
     .rc = KG_ECOMPILE, .code = KG_ETYPE, .line = 4, .col = 3,
     .msg = "a List item must be an object"},
    {"List kind without items is an object",
     IN("kind: PodList\nmetadata: {name: x}\n"), .objects = "x"},
    {"items without a List kind is an object",
     IN("kind: Thing\nmetadata: {name: x}\nitems: [1, 2]\n"), .objects = "x"},
    /* ------------------------------------------------ JSON */
    {"json object",
     IN("{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", "
        "\"metadata\": {\"name\": \"a\"}}"),
     .objects = "a"},
    {"kubectl -o json List",
     IN("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"
        "            \"apiVersion\": \"v1\",\n"
        "            \"kind\": \"Namespace\",\n"
        "            \"metadata\": {\n"
        "                \"labels\": {\"kubernetes.io/metadata.name\": "
        "\"a\"},\n"
        "                \"name\": \"a\"\n            }\n        },\n"
        "        {\"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}}\n"
        "    ],\n    \"kind\": \"List\",\n"
        "    \"metadata\": {\"resourceVersion\": \"\"}\n}\n"),
     .objects = "a,b"},
    {"json trailing comma", IN("{\"a\": 1,, \"b\": 2}"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 1, .col = 9},
    /* ------------------------------------------------ documents that are
     * not objects */
    {"scalar document", IN("hello\n"), .rc = KG_ECOMPILE, .code = KG_ETYPE,
     .line = 1, .col = 1, .msg = "a document must be a Kubernetes object"},
    {"sequence document", IN("metadata: {name: a}\n---\n- a\n- b\n"),
     .rc = KG_ECOMPILE, .code = KG_ETYPE, .line = 3, .col = 1},
    /* ------------------------------------------------ malformed YAML */
    {"mapping value in a plain scalar", IN("a: 1\nb: c: d\n"),
     .rc = KG_ECOMPILE, .code = KG_ESYNTAX, .line = 2, .col = 5,
     .msg = "mapping values are not allowed"},
    {"character that cannot start a token", IN("a: 1\nb: @x\n"),
     .rc = KG_ECOMPILE, .code = KG_ESYNTAX, .line = 2, .col = 4,
     .msg = "cannot start any token"},
    {"tab indentation", IN("a:\n\tb: 1\n"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 2, .col = 1},
    {"unclosed flow sequence", IN("a: [1, 2\nb: 3\n"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 2, .col = 2},
    {"unterminated quote", IN("a: 1\nb: 'x\n"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 3, .col = 1,
     .msg = "unexpected end of stream"},
    {"bad indentation", IN("a:\n  - x\n - y\n"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 3, .col = 2},
    {"syntax error after good documents",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n---\nx: [\n"),
     .rc = KG_ECOMPILE, .code = KG_ESYNTAX, .line = 6, .col = 1},
    {"non-scalar key", IN("? [a]\n: 1\n"), .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 1, .col = 3,
     .msg = "a map key must be a scalar"},
    /* ------------------------------------------------ duplicate keys */
    {"duplicate key", IN("a: 1\nb: 2\na: 3\n"), .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 3, .col = 1,
     .msg = "duplicate map key \"a\""},
    {"nested duplicate key", IN("m:\n  x: 1\n  y: 2\n  x: 3\n"),
     .rc = KG_ECOMPILE, .code = KG_EDUPLICATE, .line = 4, .col = 3},
    {"duplicate key json", IN("{\"a\": 1, \"a\": 2}"), .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 1, .col = 10},
    {"quoted and plain key are the same key", IN("a: 1\n\"a\": 2\n"),
     .rc = KG_ECOMPILE, .code = KG_EDUPLICATE, .line = 2, .col = 1},
    {"keys differing in case", IN("a: 1\nA: 2\nmetadata: {name: x}\n"),
     .objects = "x"},
    /* ------------------------------------------------ encoding */
    {"BOM",
     IN("\xEF\xBB\xBF"
        "apiVersion: v1\nmetadata: {name: a}\n"),
     .objects = "a"},
    {"BOM then syntax error on line 1",
     IN("\xEF\xBB\xBF"
        "a: b: c\n"),
     .rc = KG_ECOMPILE, .code = KG_ESYNTAX, .line = 1, .col = 5},
    {"BOM then bad byte on line 1",
     IN("\xEF\xBB\xBF"
        "a: \xff\n"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 1, .col = 4},
    {"CRLF",
     IN("apiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n"
        "  name: a\r\n"),
     .objects = "a"},
    {"CRLF error line", IN("a: 1\r\nb: 2\r\na: 3\r\n"), .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 3, .col = 1},
    {"CRLF bad byte line", IN("a: 1\r\nb: 2\r\nc: x\xc0\r\n"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 3, .col = 5},
    {"CR line breaks", IN("a: 1\rb: 2\rc: \xff\r"), .rc = KG_ECOMPILE,
     .code = KG_EENCODING, .line = 3, .col = 4},
    {"invalid leading byte", IN("a: 1\nb: \xff\xfe\n"), .rc = KG_ECOMPILE,
     .code = KG_EENCODING, .line = 2, .col = 4, .msg = "invalid text"},
    {"bad byte after multibyte text",
     IN("name: \xc3\xa9t\xc3\xa9\nb: \xe2\x82\xac\xe2\x82\n"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 2, .col = 5},
    {"truncated sequence mid-line", IN("a: x\xc3 y\n"), .rc = KG_ECOMPILE,
     .code = KG_EENCODING, .line = 1, .col = 5},
    {"overlong encoding", IN("a: \xc0\xaf\n"), .rc = KG_ECOMPILE,
     .code = KG_EENCODING, .line = 1, .col = 4},
    {"surrogate code point", IN("a: \xed\xa0\x80\n"), .rc = KG_ECOMPILE,
     .code = KG_EENCODING, .line = 1, .col = 4},
    {"multibyte text is fine",
     IN("metadata: {name: a}\nnote: \"\xe6\x97\xa5\xe6\x9c\xac "
        "\xf0\x9f\x98\x80\"\n"),
     .objects = "a"},
    {"NUL byte", IN("a: 1\nb: x\0y\n"), .rc = KG_ECOMPILE, .code = KG_EENCODING,
     .line = 2, .col = 5},
    {"NUL first", IN("\0a: 1\n"), .rc = KG_ECOMPILE, .code = KG_EENCODING,
     .line = 1, .col = 1},
    {"control byte", IN("a: \x01\n"), .rc = KG_ECOMPILE, .code = KG_EENCODING,
     .line = 1, .col = 4},
    {"escaped NUL is data", IN("metadata: {name: a}\nb: \"x\\0y\"\n"),
     .objects = "a"},
    /* UTF-16: columns in characters, a surrogate pair one (issue 15 item
     * 17); "a: \u00e9\U0001F600 \x01" and "a: b\r\nc: \U0001F600x\x02" */
    {"UTF-16LE column in characters",
     IN("\xff\xfe"
        "a\0:\0 \0\xe9\0\x3d\xd8\x00\xde \0\x01\0\n\0"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 1, .col = 7},
    {"UTF-16BE second line",
     IN("\xfe\xff"
        "\0a\0:\0 \0b\0\r\0\n\0c\0:\0 \xd8\x3d\xde\x00\0x\0\x02\0\n"),
     .rc = KG_ECOMPILE, .code = KG_EENCODING, .line = 2, .col = 6},
    /* ------------------------------------------------ limits */
    {"bytes at limit", IN("metadata: {name: a}\n"),
     .limit = {[KG_LIMIT_INPUT_BYTES] = 20}, .objects = "a"},
    {"bytes over limit", IN("metadata: {name: a}\n"),
     .limit = {[KG_LIMIT_INPUT_BYTES] = 19}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_BYTES, .line = 0, .col = 0,
     .msg = "KG_LIMIT_INPUT_BYTES"},
    {"depth at limit", IN("metadata: {name: a, x: {y: 1}}\n"),
     .limit = {[KG_LIMIT_DEPTH] = 3}, .objects = "a"},
    {"depth over limit", IN("metadata: {name: a, x: {y: [1]}}\n"),
     .limit = {[KG_LIMIT_DEPTH] = 3}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_DEPTH, .line = 1, .col = 28, .msg = "KG_LIMIT_DEPTH"},
    {"depth over limit block", IN("a:\n  b:\n    c:\n      d: 1\n"),
     .limit = {[KG_LIMIT_DEPTH] = 3}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_DEPTH, .line = 4, .col = 7},
    /* root map + key + map + 2 keys + 2 values = 7 nodes */
    {"nodes at limit", IN("metadata: {name: a}\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 5}, .objects = "a"},
    {"nodes over limit", IN("metadata: {name: a}\nb: c\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 6}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 2, .col = 4,
     .msg = "KG_LIMIT_OBJECT_NODES"},
    /* issue 15 item 10: KG_LIMIT_OBJECT_NODES per object, KG_LIMIT_NODES
     * per source */
    {"nodes count per document",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 5}, .objects = "a,b"},
    {"source nodes count over documents",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n"),
     .limit = {[KG_LIMIT_NODES] = 9}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 3, .col = 18, .msg = "KG_LIMIT_NODES"},
    /* the List document: map, kind + List, items + seq = 5 nodes; each
     * item its own 5 */
    {"nodes count per List item",
     IN("kind: List\nitems:\n- metadata: {name: a}\n"
        "- metadata: {name: b}\n- metadata: {name: c}\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 5}, .objects = "a,b,c"},
    {"List item over the object limit",
     IN("kind: List\nitems:\n- metadata: {name: a}\n"
        "- metadata: {name: b, x: y}\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 5}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 4, .col = 23,
     .msg = "KG_LIMIT_OBJECT_NODES"},
    {"List document over the object limit",
     IN("kind: List\nitems:\n- metadata: {name: a}\nx: y\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 5}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 4, .col = 1, .msg = "one object"},
    {"items of a nested map are not objects",
     IN("metadata: {name: a}\nspec: {items: [{b: c}]}\n"),
     .limit = {[KG_LIMIT_OBJECT_NODES] = 10}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 2, .col = 17},
    {"List items share the stream limit",
     IN("kind: List\nitems:\n- metadata: {name: a}\n"
        "- metadata: {name: b}\n"),
     .limit = {[KG_LIMIT_NODES] = 14}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_NODES, .line = 4, .col = 20, .msg = "KG_LIMIT_NODES"},
    {"scalar at limit", IN("metadata: {name: abcde}\n"),
     .limit = {[KG_LIMIT_SCALAR_BYTES] = 8}, .objects = "abcde"},
    {"scalar over limit", IN("metadata: {name: abcde}\nnote: 123456789\n"),
     .limit = {[KG_LIMIT_SCALAR_BYTES] = 8}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_SCALAR, .line = 2, .col = 7,
     .msg = "KG_LIMIT_SCALAR_BYTES"},
    {"scalar limit counts bytes", IN("a: \"\xc3\xa9\xc3\xa9\xc3\xa9\"\n"),
     .limit = {[KG_LIMIT_SCALAR_BYTES] = 5}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_SCALAR, .line = 1, .col = 4},
    {"documents at limit",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n"),
     .limit = {[KG_LIMIT_DOCUMENTS] = 2}, .objects = "a,b"},
    {"documents over limit",
     IN("metadata: {name: a}\n---\nmetadata: {name: b}\n---\nc: 1\n"),
     .limit = {[KG_LIMIT_DOCUMENTS] = 2}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_DOCUMENTS, .line = 4, .col = 1,
     .msg = "KG_LIMIT_DOCUMENTS"},
    {"empty documents count", IN("---\n---\n---\n"),
     .limit = {[KG_LIMIT_DOCUMENTS] = 2}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_DOCUMENTS, .line = 3, .col = 1},
    /* ------------------------------------------------ aliases */
    {"alias off by default", IN("a: &x [1, 2]\nb: *x\n"), .rc = KG_ECOMPILE,
     .code = KG_EALIAS, .line = 2, .col = 4, .msg = "aliases are not allowed"},
    {"anchor without alias is fine", IN("metadata: &m {name: a}\n"),
     .objects = "a"},
    {"alias within limit", IN("a: &x [1, 2]\nb: *x\nmetadata: {name: a}\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 3}, .objects = "a"},
    {"alias over limit", IN("a: &x [1, 2]\nb: *x\nc: *x\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 5}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_ALIAS, .line = 3, .col = 4,
     .msg = "KG_LIMIT_ALIAS_NODES"},
    {"alias to scalar", IN("a: &x v\nmetadata: {name: *x}\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 1}, .objects = "v"},
    {"recursive alias", IN("a: &x [1, *x]\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 1000}, .rc = KG_ECOMPILE,
     .code = KG_ELIMIT_ALIAS, .line = 1, .col = 11, .msg = "recursive"},
    {"undefined alias", IN("a: *nope\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 1000}, .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 1, .col = 4, .msg = "undefined alias"},
    {"anchors end with their document", IN("a: &x 1\n---\nb: *x\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 1000}, .rc = KG_ECOMPILE,
     .code = KG_ESYNTAX, .line = 3, .col = 4},
    {"redefined anchor: the latest wins",
     IN("a: &x one\nb: &x two\nmetadata: {name: *x}\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 10}, .objects = "two"},
    {"anchor names are exact",
     IN("a: &x1 one\nb: &x two\nc: &x10 ten\n"
        "metadata: {name: *x1}\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 10}, .objects = "one"},
    /* an alias is its anchor's node, so the duplicate is marked there */
    {"alias as duplicate key", IN("&k a: 1\n*k : 2\n"),
     .limit = {[KG_LIMIT_ALIAS_NODES] = 1000}, .rc = KG_ECOMPILE,
     .code = KG_EDUPLICATE, .line = 1, .col = 1},
};

/* metadata.name of an object, "?" when it has none */
static void object_name(const struct kgi_object *o, char *buf, size_t cap)
{
    const struct kgi_node *md = kgi_node_get(o->root, "metadata");
    const struct kgi_node *n = kgi_node_get(md, "name");
    if (n && n->kind == KGI_NODE_SCALAR)
        snprintf(buf, cap, "%s", n->u.str);
    else
        snprintf(buf, cap, "?");
}

/* Runs one row; prints what differs and returns the number of problems, so
 * that one run reports every failing row. */
static int run_case(const struct load_case *t)
{
    int bad = 0;
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            print_error("case \"%s\": ", t->name);                             \
            print_error(__VA_ARGS__);                                          \
            print_error("\n");                                                 \
            bad++;                                                             \
        }                                                                      \
    } while (0)
    struct kg_options o;
    kgi_options_defaults(&o);
    for (int l = 1; l < KGI_LIMIT_COUNT; l++)
        if (t->limit[l])
            o.limit[l] = t->limit[l];
    struct kgi_arena arena;
    struct kgi_objects objs = {0};
    struct kg_diagnostics d;
    kgi_arena_init(&arena);
    kgi_diag_init(&d);

    int rc = kgi_yaml_load(&o, "t.yaml", t->in, t->len, &arena, &objs, &d);
    CHECK(rc == t->rc, "rc %s, want %s; first diagnostic: %s",
          kg_error_name(rc), kg_error_name(t->rc),
          d.n ? d.v[0].message : "(none)");
    if (t->code) {
        CHECK(d.n == 1, "%zu diagnostics, want 1", d.n);
        if (d.n >= 1) {
            const struct kgi_diag *g = &d.v[0];
            CHECK(g->code == t->code && g->line == t->line &&
                      g->column == t->col,
                  "got %s at %u:%u (%s), want %s at %u:%u",
                  kg_error_name(g->code), g->line, g->column, g->message,
                  kg_error_name(t->code), t->line, t->col);
            CHECK(g->severity == KG_SEVERITY_ERROR, "severity %d", g->severity);
            CHECK(strcmp(g->file, "t.yaml") == 0, "file %s", g->file);
            CHECK(g->path[0] == '\0', "path %s", g->path);
            CHECK(!t->msg || strstr(g->message, t->msg),
                  "message \"%s\" lacks \"%s\"", g->message, t->msg);
        }
        CHECK(d.errors == 1, "%zu errors", d.errors);
        /* a source with an error contributes no object */
        CHECK(objs.n == 0, "%zu objects kept from a failed source", objs.n);
    } else {
        CHECK(d.n == 0, "unexpected diagnostic %s at %u:%u: %s",
              kg_error_name(d.n ? d.v[0].code : 0), d.n ? d.v[0].line : 0,
              d.n ? d.v[0].column : 0, d.n ? d.v[0].message : "");
        char got[256] = "", name[64];
        for (size_t i = 0; i < objs.n; i++) {
            object_name(&objs.v[i], name, sizeof(name));
            if (i)
                strncat(got, ",", sizeof(got) - strlen(got) - 1);
            strncat(got, name, sizeof(got) - strlen(got) - 1);
            CHECK(strcmp(objs.v[i].file, "t.yaml") == 0, "object file %s",
                  objs.v[i].file);
        }
        CHECK(strcmp(got, t->objects ? t->objects : "") == 0,
              "objects \"%s\", want \"%s\"", got, t->objects);
    }
#undef CHECK
    kgi_free(objs.v);
    kgi_diag_release(&d);
    kgi_arena_release(&arena);
    return bad;
}

static void test_load_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad += run_case(&cases[i]);
    assert_int_equal(bad, 0);
}

/* Objects of several sources accumulate; a failed source adds none. */
static void test_sources_accumulate(void **state)
{
    (void)state;
    struct kg_options o;
    kgi_options_defaults(&o);
    struct kgi_arena arena;
    struct kgi_objects objs = {0};
    struct kg_diagnostics d;
    kgi_arena_init(&arena);
    kgi_diag_init(&d);
    static const char a[] = "metadata: {name: a}\n---\nmetadata: {name: b}\n";
    static const char bad[] = "metadata: {name: c}\n---\n[\n";
    static const char c[] = "metadata: {name: d}\n";
    assert_int_equal(
        kgi_yaml_load(&o, "a", a, sizeof(a) - 1, &arena, &objs, &d), 0);
    assert_int_equal(
        kgi_yaml_load(&o, "bad", bad, sizeof(bad) - 1, &arena, &objs, &d),
        KG_ECOMPILE);
    assert_int_equal(
        kgi_yaml_load(&o, NULL, c, sizeof(c) - 1, &arena, &objs, &d), 0);
    assert_int_equal(objs.n, 3);
    assert_string_equal(objs.v[0].file, "a");
    assert_string_equal(objs.v[2].file, "<input>");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.v[0].file, "bad");
    kgi_free(objs.v);
    kgi_diag_release(&d);
    kgi_arena_release(&arena);
}

/* Marks and scalar details of the node tree. */
static void test_node_marks(void **state)
{
    (void)state;
    struct kg_options o;
    kgi_options_defaults(&o);
    struct kgi_arena arena;
    struct kgi_objects objs = {0};
    struct kg_diagnostics d;
    kgi_arena_init(&arena);
    kgi_diag_init(&d);
    static const char in[] = "\xEF\xBB\xBF"
                             "a: \"80\"\n"
                             "b: 80\n"
                             "\xc3\xa9: x\r\n"
                             "n: ~\n"
                             "e:\n"
                             "z: \"x\\0y\"\n"
                             "s: [1, {k: v}]\n";
    assert_int_equal(
        kgi_yaml_load(&o, "m", in, sizeof(in) - 1, &arena, &objs, &d), 0);
    assert_int_equal(objs.n, 1);
    const struct kgi_node *r = objs.v[0].root;
    assert_int_equal(r->kind, KGI_NODE_MAP);
    assert_int_equal(r->count, 7);
    assert_int_equal(r->line, 1);
    assert_int_equal(r->column, 1);
    const struct kgi_node *a = kgi_node_get(r, "a");
    assert_true(a->quoted);
    assert_string_equal(a->u.str, "80");
    assert_int_equal(a->line, 1);
    assert_int_equal(a->column, 4);
    const struct kgi_node *b = kgi_node_get(r, "b");
    assert_false(b->quoted);
    assert_int_equal(b->line, 2);
    const struct kgi_node *e = kgi_node_get(r, "\xc3\xa9");
    assert_non_null(e);
    assert_string_equal(e->u.str, "x"); /* no \r */
    assert_int_equal(e->line, 3);
    assert_int_equal(e->column, 4); /* columns count characters */
    assert_true(kgi_node_is_null(kgi_node_get(r, "n")));
    assert_true(kgi_node_is_null(kgi_node_get(r, "e")));
    assert_false(kgi_node_is_null(a));
    const struct kgi_node *z = kgi_node_get(r, "z");
    assert_int_equal(z->count, 3); /* "x\0y": the NUL is kept as data */
    assert_memory_equal(z->u.str, "x\0y", 3);
    assert_false(kgi_node_is(z, "x"));
    const struct kgi_node *s = kgi_node_get(r, "s");
    assert_int_equal(s->kind, KGI_NODE_SEQ);
    assert_int_equal(s->count, 2);
    assert_int_equal(s->weight, 5); /* seq, 1, map, k, v */
    assert_int_equal(s->u.items[1]->line, 7);
    assert_int_equal(s->u.items[1]->column, 8);
    assert_null(kgi_node_get(r, "missing"));
    assert_null(kgi_node_get(s, "a")); /* not a map */
    assert_null(kgi_node_get(NULL, "a"));
    kgi_free(objs.v);
    kgi_diag_release(&d);
    kgi_arena_release(&arena);
}

/* ------------------------------------------------------------ hostile */

static int load_one(const struct kg_options *o, const char *in, size_t len,
                    struct kg_diagnostics *d)
{
    struct kgi_arena arena;
    struct kgi_objects objs = {0};
    kgi_arena_init(&arena);
    int rc = kgi_yaml_load(o, "h.yaml", in, len, &arena, &objs, d);
    kgi_free(objs.v);
    kgi_arena_release(&arena);
    return rc;
}

/* The classic: 10 levels of 10 aliases to the previous level (10^9 nodes
 * when expanded). */
static char *billion_laughs(void)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "lol0: &a0 [\"lol\"]\n");
    for (int i = 1; i < 10; i++) {
        n += (size_t)snprintf(s + n, cap - n, "lol%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            n +=
                (size_t)snprintf(s + n, cap - n, "%s*a%d", j ? "," : "", i - 1);
        n += (size_t)snprintf(s + n, cap - n, "]\n");
    }
    return s;
}

static void test_billion_laughs(void **state)
{
    (void)state;
    char *s = billion_laughs();
    struct kg_options o;
    kgi_options_defaults(&o);
    struct kg_diagnostics d;

    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, s, strlen(s), &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_EALIAS);
    assert_int_equal(d.v[0].line, 2);
    assert_int_equal(d.v[0].column, 12);
    kgi_diag_release(&d);

    /* aliases allowed: refused once the expansion passes the limit, in the
     * 4th alias of lol6 (20+210+2110+21110+211110 = 234560 nodes expanded
     * by lol5, then 211111 per alias of a5) */
    o.limit[KG_LIMIT_ALIAS_NODES] = 1000000;
    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, s, strlen(s), &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ELIMIT_ALIAS);
    assert_int_equal(d.v[0].line, 7);
    assert_int_equal(d.v[0].column, 24);
    kgi_diag_release(&d);
    free(s);
}

/* A chain of anchors doubling at each level: the expansion count crosses
 * 2^64 and must not wrap around below a huge limit. */
static void test_alias_expansion_saturates(void **state)
{
    (void)state;
    size_t cap = 100 * 64, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "l0: &a0 [x]\n");
    for (int i = 1; i < 90; i++)
        n += (size_t)snprintf(s + n, cap - n, "l%d: &a%d [*a%d, *a%d]\n", i, i,
                              i - 1, i - 1);
    struct kg_options o;
    kgi_options_defaults(&o);
    o.limit[KG_LIMIT_ALIAS_NODES] = UINT64_MAX - 1;
    struct kg_diagnostics d;
    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, s, n, &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ELIMIT_ALIAS);
    kgi_diag_release(&d);
    free(s);
}

/* Many anchors: every alias finds its own anchor (the index grows and
 * rehashes), and anchors end with their document. */
static void test_many_anchors(void **state)
{
    (void)state;
    const int n = 5000;
    size_t cap = (size_t)n * 48 + 256, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len, "anchors:\n");
    for (int i = 0; i < n; i++)
        len +=
            (size_t)snprintf(s + len, cap - len, "  k%d: &a%d v%d\n", i, i, i);
    len += (size_t)snprintf(s + len, cap - len, "aliases:\n");
    for (int i = n - 1; i >= 0; i--)
        len += (size_t)snprintf(s + len, cap - len, "- *a%d\n", i);
    struct kg_options o;
    kgi_options_defaults(&o);
    o.limit[KG_LIMIT_ALIAS_NODES] = (uint64_t)n;
    struct kgi_arena arena;
    struct kgi_objects objs = {0};
    struct kg_diagnostics d;
    kgi_arena_init(&arena);
    kgi_diag_init(&d);
    assert_int_equal(kgi_yaml_load(&o, "a", s, len, &arena, &objs, &d), 0);
    assert_int_equal(objs.n, 1);
    const struct kgi_node *al = kgi_node_get(objs.v[0].root, "aliases");
    assert_non_null(al);
    assert_int_equal(al->count, (size_t)n);
    for (int i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof(want), "v%d", n - 1 - i);
        if (!kgi_node_is(al->u.items[i], want))
            fail_msg("alias %d is %s, want %s", i, al->u.items[i]->u.str, want);
    }
    /* one more alias than the limit allows */
    o.limit[KG_LIMIT_ALIAS_NODES] = (uint64_t)n - 1;
    assert_int_equal(kgi_yaml_load(&o, "a", s, len, &arena, &objs, &d),
                     KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ELIMIT_ALIAS);
    kgi_diag_release(&d);
    kgi_diag_init(&d);

    /* the next document does not see them, and may reuse the names */
    o.limit[KG_LIMIT_ALIAS_NODES] = (uint64_t)n + 10;
    len += (size_t)snprintf(s + len, cap - len,
                            "---\nx: &a7 new\ny: *a7\n"
                            "---\nz: *a9\n");
    assert_int_equal(kgi_yaml_load(&o, "b", s, len, &arena, &objs, &d),
                     KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ESYNTAX);
    assert_int_equal(d.v[0].line, (unsigned)(2 * n + 7));
    assert_non_null(strstr(d.v[0].message, "a9"));
    kgi_free(objs.v);
    kgi_diag_release(&d);
    kgi_arena_release(&arena);
    free(s);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    const size_t depth = 100000;
    char *s = malloc(2 * depth + 2);
    assert_non_null(s);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\n';
    struct kg_options o;
    kgi_options_defaults(&o);
    struct kg_diagnostics d;
    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, s, 2 * depth + 1, &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ELIMIT_DEPTH);
    assert_int_equal(d.v[0].line, 1);
    assert_int_equal(d.v[0].column, 65); /* default depth 64 */
    kgi_diag_release(&d);

    /* the same with maps, block style */
    size_t cap = depth * 8, n = 0;
    char *m = malloc(cap);
    assert_non_null(m);
    for (size_t i = 0; i < 200 && n + 512 < cap; i++) {
        memset(m + n, ' ', 2 * i);
        n += 2 * i;
        n += (size_t)snprintf(m + n, cap - n, "k%zu:\n", i);
    }
    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, m, n, &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_ELIMIT_DEPTH);
    assert_int_equal(d.v[0].line, 65); /* key k64 opens the 65th map */
    assert_int_equal(d.v[0].column, 129);
    kgi_diag_release(&d);
    free(m);
    free(s);
}

/* Many documents and wide maps stay linear and within limits. */
static void test_wide_inputs(void **state)
{
    (void)state;
    const size_t keys = 20000;
    size_t cap = keys * 24, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (size_t i = 0; i < keys; i++)
        n += (size_t)snprintf(s + n, cap - n, "key%zu: v\n", keys - i);
    struct kg_options o;
    kgi_options_defaults(&o);
    struct kg_diagnostics d;
    kgi_diag_init(&d);
    assert_int_equal(load_one(&o, s, n, &d), 0);
    assert_int_equal(d.n, 0);
    /* the same key at the very end is found */
    n += (size_t)snprintf(s + n, cap - n, "key77: w\n");
    assert_int_equal(load_one(&o, s, n, &d), KG_ECOMPILE);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].code, KG_EDUPLICATE);
    assert_int_equal(d.v[0].line, keys + 1);
    kgi_diag_release(&d);
    free(s);
}

/* ------------------------------------------------------------ alloc */

/* Every allocation of a load fails in turn: the loader reports KG_ENOMEM
 * (never a false error or success) and frees everything (ASan/valgrind). */
static void test_alloc_failure(void **state)
{
    (void)state;
    static const char in[] =
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {kind: Namespace, metadata: {name: a, labels: {x: 'y'}}}\n"
        "- kind: Pod\n  metadata: {name: b}\n  spec: {containers: [{name: "
        "c}]}\n"
        "---\nz: &q [1, 2]\nw: *q\n";
    struct kg_options o;
    kgi_options_defaults(&o);
    o.limit[KG_LIMIT_ALIAS_NODES] = 100;
    int done = 0;
    for (long n = 0; n < 10000 && !done; n++) {
        struct kgi_arena arena;
        struct kgi_objects objs = {0};
        struct kg_diagnostics d;
        kgi_arena_init(&arena);
        kgi_diag_init(&d);
        kgi_alloc_fail_after(n);
        int rc = kgi_yaml_load(&o, "f", in, sizeof(in) - 1, &arena, &objs, &d);
        kgi_alloc_fail_after(-1);
        if (rc == 0) {
            assert_int_equal(objs.n, 3);
            assert_int_equal(d.n, 0);
            done = 1;
        } else if (rc != KG_ENOMEM) {
            fail_msg("fail after %ld: rc %s", n, kg_error_name(rc));
        }
        kgi_free(objs.v);
        kgi_diag_release(&d);
        kgi_arena_release(&arena);
    }
    assert_true(done);
}

/* go-yaml v2 resolution of plain scalars (yaml/resolve.c), as the API
 * server reads them; issue 15 item 14. */
static void test_resolve_plain(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int type;
        int64_t i; /* INT; INT64_MAX marks one beyond int64 (big) */
        double f;  /* FLOAT */
        bool b;
    } cases[] = {
        {"0100", KGI_Y_INT, 64, 0, 0},
        {"0x1538", KGI_Y_INT, 5432, 0, 0},
        {"0X1538", KGI_Y_INT, 5432, 0, 0},
        {"0o12470", KGI_Y_INT, 5432, 0, 0},
        {"0b101", KGI_Y_INT, 5, 0, 0},
        {"-0x10", KGI_Y_INT, -16, 0, 0},
        {"+12", KGI_Y_INT, 12, 0, 0},
        {"1_000", KGI_Y_INT, 1000, 0, 0},
        {"0", KGI_Y_INT, 0, 0, 0},
        {"-9223372036854775808", KGI_Y_INT, INT64_MIN, 0, 0},
        {"9223372036854775808", KGI_Y_INT, INT64_MAX, 0, 0},  /* big */
        {"0xFFFFFFFFFFFFFFFFFF", KGI_Y_INT, INT64_MAX, 0, 0}, /* big */
        {"8e1", KGI_Y_FLOAT, 0, 80, 0},
        {"08", KGI_Y_FLOAT, 0, 8, 0},
        {"09.5", KGI_Y_FLOAT, 0, 9.5, 0},
        {"1.", KGI_Y_FLOAT, 0, 1, 0},
        {".5", KGI_Y_FLOAT, 0, 0.5, 0},
        {"+.5e1", KGI_Y_FLOAT, 0, 5, 0},
        {"1_0.5", KGI_Y_FLOAT, 0, 10.5, 0},
        {"80.0000000000000001", KGI_Y_FLOAT, 0, 80, 0},
        {"yes", KGI_Y_BOOL, 0, 0, true},
        {"Y", KGI_Y_BOOL, 0, 0, true},
        {"ON", KGI_Y_BOOL, 0, 0, true},
        {"n", KGI_Y_BOOL, 0, 0, false},
        {"Off", KGI_Y_BOOL, 0, 0, false},
        {"FALSE", KGI_Y_BOOL, 0, 0, false},
        {"~", KGI_Y_NULL, 0, 0, 0},
        {"", KGI_Y_NULL, 0, 0, 0},
        {"Null", KGI_Y_NULL, 0, 0, 0},
        {"1e400", KGI_Y_STR, 0, 0, 0}, /* ParseFloat overflow: a string */
        {"-0xFFFFFFFFFFFFFFFFFF", KGI_Y_STR, 0, 0, 0},
        {"1:20", KGI_Y_STR, 0, 0, 0}, /* no base 60 */
        {"2024-01-01", KGI_Y_STR, 0, 0, 0},
        {"0x", KGI_Y_STR, 0, 0, 0},
        {"0x1p3", KGI_Y_STR, 0, 0, 0},
        {"._5", KGI_Y_STR, 0, 0, 0},
        {"true1", KGI_Y_STR, 0, 0, 0},
        {"yES", KGI_Y_STR, 0, 0, 0},
        {"NaN", KGI_Y_STR, 0, 0, 0},
        {"_1", KGI_Y_STR, 0, 0, 0},
        {"<<", KGI_Y_STR, 0, 0, 0},
        {"web", KGI_Y_STR, 0, 0, 0},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct kgi_yvalue v;
        kgi_yaml_resolve_plain(cases[k].s, strlen(cases[k].s), &v);
        bool big = cases[k].type == KGI_Y_INT && cases[k].i == INT64_MAX;
        bool ok = v.type == cases[k].type;
        if (ok && v.type == KGI_Y_INT)
            ok = big ? v.big : (!v.big && v.i == cases[k].i);
        if (ok && v.type == KGI_Y_FLOAT)
            ok = v.f == cases[k].f;
        if (ok && v.type == KGI_Y_BOOL)
            ok = v.b == cases[k].b;
        if (!ok)
            fail_msg("resolve(\"%s\"): type %d i %lld f %g", cases[k].s, v.type,
                     (long long)v.i, v.f);
    }
    struct kgi_yvalue v;
    kgi_yaml_resolve_plain(".inf", 4, &v);
    assert_int_equal(v.type, KGI_Y_FLOAT);
    assert_true(isinf(v.f) && v.f > 0);
    kgi_yaml_resolve_plain(".NaN", 4, &v);
    assert_true(v.type == KGI_Y_FLOAT && isnan(v.f));
    /* a long numeric scalar (heap scratch): leading zeros of an octal */
    char longz[400];
    memset(longz, '0', sizeof(longz) - 2);
    longz[sizeof(longz) - 2] = '7';
    longz[sizeof(longz) - 1] = '\0';
    kgi_yaml_resolve_plain(longz, strlen(longz), &v);
    assert_int_equal(v.type, KGI_Y_INT);
    assert_int_equal(v.i, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_table),
        cmocka_unit_test(test_resolve_plain),
        cmocka_unit_test(test_sources_accumulate),
        cmocka_unit_test(test_node_marks),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_alias_expansion_saturates),
        cmocka_unit_test(test_many_anchors),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_wide_inputs),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
