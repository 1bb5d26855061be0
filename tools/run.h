/* SPDX-License-Identifier: MIT */
/* Pieces of `evbpf run` shared between its files. */
#ifndef EVBPF_TOOL_RUN_H
#define EVBPF_TOOL_RUN_H

#include <stddef.h>

#include <evbpf/evbpf.h>

/*
 * Apply one --set NAME=VALUE to an opened object, parsing VALUE by the
 * variable's BTF type. 0, or -errno with a one-line message in msg.
 */
int run_set_global(struct evbpf_object *obj, const char *assignment, char *msg, size_t msg_size);

/*
 * Of programs that reach one event by different mechanisms (tp_btf /
 * raw_tp / tracepoint, fentry / kprobe, fexit / kretprobe), keep the most
 * capable one this kernel attaches and turn the others' autoload off, with
 * a warning each. Only programs still autoloaded count. Returns how many
 * were left out, or -ENOMEM.
 */
int run_pick_alternatives(struct evbpf_object *obj);

#endif
