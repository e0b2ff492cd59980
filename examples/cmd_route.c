// SPDX-License-Identifier: MIT
/*
 * cmd_route.c - kgress route (placeholder until the route compiler lands).
 */
#include <stdio.h>

#include "cli.h"

int cmd_route(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "kgress: route is not available in this build\n");
    return 2;
}
