// SPDX-License-Identifier: MIT
/*
 * builder.c - kg_builder: sources in, one ruleset out.
 *
 * Sources are parsed as they are added (so a file's syntax errors point at
 * it at once), each into its own arena, and their objects kept by (kind,
 * namespace, name) (api/store.h): a later source's object replaces the
 * loaded one of its key, kg_builder_remove drops one, and watch events
 * (api/watch.c) do either. kg_builder_compile then reads each live
 * object's kind and metadata and hands the objects to the route and
 * policy compilers. Diagnostics of a compile (and of a call applying
 * events) replace those of the previous one, so compiling twice does not
 * repeat them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/builder.h"
#include "api/diag_objects.h"
#include "api/ruleset.h"
#include "api/store.h"
#include "k8s/kinds.h"
#include "policy/service.h"
#include "policy/table.h"
#include "util/alloc.h"
#include "yaml/load.h"

struct kg_builder {
    struct kg_options opts;
    /* incremental compiles: the last full one (its ruleset, and what a
     * NetworkPolicy delta needs), and what changed since */
    kg_ruleset *full;
    void *keep[KGI_ENGINES];    /* of each engine (kgi_engine.keep_free) */
    struct kgi_source **pinned; /* the sources keep points into */
    size_t n_pinned;
    struct kgi_hash dirty;  /* Pod, NetworkPolicy and Namespace keys changed
                               since (heap copies) */
    bool dirty_pods;        /* one of them is a Pod's */
    bool dirty_other;       /* another kind changed: the next is full */
    size_t live_pods;       /* Pod entries in the store */
    struct kgi_store store; /* the objects, by key; each source's trees */
    struct kgi_rv rv;       /* of the watch events applied */
    struct kg_diagnostics diags;
    size_t load_diags; /* mark after the diagnostics of loading */
    size_t load_errors;
    struct kind_tally *kinds; /* of the last compile, sorted by kind */
    size_t n_kinds;
    char *kind_text; /* the kinds' names, owned: sources may go (remove) */
    char **sources;  /* log-safe names of the sources, in add order */
    size_t n_sources, sources_cap;
    struct kgi_builder_stats stats;
};

/* Objects of one kind in the last compile (kg_builder_kind). */
struct kind_tally {
    const char *kind; /* in kind_text once merged (a source's tree before) */
    size_t len;
    size_t read, skipped;
};

bool kgi_builder_incremental = true;

void kgi_builder_stats(const kg_builder *b, struct kgi_builder_stats *out)
{
    *out = b->stats;
}

static void forget_dirty(kg_builder *b)
{
    for (size_t i = 0; i < kgi_hash_capacity(&b->dirty); i++)
        if (kgi_hash_used(&b->dirty, i))
            kgi_free((void *)b->dirty.slots[i].key);
    kgi_hash_release(&b->dirty);
    b->dirty_pods = false;
    b->dirty_other = false;
}

/* The kind of a dirty key (policy/table.h, struct kgi_vd_gone), or
 * KGI_KIND_UNKNOWN for one a delta cannot take. */
static int dirty_kind(const char *key)
{
    if (strcmp(key, "Pod") == 0)
        return KGI_KIND_POD;
    if (strcmp(key, "NetworkPolicy") == 0)
        return KGI_KIND_NETWORKPOLICY;
    if (strcmp(key, "Namespace") == 0)
        return KGI_KIND_NAMESPACE;
    return KGI_KIND_UNKNOWN;
}

/* The store's change hook: which keys changed since the last full
 * compile. A Pod, NetworkPolicy or Namespace key is remembered (a delta
 * recomputes every object changed since); any other kind makes the next
 * compile full. Never fails: when a key cannot be remembered the next
 * compile is full. */
