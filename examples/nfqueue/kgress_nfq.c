// SPDX-License-Identifier: MIT
/*
 * kgress-nfq - a NetworkPolicy enforcer on NFQUEUE, through kgress's
 * public API only (kgress.h).
 *
 * iptables hands it the first packet of every new connection
 *
 *     iptables -A FORWARD -m conntrack --ctstate NEW -j NFQUEUE --queue-num 0
 *
 * and it answers accept or drop with kg_check on the packet's flow (source
 * and destination address, protocol, destination port): the egress side of
 * the source pod and the ingress side of the destination pod, as
 * Kubernetes judges it. Later packets of an accepted connection are
 * ESTABLISHED for conntrack and never reach the daemon. Each drop is logged
 * on stdout (one line, or one JSON object with --json) with the flow, the
 * denying side(s), the reason and the policies isolating that pod: the
 * policies that decided.
 *
 * Threads: the packet thread (main) acquires the current ruleset from a
 * kg_holder once per batch of packets read in one wakeup (at most
 * KGN_BATCH_MAX, so a swap takes over promptly under load) and answers them;
 * the control thread waits for SIGHUP, for a change of a manifest file
 * (inotify on their directories, so editors that rename a new file into
 * place count) and for SIGTERM/SIGINT. It compiles the manifests off the
 * packet path and swaps the new ruleset in; a compile that fails is logged
 * with kgress's diagnostics and the old rules keep serving. Packets never
 * wait for a compile.
 *
 * Memory: nothing is allocated per packet; the netlink receive buffer and
 * the log line live on the stack.
 */
#define _GNU_SOURCE
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <kgress.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* bytes of each packet copied to user space: IPv6 with a few extension
 * headers and the transport ports fit in 256 */
#define KGN_COPY_RANGE 256
/* packets the kernel holds for us before dropping (or accepting, with
 * --fail-open) */
#define KGN_QUEUE_MAXLEN 4096
/* netlink receive buffer: room for a burst of thousands of new
 * connections' messages while the packet thread is busy (--rcvbuf) */
#define KGN_RCVBUF (4u << 20)
/* packets answered with one acquired ruleset: under a steady flood the
 * queue never drains, and a new ruleset must still take over within a few
 * hundred microseconds of its swap */
#define KGN_BATCH_MAX 64
/* quiet time after a file event before reloading, so that an editor's
 * write + rename or a multi-file update compiles once */
#define KGN_DEBOUNCE_MS 200

struct kgn_state {
    char **files;
    int nfiles;
    kg_options *opts;
    kg_holder *holder;
    bool json, log_accepts, watch, fail_open;
    unsigned queue;
    int stop_pipe[2];
    atomic_bool stop;
    atomic_uint generation;
    /* packet thread only */
    struct nfq_q_handle *qh;
    kg_ruleset *rs; /* the batch's ruleset */
    unsigned long accepted, dropped, lost;
    uint32_t last_id; /* id of the last packet answered (0: none yet) */
    unsigned rcvbuf;
};

static void logf_err(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "kgress-nfq: %s\n", line);
}

/* ------------------------------------------------------------- rules */

/* Compiles every manifest; on success publishes the new ruleset. Returns 0
 * or -1 (diagnostics logged; the holder keeps what it had). */
static int kgn_load(struct kgn_state *st)
{
    kg_builder *b = kg_builder_new(st->opts);
    kg_ruleset *rs = NULL;
    const kg_diagnostics *d;
    char line[1024];
    size_t i, n;
    int rc = KG_ENOMEM;

    if (b == NULL)
        goto fail;
    for (int f = 0; f < st->nfiles; f++) {
        rc = kg_builder_add_file(b, st->files[f]);
        if (rc == KG_ENOMEM)
            goto fail;
    }
    rc = kg_builder_compile(b, &rs);
    d = kg_builder_diagnostics(b);
    n = kg_diagnostics_count(d);
    for (i = 0; i < n; i++) {
        kg_diagnostic_format(d, i, line, sizeof line);
        fprintf(stderr, "kgress-nfq: %s\n", line);
    }
    if (rc != 0)
        goto fail;
    kg_holder_swap(st->holder, rs);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    logf_err("rules loaded from %d file(s) (generation %u)", st->nfiles,
             atomic_fetch_add(&st->generation, 1) + 1);
    return 0;
fail:
    kg_builder_free(b);
    logf_err("loading the rules failed (%s); %s", kg_strerror(rc),
             atomic_load(&st->generation) ? "keeping the previous rules"
                                          : "nothing to serve");
    return -1;
}

