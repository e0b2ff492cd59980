// SPDX-License-Identifier: MIT
/*
 * path.c - field path builder. See path.h.
 */
#include "util/path.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void append(struct kgi_path *p, const char *s, size_t n)
{
    size_t room = KGI_PATH_MAX - 1 - p->len;
    if (n > room) {
        n = room;
        if (room >= 3) {
            memcpy(p->buf + p->len, s, room - 3);
            memcpy(p->buf + p->len + room - 3, "...", 3);
            p->len += room;
            p->buf[p->len] = '\0';
            return;
        }
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static bool is_ident(const char *k, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

size_t kgi_path_key(struct kgi_path *p, const char *key, size_t len)
{
    size_t mark = p->len;
    if (is_ident(key, len)) {
        if (p->len)
            append(p, ".", 1);
        append(p, key, len);
    } else {
        append(p, "[", 1);
        append(p, key, len);
        append(p, "]", 1);
    }
    return mark;
}

size_t kgi_path_index(struct kgi_path *p, size_t index)
{
    size_t mark = p->len;
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "[%zu]", index);
    append(p, tmp, (size_t)n);
    return mark;
}

void kgi_path_pop(struct kgi_path *p, size_t mark)
{
    if (mark <= p->len) {
        p->len = mark;
        p->buf[mark] = '\0';
    }
}
