// SPDX-License-Identifier: MIT
/*
 * verdict.c - kg_reason_name and kg_verdict_format: a verdict as one line
 * of text ("denied (egress ns/a: ...; ingress ns/b: ...)"), for logs and
 * the CLI. Reads only the caller's struct (the details only when its size
 * has them); never allocates; truncates like snprintf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kgress.h"

KG_API const char *kg_reason_name(int reason)
{
    switch (reason) {
    case KG_REASON_NOT_A_POD:
        return "not-a-pod";
    case KG_REASON_NOT_ISOLATED:
        return "not-isolated";
    case KG_REASON_ALLOWED_BY_RULE:
        return "allowed-by-rule";
    case KG_REASON_NO_RULE:
        return "no-rule";
    case KG_REASON_LOOPBACK:
        return "loopback";
    case KG_REASON_NODE:
        return "node";
    case KG_REASON_HOST_NETWORK:
        return "host-network";
    case KG_REASON_NO_ENDPOINTS:
        return "no-endpoints";
    case KG_REASON_DENIED_BY_RULE:
        return "denied-by-rule";
    default:
        return "?";
    }
}

struct fmt {
    char *buf;
    size_t cap, len;
};

static void put(struct fmt *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(struct fmt *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = f->len < f->cap ? f->buf + f->len : NULL;
    size_t room = f->len < f->cap ? f->cap - f->len : 0;
    int n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->len += (size_t)n;
}

/* "AdminNetworkPolicy p egress[0] "name" (admin tier, priority 6)" of a
 * cluster tier's rule; false for any other side. */
static bool put_tier_rule(struct fmt *f, const char *dir,
                          const struct kg_side *s,
                          const struct kg_side_detail *d)
{
    if (!d || (d->tier != KG_TIER_ADMIN && d->tier != KG_TIER_BASELINE))
        return false;
    put(f, "%s by %s %s %s[%d]", s->allowed ? "allowed" : "denied",
        d->policy_kind ? d->policy_kind : "?", s->policy ? s->policy : "?", dir,
        s->rule);
    if (d->rule_name)
        put(f, " \"%s\"", d->rule_name);
    put(f, " (%s tier", d->tier == KG_TIER_ADMIN ? "admin" : "baseline");
    if (d->priority >= 0)
        put(f, ", priority %d", (int)d->priority);
    put(f, ")");
    return true;
}

static void put_side(struct fmt *f, const char *dir, const struct kg_side *s,
                     const struct kg_side_detail *d)
{
    if (s->reason == KG_REASON_NOT_A_POD) {
        put(f, "%s: not a pod", dir);
        return;
    }
    if (s->reason == KG_REASON_NO_ENDPOINTS) {
        /* a Service port with no ready endpoint: no pod receives it */
        put(f, "%s: no ready endpoint", dir);
        return;
    }
    put(f, "%s %s: ", dir, s->pod_name ? s->pod_name : "?");
    if (put_tier_rule(f, dir, s, d))
        return;
    switch (s->reason) {
    case KG_REASON_NOT_ISOLATED:
        put(f, "not isolated");
        break;
    case KG_REASON_ALLOWED_BY_RULE:
        put(f, "allowed by %s %s[%d]", s->policy ? s->policy : "?", dir,
            s->rule);
        break;
    case KG_REASON_DENIED_BY_RULE:
        put(f, "denied by %s %s[%d]", s->policy ? s->policy : "?", dir,
            s->rule);
        break;
    case KG_REASON_NO_RULE:
        put(f, "no rule allows, isolated by %u polic%s", s->policies,
            s->policies == 1 ? "y" : "ies");
        break;
    case KG_REASON_LOOPBACK:
        put(f, "allowed: the pod reaches itself");
        break;
    case KG_REASON_NODE:
        put(f, "allowed: from the pod's node");
        break;
    case KG_REASON_HOST_NETWORK:
        put(f, "hostNetwork pod, not subject to policy");
        break;
    default:
        put(f, "?");
        break;
    }
}

KG_API size_t kg_verdict_format(const struct kg_verdict *v, char *buf,
                                size_t cap)
{
    struct fmt f = {buf, buf ? cap : 0, 0};
    if (f.cap)
        buf[0] = '\0';
    if (!v)
        return 0;
    /* the details when the caller's struct has them (since 0.2) */
    bool detail = v->size >= offsetof(struct kg_verdict, ingress_detail) +
                                 sizeof(v->ingress_detail);
    put(&f, "%s (", v->allowed ? "allowed" : "denied");
    /* a flow to a Service address: the sides are those of an endpoint */
    bool svc =
        v->size >= offsetof(struct kg_verdict, service) + sizeof(v->service) &&
        v->service;
    if (svc)
        put(&f, "service %s, %u ready endpoint%s; ", v->service, v->endpoints,
            v->endpoints == 1 ? "" : "s");
    put_side(&f, "egress", &v->egress, detail ? &v->egress_detail : NULL);
    put(&f, "; ");
    put_side(&f, "ingress", &v->ingress, detail ? &v->ingress_detail : NULL);
    put(&f, ")");
    return f.len;
}