/* ------------------------------------------------------------ logging */

/* Appends to buf[*len..cap), keeping it NUL-terminated and never past cap. */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*len + 1 >= cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* Names from the ruleset are Kubernetes names (DNS labels, '/'), but quote
 * defensively: '"', '\\' and control bytes escaped. */
static void put_json_string(char *buf, size_t cap, size_t *len, const char *s)
{
    put(buf, cap, len, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(buf, cap, len, "\\%c", c);
        else if (c < 0x20)
            put(buf, cap, len, "\\u%04x", c);
        else
            put(buf, cap, len, "%c", c);
    }
    put(buf, cap, len, "\"");
}

static void put_addr(char *buf, size_t cap, size_t *len,
                     const struct kg_addr *a, unsigned port, bool ports)
{
    char text[INET6_ADDRSTRLEN];

    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, text, sizeof text);
    if (!ports)
        put(buf, cap, len, "%s", text);
    else if (a->family == 4)
        put(buf, cap, len, "%s:%u", text, port);
    else
        put(buf, cap, len, "[%s]:%u", text, port);
}

static void put_side_text(char *buf, size_t cap, size_t *len,
                          const kg_ruleset *rs, const struct kg_side *s,
                          int direction)
{
    const char *dir = direction == KG_EGRESS ? "egress" : "ingress";

    put(buf, cap, len, " %s %s: %s", dir, s->pod_name ? s->pod_name : "-",
        kg_reason_name(s->reason));
    if (s->reason == KG_REASON_ALLOWED_BY_RULE) {
        put(buf, cap, len, " %s rule %d", s->policy, s->rule);
    } else if (s->reason == KG_REASON_NO_RULE) {
        put(buf, cap, len, ", isolated by");
        for (size_t i = 0; i < s->policies; i++)
            put(buf, cap, len, "%s%s", i ? "," : " ",
                kg_pod_policy(rs, s->pod, direction, i));
    }
    put(buf, cap, len, ";");
}

static void put_side_json(char *buf, size_t cap, size_t *len,
                          const kg_ruleset *rs, const struct kg_side *s,
                          int direction)
{
    put(buf, cap, len, ",\"%s\":{\"allowed\":%s,\"pod\":",
        direction == KG_EGRESS ? "egress" : "ingress",
        s->allowed ? "true" : "false");
    if (s->pod_name)
        put_json_string(buf, cap, len, s->pod_name);
    else
        put(buf, cap, len, "null");
    put(buf, cap, len, ",\"reason\":\"%s\"", kg_reason_name(s->reason));
    if (s->reason == KG_REASON_ALLOWED_BY_RULE) {
        put(buf, cap, len, ",\"policy\":");
        put_json_string(buf, cap, len, s->policy);
        put(buf, cap, len, ",\"rule\":%d", s->rule);
    }
    put(buf, cap, len, ",\"policies\":[");
    for (size_t i = 0; i < s->policies; i++) {
        if (i)
            put(buf, cap, len, ",");
        put_json_string(buf, cap, len, kg_pod_policy(rs, s->pod, direction, i));
    }
    put(buf, cap, len, "]}");
}

/* One line per judged packet: every drop, accepts with --log-accepts. The
 * text form names only the sides that decided (the denying ones for a
 * drop); the JSON form carries both. */
