// SPDX-License-Identifier: MIT
/*
 * cli.h - what the kgress subcommands share: option parsing, loading files
 * into a ruleset, printing diagnostics, JSON quoting.
 */
#ifndef KGRESS_CLI_H
#define KGRESS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "kgress.h"

#define CLI_MAX_FILES 4096

struct cli {
    bool json;
    kg_options *opts;
    const char *files[CLI_MAX_FILES];
    int n_files;
    /* subcommand flags with a value: --host H etc. (name without "--") */
    const char *names[32];
    const char *values[32];
    int n_values;
};

/* Parses argv[first..]: common flags (--json, --ingress-class C,
 * --dialect portable|ingress-nginx, --no-normalize, --reject-escaped-slash,
 * --skip-invalid, --strict-cidr, --limit-NAME N), the value flags named in
 * `value_flags` (NULL-terminated, e.g. {"host", "path", NULL}) and files.
 * Returns 0, or 2 after printing a usage error. */
int cli_parse(struct cli *c, int argc, char **argv, int first,
              const char *const *value_flags);
/* The value of --name, or NULL. */
const char *cli_value(const struct cli *c, const char *name);
/* Loads every file and compiles. Prints diagnostics (text to stderr, or
 * collected into the JSON "diagnostics" array written to out when json).
 * Returns the ruleset or NULL (*status set to 1 for invalid input, 2 for I/O
 * errors). */
kg_ruleset *cli_load(struct cli *c, int *status);
/* Prints diagnostics of a builder: text to stderr, or JSON array to out. */
void cli_print_diagnostics(const struct cli *c, const kg_diagnostics *d,
                           FILE *out);
void cli_json_str(FILE *out, const char *s, size_t n);
void cli_free(struct cli *c);

int cmd_validate(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif
