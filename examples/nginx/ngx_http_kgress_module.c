// SPDX-License-Identifier: MIT
/*
 * ngx_http_kgress_module - Ingress routing inside nginx, through kgress's
 * public API only (kgress.h).
 *
 * What it does: at configuration time the `kgress_manifest` files (what
 * `kubectl get -o yaml` prints) are compiled into one kg_ruleset; a failed
 * compile fails `nginx -t` / `nginx -s reload` with kgress's diagnostics
 * (file:line:col, field path), so a reload with a broken manifest leaves
 * the old workers serving the old rules. In a location with `kgress on`,
 * every request is routed once through kg_route (host from the request
 * line or Host header, raw request-target so kgress normalizes it itself);
 * no match answers 404, a request kgress rejects (control bytes, encoded
 * slashes when asked, malformed host) answers 400, and the answer is
 * exposed as variables for proxy_pass:
 *
 *   $kgress_namespace  $kgress_service  $kgress_port (number or name)
 *   $kgress_path (normalized; forward this)  $kgress_source (kind ns/name)
 *   $kgress_upstream (from kgress_upstream)  $kgress_tls_secret (ns/secret
 *   for the SNI name, usable in ssl_certificate)
 *
 * Workload: one kg_route per request (no allocation or lock inside kgress;
 * the normalized-path buffer comes from the request pool). Representation:
 * the ruleset belongs to the configuration cycle (a pool cleanup drops it),
 * so each reload compiles a new one and old workers keep theirs until they
 * exit; workers are processes, so no holder is needed. The Service ->
 * address map is a short array scanned linearly: it is meant for a test or
 * a small cluster, a real deployment resolves $kgress_service itself.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <kgress.h>

typedef struct {
    ngx_str_t ns;
    ngx_str_t service;
    ngx_str_t port; /* decimal number or port name */
    ngx_str_t address;
} ngx_http_kgress_upstream_t;

typedef struct {
    ngx_array_t *manifests; /* of ngx_str_t, full paths */
    ngx_str_t ingress_class;
    ngx_uint_t dialect;
    ngx_flag_t reject_escaped_slash;
    ngx_flag_t skip_invalid;
    ngx_array_t *upstreams; /* of ngx_http_kgress_upstream_t */
    kg_ruleset *rs;
#if (NGX_HTTP_SSL)
    ngx_int_t sni_index; /* $ssl_server_name */
#endif
} ngx_http_kgress_main_conf_t;

typedef struct {
    ngx_flag_t enable;
} ngx_http_kgress_loc_conf_t;

/* Per-request answer, computed once by the phase handler or the first
 * variable read. status is 0 when routed, else the HTTP status to answer. */
typedef struct {
    ngx_int_t status;
    struct kg_route route;
    ngx_str_t port;
    ngx_str_t source;
    ngx_http_kgress_upstream_t *upstream;
} ngx_http_kgress_ctx_t;

enum {
    KGRESS_VAR_NAMESPACE,
    KGRESS_VAR_SERVICE,
    KGRESS_VAR_PORT,
    KGRESS_VAR_PATH,
    KGRESS_VAR_SOURCE,
    KGRESS_VAR_UPSTREAM,
};

static char *ngx_http_kgress_manifest(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf);
static char *ngx_http_kgress_upstream(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf);
static ngx_int_t ngx_http_kgress_add_variables(ngx_conf_t *cf);
static void *ngx_http_kgress_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_kgress_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_kgress_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_kgress_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child);
static ngx_int_t ngx_http_kgress_init(ngx_conf_t *cf);

static ngx_conf_enum_t ngx_http_kgress_dialects[] = {
    {ngx_string("portable"), KG_DIALECT_PORTABLE},
    {ngx_string("ingress-nginx"), KG_DIALECT_INGRESS_NGINX},
    {ngx_null_string, 0},
};

