// SPDX-License-Identifier: MIT
/*
 * dump.c - kgi_netpol_dump: the compiled verdict tables as text or
 * JSON (kgress dump), so that a user can see which pods share an identity
 * and a rule set, which selections hold each identity,
 * how each rule set's table splits the address space (its ranges, or the
 * prefixes of an LPM table) and which rules each peer class admits; then
 * the cluster tiers: policies in evaluation order with their rules
 * (action, name, ports, peers as selections, networks, node addresses
 * and domain patterns) and the chains identities share.
 * Control plane only: not on any lookup path.
 */
#include <string.h>

#include "policy/cnp_model.h"
#include "policy/netpol_model.h"
#include "policy/table.h"
#include "policy/tier_table.h"

static const char *dir_name(int dir)
{
    return dir == KG_INGRESS ? "ingress" : "egress";
}

static void port_text(struct kgi_out *o, const struct kgi_vd_port *p, bool json)
{
    const char *proto = kgi_proto_name(p->proto);
    if (json) {
        if (p->proto == 0)
            kgi_out_printf(o, "{\"protocol\":null");
        else
            kgi_out_printf(o, "{\"protocol\":\"%s\"", proto);
        if (p->kind == KGI_VD_PORT_RANGE)
            kgi_out_printf(o, ",\"port\":%u,\"endPort\":%u", p->lo, p->hi);
        else if (p->kind == KGI_VD_PORT_NAMED) {
            kgi_out_printf(o, ",\"name\":");
            kgi_out_json_str(o, p->name, p->name_len);
        }
        kgi_out_printf(o, "}");
        return;
    }
    if (p->kind == KGI_VD_PORT_ANY)
        kgi_out_printf(o, "%s/*", proto);
    else if (p->kind == KGI_VD_PORT_NAMED && p->proto == 0)
        kgi_out_printf(o, "%.*s", (int)p->name_len, p->name); /* any proto */
    else if (p->kind == KGI_VD_PORT_NAMED)
        kgi_out_printf(o, "%s/%.*s", proto, (int)p->name_len, p->name);
    else if (p->lo == p->hi)
        kgi_out_printf(o, "%s/%u", proto, p->lo);
    else
        kgi_out_printf(o, "%s/%u-%u", proto, p->lo, p->hi);
}

static void rule_text(struct kgi_out *o, const struct kgi_netpol *np,
                      uint32_t id, bool json)
{
    const struct kgi_vd_rule *r = &np->rules[id];
    const char *pol = np->policies[r->policy].name;
    if (json) {
        kgi_out_printf(o, "{\"policy\":");
        kgi_out_json_str(o, pol, strlen(pol));
        kgi_out_printf(o, ",\"direction\":\"%s\",\"rule\":%u,\"ports\":",
                       dir_name(r->dir), r->index);
        if (r->any_ports) {
            kgi_out_printf(o, "\"any\"}");
            return;
        }
        kgi_out_printf(o, "[");
        for (uint32_t k = 0; k < r->n_ports; k++) {
            if (k)
                kgi_out_printf(o, ",");
            port_text(o, &r->ports[k], true);
        }
        kgi_out_printf(o, "]}");
        return;
    }
    kgi_out_printf(o, "%s %s[%u] ports ", pol, dir_name(r->dir), r->index);
    if (r->any_ports) {
        kgi_out_printf(o, "any");
        return;
    }
    for (uint32_t k = 0; k < r->n_ports; k++) {
        if (k)
            kgi_out_printf(o, ",");
        port_text(o, &r->ports[k], false);
    }
}

static void ip_list(struct kgi_out *o, const struct kgi_ip *ips, unsigned n,
                    bool json)
{
    char txt[KGI_IP_STRLEN];
    for (unsigned k = 0; k < n; k++) {
        size_t len = kgi_ip_format(&ips[k], txt);
        if (json) {
            kgi_out_printf(o, "%s", k ? "," : "");
            kgi_out_json_str(o, txt, len);
        } else {
            kgi_out_printf(o, "%s%s", k ? "," : "", txt);
        }
    }
    if (!json && n == 0)
        kgi_out_printf(o, "-");
}

