// SPDX-License-Identifier: MIT
/*
 * watch.c - the API server's watch stream as builder input
 * (kg_builder_apply_events).
 *
 * Input: what `kubectl get --watch -o json --output-watch-events` and the
 * watch API (GET ...?watch=1) print: JSON values one after another, each
 * a watch event {"type": ..., "object": {...}} (k8s.io/apimachinery
 * pkg/apis/meta/v1 WatchEvent; types ADDED, MODIFIED, DELETED, BOOKMARK,
 * ERROR, pkg/watch/watch.go), pretty-printed over many lines (kubectl) or
 * one per line (the API). A value without "type" is an object, applied as
 * ADDED (plain `kubectl get --watch -o json`); a List adds its items.
 *
 * Workload: a long-lived stream of small events (a pod is a few KiB), a
 * few per second to thousands per second while a cluster scales; a 10^5
 * event backlog after a reconnect. So the stream is split into values by a
 * single scan that only tracks strings and brackets, and each value is
 * loaded on its own (yaml/load, marks shifted to the value's place in the
 * stream) into the batch's source arena; a value costs its own size.
 *
 * resourceVersion: the API server says it is opaque, but etcd's are
 * decimal counters and a watch replays from one, so when the stored object
 * and the event both carry decimal ones, an event not newer than the
 * stored object is a replay and is ignored (not applied). BOOKMARK events
 * and applied events advance the stream's version (kg_builder_resource_
 * version), from which a client resumes its watch. An ERROR event carries
 * a Status; code 410 (Gone / Expired) means the version is too old and the
 * client must list again (KG_ERELIST). The watch ends after an ERROR
 * event, so applying stops there.
 */
#include <stdint.h>
#include <string.h>

#include "api/store.h"
#include "k8s/field.h"
#include "k8s/meta.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "yaml/load.h"

struct w {
    struct kgi_store *st;
    const struct kg_options *opts;
    struct kg_diagnostics *diags;
    struct kgi_rv *rv;
    struct kgi_source *src;
    size_t changed;
    bool rejected;
};

