// SPDX-License-Identifier: MIT
/*
 * layout_probe.c - prints the layout of every public struct of kgress.h as
 * this compiler lays it out, for tests/python/test_layout.py to compare
 * with the ctypes mirrors of python/kgress (a mirror that drifts from the
 * header reads the wrong bytes silently; this makes it fail a test).
 *
 * One line per struct, "STRUCT sizeof", then one per member,
 * "STRUCT.member offsetof sizeof", in header order. A member missing here
 * still shows as a sizeof difference.
 */
#include <stddef.h>
#include <stdio.h>

#include "kgress.h"

#define S(T) printf("%s %zu\n", #T, sizeof(struct T))
#define M(T, m)                                                                \
    printf("%s.%s %zu %zu\n", #T, #m, offsetof(struct T, m),                   \
           sizeof(((struct T *)0)->m))

int main(void)
{
    S(kg_route);
    M(kg_route, size);
    M(kg_route, ns);
    M(kg_route, ns_len);
    M(kg_route, ingress);
    M(kg_route, ingress_len);
    M(kg_route, service);
    M(kg_route, service_len);
    M(kg_route, port);
    M(kg_route, port_name);
    M(kg_route, port_name_len);
    M(kg_route, is_resource);
    M(kg_route, resource_api_group);
    M(kg_route, resource_api_group_len);
    M(kg_route, resource_kind);
    M(kg_route, resource_kind_len);
    M(kg_route, resource_name);
    M(kg_route, resource_name_len);
    M(kg_route, is_default);
    M(kg_route, path_type);
    M(kg_route, matched_path);
    M(kg_route, matched_path_len);
    M(kg_route, normalized_path);
    M(kg_route, normalized_path_len);
    M(kg_route, source_kind);
    M(kg_route, source_kind_len);
    M(kg_route, source_name);
    M(kg_route, source_name_len);
    M(kg_route, rule);
    M(kg_route, match);
    M(kg_route, status);
    M(kg_route, backend_ns);
    M(kg_route, backend_ns_len);
    M(kg_route, weight);
    M(kg_route, total_weight);
    M(kg_route, listener);
    M(kg_route, listener_len);
    M(kg_route, filters);
    M(kg_route, n_filters);
    M(kg_route, backend_filters);
    M(kg_route, n_backend_filters);
    M(kg_route, redirect_scheme);
    M(kg_route, redirect_scheme_len);
    M(kg_route, redirect_host);
    M(kg_route, redirect_host_len);
    M(kg_route, redirect_port);
    M(kg_route, redirect_path);
    M(kg_route, redirect_path_len);
    M(kg_route, rewrite_host);
    M(kg_route, rewrite_host_len);
    M(kg_route, rewrite_path);
    M(kg_route, rewrite_path_len);

    S(kg_header);
    M(kg_header, name);
    M(kg_header, name_len);
    M(kg_header, value);
    M(kg_header, value_len);

    S(kg_http_request);
    M(kg_http_request, size);
    M(kg_http_request, host);
    M(kg_http_request, host_len);
    M(kg_http_request, path);
    M(kg_http_request, path_len);
    M(kg_http_request, method);
    M(kg_http_request, method_len);
    M(kg_http_request, headers);
    M(kg_http_request, n_headers);
    M(kg_http_request, pick);
    M(kg_http_request, gateway);
    M(kg_http_request, gateway_len);
    M(kg_http_request, port);
    M(kg_http_request, sni);
    M(kg_http_request, sni_len);

    S(kg_header_op);
    M(kg_header_op, op);
    M(kg_header_op, name);
    M(kg_header_op, name_len);
    M(kg_header_op, value);
    M(kg_header_op, value_len);

    S(kg_filter);
    M(kg_filter, type);
    M(kg_filter, ops);
    M(kg_filter, n_ops);
    M(kg_filter, scheme);
    M(kg_filter, scheme_len);
    M(kg_filter, hostname);
    M(kg_filter, hostname_len);
    M(kg_filter, port);
    M(kg_filter, status_code);
    M(kg_filter, path_modifier);
    M(kg_filter, path);
    M(kg_filter, path_len);
    M(kg_filter, mirror_ns);
    M(kg_filter, mirror_ns_len);
    M(kg_filter, mirror_service);
    M(kg_filter, mirror_service_len);
    M(kg_filter, mirror_port);
    M(kg_filter, mirror_numerator);
    M(kg_filter, mirror_denominator);
    M(kg_filter, mirror_valid);
    M(kg_filter, reserved);

    S(kg_tls);
    M(kg_tls, size);
    M(kg_tls, ns);
    M(kg_tls, ns_len);
    M(kg_tls, secret);
    M(kg_tls, secret_len);
    M(kg_tls, ingress);
    M(kg_tls, ingress_len);
    M(kg_tls, host);
    M(kg_tls, host_len);

    S(kg_addr);
    M(kg_addr, family);
    M(kg_addr, bytes);

    S(kg_side);
    M(kg_side, allowed);
    M(kg_side, reason);
    M(kg_side, pod);
    M(kg_side, pod_name);
    M(kg_side, policy);
    M(kg_side, rule);
    M(kg_side, policies);

    S(kg_side_detail);
    M(kg_side_detail, tier);
    M(kg_side_detail, action);
    M(kg_side_detail, policy_kind);
    M(kg_side_detail, policy);
    M(kg_side_detail, rule_name);
    M(kg_side_detail, rule);
    M(kg_side_detail, priority);
    M(kg_side_detail, domain);
    M(kg_side_detail, name);
    M(kg_side_detail, reserved);

    S(kg_verdict);
    M(kg_verdict, size);
    M(kg_verdict, allowed);
    M(kg_verdict, egress);
    M(kg_verdict, ingress);
    M(kg_verdict, service);
    M(kg_verdict, endpoints);
    M(kg_verdict, endpoint);
    M(kg_verdict, endpoint_port);
    M(kg_verdict, egress_detail);
    M(kg_verdict, ingress_detail);

    S(kg_flow);
    M(kg_flow, size);
    M(kg_flow, src);
    M(kg_flow, dst);
    M(kg_flow, protocol);
    M(kg_flow, port);
    M(kg_flow, dst_name);
    M(kg_flow, dst_name_len);
    M(kg_flow, name_trust);
    M(kg_flow, cache);
    M(kg_flow, now);
    M(kg_flow, name_buf);
    M(kg_flow, name_buf_size);

    S(kg_rule_match);
    M(kg_rule_match, tier);
    M(kg_rule_match, action);
    M(kg_rule_match, policy_kind);
    M(kg_rule_match, policy);
    M(kg_rule_match, priority);
    M(kg_rule_match, rule);
    M(kg_rule_match, rule_name);
    M(kg_rule_match, peer);
    M(kg_rule_match, ports);
    M(kg_rule_match, matched);
    M(kg_rule_match, effect);
    M(kg_rule_match, reserved);

    S(kg_kind_count);
    M(kg_kind_count, size);
    M(kg_kind_count, kind);
    M(kg_kind_count, read);
    M(kg_kind_count, skipped);

    S(kg_diff_options);
    M(kg_diff_options, size);
    M(kg_diff_options, flags);
    M(kg_diff_options, port);
    M(kg_diff_options, gateway);
    M(kg_diff_options, gateway_len);
    M(kg_diff_options, max_combinations);

    S(kg_route_diff);
    M(kg_route_diff, size);
    M(kg_route_diff, port);
    M(kg_route_diff, exact);
    M(kg_route_diff, host);
    M(kg_route_diff, host_len);
    M(kg_route_diff, host_class);
    M(kg_route_diff, host_class_len);
    M(kg_route_diff, path);
    M(kg_route_diff, path_len);
    M(kg_route_diff, path_class);
    M(kg_route_diff, path_class_len);
    M(kg_route_diff, method);
    M(kg_route_diff, method_len);
    M(kg_route_diff, headers);
    M(kg_route_diff, n_headers);
    M(kg_route_diff, conditions);
    M(kg_route_diff, conditions_len);
    M(kg_route_diff, old_answer);
    M(kg_route_diff, old_answer_len);
    M(kg_route_diff, new_answer);
    M(kg_route_diff, new_answer_len);
    M(kg_route_diff, old_rc);
    M(kg_route_diff, new_rc);
    M(kg_route_diff, old_route);
    M(kg_route_diff, new_route);

    S(kg_diff_summary);
    M(kg_diff_summary, size);
    M(kg_diff_summary, classes);
    M(kg_diff_summary, differing);
    M(kg_diff_summary, inexact);
    return 0;
}