static ngx_command_t ngx_http_kgress_commands[] = {
    {ngx_string("kgress_manifest"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_http_kgress_manifest, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL},
    {ngx_string("kgress_ingress_class"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_kgress_main_conf_t, ingress_class), NULL},
    {ngx_string("kgress_dialect"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_enum_slot, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_kgress_main_conf_t, dialect), ngx_http_kgress_dialects},
    {ngx_string("kgress_reject_escaped_slash"),
     NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
     NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_kgress_main_conf_t, reject_escaped_slash), NULL},
    {ngx_string("kgress_skip_invalid"), NGX_HTTP_MAIN_CONF | NGX_CONF_FLAG,
     ngx_conf_set_flag_slot, NGX_HTTP_MAIN_CONF_OFFSET,
     offsetof(ngx_http_kgress_main_conf_t, skip_invalid), NULL},
    {ngx_string("kgress_upstream"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE2,
     ngx_http_kgress_upstream, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL},
    {ngx_string("kgress"),
     NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_FLAG,
     ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
     offsetof(ngx_http_kgress_loc_conf_t, enable), NULL},
    ngx_null_command,
};

static ngx_http_module_t ngx_http_kgress_module_ctx = {
    ngx_http_kgress_add_variables,    /* preconfiguration */
    ngx_http_kgress_init,             /* postconfiguration */
    ngx_http_kgress_create_main_conf, /* create main configuration */
    ngx_http_kgress_init_main_conf,   /* init main configuration */
    NULL,                             /* create server configuration */
    NULL,                             /* merge server configuration */
    ngx_http_kgress_create_loc_conf,  /* create location configuration */
    ngx_http_kgress_merge_loc_conf,   /* merge location configuration */
};

ngx_module_t ngx_http_kgress_module = {
    NGX_MODULE_V1,
    &ngx_http_kgress_module_ctx, /* module context */
    ngx_http_kgress_commands,    /* module directives */
    NGX_HTTP_MODULE,             /* module type */
    NULL,                        /* init master */
    NULL,                        /* init module */
    NULL,                        /* init process */
    NULL,                        /* init thread */
    NULL,                        /* exit thread */
    NULL,                        /* exit process */
    NULL,                        /* exit master */
    NGX_MODULE_V1_PADDING,
};

/* ------------------------------------------------------------ directives */

static char *ngx_http_kgress_manifest(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf)
{
    ngx_http_kgress_main_conf_t *kmcf = conf;
    ngx_str_t *value = cf->args->elts, *file;

    (void)cmd;
    if (kmcf->manifests == NULL) {
        kmcf->manifests = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (kmcf->manifests == NULL)
            return NGX_CONF_ERROR;
    }
    file = ngx_array_push(kmcf->manifests);
    if (file == NULL)
        return NGX_CONF_ERROR;
    *file = value[1];
    /* relative to the configuration prefix, like include */
    if (ngx_conf_full_name(cf->cycle, file, 1) != NGX_OK)
        return NGX_CONF_ERROR;
    return NGX_CONF_OK;
}

/* kgress_upstream NAMESPACE/SERVICE:PORT ADDRESS; PORT is the number or the
 * name the Ingress backend gives (service.port.number or .name). */
static char *ngx_http_kgress_upstream(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf)
{
    ngx_http_kgress_main_conf_t *kmcf = conf;
    ngx_str_t *value = cf->args->elts;
    ngx_http_kgress_upstream_t *u;
    u_char *slash, *colon, *end;

    (void)cmd;
    if (kmcf->upstreams == NULL) {
        kmcf->upstreams =
            ngx_array_create(cf->pool, 8, sizeof(ngx_http_kgress_upstream_t));
        if (kmcf->upstreams == NULL)
            return NGX_CONF_ERROR;
    }
    end = value[1].data + value[1].len;
    slash = ngx_strlchr(value[1].data, end, '/');
    colon = slash ? ngx_strlchr(slash, end, ':') : NULL;
    if (slash == NULL || colon == NULL || slash == value[1].data ||
        colon == slash + 1 || colon + 1 == end || value[2].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "kgress_upstream: \"%V\" is not "
                           "NAMESPACE/SERVICE:PORT",
                           &value[1]);
        return NGX_CONF_ERROR;
    }
    u = ngx_array_push(kmcf->upstreams);
    if (u == NULL)
        return NGX_CONF_ERROR;
    u->ns.data = value[1].data;
    u->ns.len = slash - value[1].data;
    u->service.data = slash + 1;
    u->service.len = colon - slash - 1;
    u->port.data = colon + 1;
    u->port.len = end - colon - 1;
    u->address = value[2];
    return NGX_CONF_OK;
}

