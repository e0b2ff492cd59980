// SPDX-License-Identifier: MIT
/*
 * load.c - libyaml events -> node trees -> Kubernetes objects, with limits.
 *
 * Workload: `kubectl get -o yaml|json` dumps, from a few objects to a
 * 150,000-pod cluster's 1.1 GB List, and hostile manifests. The event API (not
 * libyaml's document API) is used so that every limit is checked as the event
 * arrives: a billion-laughs document is refused at its first alias (aliases are
 * off by default) or once its expansion crosses KG_LIMIT_ALIAS_NODES, and
 * 100,000 nested brackets at depth KG_LIMIT_DEPTH + 1, long before libyaml or
 * we build anything big. Open containers sit on an explicit stack (no
 * recursion); each collects its children in a growable vector and moves
 * them into the arena when it closes, so the finished tree is compact.
 */
#include "yaml/load.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/alloc.h"
#include "util/hash.h"
#include "yaml/resolve.h"

struct frame {
    struct kgi_node *node;
    struct kgi_node **kids; /* map: key, value, key, value, ... */
    size_t n, cap;
    bool items;  /* the `items` sequence of a document's root map */
    bool object; /* an element of such `items`: a List item, an object */
};

struct anchor {
    char *name;
    size_t len;
    size_t slot; /* its index in loader.slots */
    struct kgi_node *node;
};

struct loader {
    const struct kg_options *opts;
    const char *file; /* arena copy */
    const char *buf;
    size_t len;
    struct kgi_arena *arena;
    struct kg_diagnostics *diags;
    struct frame *stack;
    size_t depth, stack_cap;
    struct anchor *anchors;
    size_t n_anchors, anchors_cap;
    /* open-addressing index of anchors by name: slot = anchor index + 1,
     * 0 empty; at most half full. Without it every alias would scan every
     * anchor, and a few MB of anchors and aliases would take minutes. */
    size_t *slots;
    size_t n_slots; /* a power of two, or 0 */
    uint64_t seed;  /* per load, so colliding names cannot be precomputed */
    uint64_t nodes; /* nodes built in this source (KG_LIMIT_NODES) */
    uint64_t
        obj_nodes; /* nodes of the current object (KG_LIMIT_OBJECT_NODES) */
    uint64_t outer_nodes; /* obj_nodes of the document while in a List item */
    uint64_t expanded;    /* nodes reached through aliases */
    size_t documents;
    struct kgi_node *root;
    struct kgi_objects found; /* objects of this source, committed at end */
    int err;                  /* first fatal code */
    /* where buf starts in a larger text (kgi_yaml_load_at): lines before
     * it, and the column of its first byte minus one */
    uint32_t line0, col0;
};

/* A mark of buf as a mark of the larger text buf is part of. */
static void shift_mark(const struct loader *L, uint32_t *line, uint32_t *col)
{
    if (*line == 1)
        *col += L->col0;
    *line += L->line0;
}

/* ------------------------------------------------------------ node access */

const struct kgi_node *kgi_node_get(const struct kgi_node *map, const char *key)
{
    if (!map || map->kind != KGI_NODE_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->count; i++) {
        const struct kgi_node *k = map->u.pairs[i].key;
        if (k->count == klen && memcmp(k->u.str, key, klen) == 0)
            return map->u.pairs[i].value;
    }
    return NULL;
}

bool kgi_node_is_null(const struct kgi_node *n)
{
    if (!n || n->kind != KGI_NODE_SCALAR)
        return false;
    struct kgi_yvalue v;
    kgi_yaml_value(n, &v);
    return v.type == KGI_Y_NULL;
}

bool kgi_node_is(const struct kgi_node *n, const char *s)
{
    return n && n->kind == KGI_NODE_SCALAR && n->count == strlen(s) &&
           memcmp(n->u.str, s, n->count) == 0;
}

/* ------------------------------------------------------------ diagnostics */

/* 1-based line and column of a byte offset, for errors libyaml reports by
 * offset only (reader errors), counted the way libyaml counts its marks: a
 * leading UTF-8 BOM is not a character; LF, CR, CRLF, NEL, LS and PS break
 * lines; columns count UTF-8 characters. */
/* The same for UTF-16 input (libyaml's offset is then in bytes of the
 * UTF-16 text): columns count characters, a surrogate pair being one
 * (issue 15 item 17), after the BOM. */
