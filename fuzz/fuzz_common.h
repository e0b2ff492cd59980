// SPDX-License-Identifier: MIT
/*
 * fuzz_common.h - what the fuzz targets share: a growable text buffer to
 * build YAML/JSON manifests from fuzz bytes, a byte reader that never runs
 * past the input, and checks that abort (a broken property is a crash to
 * libFuzzer and a failed test to the replay main).
 *
 * Header-only and static: each target is one translation unit plus
 * replay_main.c (or libFuzzer's main).
 */
#ifndef KGRESS_FUZZ_COMMON_H
#define KGRESS_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kgress.h"

#define FZ_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__,          \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* ------------------------------------------------------------ byte reader */

struct fz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)(hi << 8 | fz_u8(in));
}

static inline uint32_t fz_u32(struct fz_in *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | fz_u8(in);
    return v;
}

/* A token of at most max bytes: a length byte then the bytes. */
static inline size_t fz_token(struct fz_in *in, const uint8_t **p, size_t max)
{
    size_t len = fz_u8(in) % (max + 1);
    if (len > in->n)
        len = in->n;
    *p = in->p;
    in->p += len;
    in->n -= len;
    return len;
}

/* ------------------------------------------------------------ text buffer */

struct fz_buf {
    char *p;
    size_t n, cap;
};

static inline void fz_put(struct fz_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        FZ_CHECK(np != NULL);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void
fz_printf(struct fz_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    FZ_CHECK(n >= 0 && (size_t)n < sizeof(tmp));
    fz_put(b, tmp, (size_t)n);
}

/* s[0..n) as a JSON string literal (YAML reads JSON strings alike). Bytes
 * >= 0x80 pass through as they are, so invalid UTF-8 reaches the loader. */
static inline void fz_json_str(struct fz_buf *b, const uint8_t *s, size_t n)
{
    fz_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            fz_put(b, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            fz_printf(b, "\\u%04x", c);
        } else {
            fz_put(b, (const char *)&c, 1);
        }
    }
    fz_put(b, "\"", 1);
}

static inline void fz_free(struct fz_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* ------------------------------------------------------------ library use */

/* Every diagnostic formats without overflowing and its fields are sane. */
static inline void fz_check_diagnostics(const kg_diagnostics *d)
{
    size_t n = kg_diagnostics_count(d), errors = 0;
    for (size_t i = 0; i < n; i++) {
        int sev = kg_diagnostic_severity(d, i);
        FZ_CHECK(sev == KG_SEVERITY_ERROR || sev == KG_SEVERITY_WARNING);
        errors += sev == KG_SEVERITY_ERROR;
        int code = kg_diagnostic_code(d, i);
        FZ_CHECK(code < 0 && code >= KG_ECODE_MIN);
        FZ_CHECK(kg_diagnostic_file(d, i) && kg_diagnostic_path(d, i) &&
                 kg_diagnostic_message(d, i));
        char small[16];
        size_t need = kg_diagnostic_format(d, i, small, sizeof(small));
        FZ_CHECK(strlen(small) < sizeof(small));
        char *full = malloc(need + 1);
        FZ_CHECK(full != NULL);
        FZ_CHECK(kg_diagnostic_format(d, i, full, need + 1) == need);
        FZ_CHECK(strlen(full) == need);
        free(full);
    }
    FZ_CHECK(errors == kg_diagnostics_errors(d));
    FZ_CHECK(kg_diagnostic_severity(d, n) == -1);
}

static void fz_sink(void *user, const char *text, size_t len)
{
    size_t *total = user;
    (void)text;
    *total += len;
}

/* Dumps a ruleset in both formats (exercises every table walker). */
static inline void fz_dump(const kg_ruleset *rs)
{
    size_t total = 0;
    FZ_CHECK(kg_ruleset_dump(rs, KG_DUMP_TEXT, fz_sink, &total) == 0);
    FZ_CHECK(kg_ruleset_dump(rs, KG_DUMP_JSON, fz_sink, &total) == 0);
}

/* A JSON string for a generated field: one of list[0..n) when the
 * selector byte is below raw_from, else raw fuzz bytes of at most maxraw
 * (values that fail validation). FZ_PICK: for an array list, raw from
 * 0x80 (half the time). */
static inline void fz_put_pick(struct fz_buf *b, struct fz_in *in,
                               const char *const *list, size_t n, size_t maxraw,
                               uint8_t raw_from)
{
    uint8_t sel = fz_u8(in);
    if (sel >= raw_from) {
        const uint8_t *p;
        size_t len = fz_token(in, &p, maxraw);
        fz_json_str(b, p, len);
    } else {
        const char *s = list[sel % n];
        fz_json_str(b, (const uint8_t *)s, strlen(s));
    }
}
#define FZ_PICK(b, in, list, raw)                                              \
    fz_put_pick(b, in, list, sizeof(list) / sizeof(list[0]), raw, 0x80)

/* Loads text and compiles it; returns the ruleset or NULL. The return code
 * of every step must be one the header documents. */
static inline kg_ruleset *fz_compile(const kg_options *opts, const char *buf,
                                     size_t len)
{
    kg_builder *b = kg_builder_new(opts);
    FZ_CHECK(b != NULL);
    int rc = kg_builder_add_buffer(b, "fuzz.yaml", buf, len);
    FZ_CHECK(rc == 0 || rc == KG_ECOMPILE);
    kg_ruleset *rs = NULL;
    int crc = kg_builder_compile(b, &rs);
    FZ_CHECK(crc == 0 || crc == KG_ECOMPILE);
    FZ_CHECK((crc == 0) == (rs != NULL));
    /* a source with errors must make the compile fail */
    if (rc == KG_ECOMPILE)
        FZ_CHECK(crc == KG_ECOMPILE);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    fz_check_diagnostics(d);
    if (crc == 0 && !kg_options_get_flag(opts, KG_FLAG_SKIP_INVALID))
        FZ_CHECK(kg_diagnostics_errors(d) == 0);
    kg_builder_free(b);
    return rs;
}

#endif
