// SPDX-License-Identifier: MIT
/*
 * ip_tool.c - reads one candidate address/CIDR text per line on stdin and
 * prints what lib/util/ip makes of it, for the differential test
 * ip_reference.py (Python's ipaddress module as the reference):
 *
 *     <kgi_ip_parse text or -> <kgi_cidr_parse text or -> <warning bits>
 */
#include <stdio.h>
#include <string.h>

#include "util/ip.h"

int main(void)
{
    char line[512];
    while (fgets(line, sizeof(line), stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        struct kgi_ip ip;
        char ib[KGI_IP_STRLEN] = "-";
        if (kgi_ip_parse(line, n, &ip))
            kgi_ip_format(&ip, ib);
        struct kgi_cidr c;
        char cb[KGI_CIDR_STRLEN] = "-";
        unsigned w = 0;
        if (kgi_cidr_parse(line, n, 0, &c, &w) == 0)
            kgi_cidr_format(&c, cb);
        printf("%s %s %u\n", ib, cb, w);
    }
    return 0;
}
