// SPDX-License-Identifier: MIT
/*
 * cmd_check.c - kgress check (placeholder until the check compiler lands).
 */
#include <stdio.h>

#include "cli.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "kgress: check is not available in this build\n");
    return 2;
}