static void on_change(void *user, const char *key, size_t len, long delta)
{
    kg_builder *b = user;
    int kind = dirty_kind(key);
    if (kind == KGI_KIND_POD) {
        b->live_pods += (size_t)delta;
        b->dirty_pods = true;
    }
    if (b->dirty_other)
        return;
    /* nothing to extend, or past the threshold of can_delta: the next
     * compile is full anyway, no need to remember more keys */
    if (kind == KGI_KIND_UNKNOWN || !b->keep[KGI_ENGINE_NETPOL] || !b->full ||
        b->dirty.count >= 64 + b->full->netpol->n_pods / 32) {
        b->dirty_other = true;
        return;
    }
    uint64_t h = kgi_hash_bytes(key, len, 0);
    if (kgi_hash_find(&b->dirty, key, len, h))
        return;
    char *copy = kgi_malloc(len + 1);
    if (copy) {
        memcpy(copy, key, len);
        copy[len] = '\0'; /* "kind\0namespace\0name\0" */
    }
    if (!copy || kgi_hash_put(&b->dirty, copy, len, h, NULL, NULL)) {
        kgi_free(copy);
        b->dirty_other = true;
    }
}

static void keep_free(void *keep[KGI_ENGINES])
{
    for (int i = 0; i < KGI_ENGINES; i++) {
        if (keep[i])
            kgi_engines[i].keep_free(keep[i]);
        keep[i] = NULL;
    }
}

KG_API kg_builder *kg_builder_new(const kg_options *opts)
{
    kg_builder *b = kgi_calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    if (opts)
        b->opts = *opts;
    else
        kgi_options_defaults(&b->opts);
    kgi_store_init(&b->store);
    b->store.changed = on_change;
    b->store.user = b;
    kgi_hash_init(&b->dirty, NULL, NULL, NULL);
    kgi_diag_init(&b->diags);
    uint64_t max = b->opts.limit[KG_LIMIT_DIAGNOSTICS];
    b->diags.max = max > SIZE_MAX ? SIZE_MAX : (size_t)max;
    return b;
}

KG_API void kg_builder_free(kg_builder *b)
{
    if (!b)
        return;
    b->store.changed = NULL;
    keep_free(b->keep);
    /* unpinned first: the store then frees every source */
    kgi_store_unpin(b->pinned, b->n_pinned);
    kgi_store_release(&b->store);
    forget_dirty(b);
    kg_ruleset_unref(b->full);
    kgi_free(b->kinds);
    kgi_free(b->kind_text);
    for (size_t i = 0; i < b->n_sources; i++)
        kgi_free(b->sources[i]);
    kgi_free(b->sources);
    kgi_diag_release(&b->diags);
    kgi_free(b);
}

/* Drops the diagnostics of an earlier compile or event call, keeping
 * those of loads. */
static void reset_compile_diags(kg_builder *b)
{
    kgi_diag_truncate(&b->diags, b->load_diags, b->load_errors);
    /* an allocation failure of an earlier call must not fail this one */
    b->diags.oom = false;
}

/* Ends a load: keeps its diagnostics, or, when it ran out of memory, drops
 * them so that a failed call changes nothing (KG_ENOMEM's promise) and a
 * retry reports each problem once. */
static void end_load(kg_builder *b, int rc)
{
    if (rc == KG_ENOMEM) {
        kgi_diag_truncate(&b->diags, b->load_diags, b->load_errors);
        b->diags.oom = false;
    }
    kgi_diag_finish(&b->diags);
    b->load_diags = kgi_diag_mark(&b->diags);
    b->load_errors = b->diags.errors;
}

/* Loads one source into its own arena and stores its objects, replacing
 * the loaded ones of the same keys. On KG_ENOMEM nothing is stored. */
/* Remembers a source's name (as diagnostics show it) for the file order
 * of diagnostics. */
static int note_source(kg_builder *b, const char *name)
{
    if (!name)
        name = "<input>";
    size_t n = strlen(name), need = kg_text_escape(name, n, NULL, 0) + 1;
    if (kgi_grow((void **)&b->sources, &b->sources_cap, b->n_sources + 1,
                 sizeof(*b->sources)))
        return KG_ENOMEM;
    char *s = kgi_malloc(need);
    if (!s)
        return KG_ENOMEM;
    kg_text_escape(name, n, s, need);
    b->sources[b->n_sources++] = s;
    return 0;
}