static void kgn_log(const struct kgn_state *st, const struct kgn_flow *f,
                    const struct kg_verdict *v, const char *why)
{
    char line[2048], proto[16];
    size_t len = 0;
    const char *pname = kgn_protocol_name(f->protocol, proto, sizeof proto);

    if (st->json) {
        put(line, sizeof line, &len,
            "{\"verdict\":\"%s\",\"protocol\":\"%s\",\"src\":\"",
            v->allowed ? "accept" : "drop", pname);
        put_addr(line, sizeof line, &len, &f->src, 0, false);
        put(line, sizeof line, &len, "\",\"dst\":\"");
        put_addr(line, sizeof line, &len, &f->dst, 0, false);
        put(line, sizeof line, &len, "\"");
        if (f->has_ports)
            put(line, sizeof line, &len, ",\"sport\":%u,\"dport\":%u", f->sport,
                f->dport);
        if (why) {
            put(line, sizeof line, &len, ",\"reason\":\"%s\"}\n", why);
        } else {
            put_side_json(line, sizeof line, &len, st->rs, &v->egress,
                          KG_EGRESS);
            put_side_json(line, sizeof line, &len, st->rs, &v->ingress,
                          KG_INGRESS);
            put(line, sizeof line, &len, "}\n");
        }
    } else {
        put(line, sizeof line, &len, "%s %s ", v->allowed ? "accept" : "drop",
            pname);
        put_addr(line, sizeof line, &len, &f->src, f->sport, f->has_ports);
        put(line, sizeof line, &len, " -> ");
        put_addr(line, sizeof line, &len, &f->dst, f->dport, f->has_ports);
        if (why) {
            put(line, sizeof line, &len, " %s", why);
        } else {
            if (v->allowed || !v->egress.allowed)
                put_side_text(line, sizeof line, &len, st->rs, &v->egress,
                              KG_EGRESS);
            if (v->allowed || !v->ingress.allowed)
                put_side_text(line, sizeof line, &len, st->rs, &v->ingress,
                              KG_INGRESS);
            if (len && line[len - 1] == ';')
                line[--len] = '\0';
        }
        put(line, sizeof line, &len, "\n");
    }
    fwrite(line, 1, len, stdout);
}

/* ------------------------------------------------------------ packets */

static int kgn_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
                      struct nfq_data *nfa, void *data)
{
    struct kgn_state *st = data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    struct kg_verdict v = {.size = sizeof v};
    struct kgn_flow f;
    unsigned char *payload;
    const char *why = NULL;
    uint32_t id, gap;
    int len;

    (void)msg;
    if (ph == NULL)
        return 0;
    id = ntohl(ph->packet_id);
    gap = id - st->last_id - 1; /* 0 in sequence; huge when id goes back */
    if (gap != 0 && gap < UINT32_MAX / 2) {
        /* The kernel numbers a queue's packets in sequence (from 1 for a
         * new queue). A gap is packets whose message did not fit our socket
         * buffer (the ENOBUFS of kgn_serve): the kernel dropped them, or
         * accepted them with --fail-open, without asking us. */
        st->lost += gap;
        logf_err("%u packet(s) not delivered (socket buffer full): %s by "
                 "the kernel",
                 gap, st->fail_open ? "accepted" : "dropped");
    }
    if (gap < UINT32_MAX / 2)
        st->last_id = id;
    len = nfq_get_payload(nfa, &payload);
    if (len < 0 || kgn_packet_parse(payload, (size_t)len, &f) != 0) {
        /* not IP: nothing NetworkPolicy can judge; iptables sent it here */
        return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    }
    /*
     * DNS hook (domain-name policies, when kgress grows a name cache): the
     * answers a pod receives are not NEW connections, so they do not come
     * through this queue today. To feed the cache, queue them too
     * (`-p udp --sport 53 -m conntrack --ctstate ESTABLISHED -j NFQUEUE`,
     * with a copy range covering the DNS message), and here hand the UDP
     * payload at f.l4_offset + 8 (the DNS message) with f.dst (the pod
     * that asked) to the library's DNS-answer call before accepting it.
     */
    if (f.protocol != KG_PROTO_TCP && f.protocol != KG_PROTO_UDP &&
        f.protocol != KG_PROTO_SCTP) {
        /* NetworkPolicy speaks of TCP, UDP and SCTP only (its ports'
         * protocol field); other protocols pass */
        v.allowed = true;
        why = "protocol not covered by NetworkPolicy";
    } else if (!f.has_ports) {
        /* a non-first fragment or a truncated copy: no port to judge */
        v.allowed = false;
        why = "no transport header";
    } else if (st->rs == NULL ||
               kg_check(st->rs, &f.src, &f.dst, f.protocol, f.dport, &v) != 0) {
        v.allowed = false;
        why = st->rs ? "flow not judged" : "no rules loaded";
    }
    if (v.allowed)
        st->accepted++;
    else
        st->dropped++;
    if (!v.allowed || st->log_accepts)
        kgn_log(st, &f, &v, why);
    return nfq_set_verdict(qh, id, v.allowed ? NF_ACCEPT : NF_DROP, 0, NULL);
}

