// SPDX-License-Identifier: MIT
/*
 * kgress.c - the kgress command line tool: validate manifests, route HTTP
 * requests, check flows and dump the compiled tables of a cluster dump.
 *
 *   kgress validate FILE...
 *   kgress route FILE... --host H --path P    (or "HOST PATH" lines on stdin)
 *   kgress check FILE... --src IP --dst IP --port N [--protocol P]
 *                                             (or "SRC DST PORT [PROTO]" lines)
 *   kgress dump FILE...
 *
 * --json everywhere. Exit status: 0 ok, 1 denied / unmatched / invalid,
 * 2 usage or I/O error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: kgress COMMAND [OPTIONS] FILE...\n"
        "\n"
        "commands:\n"
        "  validate FILE...                 report every problem of the "
        "manifests\n"
        "  route FILE... --host H --path P  route one request (or 'HOST PATH' "
        "lines on stdin)\n"
        "  check FILE... --src IP --dst IP --port N [--protocol TCP|UDP|SCTP]\n"
        "                                   verdict for one flow (or 'SRC DST "
        "PORT [PROTO]' lines)\n"
        "  dump FILE...                     print the compiled tables\n"
        "  version                          print the library version\n"
        "\n"
        "options:\n"
        "  --json                  JSON output\n"
        "  --ingress-class NAME    serve only Ingresses of this class\n"
        "  --dialect D             portable (default) or ingress-nginx\n"
        "  --no-normalize          match request paths as given\n"
        "  --reject-escaped-slash  reject paths containing %%2F or %%5C\n"
        "  --skip-invalid          leave invalid objects out (warnings)\n"
        "  --strict-cidr           reject CIDRs with host bits or leading "
        "zeros\n"
        "  --no-ipblock-pods, --select-hostnetwork, --no-node-ingress, "
        "--no-loopback\n"
        "                          NetworkPolicy implementation-defined "
        "choices\n"
        "  "
        "--limit-{input-bytes,depth,nodes,scalar-bytes,documents,alias-nodes} "
        "N\n"
        "\n"
        "exit status: 0 ok, 1 denied/unmatched/invalid, 2 usage or I/O "
        "error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc, argv);
    if (strcmp(cmd, "route") == 0)
        return cmd_route(argc, argv);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc, argv);
    if (strcmp(cmd, "dump") == 0)
        return cmd_dump(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("kgress %s\n", kg_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "kgress: unknown command %s\n", cmd);
    usage(stderr);
    return 2;
}
