// SPDX-License-Identifier: MIT
/*
 * json.c - the JSON writer of the kgress tool (see json.h). Writes straight
 * to a stdio stream: the tool's answers are small and line-buffered by
 * json_line_end, so nothing is assembled in memory.
 */
#include "json.h"

void json_init(struct json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->after_key = false;
    j->first[0] = true;
}

/* Separator before a value or a key at the current level. */
static void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = false;
}

static void open(struct json *j, int ch)
{
    sep(j);
    fputc(ch, j->out);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(struct json *j, int ch)
{
    fputc(ch, j->out);
    if (j->depth > 0)
        j->depth--;
}

void json_object_begin(struct json *j)
{
    open(j, '{');
}

void json_object_end(struct json *j)
{
    close_(j, '}');
}

void json_array_begin(struct json *j)
{
    open(j, '[');
}

void json_array_end(struct json *j)
{
    close_(j, ']');
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 section 4:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

void json_str(struct json *j, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    sep(j);
    fputc('"', j->out);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            fputc('\\', j->out);
            fputc(c, j->out);
            i++;
        } else if (c == '\n') {
            fputs("\\n", j->out);
            i++;
        } else if (c == '\t') {
            fputs("\\t", j->out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(j->out, "\\u%04x", c);
            i++;
        } else {
            size_t len = utf8_len(u + i, n - i);
            unsigned cp = 0;
            if (len == 2 || len == 3)
                cp = len == 2 ? (u[i] & 0x1fu) << 6 | (u[i + 1] & 0x3fu)
                              : (u[i] & 0x0fu) << 12 | (u[i + 1] & 0x3fu) << 6 |
                                    (u[i + 2] & 0x3fu);
            if (len == 0) {
                fputs("\\ufffd", j->out);
                i++;
            } else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
                       cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
                       (cp >= 0x2066 && cp <= 0x2069)) {
                /* C1 controls, line separators, bidi overrides: escaped
                 * (the same string to a parser, inert in a log) */
                fprintf(j->out, "\\u%04x", cp);
                i += len;
            } else {
                fwrite(u + i, 1, len, j->out);
                i += len;
            }
        }
    }
    fputc('"', j->out);
}

void json_cstr(struct json *j, const char *s)
{
    if (!s) {
        json_null(j);
        return;
    }
    size_t n = 0;
    while (s[n])
        n++;
    json_str(j, s, n);
}

void json_key(struct json *j, const char *key)
{
    json_cstr(j, key);
    fputc(':', j->out);
    j->after_key = true;
}

void json_int(struct json *j, long long v)
{
    sep(j);
    fprintf(j->out, "%lld", v);
}

void json_bool(struct json *j, bool v)
{
    sep(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
    sep(j);
    fputs("null", j->out);
}

void json_line_end(struct json *j)
{
    fputc('\n', j->out);
    fflush(j->out);
    json_init(j, j->out);
}

void json_kv_str(struct json *j, const char *key, const char *s, size_t n)
{
    json_key(j, key);
    json_str(j, s, n);
}

void json_kv_cstr(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_cstr(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
    json_key(j, key);
    json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
    json_key(j, key);
    json_null(j);
}
