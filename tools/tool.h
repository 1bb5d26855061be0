/* SPDX-License-Identifier: MIT */
#ifndef EVBPF_TOOL_H
#define EVBPF_TOOL_H

#include <stdio.h>
#include <evbpf/evbpf.h>

/* One entry per subcommand; each lives in its own cmd_*.c file. */
struct tool_cmd {
	const char *name;
	const char *usage; /* one line for the command list */
	const char *help;  /* full usage text for -h/--help and `evbpf help CMD` */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
};

/* Print "evbpf: <what>: <errmsg or strerror>" as one line to stderr. */
void tool_error(const char *what, int err);
/* Command-line convention shared by every subcommand: -h/--help anywhere
 * among a subcommand's arguments is handled by the dispatcher (evbpf.c);
 * a usage error (unknown option, missing or extra argument) prints one line
 * "evbpf: CMD: <problem> (see evbpf help CMD)" on stderr and exits 2. */
#define TOOL_EXIT_USAGE 2
int tool_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write s as a JSON string literal (with quotes). */
void tool_json_str(FILE *f, const char *s);

extern const struct tool_cmd tool_cmd_inspect;
extern const struct tool_cmd tool_cmd_load;
extern const struct tool_cmd *const tool_extra_cmds[];

#endif
