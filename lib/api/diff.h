// SPDX-License-Identifier: MIT
/*
 * diff.h - what the rule set diffs (api/route_diff.c, docs/diff.md) share:
 * the witness strings of a regular expression (api/diff_rx.c).
 *
 * A regular expression cuts the request space along its language, which
 * no finite set of trie regions describes; the diff then evaluates a few
 * members of it, built from the pattern's syntax: one string per
 * alternative, a repeat taken its fewest times and once more, a class by
 * its first members (a negated one by a byte outside it). These witnesses
 * are members for the PCRE2 subset route patterns use (literals, classes,
 * escapes, groups, alternation, quantifiers, anchors); lookarounds and
 * back-references are read as empty, so a witness of such a pattern may
 * miss. The diff marks every class a regex decides as inexact.
 */
#ifndef KGI_API_DIFF_H
#define KGI_API_DIFF_H

#include <stdbool.h>
#include <stddef.h>

/* Witnesses of one pattern; at most KGI_DIFF_RX_MAX of at most
 * KGI_DIFF_RX_LEN bytes each. */
#define KGI_DIFF_RX_MAX 8
#define KGI_DIFF_RX_LEN 512

struct kgi_diff_rx {
    size_t n;
    size_t len[KGI_DIFF_RX_MAX];
    char s[KGI_DIFF_RX_MAX][KGI_DIFF_RX_LEN];
};

/* Fills *out with members of pat[0..n) (a PCRE2 pattern). Bytes a request
 * cannot carry (controls, DEL, space) come out as 'a'. Returns 0, or
 * KG_ENOMEM; a pattern it cannot read still gives its literal prefix. */
int kgi_diff_rx_members(const char *pat, size_t n, struct kgi_diff_rx *out);

#endif