/* The packet loop: one ruleset per batch of up to KGN_BATCH_MAX packets. */
static int kgn_serve(struct kgn_state *st, struct nfq_handle *h)
{
    char buf[65536] __attribute__((aligned));
    int fd = nfq_fd(h);
    struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
                            {.fd = st->stop_pipe[0], .events = POLLIN}};

    logf_err("serving queue %u", st->queue);
    while (!atomic_load(&st->stop)) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            logf_err("poll: %s", strerror(errno));
            return -1;
        }
        if (pfd[1].revents)
            break;
        st->rs = kg_holder_acquire(st->holder);
        for (int batch = 0; batch < KGN_BATCH_MAX; batch++) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0) {
                if (errno == ENOBUFS) {
                    /* messages did not fit the socket buffer; kgn_packet
                     * counts their packets at the next one */
                    continue;
                }
                if (errno != EAGAIN && errno != EINTR)
                    logf_err("recv: %s", strerror(errno));
                break;
            }
            nfq_handle_packet(h, buf, (int)n);
        }
        kg_ruleset_unref(st->rs);
        st->rs = NULL;
        fflush(stdout);
    }
    return 0;
}

/* ------------------------------------------------------------ control */

/* Adds an inotify watch on the directory of every manifest. */
static int kgn_watch(struct kgn_state *st, int ifd)
{
    for (int i = 0; i < st->nfiles; i++) {
        char dir[PATH_MAX];
        const char *slash = strrchr(st->files[i], '/');
        if (slash == NULL)
            snprintf(dir, sizeof dir, ".");
        else
            snprintf(dir, sizeof dir, "%.*s",
                     (int)(slash == st->files[i] ? 1 : slash - st->files[i]),
                     st->files[i]);
        if (inotify_add_watch(ifd, dir,
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
            logf_err("inotify on %s: %s", dir, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Does an inotify event name one of the manifests? */
static bool kgn_is_manifest(const struct kgn_state *st,
                            const struct inotify_event *ev)
{
    if (ev->len == 0)
        return false;
    for (int i = 0; i < st->nfiles; i++) {
        const char *slash = strrchr(st->files[i], '/');
        const char *base = slash ? slash + 1 : st->files[i];
        if (strcmp(base, ev->name) == 0)
            return true;
    }
    return false;
}

/* Reads the pending inotify events; true when a manifest changed. */
static bool kgn_drain_inotify(const struct kgn_state *st, int ifd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    ssize_t n;

    while ((n = read(ifd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            changed |= kgn_is_manifest(st, ev);
            p += sizeof *ev + ev->len;
        }
    }
    return changed;
}

struct kgn_control {
    struct kgn_state *st;
    int sfd, ifd;
};

static void *kgn_control_main(void *arg)
{
    struct kgn_control *c = arg;
    struct kgn_state *st = c->st;
    struct pollfd pfd[2] = {{.fd = c->sfd, .events = POLLIN},
                            {.fd = c->ifd, .events = POLLIN}};
    bool pending = false;

    while (!atomic_load(&st->stop)) {
        int n = poll(pfd, c->ifd >= 0 ? 2 : 1, pending ? KGN_DEBOUNCE_MS : -1);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0 && pending) {
            /* the files have been quiet for KGN_DEBOUNCE_MS */
            pending = false;
            logf_err("manifest changed: reloading");
            kgn_load(st);
            continue;
        }
        if (n > 0 && (pfd[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(c->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    logf_err("SIGHUP: reloading");
                    kgn_load(st);
                } else {
                    atomic_store(&st->stop, true);
                    if (write(st->stop_pipe[1], "x", 1) < 0)
                        logf_err("stop: %s", strerror(errno));
                }
            }
        }
        if (n > 0 && c->ifd >= 0 && (pfd[1].revents & POLLIN))
            pending |= kgn_drain_inotify(st, c->ifd);
    }
    return NULL;
}

/* --------------------------------------------------------------- main */

static const struct {
    const char *name;
    int flag;
    bool on;
} kgn_flags[] = {
    {"no-ipblock-pods", KG_FLAG_IPBLOCK_MATCHES_PODS, false},
    {"select-hostnetwork", KG_FLAG_SELECT_HOSTNETWORK, true},
    {"no-node-ingress", KG_FLAG_ALLOW_NODE_INGRESS, false},
    {"no-loopback", KG_FLAG_ALLOW_LOOPBACK, false},
    {"skip-invalid", KG_FLAG_SKIP_INVALID, true},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kgress-nfq [OPTION]... MANIFEST...\n"
            "Judge the new connections iptables queues to NFQUEUE with the\n"
            "NetworkPolicies of MANIFEST (kubectl get -o yaml output).\n"
            "\n"
            "  -q, --queue N          NFQUEUE number (default 0)\n"
            "  -j, --json             log drops as JSON objects\n"
            "  -a, --log-accepts      log accepted connections too\n"
            "      --no-watch         reload on SIGHUP only, not on file "
            "changes\n"
            "      --fail-open        accept packets when the queue is full\n"
            "      --rcvbuf BYTES     netlink receive buffer (default 4 MiB)\n"
            "      --no-ipblock-pods  ipBlock peers do not match pod IPs\n"
            "      --select-hostnetwork  selectors pick hostNetwork pods\n"
            "      --no-node-ingress  no implicit ingress from the pod's "
            "node\n"
            "      --no-loopback      no implicit pod-to-itself allow\n"
            "      --skip-invalid     leave invalid objects out (warnings)\n"
            "  -h, --help             this help\n"
            "  -V, --version          kgress version\n"
            "\n"
            "Drops go to stdout, one per line; events and diagnostics to\n"
            "stderr. SIGHUP or a change of a MANIFEST reloads; a reload that\n"
            "fails keeps the previous rules. SIGTERM/SIGINT stop.\n");
}

int main(int argc, char **argv)
{
    enum { OPT_NO_WATCH = 256, OPT_FAIL_OPEN, OPT_RCVBUF, OPT_FLAG };
    struct option longopts[16] = {
        {"queue", required_argument, NULL, 'q'},
        {"json", no_argument, NULL, 'j'},
        {"log-accepts", no_argument, NULL, 'a'},
        {"no-watch", no_argument, NULL, OPT_NO_WATCH},
        {"fail-open", no_argument, NULL, OPT_FAIL_OPEN},
        {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
    };
    size_t nflags = sizeof kgn_flags / sizeof kgn_flags[0];
    struct kgn_state st = {
        .watch = true, .stop_pipe = {-1, -1}, .rcvbuf = KGN_RCVBUF};
    struct kgn_control ctl = {.st = &st, .sfd = -1, .ifd = -1};
    struct nfq_handle *h = NULL;
    pthread_t control;
    bool control_started = false;
    sigset_t mask;
    int c, idx, rc = 1;

    for (size_t i = 0; i < nflags; i++)
        longopts[8 + i] = (struct option){kgn_flags[i].name, no_argument, NULL,
                                          OPT_FLAG + (int)i};
    st.opts = kg_options_new();
    if (st.opts == NULL) {
        logf_err("out of memory");
        return 1;
    }
    while ((c = getopt_long(argc, argv, "q:jahV", longopts, &idx)) != -1) {
        char *end;
        switch (c) {
        case 'q':
            errno = 0;
            st.queue = (unsigned)strtoul(optarg, &end, 10);
            if (errno || *end || !*optarg || st.queue > 65535) {
                logf_err("--queue: not a queue number: %s", optarg);
                goto usage_error;
            }
            break;
        case 'j':
            st.json = true;
            break;
        case 'a':
            st.log_accepts = true;
            break;
        case OPT_NO_WATCH:
            st.watch = false;
            break;
        case OPT_FAIL_OPEN:
            st.fail_open = true;
            break;
        case OPT_RCVBUF: {
            unsigned long v;
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || *end || !*optarg || v < 4096 || v > (1ul << 30)) {
                logf_err("--rcvbuf: 4096 to 1073741824 bytes: %s", optarg);
                goto usage_error;
            }
            st.rcvbuf = (unsigned)v;
            break;
        }
        case 'h':
            usage(stdout);
            kg_options_free(st.opts);
            return 0;
        case 'V':
            printf("kgress-nfq (kgress %s)\n", kg_version());
            kg_options_free(st.opts);
            return 0;
        default:
            if (c >= OPT_FLAG && (size_t)(c - OPT_FLAG) < nflags) {
                kg_options_set_flag(st.opts, kgn_flags[c - OPT_FLAG].flag,
                                    kgn_flags[c - OPT_FLAG].on);
                break;
            }
            goto usage_error;
        }
    }
    if (optind >= argc) {
        logf_err("no MANIFEST given");
        goto usage_error;
    }
    st.files = argv + optind;
    st.nfiles = argc - optind;
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* signals are read by the control thread only (signalfd) */
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    ctl.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (ctl.sfd < 0 || pipe(st.stop_pipe) != 0) {
        logf_err("signalfd/pipe: %s", strerror(errno));
        goto out;
    }
    if (st.watch) {
        ctl.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ctl.ifd < 0 || kgn_watch(&st, ctl.ifd) != 0)
            goto out;
    }

    st.holder = kg_holder_new(NULL);
    if (st.holder == NULL) {
        logf_err("out of memory");
        goto out;
    }
    if (kgn_load(&st) != 0)
        goto out;

    h = nfq_open();
    if (h == NULL) {
        logf_err("nfq_open: %s (root or CAP_NET_ADMIN needed)",
                 strerror(errno));
        goto out;
    }
    st.qh = nfq_create_queue(h, (uint16_t)st.queue, kgn_packet, &st);
    if (st.qh == NULL) {
        logf_err("queue %u: %s (another listener?)", st.queue, strerror(errno));
        goto out;
    }
    if (nfq_set_mode(st.qh, NFQNL_COPY_PACKET, KGN_COPY_RANGE) < 0 ||
        nfq_set_queue_maxlen(st.qh, KGN_QUEUE_MAXLEN) < 0) {
        logf_err("queue %u: configuring: %s", st.queue, strerror(errno));
        goto out;
    }
    if (st.fail_open && nfq_set_queue_flags(st.qh, NFQA_CFG_F_FAIL_OPEN,
                                            NFQA_CFG_F_FAIL_OPEN) < 0) {
        logf_err("--fail-open: %s", strerror(errno));
        goto out;
    }
    nfnl_rcvbufsiz(nfq_nfnlh(h), st.rcvbuf);

    if (pthread_create(&control, NULL, kgn_control_main, &ctl) != 0) {
        logf_err("cannot start the control thread");
        goto out;
    }
    control_started = true;
    rc = kgn_serve(&st, h) == 0 ? 0 : 1;
    logf_err("stopping: %lu accepted, %lu dropped, %lu lost", st.accepted,
             st.dropped, st.lost);

out:
    if (control_started) {
        atomic_store(&st.stop, true);
        pthread_kill(control, SIGTERM); /* wakes its signalfd */
        pthread_join(control, NULL);
    }
    if (st.qh)
        nfq_destroy_queue(st.qh);
    if (h)
        nfq_close(h);
    kg_holder_free(st.holder);
    kg_options_free(st.opts);
    if (ctl.sfd >= 0)
        close(ctl.sfd);
    if (ctl.ifd >= 0)
        close(ctl.ifd);
    if (st.stop_pipe[0] >= 0) {
        close(st.stop_pipe[0]);
        close(st.stop_pipe[1]);
    }
    return rc;

usage_error:
    fprintf(stderr, "(see kgress-nfq --help)\n");
    kg_options_free(st.opts);
    return 2;
}
