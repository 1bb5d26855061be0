/* SPDX-License-Identifier: MIT */
/* The evbpf command-line tool: dispatch to a subcommand. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "tool.h"

void tool_error(const char *what, int err)
{
	const char *msg = evbpf_errmsg();
	char line[1024];
	char *nl;

	/* One line: the detail's first line is the useful summary; a
	 * verifier log tail follows on later lines for `load`. */
	snprintf(line, sizeof(line), "%s", msg[0] ? msg : evbpf_strerror(err));
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	fprintf(stderr, "evbpf: %s: %s\n", what, line);
}

void tool_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int tool_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "evbpf: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see evbpf help %s)\n", cmd);
	return TOOL_EXIT_USAGE;
}

static const struct tool_cmd *const base_cmds[] = {&tool_cmd_inspect, &tool_cmd_load};

static void usage(FILE *f)
{
	fprintf(f, "usage: evbpf COMMAND [ARGS]\n"
	           "       evbpf help [COMMAND]\n"
	           "       evbpf COMMAND -h|--help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(base_cmds) / sizeof(base_cmds[0]); i++)
		fprintf(f, "  %s\n", base_cmds[i]->usage);
	for (size_t i = 0; tool_extra_cmds[i]; i++)
		fprintf(f, "  %s\n", tool_extra_cmds[i]->usage);
	fprintf(f, "\nevbpf %s; set EVBPF_LOG=debug for library messages.\n",
		evbpf_version_string());
}

static const struct tool_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(base_cmds) / sizeof(base_cmds[0]); i++)
		if (!strcmp(name, base_cmds[i]->name))
			return base_cmds[i];
	for (size_t i = 0; tool_extra_cmds[i]; i++)
		if (!strcmp(name, tool_extra_cmds[i]->name))
			return tool_extra_cmds[i];
	return NULL;
}

static int help_cmd(int argc, char **argv)
{
	const struct tool_cmd *c;

	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	if (argc > 3) {
		fprintf(stderr, "evbpf: help: unexpected argument '%s' (see evbpf help)\n", argv[3]);
		return TOOL_EXIT_USAGE;
	}
	c = find_cmd(argv[2]);
	if (!c) {
		fprintf(stderr, "evbpf: help: unknown command '%s' (see evbpf help)\n", argv[2]);
		return TOOL_EXIT_USAGE;
	}
	fputs(c->help, stdout);
	return 0;
}

/* -h/--help anywhere among the arguments, before a "--": a file named
 * "--help" can still be given as ./--help. */
static bool wants_help(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const struct tool_cmd *c;

	if (argc < 2) {
		fprintf(stderr, "evbpf: no command given (see evbpf help)\n");
		return TOOL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return help_cmd(argc, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("evbpf %s\n", evbpf_version_string());
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "evbpf: unknown command '%s' (see evbpf help)\n", argv[1]);
		return TOOL_EXIT_USAGE;
	}
	if (wants_help(argc, argv)) {
		fputs(c->help, stdout);
		return 0;
	}
	return c->run(argc - 1, argv + 1);
}