static int load(kg_builder *b, const char *name, const char *buf, size_t len)
{
    struct kgi_objects found = {0};
    struct kgi_source *src = kgi_source_new();
    if (!src)
        return KG_ENOMEM;
    int rc =
        kgi_yaml_load(&b->opts, name, buf, len, &src->arena, &found, &b->diags);
    const char **keys = NULL;
    size_t *lens = NULL;
    if (rc == KG_ENOMEM || !found.n)
        goto out;
    keys = kgi_malloc(found.n * sizeof(*keys));
    lens = kgi_malloc(found.n * sizeof(*lens));
    if (!keys || !lens || kgi_store_reserve(&b->store, found.n)) {
        rc = KG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < found.n; i++) {
        keys[i] = kgi_store_key(&src->arena, found.v[i].root, &lens[i]);
        if (!keys[i]) {
            rc = KG_ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < found.n; i++)
        kgi_store_put(&b->store, &found.v[i], src, keys[i], lens[i], false);
out:
    kgi_free(keys);
    kgi_free(lens);
    kgi_free(found.v);
    if (src->live == 0 && !src->pins)
        kgi_source_drop(src);
    return rc;
}

KG_API int kg_builder_add_buffer(kg_builder *b, const char *name,
                                 const char *buf, size_t len)
{
    if (!b || (!buf && len))
        return KG_EINVAL;
    reset_compile_diags(b);
    int rc = note_source(b, name);
    if (rc == 0)
        rc = load(b, name, buf ? buf : "", len);
    end_load(b, rc);
    return rc;
}

KG_API int kg_builder_remove(kg_builder *b, const char *kind, const char *ns,
                             const char *name)
{
    if (!b || !kind || !name)
        return KG_EINVAL;
    reset_compile_diags(b);
    if (!ns || !*ns)
        ns = kgi_kind_namespaced(kind, strlen(kind)) ? "default" : "";
    size_t kl = strlen(kind), nl = strlen(ns), ml = strlen(name);
    size_t len = kl + nl + ml + 2;
    char small[256];
    char *key = len < sizeof(small) ? small : kgi_malloc(len + 1);
    if (!key)
        return KG_ENOMEM;
    memcpy(key, kind, kl + 1);
    memcpy(key + kl + 1, ns, nl + 1);
    memcpy(key + kl + nl + 2, name, ml + 1);
    size_t n = kgi_store_remove(&b->store, key, len);
    if (key != small)
        kgi_free(key);
    return n ? 0 : KG_ENOTFOUND;
}

KG_API int kg_builder_apply_events(kg_builder *b, const char *name,
                                   const char *buf, size_t len, size_t *used)
{
    if (!b || (!buf && len))
        return KG_EINVAL;
    reset_compile_diags(b);
    if (note_source(b, name))
        return KG_ENOMEM;
    int rc = kgi_events_apply(&b->store, &b->opts, &b->diags, &b->rv, name,
                              buf ? buf : "", len, used, NULL);
    kgi_diag_finish(&b->diags);
    return rc;
}

KG_API const char *kg_builder_resource_version(const kg_builder *b)
{
    return b ? b->rv.s : NULL;
}

KG_API size_t kg_builder_object_count(const kg_builder *b)
{
    return b ? b->store.live : 0;
}

KG_API int kg_builder_add_file(kg_builder *b, const char *path)
{
    if (!b || !path)
        return KG_EINVAL;
    reset_compile_diags(b);
    int rc = note_source(b, path);
    if (rc) {
        end_load(b, rc);
        return rc;
    }
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        kgi_diag_add(&b->diags, KG_SEVERITY_ERROR, KG_EIO, path, "", 0, 0,
                     "cannot read: %s", strerror(errno));
        rc = KG_EIO;
        goto out;
    }
    uint64_t limit = b->opts.limit[KG_LIMIT_INPUT_BYTES];
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
        kgi_diag_add(&b->diags, KG_SEVERITY_ERROR, KG_ELIMIT_BYTES, path, "", 0,
                     0,
                     "file of %llu bytes exceeds KG_LIMIT_INPUT_BYTES (%llu)",
                     (unsigned long long)st.st_size, (unsigned long long)limit);
        rc = KG_ELIMIT_BYTES;
        goto out;
    }
    /* read up to limit + 1 bytes: works for pipes too, and a stream that
     * grows past the limit is still refused by the loader */
    size_t cap = 0, len = 0;
    /* limit + 1 without overflow (the limit may be UINT64_MAX) */
    size_t max = limit >= SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)limit + 1;
    for (;;) {
        if (len == cap) {
            size_t want = cap ? cap * 2 : 65536;
            if (want > max)
                want = max;
            if (want <= cap)
                break;
            char *nb = kgi_realloc(buf, want);
            if (!nb) {
                rc = KG_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = want;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        kgi_diag_add(&b->diags, KG_SEVERITY_ERROR, KG_EIO, path, "", 0, 0,
                     "read error");
        rc = KG_EIO;
        goto out;
    }
    rc = load(b, path, buf, len);
out:
    if (f)
        fclose(f);
    kgi_free(buf);
    end_load(b, rc);
    return rc;
}

KG_API const kg_diagnostics *kg_builder_diagnostics(const kg_builder *b)
{
    return b ? &b->diags : NULL;
}

static int tally_cmp(const void *x, const void *y)
{
    const struct kind_tally *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->kind, b->kind, n);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Sorts the per-object tallies of t[0..n) by kind and merges equal kinds
 * in place; O(n log n) so a dump of a million objects stays cheap. */
static size_t tally_merge(struct kind_tally *t, size_t n)
{
    if (!n)
        return 0;
    qsort(t, n, sizeof(*t), tally_cmp);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (tally_cmp(&t[k], &t[i]) == 0) {
            t[k].read += t[i].read;
            t[k].skipped += t[i].skipped;
        } else {
            t[++k] = t[i];
        }
    }
    return k + 1;
}

