/* SPDX-License-Identifier: MIT */
/* The evbpf command-line tool: dispatch to a subcommand. */
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

static const struct tool_cmd *const base_cmds[] = {&tool_cmd_inspect, &tool_cmd_load};

static void usage(FILE *f)
{
	fprintf(f, "usage: evbpf COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(base_cmds) / sizeof(base_cmds[0]); i++)
		fprintf(f, "  %s\n", base_cmds[i]->usage);
	for (size_t i = 0; tool_extra_cmds[i]; i++)
		fprintf(f, "  %s\n", tool_extra_cmds[i]->usage);
	fprintf(f, "\nevbpf %s; set EVBPF_LOG=debug for library messages.\n",
		evbpf_version_string());
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("evbpf %s\n", evbpf_version_string());
		return 0;
	}
	for (size_t i = 0; i < sizeof(base_cmds) / sizeof(base_cmds[0]); i++)
		if (!strcmp(argv[1], base_cmds[i]->name))
			return base_cmds[i]->run(argc - 1, argv + 1);
	for (size_t i = 0; tool_extra_cmds[i]; i++)
		if (!strcmp(argv[1], tool_extra_cmds[i]->name))
			return tool_extra_cmds[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "evbpf: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
