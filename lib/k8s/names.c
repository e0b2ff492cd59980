// SPDX-License-Identifier: MIT
/*
 * names.c - Kubernetes name syntaxes. See names.h. Messages follow
 * apimachinery's wording so users recognise them from kubectl.
 */
#include "k8s/names.h"

#include <string.h>

#include "util/ip.h"

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

const char *kgi_check_dns1123_label(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return n ? "must be no more than 63 characters"
                 : "a lowercase RFC 1123 label must not be empty";
    if (!lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
        goto bad;
    for (size_t i = 0; i < n; i++)
        if (!lower_alnum(s[i]) && s[i] != '-')
            goto bad;
    return NULL;
bad:
    return "a lowercase RFC 1123 label must consist of lower case "
           "alphanumeric characters or '-', and must start and end with an "
           "alphanumeric character (regex "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

const char *kgi_check_dns1123_subdomain(const char *s, size_t n)
{
    if (n == 0)
        return "a lowercase RFC 1123 subdomain must not be empty";
    if (n > 253)
        return "must be no more than 253 characters";
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            size_t len = i - start;
            if (len == 0 || !lower_alnum(s[start]) || !lower_alnum(s[i - 1]))
                goto bad;
            for (size_t j = start; j < i; j++)
                if (!lower_alnum(s[j]) && s[j] != '-')
                    goto bad;
            start = i + 1;
        }
    }
    return NULL;
bad:
    return "a lowercase RFC 1123 subdomain must consist of lower case "
           "alphanumeric characters, '-' or '.', and must start and end with "
           "an alphanumeric character (e.g. 'example.com', regex "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
           "')";
}

const char *kgi_check_wildcard_subdomain(const char *s, size_t n)
{
    if (n < 3 || s[0] != '*' || s[1] != '.' ||
        kgi_check_dns1123_subdomain(s + 2, n - 2))
        return "a wildcard DNS-1123 subdomain must start with '*.', followed "
               "by a valid DNS subdomain, which must consist of lower case "
               "alphanumeric characters, '-' or '.' and end with an "
               "alphanumeric character (e.g. '*.example.com')";
    if (n > 253)
        return "must be no more than 253 characters";
    return NULL;
}

static const char *check_name_part(const char *s, size_t n)
{
    if (n == 0)
        return "name part must be non-empty";
    if (n > 63)
        return "name part must be no more than 63 characters";
    if (!alnum(s[0]) || !alnum(s[n - 1]))
        goto bad;
    for (size_t i = 0; i < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            goto bad;
    return NULL;
bad:
    return "name part must consist of alphanumeric characters, '-', '_' or "
           "'.', and must start and end with an alphanumeric character "
           "(regex '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
}

const char *kgi_check_qualified_name(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return check_name_part(s, n);
    size_t plen = (size_t)(slash - s);
    if (plen == 0)
        return "prefix part must be non-empty";
    if (kgi_check_dns1123_subdomain(s, plen))
        return "prefix part must be a lowercase RFC 1123 subdomain";
    if (memchr(slash + 1, '/', n - plen - 1))
        return "a qualified name must consist of an optional DNS subdomain "
               "prefix and '/' and a name part";
    return check_name_part(slash + 1, n - plen - 1);
}

const char *kgi_check_label_value(const char *s, size_t n)
{
    if (n == 0)
        return NULL;
    if (n > 63)
        return "must be no more than 63 characters";
    if (check_name_part(s, n))
        return "a valid label must be an empty string or consist of "
               "alphanumeric characters, '-', '_' or '.', and must start and "
               "end with an alphanumeric character (regex "
               "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    return NULL;
}

const char *kgi_check_iana_svc_name(const char *s, size_t n)
{
    if (n == 0)
        return "must contain at least one letter (a-z)";
    if (n > 15)
        return "must be no more than 15 characters";
    bool letter = false;
    for (size_t i = 0; i < n; i++) {
        if (!lower_alnum(s[i]) && s[i] != '-')
            return "must contain only alpha-numeric characters (a-z, 0-9), "
                   "and hyphens (-)";
        if (s[i] >= 'a' && s[i] <= 'z')
            letter = true;
        if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
            return "must not contain consecutive hyphens";
    }
    if (s[0] == '-' || s[n - 1] == '-')
        return "must not begin or end with a hyphen";
    if (!letter)
        return "must contain at least one letter (a-z)";
    return NULL;
}

bool kgi_looks_like_ip(const char *s, size_t n)
{
    /* the one strict parser (util/ip: what inet_pton accepts, without a
     * NUL-terminated copy) */
    struct kgi_ip ip;
    return kgi_ip_parse(s, n, &ip);
}