/* ------------------------------------------------------- configuration */

static void *ngx_http_kgress_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_kgress_main_conf_t *kmcf;

    kmcf = ngx_pcalloc(cf->pool, sizeof(*kmcf));
    if (kmcf == NULL)
        return NULL;
    kmcf->dialect = NGX_CONF_UNSET_UINT;
    kmcf->reject_escaped_slash = NGX_CONF_UNSET;
    kmcf->skip_invalid = NGX_CONF_UNSET;
#if (NGX_HTTP_SSL)
    kmcf->sni_index = NGX_ERROR;
#endif
    return kmcf;
}

static void ngx_http_kgress_cleanup(void *data)
{
    kg_ruleset_unref(data);
}

/* Logs every diagnostic of a compile: warnings as warn, errors as emerg,
 * each "file:line:col: severity: path: message" as kgress formats it. */
static void ngx_http_kgress_log_diagnostics(ngx_conf_t *cf,
                                            const kg_diagnostics *d)
{
    char line[1024];
    size_t i, n = kg_diagnostics_count(d);

    for (i = 0; i < n; i++) {
        ngx_uint_t level = kg_diagnostic_severity(d, i) == KG_SEVERITY_ERROR
                               ? NGX_LOG_EMERG
                               : NGX_LOG_WARN;
        kg_diagnostic_format(d, i, line, sizeof line);
        ngx_log_error(level, cf->log, 0, "kgress: %s", line);
    }
}

/* Compiles the manifests once every directive of the http block is read. */
static char *ngx_http_kgress_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_kgress_main_conf_t *kmcf = conf;
    kg_options *opts = NULL;
    kg_builder *b = NULL;
    kg_ruleset *rs = NULL;
    ngx_pool_cleanup_t *cln;
    ngx_str_t *files;
    ngx_uint_t i;
    int rc;

    ngx_conf_init_uint_value(kmcf->dialect, KG_DIALECT_PORTABLE);
    ngx_conf_init_value(kmcf->reject_escaped_slash, 0);
    ngx_conf_init_value(kmcf->skip_invalid, 0);
    if (kmcf->manifests == NULL)
        return NGX_CONF_OK;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    opts = kg_options_new();
    if (cln == NULL || opts == NULL)
        goto nomem;
    if (kg_options_set_dialect(opts, (int)kmcf->dialect) != 0 ||
        kg_options_set_flag(opts, KG_FLAG_REJECT_ESCAPED_SLASH,
                            kmcf->reject_escaped_slash) != 0 ||
        kg_options_set_flag(opts, KG_FLAG_SKIP_INVALID, kmcf->skip_invalid) !=
            0)
        goto nomem;
    if (kmcf->ingress_class.len &&
        kg_options_set_ingress_class(opts,
                                     (const char *)kmcf->ingress_class.data,
                                     kmcf->ingress_class.len) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "kgress_ingress_class \"%V\" is invalid",
                           &kmcf->ingress_class);
        goto fail;
    }
    b = kg_builder_new(opts);
    if (b == NULL)
        goto nomem;
    files = kmcf->manifests->elts;
    for (i = 0; i < kmcf->manifests->nelts; i++) {
        /* ngx_conf_full_name NUL-terminates the path it builds */
        rc = kg_builder_add_file(b, (const char *)files[i].data);
        if (rc == KG_ENOMEM)
            goto nomem;
    }
    rc = kg_builder_compile(b, &rs);
    ngx_http_kgress_log_diagnostics(cf, kg_builder_diagnostics(b));
    if (rc != 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "kgress: compiling %ui manifest file(s) failed: %s",
                      kmcf->manifests->nelts, kg_strerror(rc));
        goto fail;
    }
    kmcf->rs = rs;
    cln->handler = ngx_http_kgress_cleanup;
    cln->data = rs;
    kg_builder_free(b);
    kg_options_free(opts);
    return NGX_CONF_OK;