KG_API size_t kg_builder_kind_count(const kg_builder *b)
{
    return b ? b->n_kinds : 0;
}

KG_API int kg_builder_kind(const kg_builder *b, size_t i,
                           struct kg_kind_count *out)
{
    if (!b || !out || out->size < sizeof(struct kg_kind_count) ||
        i >= b->n_kinds)
        return KG_EINVAL;
    out->kind = b->kinds[i].kind;
    out->read = b->kinds[i].read;
    out->skipped = b->kinds[i].skipped;
    return 0;
}

static void ruleset_free(kg_ruleset *rs)
{
    for (int i = 0; i < KGI_ENGINES; i++)
        if (kgi_engines[i].free && !(rs->shared & (1u << i)))
            kgi_engines[i].free(rs);
    kg_ruleset_unref(rs->borrow);
    kgi_free(rs);
}

#if KGI_WITH_POLICY /* incremental compiles are the policy engine's */
/* Whether the next compile may extend the last full one: only pods,
 * NetworkPolicies and Namespaces changed since, not too many, and the
 * Service table of the full compile stays right: none of its endpoints
 * came from pods (a Service with a selector and no EndpointSlice), or no
 * pod changed. Threshold: a delta costs the objects changed since the full
 * compile (a few microseconds per pod, a new identity a pass over the
 * selections of its namespace, a changed policy its namespace's policies
 * and identities plus copies of the policy, rule, selection and identity
 * arrays), a full compile about a microsecond per object of the cluster
 * plus its policies; past 1/32 of the pods a delta would approach a tenth
 * of a full compile, so compiling in full then keeps both bounded. */