/* The address of a 128-bit table key (IPv4 in the top 32 bits). */
static struct kgi_ip key_ip(int family, struct kgi_u128 k)
{
    struct kgi_ip ip;
    memset(&ip, 0, sizeof(ip));
    ip.family = (uint8_t)family;
    for (int i = 0; i < 8; i++) {
        ip.b[i] = (uint8_t)(k.hi >> (56 - 8 * i));
        ip.b[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
    }
    return ip;
}

static struct kgi_u128 range_start(const struct kgi_cidrtab *t, uint32_t i)
{
    if (t->start4) {
        struct kgi_u128 k = {(uint64_t)t->start4[i] << 32, 0};
        return k;
    }
    return t->start[i];
}

/* Last address of range i: the next start minus one, or the family's
 * last address. */
static struct kgi_ip range_last(const struct kgi_cidrtab *t, uint32_t i)
{
    if (i + 1 == t->n) {
        struct kgi_u128 all = {UINT64_MAX, UINT64_MAX};
        if (t->family == 4)
            all.hi = (uint64_t)UINT32_MAX << 32, all.lo = 0;
        return key_ip(t->family, all);
    }
    struct kgi_u128 k = range_start(t, i + 1);
    if (t->family == 4) {
        k.hi -= (uint64_t)1 << 32;
    } else {
        if (k.lo == 0)
            k.hi--;
        k.lo--;
    }
    return key_ip(t->family, k);
}

/* One table of a rule set: its ranges, or the prefixes of an LPM table. */
static void dump_table(struct kgi_out *o, const struct kgi_vd_ruleset *rs,
                       int fi, bool json)
{
    const struct kgi_cidrtab *t = &rs->tab[fi];
    bool lpm = t->lpm4 || t->lpm6;
    if (json) {
        kgi_out_printf(o,
                       ",\"ipv%d\":{\"table\":\"%s\",\"prefixes\":%u,\"%s\":[",
                       fi ? 6 : 4, lpm ? "lpm" : "ranges", rs->n_pfx[fi],
                       lpm ? "entries" : "ranges");
    } else {
        if (!rs->n_pfx[fi])
            return;
        kgi_out_printf(o, "    IPv%d: %u prefixes, %s\n", fi ? 6 : 4,
                       rs->n_pfx[fi], lpm ? "LPM table" : "range table:");
    }
    uint32_t n = lpm ? rs->n_pfx[fi] : t->n;
    for (uint32_t k = 0; k < n; k++) {
        char a[KGI_CIDR_STRLEN], b[KGI_IP_STRLEN];
        size_t alen, blen = 0;
        uint32_t cls;
        if (lpm) {
            alen = kgi_cidr_format(&rs->pfx[fi][k].cidr, a);
            cls = rs->pfx[fi][k].cls;
        } else {
            struct kgi_ip first = key_ip(t->family, range_start(t, k));
            struct kgi_ip last = range_last(t, k);
            alen = kgi_ip_format(&first, a);
            blen = kgi_ip_format(&last, b);
            cls = t->value[k];
        }
        if (json) {
            kgi_out_printf(o, "%s{\"%s\":", k ? "," : "",
                           lpm ? "prefix" : "first");
            kgi_out_json_str(o, a, alen);
            if (!lpm) {
                kgi_out_printf(o, ",\"last\":");
                kgi_out_json_str(o, b, blen);
            }
            if (cls == KGI_CIDRTAB_NONE)
                kgi_out_printf(o, ",\"class\":null}");
            else
                kgi_out_printf(o, ",\"class\":%u}", cls);
            continue;
        }
        if (lpm)
            kgi_out_printf(o, "      %s", a);
        else
            kgi_out_printf(o, "      %s - %s", a, b);
        if (cls == KGI_CIDRTAB_NONE)
            kgi_out_printf(o, " -> default\n");
        else
            kgi_out_printf(o, " -> class %u\n", cls);
    }
    if (json)
        kgi_out_printf(o, "]}");
}

/* A pod's rule set in dir, NONE when open (or hostNetwork). */
static uint32_t pod_rs(const struct kgi_netpol *np, const struct kgi_vd_pod *p,
                       int dir)
{
    if (p->host_network || p->ident == KGI_VD_NONE)
        return KGI_VD_NONE;
    return kgi_vd_ident_at(np, p->ident)->rs[dir];
}

static void sel_list(struct kgi_out *o, const uint32_t *v, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        kgi_out_printf(o, "%s%u", k ? "," : "", v[k]);
}

static const char *tier_name(int tier)
{
    return tier == KGI_CNP_ADMIN ? "admin" : "baseline";
}

static void cidr_list(struct kgi_out *o, const struct kgi_cidr *v, uint32_t n,
                      bool json)
{
    char txt[KGI_CIDR_STRLEN];
    for (uint32_t k = 0; k < n; k++) {
        size_t len = kgi_cidr_format(&v[k], txt);
        kgi_out_printf(o, "%s", k ? "," : "");
        if (json)
            kgi_out_json_str(o, txt, len);
        else
            kgi_out_printf(o, "%s", txt);
    }
}

/* One tier rule: action, name, ports, peers. */
static void tier_rule(struct kgi_out *o, const struct kgi_tiers *t, uint32_t id,
                      bool json)
{
    const struct kgi_tr_rule *r = &t->rules[id];
    const struct kgi_tr_policy *p = &t->policies[r->policy];
    const char *act = kgi_cnp_action_name(r->action, p->version);
    if (json) {
        kgi_out_printf(o,
                       "{\"id\":%u,\"direction\":\"%s\",\"index\":%u,"
                       "\"action\":\"%s\",\"name\":",
                       id, dir_name(r->dir), r->index, act);
        if (r->name)
            kgi_out_json_str(o, r->name, strlen(r->name));
        else
            kgi_out_printf(o, "null");
        kgi_out_printf(o, ",\"ports\":");
        if (r->any_ports)
            kgi_out_printf(o, "\"any\"");
        for (uint32_t k = 0; !r->any_ports && k < r->n_ports; k++) {
            kgi_out_printf(o, "%s", k ? "," : "[");
            port_text(o, &r->ports[k], true);
        }
        kgi_out_printf(o, "%s,\"selections\":[", r->any_ports ? "" : "]");
        sel_list(o, r->sels, r->n_sels);
        kgi_out_printf(o, "],\"networks\":[");
        cidr_list(o, r->nets, r->n_nets, true);
        kgi_out_printf(o, "],\"node_addresses\":[");
        ip_list(o, r->addrs, r->n_addrs, true);
        kgi_out_printf(o, "],\"domain_patterns\":[");
        sel_list(o, r->domains, r->n_domains);
        kgi_out_printf(o, "]}");
        return;
    }
    kgi_out_printf(o, "    %s[%u] %s", dir_name(r->dir), r->index, act);
    if (r->name)
        kgi_out_printf(o, " \"%s\"", r->name);
    kgi_out_printf(o, " ports ");
    if (r->any_ports)
        kgi_out_printf(o, "any");
    for (uint32_t k = 0; !r->any_ports && k < r->n_ports; k++) {
        kgi_out_printf(o, "%s", k ? "," : "");
        port_text(o, &r->ports[k], false);
    }
    kgi_out_printf(o, " peers:");
    if (r->n_sels) {
        kgi_out_printf(o, " selections ");
        sel_list(o, r->sels, r->n_sels);
    }
    if (r->n_nets) {
        kgi_out_printf(o, " networks ");
        cidr_list(o, r->nets, r->n_nets, false);
    }
    if (r->n_addrs) {
        kgi_out_printf(o, " nodes ");
        ip_list(o, r->addrs, r->n_addrs, false);
    }
    if (r->n_domains) {
        kgi_out_printf(o, " domain patterns ");
        sel_list(o, r->domains, r->n_domains);
    }
    if (!r->n_sels && !r->n_nets && !r->n_addrs && !r->n_domains)
        kgi_out_printf(o, " none (matches nothing)");
    kgi_out_printf(o, "\n");
}

/* The domain-name pattern table of the tiers: pattern id -> normalized
 * text (what rules' "domain patterns" ids refer to), its shape and size. */
static void names_text(const struct kgi_namepat *t, struct kgi_out *o)
{
    uint32_t wild = 0;
    for (uint32_t i = 0; i < t->n_patterns; i++)
        wild += kgi_namepat_text(t, i)[0] == '*';
    kgi_out_printf(o,
                   "domain names: %u patterns (%u exact, %u wildcard), %u "
                   "bodies, %zu bytes\n",
                   t->n_patterns, t->n_patterns - wild, wild, t->n_bodies,
                   kgi_namepat_bytes(t));
    for (uint32_t i = 0; i < t->n_patterns; i++)
        kgi_out_printf(o, "  %u %s\n", i, kgi_namepat_text(t, i));
}

static void names_json(const struct kgi_namepat *t, struct kgi_out *o)
{
    kgi_out_printf(o, "{\"bodies\":%u,\"bytes\":%zu,\"patterns\":[",
                   t->n_bodies, kgi_namepat_bytes(t));
    for (uint32_t i = 0; i < t->n_patterns; i++) {
        const char *p = kgi_namepat_text(t, i);
        kgi_out_printf(o, "%s", i ? "," : "");
        kgi_out_json_str(o, p, strlen(p));
    }
    kgi_out_printf(o, "]}");
}

static void dump_tiers_text(const struct kgi_netpol *np, struct kgi_out *o)
{
    const struct kgi_tiers *t = np->tiers;
    if (!t)
        return;
    kgi_out_printf(o,
                   "tiers: %u policies, %u rules, %u chains, %u Nodes, %u "
                   "domain patterns (evaluation order: admin by priority, "
                   "kind, name; NetworkPolicy; baseline)\n",
                   t->n_policies, t->n_rules, t->n_chains, t->n_nodes,
                   t->names.n_patterns);
    for (uint32_t i = 0; i < t->n_policies; i++) {
        const struct kgi_tr_policy *p = &t->policies[i];
        kgi_out_printf(o, "  %s %s %s", tier_name(p->tier), p->kind, p->name);
        if (p->priority >= 0)
            kgi_out_printf(o, " priority %d", (int)p->priority);
        kgi_out_printf(o, ", %u pods\n", p->n_pods);
        for (int dir = 0; dir < 2; dir++)
            for (uint32_t k = 0; k < p->n_rules[dir]; k++)
                tier_rule(o, t, p->first_rule[dir] + k, false);
    }
    kgi_out_printf(o, "chains:\n");
    for (uint32_t c = 0; c < t->n_chains; c++) {
        const struct kgi_tr_chain *ch = &t->chains[c];
        kgi_out_printf(o,
                       "  chain %u %s, %u pods, %u admin + %u baseline "
                       "rules, policies:",
                       c, dir_name(ch->dir), ch->n_pods, ch->n_admin,
                       ch->n_base);
        for (uint32_t k = 0; k < ch->n_policies; k++)
            kgi_out_printf(o, " %s", t->policies[ch->policies[k]].name);
        kgi_out_printf(o, "\n");
    }
    names_text(&t->names, o);
}

static void dump_tiers_json(const struct kgi_netpol *np, struct kgi_out *o)
{
    const struct kgi_tiers *t = np->tiers;
    if (!t) {
        kgi_out_printf(o, "null");
        return;
    }
    kgi_out_printf(o, "{\"nodes\":%u,\"domain_patterns\":%u,\"policies\":[",
                   t->n_nodes, t->names.n_patterns);
    for (uint32_t i = 0; i < t->n_policies; i++) {
        const struct kgi_tr_policy *p = &t->policies[i];
        kgi_out_printf(o, "%s{\"name\":", i ? "," : "");
        kgi_out_json_str(o, p->name, strlen(p->name));
        kgi_out_printf(o, ",\"kind\":\"%s\",\"tier\":\"%s\",\"priority\":",
                       p->kind, tier_name(p->tier));
        if (p->priority >= 0)
            kgi_out_printf(o, "%d", (int)p->priority);
        else
            kgi_out_printf(o, "null");
        kgi_out_printf(o, ",\"pods\":%u,\"rules\":[", p->n_pods);
        bool first = true;
        for (int dir = 0; dir < 2; dir++) {
            for (uint32_t k = 0; k < p->n_rules[dir]; k++) {
                kgi_out_printf(o, "%s", first ? "" : ",");
                first = false;
                tier_rule(o, t, p->first_rule[dir] + k, true);
            }
        }
        kgi_out_printf(o, "]}");
    }
    kgi_out_printf(o, "],\"chains\":[");
    for (uint32_t c = 0; c < t->n_chains; c++) {
        const struct kgi_tr_chain *ch = &t->chains[c];
        kgi_out_printf(o,
                       "%s{\"id\":%u,\"direction\":\"%s\",\"pods\":%u,"
                       "\"admin_rules\":%u,\"baseline_rules\":%u,"
                       "\"policies\":[",
                       c ? "," : "", c, dir_name(ch->dir), ch->n_pods,
                       ch->n_admin, ch->n_base);
        for (uint32_t k = 0; k < ch->n_policies; k++) {
            const char *n = t->policies[ch->policies[k]].name;
            kgi_out_printf(o, "%s", k ? "," : "");
            kgi_out_json_str(o, n, strlen(n));
        }
        kgi_out_printf(o, "]}");
    }
    kgi_out_printf(o, "],\"domain_names\":");
    names_json(&t->names, o);
    kgi_out_printf(o, "}");
}

static void dump_text(const struct kgi_netpol *np, struct kgi_out *o)
{
    kgi_out_printf(o,
                   "network policies: %u policies, %u pods, %zu pod IPs, %u "
                   "identities, %u selections, %u rule sets, %u peer "
                   "classes\n",
                   np->n_policies, np->n_pods, np->n_endpoints, np->n_idents,
                   np->n_sels, np->n_rulesets, np->n_classes);
    kgi_out_printf(
        o,
        "options: ipblock-matches-pods=%s "
        "select-hostnetwork=%s node-ingress=%s loopback=%s\n",
        np->ipblock_pods ? "on" : "off", np->select_hostnet ? "on" : "off",
        np->node_ingress ? "on" : "off", np->loopback ? "on" : "off");
    kgi_out_printf(o, "pods:\n");
    for (uint32_t i = 0; i < np->n_pods; i++) {
        const struct kgi_vd_pod *p = kgi_vd_pod_at(np, i);
        if (kgi_vd_pod_dead(np, i))
            continue;
        kgi_out_printf(o, "  %s ", p->name);
        ip_list(o, p->ips, p->n_ips, false);
        if (p->host_network) {
            kgi_out_printf(o, " hostNetwork (not subject to policy)\n");
            continue;
        }
        for (int dir = 0; dir < 2; dir++) {
            uint32_t r = pod_rs(np, p, dir);
            if (r == KGI_VD_NONE)
                kgi_out_printf(o, " %s=open", dir_name(dir));
            else
                kgi_out_printf(o, " %s=rs%u", dir_name(dir), r);
        }
        for (uint32_t k = 0; k < p->n_named; k++)
            kgi_out_printf(o, "%s%.*s=%s/%u",
                           k ? "," : " ports:", (int)p->named[k].name_len,
                           p->named[k].name, kgi_proto_name(p->named[k].proto),
                           p->named[k].port);
        kgi_out_printf(o, " identity %u\n", p->ident);
    }
    kgi_out_printf(o, "identities:\n");
    for (uint32_t i = 0; i < np->n_idents; i++) {
        const struct kgi_vd_ident *d = kgi_vd_ident_at(np, i);
        kgi_out_printf(o,
                       "  identity %u: namespace %s, %u pods (as %s), "
                       "selections: ",
                       i, np->ns_names[d->ns], d->n_pods,
                       kgi_vd_pod_at(np, d->first)->name);
        if (d->n_sels)
            sel_list(o, d->sels, d->n_sels);
        else
            kgi_out_printf(o, "-");
        kgi_out_printf(o, "\n");
    }
    kgi_out_printf(o, "rule sets:\n");
    for (uint32_t r = 0; r < np->n_rulesets; r++) {
        const struct kgi_vd_ruleset *rs = kgi_vd_ruleset_at(np, r);
        kgi_out_printf(o, "  rs%u %s, %u pods, policies:", r, dir_name(rs->dir),
                       rs->n_pods);
        for (uint32_t k = 0; k < rs->n_policies; k++)
            kgi_out_printf(o, " %s", np->policies[rs->policies[k]].name);
        kgi_out_printf(o, "\n    default -> class %u\n", rs->default_class);
        for (uint32_t k = 0; k < rs->n_sel_rules; k++) {
            const struct kgi_vd_rule *sr = &np->rules[rs->sel_rules[k]];
            kgi_out_printf(o, "    selector rule ");
            rule_text(o, np, rs->sel_rules[k], false);
            kgi_out_printf(o, " <- selections ");
            sel_list(o, sr->sels, sr->n_sels);
            kgi_out_printf(o, "\n");
        }
        for (int fi = 0; fi < 2; fi++)
            dump_table(o, rs, fi, false);
    }
    kgi_out_printf(o, "peer classes:\n");
    for (uint32_t c = 0; c < np->n_classes; c++) {
        const struct kgi_vd_class *cl = kgi_vd_class_at(np, c);
        kgi_out_printf(o, "  class %u:%s\n", c,
                       cl->n ? "" : " (no rule: deny)");
        for (uint32_t k = 0; k < cl->n; k++) {
            kgi_out_printf(o, "    ");
            rule_text(o, np, cl->rules[k], false);
            kgi_out_printf(o, "\n");
        }
    }
    dump_tiers_text(np, o);
}

static void dump_json(const struct kgi_netpol *np, struct kgi_out *o)
{
    kgi_out_printf(o,
                   "{\"options\":{\"ipblock_matches_pods\":%s,"
                   "\"select_hostnetwork\":%s,\"node_ingress\":%s,"
                   "\"loopback\":%s},\"pods\":[",
                   np->ipblock_pods ? "true" : "false",
                   np->select_hostnet ? "true" : "false",
                   np->node_ingress ? "true" : "false",
                   np->loopback ? "true" : "false");
    bool first = true;
    for (uint32_t i = 0; i < np->n_pods; i++) {
        const struct kgi_vd_pod *p = kgi_vd_pod_at(np, i);
        if (kgi_vd_pod_dead(np, i))
            continue;
        kgi_out_printf(o, "%s{\"name\":", first ? "" : ",");
        first = false;
        kgi_out_json_str(o, p->name, strlen(p->name));
        kgi_out_printf(o, ",\"ips\":[");
        ip_list(o, p->ips, p->n_ips, true);
        kgi_out_printf(o, "],\"host_network\":%s",
                       p->host_network ? "true" : "false");
        for (int dir = 0; dir < 2; dir++) {
            uint32_t r = pod_rs(np, p, dir);
            if (r == KGI_VD_NONE)
                kgi_out_printf(o, ",\"%s\":null", dir_name(dir));
            else
                kgi_out_printf(o, ",\"%s\":%u", dir_name(dir), r);
        }
        kgi_out_printf(o, ",\"named_ports\":[");
        for (uint32_t k = 0; k < p->n_named; k++) {
            kgi_out_printf(o, "%s{\"name\":", k ? "," : "");
            kgi_out_json_str(o, p->named[k].name, p->named[k].name_len);
            kgi_out_printf(o, ",\"protocol\":\"%s\",\"port\":%u}",
                           kgi_proto_name(p->named[k].proto), p->named[k].port);
        }
        kgi_out_printf(o, "]");
        if (p->ident == KGI_VD_NONE)
            kgi_out_printf(o, ",\"identity\":null}");
        else
            kgi_out_printf(o, ",\"identity\":%u}", p->ident);
    }
    kgi_out_printf(o, "],\"identities\":[");
    for (uint32_t i = 0; i < np->n_idents; i++) {
        const struct kgi_vd_ident *d = kgi_vd_ident_at(np, i);
        kgi_out_printf(o, "%s{\"id\":%u,\"namespace\":", i ? "," : "", i);
        kgi_out_json_str(o, np->ns_names[d->ns], strlen(np->ns_names[d->ns]));
        kgi_out_printf(o, ",\"pods\":%u,\"selections\":[", d->n_pods);
        sel_list(o, d->sels, d->n_sels);
        kgi_out_printf(o, "]}");
    }
    kgi_out_printf(o, "],\"policies\":[");
    first = true;
    for (uint32_t i = 0; i < np->n_policies; i++) {
        const struct kgi_vd_policy *p = &np->policies[i];
        if (kgi_vd_policy_dead(np, i))
            continue; /* a delta compiled it again */
        kgi_out_printf(o, "%s{\"name\":", first ? "" : ",");
        first = false;
        kgi_out_json_str(o, p->name, strlen(p->name));
        kgi_out_printf(o,
                       ",\"ingress\":%s,\"egress\":%s,\"ingress_rules\":%u,"
                       "\"egress_rules\":%u,\"ingress_pods\":%u,"
                       "\"egress_pods\":%u}",
                       p->types[KG_INGRESS] ? "true" : "false",
                       p->types[KG_EGRESS] ? "true" : "false",
                       p->n_rules[KG_INGRESS], p->n_rules[KG_EGRESS],
                       p->n_pods[KG_INGRESS], p->n_pods[KG_EGRESS]);
    }
    kgi_out_printf(o, "],\"rulesets\":[");
    for (uint32_t r = 0; r < np->n_rulesets; r++) {
        const struct kgi_vd_ruleset *rs = kgi_vd_ruleset_at(np, r);
        kgi_out_printf(o,
                       "%s{\"id\":%u,\"direction\":\"%s\",\"pods\":%u,"
                       "\"policies\":[",
                       r ? "," : "", r, dir_name(rs->dir), rs->n_pods);
        for (uint32_t k = 0; k < rs->n_policies; k++) {
            const char *n = np->policies[rs->policies[k]].name;
            kgi_out_printf(o, "%s", k ? "," : "");
            kgi_out_json_str(o, n, strlen(n));
        }
        kgi_out_printf(o, "],\"default_class\":%u,\"selector_rules\":[",
                       rs->default_class);
        for (uint32_t k = 0; k < rs->n_sel_rules; k++) {
            const struct kgi_vd_rule *sr = &np->rules[rs->sel_rules[k]];
            kgi_out_printf(o, "%s{\"rule\":", k ? "," : "");
            rule_text(o, np, rs->sel_rules[k], true);
            kgi_out_printf(o, ",\"selections\":[");
            sel_list(o, sr->sels, sr->n_sels);
            kgi_out_printf(o, "]}");
        }
        kgi_out_printf(o, "]");
        for (int fi = 0; fi < 2; fi++)
            dump_table(o, rs, fi, true);
        kgi_out_printf(o, "}");
    }
    kgi_out_printf(o, "],\"classes\":[");
    for (uint32_t c = 0; c < np->n_classes; c++) {
        const struct kgi_vd_class *cl = kgi_vd_class_at(np, c);
        kgi_out_printf(o, "%s{\"id\":%u,\"rules\":[", c ? "," : "", c);
        for (uint32_t k = 0; k < cl->n; k++) {
            if (k)
                kgi_out_printf(o, ",");
            rule_text(o, np, cl->rules[k], true);
        }
        kgi_out_printf(o, "]}");
    }
    kgi_out_printf(o, "],\"tiers\":");
    dump_tiers_json(np, o);
    kgi_out_printf(o, "}");
}

void kgi_netpol_dump(const struct kgi_netpol *np, int format, struct kgi_out *o)
{
    if (!np) {
        kgi_out_printf(o, format == KG_DUMP_JSON ? "null" : "");
        return;
    }
    if (format == KG_DUMP_JSON)
        dump_json(np, o);
    else
        dump_text(np, o);
}
