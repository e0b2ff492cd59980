// SPDX-License-Identifier: MIT
/*
 * cli.h - what the kgress commands share: the command table, option
 * parsing (getopt_long), loading manifests into a ruleset, diagnostics,
 * reading request lines.
 *
 * A command is one `struct cli_command`: its name, synopsis, help text, its
 * own options and a run function. main() finds it, cli_parse() merges its
 * options with the common ones into one getopt_long table, and --help is
 * generated from the same tables, so help, parsing, the man page's option
 * lists and bash completion (which reads --help) cannot drift apart. A new
 * command, or a new option of a command (say `--watch FILE` for check and
 * route), is one table entry plus the code that reads it with
 * cli_value(c, OPT_WATCH).
 */
#ifndef KGRESS_CLI_H
#define KGRESS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "json.h"
#include "kgress.h"

/* Option ids: the value getopt_long returns. Long-only options use ids
 * from 256 so they can never clash with a short letter. */
enum cli_opt_id {
    OPT_HELP = 'h',
    OPT_VERSION = 'V',
    OPT_BASE = 256,
    /* common */
    OPT_JSON = OPT_BASE,
    OPT_INGRESS_CLASS,
    OPT_DIALECT,
    OPT_FLAG,  /* every KG_FLAG_* switch: see cli.c, flags[] */
    OPT_LIMIT, /* every --limit-*: see cli.c, limits[] */
    /* of commands */
    OPT_HOST,
    OPT_PATH,
    OPT_SRC,
    OPT_DST,
    OPT_PORT,
    OPT_PROTOCOL,
    OPT_NAMESPACE,
    OPT_WATCH,
    OPT_FLOWS,
    OPT_REQUESTS,
    OPT_DST_NAME,
    OPT_METHOD,
    OPT_HEADER, /* repeated: every value in cli.headers */
    OPT_GATEWAY,
    OPT_DNS,
    OPT_NOW,
    OPT_FILTERS,
    OPT_MAX
};

/* One option of a command. */
struct cli_option {
    const char *name; /* long name without "--" */
    const char *arg;  /* metavariable in help ("HOST"), NULL: no argument */
    int id;           /* enum cli_opt_id */
    const char *help; /* one line */
};

struct cli;

struct cli_command {
    const char *name;
    const char *synopsis;             /* after "kgress NAME ", one per line */
    const char *summary;              /* one line, for `kgress --help` */
    const char *description;          /* paragraphs for `kgress NAME --help` */
    bool loads;                       /* takes FILE... and the load options */
    const struct cli_option *options; /* its own; ends with {NULL} */
    int (*run)(struct cli *c);
};

struct cli {
    const struct cli_command *cmd;
    bool json;
    kg_options *opts;
    char **files; /* FILE... operands (inside argv) */
    int n_files;
    int n_files_before_dashdash; /* operands before "--"; -1: no "--" */
    const char *value[OPT_MAX - OPT_BASE]; /* last value of each option */
    const char *headers[64];               /* every --header, in order */
    int n_headers;
    struct json out; /* answers on stdout */
    struct json err; /* diagnostics on stderr */
};

extern const struct cli_command cmd_validate, cmd_route, cmd_check, cmd_dump,
    cmd_explain, cmd_matrix, cmd_diff;

/* The command of that name, or NULL. */
const struct cli_command *cli_command_find(const char *name);
/* Parses argv[0..argc) of command cmd (argv[0] is the command name).
 * Returns -1 to go on, or an exit status: 0 after --help/--version, 2
 * after a usage error (printed). */
int cli_parse(struct cli *c, const struct cli_command *cmd, int argc,
              char **argv);
void cli_free(struct cli *c);
/* The value of an option of the command (OPT_HOST...), or NULL. */
const char *cli_value(const struct cli *c, int id);
/* Prints "kgress NAME: message" and the help hint to stderr; returns 2. */
int cli_usage_error(const struct cli *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Help of a command (or, for NULL, of the tool) on out. */
void cli_help(FILE *out, const struct cli_command *cmd);

/* Loads every FILE (a directory: its *.yaml, *.yml and *.json files in
 * name order; "-": stdin) into a new builder and compiles it. Prints the
 * diagnostics unless quiet (text, or one JSON object per line with
 * --json, on stderr). Returns the builder (NULL: out of memory, *status 2)
 * and sets *rs (NULL when the compile failed) and *status (0 ok, 1 invalid
 * input, 2 I/O error or out of memory). */
kg_builder *cli_build(struct cli *c, bool quiet, kg_ruleset **rs, int *status);
/* cli_build for commands that only need the ruleset. */
kg_ruleset *cli_load(struct cli *c, int *status);
/* Prints diagnostics as cli_build does (text, or JSON lines with --json). */
void cli_print_diagnostics(struct cli *c, const kg_diagnostics *d);
/* Writes diagnostic i: as text to f, or as a JSON object through j. */
void cli_diagnostic_text(FILE *f, const kg_diagnostics *d, size_t i);
void cli_diagnostic_json(struct json *j, const kg_diagnostics *d, size_t i);

/* Writes s[0..n), bytes of a request, a flow line or a manifest, to f as
 * log-safe text (kg_text_escape): an answer is one line whatever its input
 * holds, and no terminal escape reaches the screen. */
void cli_text(FILE *f, const char *s, size_t n);

/* Lines of a stream, each whole however long it is: one line is one
 * request or flow (or one error), never split. */
struct cli_lines {
    FILE *in;
    char *buf;
    size_t cap;
    unsigned long lineno;
};
void cli_lines_init(struct cli_lines *l, FILE *in);
/* The next line without its "\n" or "\r\n"; false at the end of input
 * (check ferror(l->in)). */
bool cli_lines_next(struct cli_lines *l, const char **line, size_t *len);
void cli_lines_free(struct cli_lines *l);

/* The lines a watch answers again after each batch (flows, requests),
 * heap copies. */
struct cli_lineset {
    char **line;
    size_t n, cap;
};
/* Adds a copy of s[0..n); false when out of memory. */
bool cli_lineset_add(struct cli_lineset *f, const char *s, size_t n);
void cli_lineset_free(struct cli_lineset *f);
/* Answers every line of f on rs (the command's printing); returns the
 * worst status (0 all answered as hoped, 1 not, 2 out of memory). */
typedef int cli_judge_fn(struct cli *c, const kg_ruleset *rs,
                         const struct cli_lineset *f, void *user);
/* --watch EVENTS (watch.c): builds the manifests, then applies the watch
 * stream EVENTS ("-": stdin) batch by batch; after each batch (and before
 * the first: batch 0) prints "# batch N: resourceVersion RV, K objects"
 * (a JSON object with --json) and calls judge. Returns the status of the
 * last round, 1 when a compile failed, 2 on I/O or memory errors, 3 after
 * an ERROR event. */
int cli_watch(struct cli *c, const char *events, const struct cli_lineset *f,
              cli_judge_fn *judge, void *user);

/* A field of a line: (pointer, length). */
struct cli_field {
    const char *s;
    size_t n;
};
/* Splits s[0..n) at blanks (space, tab) into at most max fields; returns
 * how many there are (max + 1 when there are more than max). */
int cli_fields(const char *s, size_t n, struct cli_field *f, int max);
/* A port: 1 to 5 decimal digits, 0..65535, nothing else ("+80", " 80",
 * "0x50" and "-1" are not ports). */
bool cli_parse_port(const char *s, size_t n, unsigned *port);

#endif
