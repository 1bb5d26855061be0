/* SPDX-License-Identifier: MIT */
/* evbpf inspect FILE.o [--json]: what an object holds, without a kernel. */
#include <string.h>

#include "tool.h"

static void print_text(const struct evbpf_object *obj)
{
	const struct evbpf_program *p = NULL;
	const struct evbpf_map *m = NULL;

	printf("object %s  license \"%s\"\n", evbpf_object_name(obj), evbpf_object_license(obj));
	printf("programs:\n");
	while ((p = evbpf_object_next_program(obj, p)))
		printf("  %-24s %-32s %-16s %6zu insns\n", evbpf_program_name(p),
		       evbpf_program_section(p), evbpf_prog_type_name(evbpf_program_type(p)),
		       evbpf_program_insn_count(p));
	printf("maps:\n");
	while ((m = evbpf_object_next_map(obj, m)))
		printf("  %-24s %-18s key %-4u value %-6u max_entries %u\n", evbpf_map_name(m),
		       evbpf_map_type_name(evbpf_map_type(m)), evbpf_map_key_size(m),
		       evbpf_map_value_size(m), evbpf_map_max_entries(m));
}

static void print_json(const struct evbpf_object *obj)
{
	const struct evbpf_program *p = NULL;
	const struct evbpf_map *m = NULL;
	const char *sep = "";

	printf("{\"name\":");
	tool_json_str(stdout, evbpf_object_name(obj));
	printf(",\"license\":");
	tool_json_str(stdout, evbpf_object_license(obj));
	printf(",\"programs\":[");
	while ((p = evbpf_object_next_program(obj, p))) {
		printf("%s{\"name\":", sep);
		tool_json_str(stdout, evbpf_program_name(p));
		printf(",\"section\":");
		tool_json_str(stdout, evbpf_program_section(p));
		printf(",\"type\":\"%s\",\"insns\":%zu}",
		       evbpf_prog_type_name(evbpf_program_type(p)), evbpf_program_insn_count(p));
		sep = ",";
	}
	printf("],\"maps\":[");
	sep = "";
	while ((m = evbpf_object_next_map(obj, m))) {
		printf("%s{\"name\":", sep);
		tool_json_str(stdout, evbpf_map_name(m));
		printf(",\"type\":\"%s\",\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,"
		       "\"flags\":%u}",
		       evbpf_map_type_name(evbpf_map_type(m)), evbpf_map_key_size(m),
		       evbpf_map_value_size(m), evbpf_map_max_entries(m), evbpf_map_flags(m));
		sep = ",";
	}
	printf("]}\n");
}

static int run(int argc, char **argv)
{
	struct evbpf_object *obj;
	const char *path = NULL;
	int json = 0, err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-')
			return tool_usage_error("inspect", "unknown option '%s'", argv[i]);
		else if (!path)
			path = argv[i];
		else
			return tool_usage_error("inspect", "unexpected argument '%s'", argv[i]);
	}
	if (!path)
		return tool_usage_error("inspect", "no object file given");
	err = evbpf_object_open_file(path, NULL, &obj);
	if (err) {
		tool_error(path, err);
		return 1;
	}
	if (json)
		print_json(obj);
	else
		print_text(obj);
	evbpf_object_close(obj);
	return 0;
}

const struct tool_cmd tool_cmd_inspect = {
	.name = "inspect",
	.usage = "inspect FILE.o [--json]   programs and maps of an object",
	.help = "usage: evbpf inspect FILE.o [--json]\n"
		"\n"
		"List the programs (name, section, type, instruction count) and maps (type,\n"
		"key and value sizes, max_entries) of a BPF object, without a kernel.\n"
		"\n"
		"  --json      one JSON object instead of a table\n"
		"  -h, --help  this text\n",
	.run = run,
};