static bool can_delta(const kg_builder *b)
{
    if (!kgi_builder_incremental || !b->keep[KGI_ENGINE_NETPOL] || !b->full ||
        b->dirty_other || b->load_errors ||
        (b->dirty_pods && b->full->services->from_pods))
        return false;
    /* nothing changed: compile in full, which reports every diagnostic
     * again (a delta reports only those of the changed pods) */
    return b->dirty.count > 0 &&
           b->dirty.count <= 64 + b->full->netpol->n_pods / 32;
}

/* A compile that extends the last full one with the objects changed since
 * (policy/netpol_delta.c): routes and services are the full compile's.
 * Returns KGI_NETPOL_FULL when only a full compile can answer. */
static int compile_delta(kg_builder *b, kg_ruleset **out)
{
    int rc = KG_ENOMEM;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    size_t n_keys = b->dirty.count;
    struct kgi_vd_gone *gone = kgi_calloc(n_keys + 1, sizeof(*gone));
    struct kgi_meta *metas = kgi_calloc(n_keys + 1, sizeof(*metas));
    kg_ruleset *rs = NULL;
    struct kgi_netpol *np = NULL;
    if (!gone || !metas)
        goto out;
    size_t n_gone = 0, n = 0, kinds[3] = {0, 0, 0};
    for (size_t i = 0; i < kgi_hash_capacity(&b->dirty); i++) {
        if (!kgi_hash_used(&b->dirty, i))
            continue;
        const char *key = b->dirty.slots[i].key;
        size_t len = b->dirty.slots[i].len;
        const char *ns = key + strlen(key) + 1, *name = ns + strlen(ns) + 1;
        int want = dirty_kind(key);
        kinds[want == KGI_KIND_POD             ? 0
              : want == KGI_KIND_NETWORKPOLICY ? 1
                                               : 2]++;
        gone[n_gone].kind = want;
        gone[n_gone].ns = kgi_str_c(ns);
        gone[n_gone++].name = kgi_str_c(name);
        size_t e = kgi_store_find(&b->store, key, len);
        if (e == KGI_STORE_NONE)
            continue; /* removed */
        const struct kgi_entry *en = &b->store.v[e];
        if (en->dup_prev != KGI_STORE_NONE) {
            rc = KGI_NETPOL_FULL; /* a duplicate: the full compile says */
            goto out;
        }
        struct kgi_ctx c;
        size_t before = kgi_diag_mark(&b->diags);
        kgi_ctx_init(&c, &b->diags, &scratch, &b->opts, en->obj.file);
        int kind = kgi_meta_kind(&c, en->obj.root);
        bool ok = kind == want && c.errors == 0 &&
                  kgi_meta_read(&c, en->obj.root, kind, &metas[n]);
        if (b->diags.oom)
            goto out;
        if (kind != want) {
            /* not a Pod v1, networking.k8s.io/v1 NetworkPolicy or
             * Namespace v1: the full compile says */
            rc = KGI_NETPOL_FULL;
            goto out;
        }
        if (ok && c.errors == 0)
            n++;
        else if (kgi_flag(&b->opts, KG_FLAG_SKIP_INVALID))
            kgi_diag_demote(&b->diags, before);
    }
    struct kgi_compile_in in = {&b->opts, &b->diags, metas, n};
    rc = kgi_netpol_delta(b->keep[KGI_ENGINE_NETPOL], &in, gone, n_gone, &np);
    if (rc)
        goto out;
    rc = KG_ENOMEM;
    if (b->diags.oom || !(rs = kgi_calloc(1, sizeof(*rs))))
        goto out;
    rc = b->diags.errors ? KG_ECOMPILE : 0;
    if (rc)
        goto out;
    rs->opts = b->opts;
    atomic_init(&rs->refs, 1);
    rs->borrow = kg_ruleset_ref(b->full);
    rs->routes = b->full->routes;
    rs->services = b->full->services;
    rs->shared = ~(1u << KGI_ENGINE_NETPOL);
    rs->netpol = np;
    np = NULL;
    b->stats.deltas++;
    b->stats.delta_pods += kinds[0] > 0;
    b->stats.delta_pols += kinds[1] > 0;
    b->stats.delta_ns += kinds[2] > 0;
    /* the tally of the full compile, its Pods counted again */
    for (size_t k = 0; k < b->n_kinds; k++)
        if (b->kinds[k].len == 3 && memcmp(b->kinds[k].kind, "Pod", 3) == 0)
            b->kinds[k].read = b->live_pods - b->kinds[k].skipped;
    *out = rs;
    rs = NULL;
out:
    kgi_netpol_free(np);
    kgi_free(rs);
    kgi_free(gone);
    kgi_free(metas);
    kgi_arena_release(&scratch);
    return rc;
}
#endif

