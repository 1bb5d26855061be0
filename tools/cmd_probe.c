/* SPDX-License-Identifier: MIT */
/* evbpf probe [--json]: which program and map types and which facilities
 * (evbpf_probe_feature) the running kernel has. */
#include <errno.h>
#include <string.h>

#include "tool.h"

extern const struct tool_cmd tool_cmd_probe;

#define PROBE_MAX_TYPE 40

static int run(int argc, char **argv)
{
	const char *sep = "";
	int json = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-')
			return tool_usage_error("probe", "unknown option '%s'", argv[i]);
		else
			return tool_usage_error("probe", "unexpected argument '%s'", argv[i]);
	}
	/* Without bpf() every answer below would be the same refusal: say
	 * it once, with what to do, and fail. */
	if (evbpf_probe_feature(EVBPF_FEATURE_BPF) != 1) {
		fprintf(stderr, "evbpf probe: cannot probe this kernel: %s\n", evbpf_errmsg());
		return 1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass ? "map_types" : "prog_types";

		if (json)
			printf("%s\"%s\":{", pass ? "}," : "{", what);
		else
			printf("%s:\n", what);
		sep = "";
		for (uint32_t t = 1; t < PROBE_MAX_TYPE; t++) {
			const char *name = pass ? evbpf_map_type_name(t) : evbpf_prog_type_name(t);
			int r = pass ? evbpf_probe_map_type(t) : evbpf_probe_prog_type(t);

			if (!strcmp(name, "unknown"))
				break;
			if (r < 0 && r != -EPERM)
				failed = 1;
			if (json)
				printf("%s\"%s\":%s", sep, name,
				       r == 1 ? "true" : r == 0 ? "false" : "null");
			else
				printf("  %-26s %s\n", name,
				       r == 1 ? "yes" : r == 0 ? "no" : evbpf_strerror(r));
			sep = ",";
		}
	}
	if (json)
		printf("},\"features\":{");
	else
		printf("features:\n");
	sep = "";
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		int r = evbpf_probe_feature((enum evbpf_feature)f);
		const char *name = evbpf_feature_name((enum evbpf_feature)f);

		if (r < 0 && r != -EPERM)
			failed = 1;
		if (json) {
			printf("%s\"%s\":%s", sep, name, r == 1 ? "true" : r == 0 ? "false" : "null");
		} else if (r == 0) {
			/* The reason follows the feature's own name in errmsg. */
			const char *why = evbpf_errmsg();
			size_t n = strlen(name);

			if (!strncmp(why, name, n) && !strncmp(why + n, ": ", 2))
				why += n + 2;
			printf("  %-26s no (%s)\n", name, why);
		} else {
			printf("  %-26s %s\n", name, r == 1 ? "yes" : evbpf_strerror(r));
		}
		sep = ",";
	}
	if (json)
		printf("}}\n");
	return failed;
}

const struct tool_cmd tool_cmd_probe = {
	.name = "probe",
	.usage = "probe [--json]            program and map types and facilities of the kernel",
	.help = "usage: evbpf probe [--json]\n"
		"\n"
		"Report which program types, map types and facilities the running kernel\n"
		"has, by really trying each one.\n"
		"\n"
		"  --json      one JSON object instead of a list\n"
		"  -h, --help  this text\n",
	.run = run,
};
