// SPDX-License-Identifier: MIT
/*
 * names.h - the name syntaxes of Kubernetes apimachinery
 * (k8s.io/apimachinery/pkg/util/validation): DNS-1123 labels and
 * subdomains, wildcard subdomains, qualified names (label keys), label
 * values and IANA service names. Each returns NULL when valid, else a
 * static message saying what is allowed, worded like the API server's.
 */
#ifndef KGI_VALIDATE_NAMES_H
#define KGI_VALIDATE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters */
const char *kgi_check_dns1123_label(const char *s, size_t n);
/* dot-separated DNS-1123 labels, at most 253 characters */
const char *kgi_check_dns1123_subdomain(const char *s, size_t n);
/* "*." followed by a DNS-1123 subdomain */
const char *kgi_check_wildcard_subdomain(const char *s, size_t n);
/* [prefix/]name: prefix a DNS subdomain, name [A-Za-z0-9]([-A-Za-z0-9_.]*
 * [A-Za-z0-9])? of at most 63 characters (label and annotation keys) */
const char *kgi_check_qualified_name(const char *s, size_t n);
/* empty, or like the name part of a qualified name */
const char *kgi_check_label_value(const char *s, size_t n);
/* IANA_SVC_NAME: <= 15 chars, [a-z0-9-], a letter, no leading, trailing or
 * double '-' */
const char *kgi_check_iana_svc_name(const char *s, size_t n);
/* A textual IPv4 or IPv6 address (used to reject IPs as hosts). */
bool kgi_looks_like_ip(const char *s, size_t n);

#endif
