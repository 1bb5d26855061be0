/* SPDX-License-Identifier: MIT */
/*
 * `evbpf run --map MAP` and `--hist MAP`: a map read every interval and
 * printed as a table sorted by value (keys and values decoded through BTF),
 * or as bcc-style log2 histograms, one per key.
 *
 * Hash, LRU hash and array maps, per-CPU or not. A per-CPU map shows the
 * sum over the possible CPUs: of each histogram slot (in 64 bits), and of
 * each integer of a table value made only of integers (an integer, or
 * structs and arrays of them; each summed in its own width). Values with
 * anything else in them (strings, enums, bools, unions) show as a list of
 * one value per CPU, and such a table is sorted by key.
 */
#ifndef EVBPF_TOOL_RUN_VIEW_H
#define EVBPF_TOOL_RUN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <evbpf/async.h>

struct run_view;

/* A view of the loaded map `name` of obj: 0, or -errno with a one-line
 * message in msg. top 0: every entry. */
int run_view_new(const struct evbpf_object *obj, const char *name, bool hist, uint32_t top,
                 uint32_t interval_ms, char *msg, size_t msg_size, struct run_view **vp);
int run_view_start(struct run_view *v, struct evbpf_reactor *reactor);
/* Print to out instead of stdout (tests). */
void run_view_set_output(struct run_view *v, FILE *out);
/* Print the map once now, on the calling thread: 0 or -errno. */
int run_view_poll(struct run_view *v);
/* NULL-safe; before the reactor goes. */
void run_view_free(struct run_view *v);

#endif
