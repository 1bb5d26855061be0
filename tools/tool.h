/* SPDX-License-Identifier: MIT */
#ifndef EVBPF_TOOL_H
#define EVBPF_TOOL_H

#include <stdio.h>
#include <evbpf/evbpf.h>

/* One entry per subcommand; each lives in its own cmd_*.c file. */
struct tool_cmd {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
};

/* Print "evbpf: <what>: <errmsg or strerror>" as one line to stderr. */
void tool_error(const char *what, int err);
/* Write s as a JSON string literal (with quotes). */
void tool_json_str(FILE *f, const char *s);

extern const struct tool_cmd tool_cmd_inspect;
extern const struct tool_cmd tool_cmd_load;
extern const struct tool_cmd *const tool_extra_cmds[];

#endif