static void offset_mark16(const struct loader *L, size_t off, bool be,
                          uint32_t *line, uint32_t *col)
{
    const unsigned char *s = (const unsigned char *)L->buf;
    uint32_t ln = 1, c = 1;
    size_t end = off > L->len ? L->len : off;
    for (size_t i = 2; i < end && i + 1 < L->len; i += 2) {
        unsigned u = be ? (unsigned)s[i] << 8 | s[i + 1]
                        : (unsigned)s[i + 1] << 8 | s[i];
        unsigned next = 0;
        if (i + 3 < L->len)
            next = be ? (unsigned)s[i + 2] << 8 | s[i + 3]
                      : (unsigned)s[i + 3] << 8 | s[i + 2];
        if (u == '\n' || (u == '\r' && next != '\n') || u == 0x85 ||
            u == 0x2028 || u == 0x2029) {
            ln++;
            c = 1;
        } else if (u >= 0xd800 && u <= 0xdbff && next >= 0xdc00 &&
                   next <= 0xdfff && i + 2 < end) {
            c++; /* a pair: one character */
            i += 2;
        } else {
            c++;
        }
    }
    *line = ln;
    *col = c;
}

static void offset_mark(const struct loader *L, size_t off, uint32_t *line,
                        uint32_t *col)
{
    const unsigned char *s = (const unsigned char *)L->buf;
    uint32_t ln = 1, c = 1;
    size_t i = 0;
    if (L->len >= 2 &&
        ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
        offset_mark16(L, off, s[0] == 0xfe, line, col);
        return;
    }
    if (off > L->len)
        off = L->len;
    if (off >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3;
    for (; i < off; i++) {
        unsigned char ch = s[i];
        if (ch == '\n' ||
            (ch == '\r' && (i + 1 >= L->len || s[i + 1] != '\n'))) {
            ln++;
            c = 1;
        } else if (ch == 0xC2 && i + 1 < off && s[i + 1] == 0x85) {
            ln++; /* NEL */
            c = 1;
            i++;
        } else if (ch == 0xE2 && i + 2 < off && s[i + 1] == 0x80 &&
                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
            ln++; /* LS, PS */
            c = 1;
            i += 2;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = ln;
    *col = c;
}

static void fail(struct loader *L, int code, uint32_t line, uint32_t col,
                 const char *msg, const char *detail)
{
    if (!L->err)
        L->err = code;
    if (code == KG_ENOMEM)
        return;
    kgi_diag_add(L->diags, KG_SEVERITY_ERROR, code, L->file, "", line, col,
                 "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

static void fail_at(struct loader *L, int code, const yaml_mark_t *m,
                    const char *msg, const char *detail)
{
    uint32_t line = (uint32_t)m->line + 1, col = (uint32_t)m->column + 1;
    shift_mark(L, &line, &col);
    fail(L, code, line, col, msg, detail);
}

/* ------------------------------------------------------------ tree building */

/* Nodes are counted twice: per object, the structural limit a hostile
 * manifest abuses (KG_LIMIT_OBJECT_NODES: an object the API server stores is at
 * most etcd's 1.5 MiB request, under 800,000 nodes even as `[0,0,...]`),
 * and per source (KG_LIMIT_NODES: the memory of the whole load, sized
 * for a cluster dump). An object is a document, or an item of a document's
 * `items` sequence (the kind is not known yet when its items arrive:
 * kubectl prints `kind: List` after them), whose nodes do not count for
 * the document around it. */
static struct kgi_node *new_node(struct loader *L, int kind,
                                 const yaml_mark_t *m)
{
    if (++L->nodes > L->opts->limit[KG_LIMIT_NODES]) {
        fail_at(L, KG_ELIMIT_NODES, m, "too many nodes in this source",
                "raise KG_LIMIT_NODES to load this input");
        return NULL;
    }
    if (++L->obj_nodes > L->opts->limit[KG_LIMIT_OBJECT_NODES]) {
        fail_at(L, KG_ELIMIT_NODES, m, "too many nodes in one object",
                "raise KG_LIMIT_OBJECT_NODES to load this input");
        return NULL;
    }
    struct kgi_node *n =
        kgi_arena_alloc(L->arena, sizeof(*n), alignof(struct kgi_node));
    if (!n) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)kind;
    n->line = (uint32_t)m->line + 1;
    n->column = (uint32_t)m->column + 1;
    shift_mark(L, &n->line, &n->column);
    n->offset = m->index;
    n->weight = 1;
    return n;
}

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Attaches a finished node to the open container, or makes it the root. */
static int attach(struct loader *L, struct kgi_node *n)
{
    if (L->depth == 0) {
        L->root = n;
        return 0;
    }
    struct frame *f = &L->stack[L->depth - 1];
    if (kgi_grow((void **)&f->kids, &f->cap, f->n + 1, sizeof(*f->kids))) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return -1;
    }
    f->kids[f->n++] = n;
    f->node->weight = sat_add(f->node->weight, n->weight);
    return 0;
}

static uint64_t anchor_hash(const struct loader *L, const char *s, size_t n)
{
    return kgi_hash_bytes(s, n, L->seed); /* util/hash.h, seeded */
}

/* Slot of name: the one holding it, or the empty one where it would go. */
static size_t *anchor_slot(const struct loader *L, const char *name, size_t len)
{
    size_t mask = L->n_slots - 1;
    for (size_t i = (size_t)anchor_hash(L, name, len) & mask;;
         i = (i + 1) & mask) {
        size_t *slot = &L->slots[i];
        if (*slot == 0)
            return slot;
        const struct anchor *a = &L->anchors[*slot - 1];
        if (a->len == len && memcmp(a->name, name, len) == 0)
            return slot;
    }
}

static struct kgi_node *find_anchor(const struct loader *L, const char *name)
{
    if (!L->n_slots)
        return NULL;
    size_t *slot = anchor_slot(L, name, strlen(name));
    return *slot ? L->anchors[*slot - 1].node : NULL;
}

static int remember_anchor(struct loader *L, const yaml_char_t *anchor,
                           struct kgi_node *n)
{
    /* with aliases off the first alias is an error anyway: keep nothing */
    if (!anchor || L->opts->limit[KG_LIMIT_ALIAS_NODES] == 0)
        return 0;
    const char *s = (const char *)anchor;
    size_t len = strlen(s);
    if (2 * (L->n_anchors + 1) > L->n_slots) {
        size_t ns = L->n_slots ? 2 * L->n_slots : 64;
        if (ns > SIZE_MAX / sizeof(*L->slots))
            goto oom;
        size_t *slots = kgi_calloc(ns, sizeof(*slots));
        if (!slots)
            goto oom;
        kgi_free(L->slots);
        L->slots = slots;
        L->n_slots = ns;
        for (size_t i = 0; i < L->n_anchors; i++) {
            size_t *sl = anchor_slot(L, L->anchors[i].name, L->anchors[i].len);
            *sl = i + 1;
            L->anchors[i].slot = (size_t)(sl - L->slots);
        }
    }
    size_t *slot = anchor_slot(L, s, len);
    if (*slot) {
        /* a redefined anchor: aliases after this point mean the new node */
        L->anchors[*slot - 1].node = n;
        return 0;
    }
    if (kgi_grow((void **)&L->anchors, &L->anchors_cap, L->n_anchors + 1,
                 sizeof(*L->anchors)))
        goto oom;
    char *name = kgi_strndup(s, len);
    if (!name)
        goto oom;
    L->anchors[L->n_anchors].name = name;
    L->anchors[L->n_anchors].len = len;
    L->anchors[L->n_anchors].node = n;
    L->anchors[L->n_anchors].slot = (size_t)(slot - L->slots);
    L->n_anchors++;
    *slot = L->n_anchors;
    return 0;
oom:
    fail(L, KG_ENOMEM, 0, 0, "", NULL);
    return -1;
}

static void forget_anchors(struct loader *L)
{
    /* clears only the slots in use: a document after one with many
     * anchors must not pay for the whole index */
    for (size_t i = 0; i < L->n_anchors; i++) {
        L->slots[L->anchors[i].slot] = 0;
        kgi_free(L->anchors[i].name);
    }
    L->n_anchors = 0;
}

static int open_container(struct loader *L, const yaml_event_t *ev, int kind)
{
    if (L->depth >= L->opts->limit[KG_LIMIT_DEPTH]) {
        fail_at(L, KG_ELIMIT_DEPTH, &ev->start_mark, "nesting too deep",
                "raise KG_LIMIT_DEPTH to load this input");
        return -1;
    }
    /* a container directly in a root map's `items` is an object of its
     * own: its nodes are counted apart from the document's */
    bool object = L->depth == 2 && L->stack[1].items;
    bool items = false;
    if (L->depth == 1 && kind == KGI_NODE_SEQ) {
        const struct frame *root = &L->stack[0];
        items = root->node->kind == KGI_NODE_MAP && root->n % 2 == 1 &&
                kgi_node_is(root->kids[root->n - 1], "items");
    }
    if (object) {
        L->outer_nodes = L->obj_nodes;
        L->obj_nodes = 0;
    }
    struct kgi_node *n = new_node(L, kind, &ev->start_mark);
    if (!n)
        return -1;
    const yaml_char_t *anchor = kind == KGI_NODE_MAP
                                    ? ev->data.mapping_start.anchor
                                    : ev->data.sequence_start.anchor;
    if (kgi_grow((void **)&L->stack, &L->stack_cap, L->depth + 1,
                 sizeof(*L->stack))) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return -1;
    }
    struct frame *f = &L->stack[L->depth++];
    f->node = n;
    f->kids = NULL;
    f->n = f->cap = 0;
    f->items = items;
    f->object = object;
    /* an anchor on a container is bound when it closes (its weight is then
     * known); keep the name on the node's frame via the anchors list now,
     * which also makes a self-referencing alias see the open node, and the
     * weight checks below treat it as its weight so far */
    return remember_anchor(L, anchor, n);
}

static int key_cmp(const void *a, const void *b)
{
    const struct kgi_pair *x = a, *y = b;
    size_t n = x->key->count < y->key->count ? x->key->count : y->key->count;
    int c = memcmp(x->key->u.str, y->key->u.str, n);
    if (c)
        return c;
    return x->key->count < y->key->count ? -1 : x->key->count > y->key->count;
}

/* A YAML 1.1 merge key: a plain `<<` without tag, or tagged !!merge
 * (go-yaml v2 isMerge). */
static bool is_merge_key(const struct kgi_node *k)
{
    return k->kind == KGI_NODE_SCALAR && k->count == 2 &&
           memcmp(k->u.str, "<<", 2) == 0 &&
           ((k->tag == KGI_TAG_NONE && !k->quoted) || k->tag == KGI_TAG_MERGE);
}

/* Pairs a merge value adds: a map's, or those of each map of a sequence
 * (go-yaml v2 decoder.merge); anything else is an error. */
static int merge_count(struct loader *L, const struct kgi_node *v, size_t *n)
{
    if (v->kind == KGI_NODE_MAP) {
        *n += v->count;
        return 0;
    }
    if (v->kind == KGI_NODE_SEQ) {
        for (size_t i = 0; i < v->count; i++) {
            if (v->u.items[i]->kind != KGI_NODE_MAP)
                goto bad;
            *n += v->u.items[i]->count;
        }
        return 0;
    }
bad:
    L->err = L->err ? L->err : KG_ETYPE;
    kgi_diag_add(L->diags, KG_SEVERITY_ERROR, KG_ETYPE, L->file, "", v->line,
                 v->column,
                 "map merge requires map or sequence of maps as the value "
                 "of <<");
    return -1;
}

struct sorted_pair {
    struct kgi_pair p;
    bool merged; /* came in through a << merge key */
};

static int sorted_cmp(const void *a, const void *b)
{
    const struct sorted_pair *x = a, *y = b;
    return key_cmp(&x->p, &y->p);
}

static int close_map(struct loader *L, struct frame *f)
{
    struct kgi_node *n = f->node;
    size_t written = f->n / 2, merges = 0, extra = 0;
    for (size_t i = 0; i < written; i++) {
        struct kgi_node *k = f->kids[2 * i];
        if (k->kind != KGI_NODE_SCALAR) {
            fail(L, KG_ESYNTAX, k->line, k->column,
                 "a map key must be a scalar", NULL);
            return -1;
        }
        if (is_merge_key(k)) {
            merges++;
            if (merge_count(L, f->kids[2 * i + 1], &extra))
                return -1;
        }
    }
    size_t pairs = written - merges + extra;
    n->count = pairs;
    n->u.pairs =
        kgi_arena_alloc(L->arena, (pairs ? pairs : 1) * sizeof(struct kgi_pair),
                        alignof(struct kgi_pair));
    if (!n->u.pairs) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return -1;
    }
    size_t at = 0;
    for (size_t i = 0; i < written; i++) {
        if (is_merge_key(f->kids[2 * i]))
            continue;
        n->u.pairs[at].key = f->kids[2 * i];
        n->u.pairs[at].value = f->kids[2 * i + 1];
        at++;
    }
    size_t explicit_pairs = at;
    for (size_t i = 0; i < written; i++) {
        if (!is_merge_key(f->kids[2 * i]))
            continue;
        const struct kgi_node *v = f->kids[2 * i + 1];
        size_t maps = v->kind == KGI_NODE_MAP ? 1 : v->count;
        for (size_t j = 0; j < maps; j++) {
            const struct kgi_node *m =
                v->kind == KGI_NODE_MAP ? v : v->u.items[j];
            for (size_t k = 0; k < m->count; k++)
                n->u.pairs[at++] = m->u.pairs[k];
        }
    }
    /* duplicate keys: sorted copy, O(n log n) for wide maps. A key set
     * directly and through a merge, or by two merged maps, is refused: the
     * API server's strict decoding (kubectl's default field validation)
     * refuses it, and the lenient one keeps whichever came last. */
    if (pairs > 1) {
        struct sorted_pair *tmp = kgi_malloc(pairs * sizeof(*tmp));
        if (!tmp) {
            fail(L, KG_ENOMEM, 0, 0, "", NULL);
            return -1;
        }
        for (size_t i = 0; i < pairs; i++) {
            tmp[i].p = n->u.pairs[i];
            tmp[i].merged = i >= explicit_pairs;
        }
        qsort(tmp, pairs, sizeof(*tmp), sorted_cmp);
        for (size_t i = 1; i < pairs; i++) {
            if (key_cmp(&tmp[i - 1].p, &tmp[i].p) == 0) {
                const struct kgi_node *a = tmp[i - 1].p.key, *b = tmp[i].p.key;
                const struct kgi_node *later = a->offset > b->offset ? a : b;
                bool merged = tmp[i - 1].merged || tmp[i].merged;
                L->err = L->err ? L->err : KG_EDUPLICATE;
                kgi_diag_add(
                    L->diags, KG_SEVERITY_ERROR, KG_EDUPLICATE, L->file, "",
                    later->line, later->column, "duplicate map key \"%.*s\"%s",
                    (int)(later->count > 200 ? 200 : later->count),
                    later->u.str,
                    merged ? " (also set through a << merge key)" : "");
                kgi_free(tmp);
                return -1;
            }
        }
        kgi_free(tmp);
    }
    return 0;
}

static int close_container(struct loader *L)
{
    struct frame *f = &L->stack[L->depth - 1];
    struct kgi_node *n = f->node;
    int rc = 0;
    if (n->kind == KGI_NODE_MAP) {
        rc = close_map(L, f);
    } else {
        n->count = f->n;
        n->u.items =
            kgi_arena_alloc(L->arena, (f->n ? f->n : 1) * sizeof(*n->u.items),
                            alignof(struct kgi_node *));
        if (!n->u.items) {
            fail(L, KG_ENOMEM, 0, 0, "", NULL);
            rc = -1;
        } else if (f->n) {
            memcpy(n->u.items, f->kids, f->n * sizeof(*n->u.items));
        }
    }
    kgi_free(f->kids);
    f->kids = NULL;
    if (f->object)
        L->obj_nodes = L->outer_nodes;
    L->depth--;
    if (rc)
        return rc;
    return attach(L, n);
}

/* ------------------------------------------------------------ tags */

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static uint8_t scalar_tag(const char *tag)
{
    static const struct {
        const char *name;
        uint8_t tag;
    } core[] = {
        {"str", KGI_TAG_STR},     {"int", KGI_TAG_INT},
        {"float", KGI_TAG_FLOAT}, {"bool", KGI_TAG_BOOL},
        {"null", KGI_TAG_NULL},   {"binary", KGI_TAG_BINARY},
        {"merge", KGI_TAG_MERGE}, {"timestamp", KGI_TAG_TIME},
    };
    if (!tag)
        return KGI_TAG_NONE;
    size_t pl = sizeof(YAML_TAG_PREFIX) - 1;
    if (strncmp(tag, YAML_TAG_PREFIX, pl) == 0)
        for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
            if (strcmp(tag + pl, core[i].name) == 0)
                return core[i].tag;
    return KGI_TAG_OTHER;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Go's base64.StdEncoding.DecodeString, in place: padding required, '\r'
 * and '\n' ignored, anything else outside the alphabet refused. Returns
 * the decoded length, or -1. */
static long b64_decode(char *s, size_t n)
{
    size_t out = 0, q = 0, pad = 0;
    unsigned acc = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return -1;
        acc = acc << 6 | (unsigned)v;
        if (++q == 4) {
            s[out++] = (char)(acc >> 16);
            s[out++] = (char)(acc >> 8);
            s[out++] = (char)acc;
            q = 0;
            acc = 0;
        }
    }
    if ((q == 0 && pad) || (q == 1) || (q == 2 && pad != 2) ||
        (q == 3 && pad != 1))
        return -1;
    if (q == 2)
        s[out++] = (char)(acc >> 4);
    if (q == 3) {
        s[out++] = (char)(acc >> 10);
        s[out++] = (char)(acc >> 2);
    }
    s[out] = '\0';
    return (long)out;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80         ? 1
                     : (c >> 5) == 6  ? 2
                     : (c >> 4) == 14 ? 3
                     : (c >> 3) == 30 ? 4
                                      : 0;
        if (!len || i + len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static const char *tag_name(uint8_t tag)
{
    switch (tag) {
    case KGI_TAG_INT:
        return "!!int";
    case KGI_TAG_FLOAT:
        return "!!float";
    case KGI_TAG_BOOL:
        return "!!bool";
    default:
        return "!!null";
    }
}

/* A tagged scalar as go-yaml v2 decodes it: !!binary decoded (its text
 * replaced by the bytes), !!int/!!float/!!bool/!!null checked against the
 * text ("cannot decode !!str `x` as a !!int"), !!timestamp refused. */
static int check_tag(struct loader *L, struct kgi_node *n, const yaml_mark_t *m)
{
    if (n->tag == KGI_TAG_TIME) {
        fail_at(L, KG_ENOTSUPPORTED, m, "!!timestamp is not read",
                "write the time as a plain or quoted string");
        return -1;
    }
    if (n->tag == KGI_TAG_BINARY) {
        char *s = (char *)n->u.str; /* the loader's own arena copy */
        long len = b64_decode(s, n->count);
        if (len < 0) {
            fail_at(L, KG_ETYPE, m,
                    "!!binary value contains invalid base64 data", NULL);
            return -1;
        }
        if (!valid_utf8((const unsigned char *)s, (size_t)len)) {
            fail_at(L, KG_EENCODING, m, "!!binary value is not UTF-8 text",
                    "the API server would store U+FFFD in its place");
            return -1;
        }
        n->count = (size_t)len;
        return 0;
    }
    if (n->tag < KGI_TAG_INT || n->tag > KGI_TAG_NULL)
        return 0;
    struct kgi_yvalue v;
    kgi_yaml_resolve_plain(n->u.str, n->count, &v);
    int want = n->tag == KGI_TAG_INT     ? KGI_Y_INT
               : n->tag == KGI_TAG_FLOAT ? KGI_Y_FLOAT
               : n->tag == KGI_TAG_BOOL  ? KGI_Y_BOOL
                                         : KGI_Y_NULL;
    if (v.type == want || (want == KGI_Y_FLOAT && v.type == KGI_Y_INT))
        return 0;
    char msg[160];
    snprintf(msg, sizeof(msg), "cannot decode %s `%.*s` as a %s",
             v.type == KGI_Y_STR     ? "!!str"
             : v.type == KGI_Y_INT   ? "!!int"
             : v.type == KGI_Y_FLOAT ? "!!float"
             : v.type == KGI_Y_BOOL  ? "!!bool"
                                     : "!!null",
             (int)(n->count > 60 ? 60 : n->count), n->u.str, tag_name(n->tag));
    fail_at(L, KG_ETYPE, m, msg, NULL);
    return -1;
}

static int on_scalar(struct loader *L, const yaml_event_t *ev)
{
    size_t len = ev->data.scalar.length;
    if (len > L->opts->limit[KG_LIMIT_SCALAR_BYTES]) {
        fail_at(L, KG_ELIMIT_SCALAR, &ev->start_mark, "scalar too long",
                "raise KG_LIMIT_SCALAR_BYTES to load this input");
        return -1;
    }
    struct kgi_node *n = new_node(L, KGI_NODE_SCALAR, &ev->start_mark);
    if (!n)
        return -1;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    n->count = len;
    n->tag = scalar_tag((const char *)ev->data.scalar.tag);
    n->u.str =
        kgi_arena_strndup(L->arena, (const char *)ev->data.scalar.value, len);
    if (!n->u.str) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return -1;
    }
    if (check_tag(L, n, &ev->start_mark))
        return -1;
    if (remember_anchor(L, ev->data.scalar.anchor, n))
        return -1;
    return attach(L, n);
}

static int on_alias(struct loader *L, const yaml_event_t *ev)
{
    uint64_t limit = L->opts->limit[KG_LIMIT_ALIAS_NODES];
    if (limit == 0) {
        fail_at(L, KG_EALIAS, &ev->start_mark, "YAML aliases are not allowed",
                "kubectl never prints them; set KG_LIMIT_ALIAS_NODES to "
                "accept them");
        return -1;
    }
    const char *name = (const char *)ev->data.alias.anchor;
    struct kgi_node *target = find_anchor(L, name);
    if (!target) {
        fail_at(L, KG_ESYNTAX, &ev->start_mark, "undefined alias", name);
        return -1;
    }
    /* an alias to a container still open would make a cycle */
    for (size_t i = 0; i < L->depth; i++) {
        if (L->stack[i].node == target) {
            fail_at(L, KG_ELIMIT_ALIAS, &ev->start_mark, "recursive alias",
                    name);
            return -1;
        }
    }
    /* saturating: weights near 2^64 must not wrap below the limit */
    L->expanded = L->expanded > UINT64_MAX - target->weight
                      ? UINT64_MAX
                      : L->expanded + target->weight;
    if (L->expanded > limit) {
        fail_at(L, KG_ELIMIT_ALIAS, &ev->start_mark,
                "aliases expand to too many nodes",
                "raise KG_LIMIT_ALIAS_NODES to load this input");
        return -1;
    }
    return attach(L, target);
}

/* ------------------------------------------------------------ objects */

static bool ends_with_list(const struct kgi_node *kind)
{
    return kind && kind->kind == KGI_NODE_SCALAR && kind->count >= 4 &&
           memcmp(kind->u.str + kind->count - 4, "List", 4) == 0;
}

static int add_object(struct loader *L, const struct kgi_node *n, int level)
{
    if (n->kind != KGI_NODE_MAP) {
        fail(L, KG_ETYPE, n->line, n->column,
             level ? "a List item must be an object (a map)"
                   : "a document must be a Kubernetes object (a map)",
             NULL);
        return 0;
    }
    const struct kgi_node *items = kgi_node_get(n, "items");
    if (ends_with_list(kgi_node_get(n, "kind")) && items) {
        if (kgi_node_is_null(items))
            return 0;
        if (items->kind != KGI_NODE_SEQ) {
            fail(L, KG_ETYPE, items->line, items->column,
                 "items of a List must be a sequence", NULL);
            return 0;
        }
        for (size_t i = 0; i < items->count; i++)
            if (add_object(L, items->u.items[i], level + 1))
                return -1;
        return 0;
    }
    if (kgi_grow((void **)&L->found.v, &L->found.cap, L->found.n + 1,
                 sizeof(*L->found.v))) {
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        return -1;
    }
    L->found.v[L->found.n].root = n;
    L->found.v[L->found.n].file = L->file;
    L->found.n++;
    return 0;
}

static int end_document(struct loader *L)
{
    struct kgi_node *root = L->root;
    L->root = NULL;
    forget_anchors(L);
    if (!root || kgi_node_is_null(root))
        return 0; /* empty document */
    return add_object(L, root, 0);
}

/* ------------------------------------------------------------ driver */

static int on_event(struct loader *L, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++L->documents > L->opts->limit[KG_LIMIT_DOCUMENTS]) {
            fail_at(L, KG_ELIMIT_DOCUMENTS, &ev->start_mark,
                    "too many documents",
                    "raise KG_LIMIT_DOCUMENTS to load this input");
            return -1;
        }
        L->obj_nodes = 0;
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        return end_document(L);
    case YAML_MAPPING_START_EVENT:
        return open_container(L, ev, KGI_NODE_MAP);
    case YAML_SEQUENCE_START_EVENT:
        return open_container(L, ev, KGI_NODE_SEQ);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return close_container(L);
    case YAML_SCALAR_EVENT:
        return on_scalar(L, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(L, ev);
    default:
        return 0;
    }
}

static void parser_error(struct loader *L, yaml_parser_t *p)
{
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        fail(L, KG_ENOMEM, 0, 0, "", NULL);
        break;
    case YAML_READER_ERROR: {
        uint32_t line, col;
        size_t off = p->problem_offset;
        /* libyaml points at the bad trailing byte of a sequence; the bad
         * character starts at the sequence's lead byte */
        if (p->problem &&
            strcmp(p->problem, "invalid trailing UTF-8 octet") == 0 &&
            off <= L->len) {
            const unsigned char *s = (const unsigned char *)L->buf;
            while (off > 0 && (s[off - 1] & 0xC0) == 0x80)
                off--;
            if (off > 0 && s[off - 1] >= 0xC0)
                off--;
        }
        offset_mark(L, off, &line, &col);
        shift_mark(L, &line, &col);
        fail(L, KG_EENCODING, line, col, "invalid text",
             p->problem ? p->problem : "unreadable input");
        break;
    }
    default: {
        const yaml_mark_t *m = &p->problem_mark;
        char detail[256];
        if (p->context)
            snprintf(detail, sizeof(detail), "%s %s", p->problem, p->context);
        else
            snprintf(detail, sizeof(detail), "%s",
                     p->problem ? p->problem : "unknown error");
        fail_at(L, KG_ESYNTAX, m, "malformed YAML", detail);
        break;
    }
    }
}