nomem:
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "kgress: out of memory");
fail:
    kg_builder_free(b);
    kg_options_free(opts);
    return NGX_CONF_ERROR;
}

static void *ngx_http_kgress_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_kgress_loc_conf_t *klcf;

    klcf = ngx_pcalloc(cf->pool, sizeof(*klcf));
    if (klcf == NULL)
        return NULL;
    klcf->enable = NGX_CONF_UNSET;
    return klcf;
}

static char *ngx_http_kgress_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child)
{
    ngx_http_kgress_loc_conf_t *prev = parent, *conf = child;
    ngx_http_kgress_main_conf_t *kmcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_kgress_module);
    if (conf->enable && kmcf->manifests == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"kgress on\" needs a kgress_manifest");
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}

/* ------------------------------------------------------------- routing */

static ngx_http_kgress_upstream_t *
ngx_http_kgress_find_upstream(ngx_http_kgress_main_conf_t *kmcf,
                              const struct kg_route *rt, const ngx_str_t *port)
{
    ngx_http_kgress_upstream_t *u;
    ngx_uint_t i;

    if (kmcf->upstreams == NULL)
        return NULL;
    u = kmcf->upstreams->elts;
    for (i = 0; i < kmcf->upstreams->nelts; i++) {
        if (u[i].ns.len == rt->ns_len && u[i].service.len == rt->service_len &&
            u[i].port.len == port->len &&
            ngx_memcmp(u[i].ns.data, rt->ns, rt->ns_len) == 0 &&
            ngx_memcmp(u[i].service.data, rt->service, rt->service_len) == 0 &&
            ngx_memcmp(u[i].port.data, port->data, port->len) == 0)
            return &u[i];
    }
    return NULL;
}

/* Routes r once and caches the answer in its module context. NULL only when
 * the request pool is exhausted. */
static ngx_http_kgress_ctx_t *ngx_http_kgress_route(ngx_http_request_t *r)
{
    ngx_http_kgress_main_conf_t *kmcf;
    ngx_http_kgress_ctx_t *ctx;
    ngx_str_t *host;
    char *buf;
    size_t cap;
    int rc;

    ctx = ngx_http_get_module_ctx(r, ngx_http_kgress_module);
    if (ctx != NULL)
        return ctx;
    ctx = ngx_pcalloc(r->pool, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    ngx_http_set_ctx(r, ctx, ngx_http_kgress_module);
    kmcf = ngx_http_get_module_main_conf(r, ngx_http_kgress_module);
    if (kmcf->rs == NULL) {
        ctx->status = NGX_HTTP_NOT_FOUND;
        return ctx;
    }

    /* nginx's own host (request line, else Host header: validated,
     * lower-cased, port removed); the raw request-target, so that kgress
     * sees %2F and dot segments nginx would already have decoded. */
    host = &r->headers_in.server;
    cap = r->unparsed_uri.len + 2;
    buf = ngx_pnalloc(r->pool, cap);
    if (buf == NULL)
        return NULL;
    ctx->route.size = sizeof ctx->route;
    rc = kg_route(kmcf->rs, (const char *)host->data, host->len,
                  (const char *)r->unparsed_uri.data, r->unparsed_uri.len, buf,
                  cap, &ctx->route);
    switch (rc) {
    case 0:
        break;
    case KG_ENOMATCH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "kgress: no route for host \"%V\" path \"%V\"", host,
                      &r->unparsed_uri);
        ctx->status = NGX_HTTP_NOT_FOUND;
        return ctx;
    case KG_EREQUEST:
    case KG_ELIMIT_MATCH:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "kgress: request rejected (%s): host \"%V\" path \"%V\"",
                      kg_error_name(rc), host, &r->unparsed_uri);
        ctx->status = NGX_HTTP_BAD_REQUEST;
        return ctx;
    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "kgress: kg_route failed: %s", kg_strerror(rc));
        ctx->status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return ctx;
    }

    if (ctx->route.port_name_len) {
        ctx->port.data = (u_char *)ctx->route.port_name;
        ctx->port.len = ctx->route.port_name_len;
    } else if (ctx->route.port) {
        ctx->port.data = ngx_pnalloc(r->pool, NGX_INT32_LEN);
        if (ctx->port.data == NULL)
            return NULL;
        ctx->port.len = ngx_sprintf(ctx->port.data, "%uD", ctx->route.port) -
                        ctx->port.data;
    }
    ctx->source.len =
        sizeof("Ingress ") - 1 + ctx->route.ns_len + 1 + ctx->route.ingress_len;
    ctx->source.data = ngx_pnalloc(r->pool, ctx->source.len);
    if (ctx->source.data == NULL)
        return NULL;
    ngx_sprintf(ctx->source.data, "Ingress %*s/%*s", ctx->route.ns_len,
                ctx->route.ns, ctx->route.ingress_len, ctx->route.ingress);

    if (ctx->route.is_resource) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "kgress: %V answers with a resource backend, which "
                      "nginx cannot proxy",
                      &ctx->source);
        ctx->status = NGX_HTTP_BAD_GATEWAY;
        return ctx;
    }
    ctx->upstream =
        ngx_http_kgress_find_upstream(kmcf, &ctx->route, &ctx->port);
    if (ctx->upstream == NULL && kmcf->upstreams != NULL) {
        /* a map is configured and this backend is not in it */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "kgress: no kgress_upstream for %*s/%*s:%V",
                      ctx->route.ns_len, ctx->route.ns, ctx->route.service_len,
                      ctx->route.service, &ctx->port);
        ctx->status = NGX_HTTP_BAD_GATEWAY;
    }
    return ctx;
}