KG_API int kg_builder_compile(kg_builder *b, kg_ruleset **out)
{
    if (!b || !out)
        return KG_EINVAL;
    *out = NULL;
    reset_compile_diags(b);
#if KGI_WITH_POLICY
    if (can_delta(b)) {
        int rc = compile_delta(b, out);
        if (rc != KGI_NETPOL_FULL) {
            kgi_diag_finish(&b->diags);
            return rc;
        }
        reset_compile_diags(b);
    }
#endif
    int rc = 0;
    void *keep[KGI_ENGINES] = {0};
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    size_t n_objs = b->store.live;
    struct kgi_meta *metas = kgi_calloc(n_objs ? n_objs : 1, sizeof(*metas));
    kg_ruleset *rs = kgi_calloc(1, sizeof(*rs));
    kgi_free(b->kinds);
    kgi_free(b->kind_text);
    b->kind_text = NULL;
    b->n_kinds = 0;
    b->kinds = kgi_calloc(n_objs ? n_objs : 1, sizeof(*b->kinds));
    if (!metas || !rs || !b->kinds) {
        rc = KG_ENOMEM;
        goto fail;
    }
    size_t n = 0, i = 0;
    for (size_t e = 0; e < b->store.n; e++) {
        if (!b->store.v[e].live)
            continue;
        const struct kgi_object *obj = &b->store.v[e].obj;
        struct kgi_ctx c;
        size_t before = kgi_diag_mark(&b->diags);
        kgi_ctx_init(&c, &b->diags, &scratch, &b->opts, obj->file);
        int kind = kgi_meta_kind(&c, obj->root);
        bool ok = c.errors == 0;
        if (kind != KGI_KIND_UNKNOWN)
            ok = kgi_meta_read(&c, obj->root, kind, &metas[n]) && ok;
        if (b->diags.oom) {
            rc = KG_ENOMEM;
            goto fail;
        }
        const struct kgi_node *kn = kgi_node_get(obj->root, "kind");
        struct kind_tally *t = &b->kinds[i++];
        t->kind = kn && kn->kind == KGI_NODE_SCALAR ? kn->u.str : "";
        t->len = kn && kn->kind == KGI_NODE_SCALAR ? kn->count : 0;
        t->read = kind != KGI_KIND_UNKNOWN;
        t->skipped = kind == KGI_KIND_UNKNOWN;
        if (!ok && kgi_flag(&b->opts, KG_FLAG_SKIP_INVALID))
            kgi_diag_demote(&b->diags, before);
        else if (kind != KGI_KIND_UNKNOWN && (ok || metas[n].name.n))
            n++; /* invalid metadata (a bad name) fails the compile but
                    does not hide the object's other errors (item 9) */
    }
    b->n_kinds = tally_merge(b->kinds, n_objs);
    /* the names point into the sources' trees, which a later remove or
     * watch event frees: keep copies for kg_builder_kind and the delta */
    size_t text = 0;
    for (size_t k = 0; k < b->n_kinds; k++)
        text += b->kinds[k].len + 1;
    if (!(b->kind_text = kgi_malloc(text ? text : 1))) {
        b->n_kinds = 0;
        rc = KG_ENOMEM;
        goto fail;
    }
    for (size_t k = 0, at = 0; k < b->n_kinds; k++) {
        memcpy(b->kind_text + at, b->kinds[k].kind, b->kinds[k].len);
        b->kind_text[at + b->kinds[k].len] = '\0';
        b->kinds[k].kind = b->kind_text + at;
        at += b->kinds[k].len + 1;
    }
    struct kgi_compile_in in = {&b->opts, &b->diags, metas, n};
    rs->opts = b->opts;
    atomic_init(&rs->refs, 1);
    /* every engine, also after one reported errors (all of them are
     * shown), not after one ran out of memory */
    for (int e = 0; e < KGI_ENGINES && (rc == 0 || rc == KG_ECOMPILE); e++) {
        if (!kgi_engines[e].build)
            continue; /* not in this build */
        int rc2 = kgi_engines[e].build(&in, rs, &keep[e]);
        if (rc2 == KG_ENOMEM || rc == 0)
            rc = rc2;
    }
    if (rc == 0 && b->diags.oom)
        rc = KG_ENOMEM;
    if (rc == 0 && b->diags.errors)
        rc = KG_ECOMPILE;
    if (rc)
        goto fail;
    if (kgi_diag_annotate(&b->diags, &b->store, b->sources, b->n_sources)) {
        rc = KG_ENOMEM;
        goto fail;
    }
    kgi_free(metas);
    kgi_arena_release(&scratch);
    kgi_diag_finish(&b->diags);
    /* the next compiles may extend this one; its trees stay until the
     * next full compile (the delta reads their models) */
    struct kgi_source **pinned = NULL;
    size_t n_pinned = 0;
    if (keep[KGI_ENGINE_NETPOL] && kgi_store_pin(&b->store, &pinned, &n_pinned))
        keep_free(keep); /* no delta then: not an error */
    kgi_store_unpin(b->pinned, b->n_pinned);
    b->pinned = pinned;
    b->n_pinned = n_pinned;
    keep_free(b->keep);
    memcpy(b->keep, keep, sizeof(keep));
    kg_ruleset_unref(b->full);
    b->full = kg_ruleset_ref(rs);
    forget_dirty(b);
    b->stats.full++;
    *out = rs;
    return 0;
fail:
    keep_free(keep);
    if (rs)
        ruleset_free(rs);
    if (rc != KG_ENOMEM &&
        kgi_diag_annotate(&b->diags, &b->store, b->sources, b->n_sources))
        rc = KG_ENOMEM;
    kgi_free(metas);
    kgi_arena_release(&scratch);
    kgi_diag_finish(&b->diags);
    return rc;
}

KG_API kg_ruleset *kg_ruleset_ref(kg_ruleset *rs)
{
    if (rs)
        atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
    return rs;
}

KG_API void kg_ruleset_unref(kg_ruleset *rs)
{
    if (!rs)
        return;
    if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) == 1)
        ruleset_free(rs);
}

KG_API int kg_ruleset_dump(const kg_ruleset *rs, int format, kg_write_fn write,
                           void *user)
{
    if (!rs || !write || (format != KG_DUMP_TEXT && format != KG_DUMP_JSON))
        return KG_EINVAL;
    struct kgi_out o = {write, user};
    const char *sep = "{";
    for (int e = 0; e < KGI_ENGINES; e++) {
        const struct kgi_engine *en = &kgi_engines[e];
        if (!en->dump || !en->name)
            continue;
        if (format == KG_DUMP_JSON)
            kgi_out_printf(&o, "%s\"%s\":", sep, en->name);
        en->dump(rs, format, &o);
        sep = ",";
    }
    if (format == KG_DUMP_JSON)
        kgi_out_printf(&o, "%s}\n", *sep == '{' ? "{" : "");
    return 0;
}
