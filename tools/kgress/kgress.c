// SPDX-License-Identifier: MIT
/*
 * kgress.c - the kgress command line tool: validate manifests, route HTTP
 * requests, check flows and dump the compiled tables of a cluster dump.
 *
 *   kgress COMMAND [OPTION]... FILE...     (see `kgress COMMAND --help`)
 *   kgress --help | --version | help COMMAND
 *
 * Every command is one entry of the table in cli.c, defined in its
 * cmd_*.c file. Exit status: 0 ok, 1 denied / unmatched / invalid input,
 * 2 usage or I/O error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_help(stderr, NULL);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 ||
        strcmp(name, "version") == 0) {
        printf("kgress %s\n", kg_version());
        return 0;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        const struct cli_command *cmd = NULL;
        /* `kgress help --help` (or -h) is the general help too */
        if (strcmp(name, "help") == 0 && argc > 2 &&
            strcmp(argv[2], "--help") != 0 && strcmp(argv[2], "-h") != 0) {
            cmd = cli_command_find(argv[2]);
            if (!cmd) {
                fprintf(stderr, "kgress: unknown command %s\n", argv[2]);
                return 2;
            }
        }
        cli_help(stdout, cmd);
        return 0;
    }
    const struct cli_command *cmd = cli_command_find(name);
    if (!cmd) {
        fprintf(stderr, "kgress: unknown command %s\nTry 'kgress --help'.\n",
                name);
        return 2;
    }
    struct cli c;
    int st = cli_parse(&c, cmd, argc - 1, argv + 1);
    if (st < 0)
        st = cmd->run(&c);
    cli_free(&c);
    return st;
}