static ngx_int_t ngx_http_kgress_handler(ngx_http_request_t *r)
{
    ngx_http_kgress_loc_conf_t *klcf;
    ngx_http_kgress_ctx_t *ctx;

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_kgress_module);
    if (!klcf->enable)
        return NGX_DECLINED;
    ctx = ngx_http_kgress_route(r);
    if (ctx == NULL)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    return ctx->status ? ctx->status : NGX_DECLINED;
}

/* ------------------------------------------------------------ variables */

static void ngx_http_kgress_set(ngx_http_variable_value_t *v, const void *s,
                                size_t len)
{
    v->data = (u_char *)s;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
}

static ngx_int_t ngx_http_kgress_variable(ngx_http_request_t *r,
                                          ngx_http_variable_value_t *v,
                                          uintptr_t data)
{
    ngx_http_kgress_ctx_t *ctx = ngx_http_kgress_route(r);
    const struct kg_route *rt;

    if (ctx == NULL)
        return NGX_ERROR;
    rt = &ctx->route;
    /* a rejected or unmatched request still has its normalized path */
    if (ctx->status != 0 && !(data == KGRESS_VAR_PATH && rt->size)) {
        v->not_found = 1;
        return NGX_OK;
    }
    switch (data) {
    case KGRESS_VAR_NAMESPACE:
        ngx_http_kgress_set(v, rt->ns, rt->ns_len);
        break;
    case KGRESS_VAR_SERVICE:
        ngx_http_kgress_set(v, rt->service, rt->service_len);
        break;
    case KGRESS_VAR_PORT:
        ngx_http_kgress_set(v, ctx->port.data, ctx->port.len);
        break;
    case KGRESS_VAR_PATH:
        if (rt->normalized_path == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }
        ngx_http_kgress_set(v, rt->normalized_path, rt->normalized_path_len);
        break;
    case KGRESS_VAR_SOURCE:
        ngx_http_kgress_set(v, ctx->source.data, ctx->source.len);
        break;
    case KGRESS_VAR_UPSTREAM:
        if (ctx->upstream == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }
        ngx_http_kgress_set(v, ctx->upstream->address.data,
                            ctx->upstream->address.len);
        break;
    default:
        v->not_found = 1;
    }
    return NGX_OK;
}