int kgi_yaml_load(const struct kg_options *opts, const char *name,
                  const char *buf, size_t len, struct kgi_arena *arena,
                  struct kgi_objects *objs, struct kg_diagnostics *diags)
{
    return kgi_yaml_load_at(opts, name, buf, len, 1, 1, arena, objs, diags);
}

int kgi_yaml_load_at(const struct kg_options *opts, const char *name,
                     const char *buf, size_t len, uint32_t line,
                     uint32_t column, struct kgi_arena *arena,
                     struct kgi_objects *objs, struct kg_diagnostics *diags)
{
    struct loader L;
    memset(&L, 0, sizeof(L));
    L.line0 = line ? line - 1 : 0;
    L.col0 = column ? column - 1 : 0;
    /* anchor hash seed: address-space randomness is enough to keep
     * precomputed colliding names out; answers never depend on it */
    L.seed = (uint64_t)(uintptr_t)&L ^ ((uint64_t)(uintptr_t)arena << 16) ^
             (uint64_t)len;
    L.opts = opts;
    L.buf = buf;
    L.len = len;
    L.arena = arena;
    L.diags = diags;
    if (!name)
        name = "<input>";
    L.file = kgi_arena_strndup(arena, name, strlen(name));
    if (!L.file)
        return KG_ENOMEM;

