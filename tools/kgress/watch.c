// SPDX-License-Identifier: MIT
/*
 * watch.c - `--watch EVENTS` of kgress check and kgress route: the
 * manifests are the initial state, then a Kubernetes watch stream (kubectl
 * get --watch -o json --output-watch-events; "-": stdin) is applied batch
 * by batch to the same builder (kg_builder_apply_events), and after each
 * batch (and once before any event: batch 0) the command's lines (flows,
 * requests) are answered again on the new ruleset. A batch is what one
 * read of a pipe returns (the events that arrived together), and in any
 * stream the events up to a blank line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_lineset_free(struct cli_lineset *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->line[i]);
    free(f->line);
}

bool cli_lineset_add(struct cli_lineset *f, const char *s, size_t n)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        char **v = realloc(f->line, cap * sizeof(*v));
        if (!v)
            return false;
        f->line = v;
        f->cap = cap;
    }
    char *d = malloc(n + 1);
    if (!d)
        return false;
    memcpy(d, s, n);
    d[n] = '\0';
    f->line[f->n++] = d;
    return true;
}

/* A watch in progress: its builder, lines, batches so far, the status of
 * the last round of answers, and why it ended early (2 out of memory or
 * I/O, 3 an ERROR event; 0 going on). */
struct watch {
    struct cli *c;
    kg_builder *b;
    const char *name;
    const struct cli_lineset *f;
    cli_judge_fn *judge;
    void *user;
    unsigned long n_batch;
    int st, stop;
};

/* Applies buf[0..len) as one batch (all of it when last), compiles and
 * judges. Returns the bytes consumed. */
static size_t batch(struct watch *w, const char *buf, size_t len, bool last)
{
    struct cli *c = w->c;
    size_t used = len;
    int rc =
        kg_builder_apply_events(w->b, w->name, buf, len, last ? NULL : &used);
    if (rc)
        cli_print_diagnostics(c, kg_builder_diagnostics(w->b));
    if (rc == KG_ENOMEM || rc == KG_ERELIST || rc == KG_EWATCH) {
        if (rc == KG_ENOMEM)
            fprintf(stderr, "kgress: out of memory\n");
        w->stop = rc == KG_ENOMEM ? 2 : 3;
        return used;
    }
    if (used == 0 && !last)
        return 0;
    kg_ruleset *rs = NULL;
    rc = kg_builder_compile(w->b, &rs);
    if (rc) {
        cli_print_diagnostics(c, kg_builder_diagnostics(w->b));
        w->st = 1;
        if (rc == KG_ENOMEM)
            w->stop = 2;
        return used;
    }
    const char *rv = kg_builder_resource_version(w->b);
    size_t objs = kg_builder_object_count(w->b);
    if (c->json) {
        json_object_begin(&c->out);
        json_kv_int(&c->out, "batch", (long long)w->n_batch);
        json_kv_cstr(&c->out, "resource_version", rv);
        json_kv_int(&c->out, "objects", (long long)objs);
        json_object_end(&c->out);
        json_line_end(&c->out);
    } else {
        printf("# batch %lu: resourceVersion %s, %zu objects\n", w->n_batch,
               *rv ? rv : "-", objs);
        fflush(stdout);
    }
    w->n_batch++;
    w->st = w->judge(c, rs, w->f, w->user);
    kg_ruleset_unref(rs);
    return used;
}

/* The end of the first blank line in s[0..n) (a "\n" followed by an
 * optional "\r" and "\n"), or 0. */
static size_t blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\n')
            continue;
        size_t j = i + 1;
        if (j < n && s[j] == '\r')
            j++;
        if (j < n && s[j] == '\n')
            return j + 1;
    }
    return 0;
}

int cli_watch(struct cli *c, const char *events, const struct cli_lineset *f,
              cli_judge_fn *judge, void *user)
{
    int st, fd = strcmp(events, "-") == 0 ? 0 : open(events, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "kgress: %s: %s\n", events, strerror(errno));
        return 2;
    }
    struct stat sb;
    bool pipe_like = fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode);
    kg_ruleset *rs = NULL;
    struct watch w = {c, NULL, events, f, judge, user, 0, 0, 0};
    w.b = cli_build(c, false, &rs, &st);
    if (!w.b || st == 2) {
        kg_ruleset_unref(rs);
        kg_builder_free(w.b);
        if (fd)
            close(fd);
        return st ? st : 2;
    }
    kg_ruleset_unref(rs);
    batch(&w, "", 0, true); /* the state before any event: batch 0 */
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (bool eof = false; !eof && !w.stop;) {
        if (cap - len < 65536) {
            char *nb = realloc(buf, cap ? cap * 2 : 131072);
            if (!nb) {
                fprintf(stderr, "kgress: out of memory\n");
                w.stop = 2;
                break;
            }
            buf = nb;
            cap = cap ? cap * 2 : 131072;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "kgress: %s: %s\n", events, strerror(errno));
            w.stop = 2;
            break;
        }
        eof = got == 0;
        len += (size_t)got;
        size_t off = 0, cut;
        while (!w.stop && (cut = blank_line(buf + off, len - off)) > 0) {
            batch(&w, buf + off, cut, true);
            off += cut;
        }
        if (!w.stop && off < len && (eof || pipe_like))
            off += batch(&w, buf + off, len - off, eof);
        memmove(buf, buf + off, len - off);
        len -= off;
    }
    free(buf);
    kg_builder_free(w.b);
    if (fd)
        close(fd);
    return w.stop ? w.stop : w.st;
}