/* $kgress_tls_secret: "namespace/secretName" of the TLS entry for the SNI
 * name (else the request host), for `ssl_certificate
 * /etc/kgress/tls/$kgress_tls_secret.crt`. Not found when no TLS entry
 * covers the name or it has no secretName. */
static ngx_int_t ngx_http_kgress_tls_variable(ngx_http_request_t *r,
                                              ngx_http_variable_value_t *v,
                                              uintptr_t data)
{
    ngx_http_kgress_main_conf_t *kmcf;
    struct kg_tls tls = {.size = sizeof tls};
    const u_char *name = NULL;
    size_t len = 0;
    u_char *p;

    (void)data;
    kmcf = ngx_http_get_module_main_conf(r, ngx_http_kgress_module);
    v->not_found = 1;
    if (kmcf->rs == NULL)
        return NGX_OK;
#if (NGX_HTTP_SSL)
    if (r->connection->ssl && kmcf->sni_index != NGX_ERROR) {
        ngx_http_variable_value_t *sni =
            ngx_http_get_indexed_variable(r, kmcf->sni_index);
        if (sni && !sni->not_found && sni->len) {
            name = sni->data;
            len = sni->len;
        }
    }
#endif
    if (name == NULL) {
        name = r->headers_in.server.data;
        len = r->headers_in.server.len;
    }
    if (len == 0 ||
        kg_tls_lookup(kmcf->rs, (const char *)name, len, &tls) != 0 ||
        tls.secret_len == 0)
        return NGX_OK;
    p = ngx_pnalloc(r->pool, tls.ns_len + 1 + tls.secret_len);
    if (p == NULL)
        return NGX_ERROR;
    ngx_sprintf(p, "%*s/%*s", tls.ns_len, tls.ns, tls.secret_len, tls.secret);
    ngx_http_kgress_set(v, p, tls.ns_len + 1 + tls.secret_len);
    return NGX_OK;
}

static ngx_int_t ngx_http_kgress_add_variables(ngx_conf_t *cf)
{
    static const struct {
        ngx_str_t name;
        uintptr_t data;
    } vars[] = {
        {ngx_string("kgress_namespace"), KGRESS_VAR_NAMESPACE},
        {ngx_string("kgress_service"), KGRESS_VAR_SERVICE},
        {ngx_string("kgress_port"), KGRESS_VAR_PORT},
        {ngx_string("kgress_path"), KGRESS_VAR_PATH},
        {ngx_string("kgress_source"), KGRESS_VAR_SOURCE},
        {ngx_string("kgress_upstream"), KGRESS_VAR_UPSTREAM},
    };
    ngx_str_t tls_name = ngx_string("kgress_tls_secret");
    ngx_http_variable_t *var;
    ngx_uint_t i;

    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        ngx_str_t name = vars[i].name;
        var = ngx_http_add_variable(cf, &name, 0);
        if (var == NULL)
            return NGX_ERROR;
        var->get_handler = ngx_http_kgress_variable;
        var->data = vars[i].data;
    }
    var = ngx_http_add_variable(cf, &tls_name, NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL)
        return NGX_ERROR;
    var->get_handler = ngx_http_kgress_tls_variable;
    return NGX_OK;
}

static ngx_int_t ngx_http_kgress_init(ngx_conf_t *cf)
{
    ngx_http_core_main_conf_t *cmcf;
    ngx_http_kgress_main_conf_t *kmcf;
    ngx_http_handler_pt *h;

    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_kgress_module);
#if (NGX_HTTP_SSL)
    if (kmcf->rs != NULL) {
        ngx_str_t sni = ngx_string("ssl_server_name");
        kmcf->sni_index = ngx_http_get_variable_index(cf, &sni);
    }
#endif
    (void)kmcf;
    /* before access checks and content: proxy_pass needs the variables */
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL)
        return NGX_ERROR;
    *h = ngx_http_kgress_handler;
    return NGX_OK;
}