/* A decimal resourceVersion as a number; false when it is not one. */
static bool rv_number(const struct kgi_node *n, uint64_t *out)
{
    if (!n || n->kind != KGI_NODE_SCALAR || n->count == 0 || n->count > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n->count; i++) {
        char c = n->u.str[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return true;
}

static const struct kgi_node *rv_node(const struct kgi_node *obj)
{
    return kgi_node_get(kgi_node_get(obj, "metadata"), "resourceVersion");
}

/* The stream's version moves to that of obj (the newest, when both are
 * decimal). */
static void rv_advance(struct kgi_rv *rv, const struct kgi_node *obj)
{
    const struct kgi_node *n = rv_node(obj);
    if (!n || n->kind != KGI_NODE_SCALAR || n->count >= sizeof(rv->s) ||
        n->count == 0)
        return;
    uint64_t a, b;
    struct kgi_node cur = {.kind = KGI_NODE_SCALAR, .count = rv->n};
    cur.u.str = rv->s;
    if (rv->n && rv_number(n, &a) && rv_number(&cur, &b) && a < b)
        return;
    memcpy(rv->s, n->u.str, n->count);
    rv->s[n->count] = '\0';
    rv->n = n->count;
}

/* Whether obj is a replay: not newer than the stored entry i. */
static bool stale(const struct w *w, size_t i, const struct kgi_node *obj)
{
    uint64_t a, b;
    if (i == KGI_STORE_NONE)
        return false;
    return rv_number(rv_node(obj), &a) &&
           rv_number(rv_node(w->st->v[i].obj.root), &b) && a <= b;
}

/* The metadata of an object being applied, checked as a compile would
 * (kind, name, namespace, labels): a bad object is rejected here so that
 * it changes nothing. */
static bool object_ok(struct w *w, struct kgi_ctx *c, const struct kgi_node *o)
{
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    struct kgi_arena *keep = c->arena;
    c->arena = &scratch;
    size_t errors = c->errors;
    int kind = kgi_meta_kind(c, o);
    struct kgi_meta m;
    if (kind != KGI_KIND_UNKNOWN)
        kgi_meta_read(c, o, kind, &m);
    else if (c->errors == errors) {
        /* a kind no engine reads still needs its key */
        const struct kgi_node *md = kgi_node_get(o, "metadata");
        const struct kgi_node *nm = kgi_node_get(md, "name");
        if (!nm || nm->kind != KGI_NODE_SCALAR || !nm->count) {
            size_t at = kgi_enter(c, "metadata");
            kgi_enter(c, "name");
            kgi_error(c, KG_EREQUIRED, md ? md : o,
                      "Required value: name or generateName is required");
            kgi_leave(c, at);
        }
    }
    c->arena = keep;
    kgi_arena_release(&scratch);
    (void)w;
    return c->errors == errors;
}

static int put_object(struct w *w, const struct kgi_node *obj, const char *file)
{
    size_t len;
    const char *key = kgi_store_key(&w->src->arena, obj, &len);
    if (!key || kgi_store_reserve(w->st, 1))
        return KG_ENOMEM;
    size_t old = kgi_store_find(w->st, key, len);
    if (stale(w, old, obj))
        return 0; /* a replay of what is loaded */
    struct kgi_object o = {obj, file};
    kgi_store_put(w->st, &o, w->src, key, len, true);
    w->changed++;
    rv_advance(w->rv, obj);
    return 0;
}

static int delete_object(struct w *w, const struct kgi_node *obj)
{
    size_t len;
    const char *key = kgi_store_key(&w->src->arena, obj, &len);
    if (!key)
        return KG_ENOMEM;
    size_t old = kgi_store_find(w->st, key, len);
    rv_advance(w->rv, obj);
    if (old == KGI_STORE_NONE || stale(w, old, obj))
        return 0; /* unknown (never loaded, or gone already), or a replay */
    w->changed += kgi_store_remove(w->st, key, len);
    return 0;
}

static bool str_is(const struct kgi_node *n, const char *s)
{
    return n && n->kind == KGI_NODE_SCALAR && n->count == strlen(s) &&
           memcmp(n->u.str, s, n->count) == 0;
}

/* An ERROR event: its Status, reported; KG_ERELIST for 410. */
static int watch_error(struct kgi_ctx *c, const struct kgi_node *ev,
                       const struct kgi_node *st)
{
    const struct kgi_node *code = kgi_node_get(st, "code");
    const struct kgi_node *msg = kgi_node_get(st, "message");
    const struct kgi_node *reason = kgi_node_get(st, "reason");
    bool gone = str_is(code, "410");
    int rc = gone ? KG_ERELIST : KG_EWATCH;
    kgi_error(c, rc, st ? st : ev,
              "watch ERROR event (code %.*s, reason %.*s): %.*s%s",
              code ? KGI_SHOW(code->count) : 1,
              code && code->kind == KGI_NODE_SCALAR ? code->u.str : "?",
              reason ? KGI_SHOW(reason->count) : 1,
              reason && reason->kind == KGI_NODE_SCALAR ? reason->u.str : "?",
              msg ? KGI_SHOW(msg->count) : 0,
              msg && msg->kind == KGI_NODE_SCALAR ? msg->u.str : "",
              gone ? "; the resourceVersion is too old: list again, then "
                     "watch from the list's resourceVersion"
                   : "; watch again from kg_builder_resource_version");
    return rc;
}

/* One event (or plain object) at root. */
static int apply_value(struct w *w, const struct kgi_node *root,
                       const char *file)
{
    const struct kgi_node *type = kgi_node_get(root, "type");
    if (!type)
        return put_object(w, root, file); /* a plain object: ADDED */
    struct kgi_ctx c;
    kgi_ctx_init(&c, w->diags, &w->src->arena, w->opts, file);
    size_t before = w->diags->n;
    const struct kgi_node *obj = kgi_node_get(root, "object");
    static const char *const types[] = {"ADDED", "MODIFIED", "DELETED",
                                        "BOOKMARK", "ERROR"};
    int t = -1;
    for (int i = 0; i < 5; i++)
        if (str_is(type, types[i]))
            t = i;
    int rc = 0;
    if (t < 0) {
        size_t at = kgi_enter(&c, "type");
        kgi_error(&c, KG_ENOTSUPPORTED, type,
                  "Unsupported value: \"%.*s\": supported values: \"ADDED\", "
                  "\"MODIFIED\", \"DELETED\", \"BOOKMARK\", \"ERROR\"",
                  type->kind == KGI_NODE_SCALAR ? KGI_SHOW(type->count) : 1,
                  type->kind == KGI_NODE_SCALAR ? type->u.str : "?");
        kgi_leave(&c, at);
    } else if (!obj || obj->kind != KGI_NODE_MAP) {
        size_t at = kgi_enter(&c, "object");
        if (!obj)
            kgi_error(&c, KG_EREQUIRED, root,
                      "Required value: a %s event needs an object", types[t]);
        else
            kgi_error(&c, KG_ETYPE, obj, "must be an object (a map)");
        kgi_leave(&c, at);
    } else if (t == 4) {
        size_t at = kgi_enter(&c, "object");
        rc = watch_error(&c, root, obj);
        kgi_leave(&c, at);
    } else if (t == 3) {
        rv_advance(w->rv, obj);
    } else {
        size_t at = kgi_enter(&c, "object");
        bool ok = object_ok(w, &c, obj);
        kgi_leave(&c, at);
        if (kgi_diag_oom_since(w->diags, before))
            return KG_ENOMEM;
        if (ok)
            rc = t == 2 ? delete_object(w, obj) : put_object(w, obj, file);
    }
    if (kgi_diag_oom_since(w->diags, before))
        return KG_ENOMEM;
    if (c.errors)
        w->rejected = true;
    return rc;
}

/* The end of the JSON value starting at buf[i] ('{'), or SIZE_MAX when it
 * does not end in buf. Tracks strings (with escapes) and brackets only: the
 * loader checks the rest. */
static size_t value_end(const char *buf, size_t len, size_t i)
{
    size_t depth = 0;
    bool in_str = false;
    for (; i < len; i++) {
        char ch = buf[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return SIZE_MAX;
}

/* Moves line:col over buf[from..to) (columns in UTF-8 characters, as
 * libyaml counts them). */
static void advance(const char *buf, size_t from, size_t to, uint32_t *line,
                    uint32_t *col)
{
    for (size_t i = from; i < to; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\n') {
            (*line)++;
            *col = 1;
        } else if ((ch & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

int kgi_events_apply(struct kgi_store *st, const struct kg_options *opts,
                     struct kg_diagnostics *diags, struct kgi_rv *rv,
                     const char *name, const char *buf, size_t len,
                     size_t *used, size_t *changed)
{
    struct w w = {st, opts, diags, rv, NULL, 0, false};
    int rc = 0;
    size_t pos = 0;
    uint32_t line = 1, col = 1;
    struct kgi_objects found = {0};
    if (used)
        *used = 0;
    if (!name)
        name = "<events>";
    w.src = kgi_source_new();
    if (w.src)
        w.src->live = 1; /* pinned while applying: an event may replace an
                            object of this same batch */
    const char *file =
        w.src ? kgi_arena_strndup(&w.src->arena, name, strlen(name)) : NULL;
    if (!file) {
        rc = KG_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t at = pos;
        while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' ||
                             buf[pos] == '\r' || buf[pos] == '\n'))
            pos++;
        advance(buf, at, pos, &line, &col);
        if (used)
            *used = pos;
        if (pos == len)
            break;
        if (buf[pos] != '{') {
            kgi_diag_add(diags, KG_SEVERITY_ERROR, KG_ESYNTAX, file, "", line,
                         col,
                         "malformed watch stream: expected '{' starting a "
                         "watch event or an object");
            w.rejected = true;
            break; /* the values after it cannot be found */
        }
        size_t end = value_end(buf, len, pos);
        if (end == SIZE_MAX) {
            if (used)
                break; /* the rest comes with the next call */
            kgi_diag_add(diags, KG_SEVERITY_ERROR, KG_ESYNTAX, file, "", line,
                         col, "malformed watch stream: unterminated value");
            w.rejected = true;
            break;
        }
        found.n = 0;
        int lrc = kgi_yaml_load_at(opts, file, buf + pos, end - pos, line, col,
                                   &w.src->arena, &found, diags);
        if (lrc == KG_ENOMEM) {
            rc = KG_ENOMEM;
            break;
        }
        if (lrc)
            w.rejected = true;
        for (size_t i = 0; lrc == 0 && i < found.n && rc == 0; i++)
            rc = apply_value(&w, found.v[i].root, file);
        if (rc)
            break;
        advance(buf, pos, end, &line, &col);
        pos = end;
        if (used)
            *used = pos;
    }
out:
    kgi_free(found.v);
    if (w.src && --w.src->live == 0 && !w.src->pins)
        kgi_source_drop(w.src);
    if (changed)
        *changed = w.changed;
    if (rc == 0 && diags->oom)
        rc = KG_ENOMEM;
    if (rc == 0 && w.rejected)
        rc = KG_ECOMPILE;
    return rc;
}