    if (len > opts->limit[KG_LIMIT_INPUT_BYTES]) {
        kgi_diag_add(
            diags, KG_SEVERITY_ERROR, KG_ELIMIT_BYTES, L.file, "", 0, 0,
            "input of %zu bytes exceeds KG_LIMIT_INPUT_BYTES (%llu)", len,
            (unsigned long long)opts->limit[KG_LIMIT_INPUT_BYTES]);
        return KG_ECOMPILE;
    }

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return KG_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            parser_error(&L, &parser);
            break;
        }
        int stop = ev.type == YAML_STREAM_END_EVENT;
        int rc = on_event(&L, &ev);
        yaml_event_delete(&ev);
        if (rc || L.err || stop)
            break;
    }
    yaml_parser_delete(&parser);

    while (L.depth > 0) {
        kgi_free(L.stack[L.depth - 1].kids);
        L.depth--;
    }
    kgi_free(L.stack);
    forget_anchors(&L);
    kgi_free(L.anchors);
    kgi_free(L.slots);

    int rc = 0;
    if (L.err == KG_ENOMEM || diags->oom) {
        rc = KG_ENOMEM;
    } else if (L.err) {
        rc = KG_ECOMPILE;
    } else if (L.found.n) {
        if (kgi_grow((void **)&objs->v, &objs->cap, objs->n + L.found.n,
                     sizeof(*objs->v))) {
            rc = KG_ENOMEM;
        } else {
            memcpy(objs->v + objs->n, L.found.v, L.found.n * sizeof(*objs->v));
            objs->n += L.found.n;
        }
    }
    kgi_free(L.found.v);
    return rc;
}
