// SPDX-License-Identifier: MIT
/*
 * path.h - the field path of the value being read, as the API server
 * prints it: `spec.rules[0].http.paths[1].pathType`, map keys that are not
 * identifiers in brackets
 * (`metadata.annotations[kubernetes.io/ingress.class]`).
 *
 * A fixed buffer pushed and popped as the model descends: no allocation per
 * field. A path longer than the buffer is truncated with "..." (depth is
 * bounded by the YAML limits, so this only cuts absurd keys).
 */
#ifndef KGI_UTIL_PATH_H
#define KGI_UTIL_PATH_H

#include <stddef.h>

#define KGI_PATH_MAX 512

struct kgi_path {
    size_t len;
    char buf[KGI_PATH_MAX];
};

static inline void kgi_path_init(struct kgi_path *p)
{
    p->len = 0;
    p->buf[0] = '\0';
}

/* Each push returns the length to pass to kgi_path_pop to undo it. */
size_t kgi_path_key(struct kgi_path *p, const char *key, size_t len);
size_t kgi_path_index(struct kgi_path *p, size_t index);
void kgi_path_pop(struct kgi_path *p, size_t mark);

#endif
