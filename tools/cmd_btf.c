/* SPDX-License-Identifier: MIT */
/*
 * evbpf btf dump [FILE] [--base BASE] [-o OUT]: C types from BTF, a
 * vmlinux.h for BPF programs. FILE is raw BTF (default
 * /sys/kernel/btf/vmlinux) or an ELF file with a .BTF section (a BPF object,
 * a vmlinux image). Split BTF (a kernel module's) needs its base: --base,
 * or /sys/kernel/btf/vmlinux for files under /sys/kernel/btf/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tool.h"


static int run(int argc, char **argv)
{
	const char *path = "/sys/kernel/btf/vmlinux", *out_path = NULL, *base_path = NULL;
	struct evbpf_btf *btf, *base = NULL;
	FILE *out = stdout;
	int err;

	bool have_path = false;

	if (argc < 2)
		return tool_usage_error("btf", "no action given (expected 'dump')");
	if (strcmp(argv[1], "dump"))
		return tool_usage_error("btf", "unknown action '%s' (expected 'dump')", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--base") && i + 1 < argc)
			base_path = argv[++i];
		else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--base"))
			return tool_usage_error("btf", "%s needs a file name", argv[i]);
		else if (argv[i][0] == '-')
			return tool_usage_error("btf", "unknown option '%s'", argv[i]);
		else if (have_path)
			return tool_usage_error("btf", "unexpected argument '%s'", argv[i]);
		else
			path = argv[i], have_path = true;
	}
	if (!base_path && !strncmp(path, "/sys/kernel/btf/", 16) &&
	    strcmp(path, "/sys/kernel/btf/vmlinux"))
		base_path = "/sys/kernel/btf/vmlinux";
	if (base_path) {
		err = evbpf__btf_parse_file(base_path, NULL, &base);
		if (err) {
			tool_error("btf dump: base", err);
			return 1;
		}
	}
	err = evbpf__btf_parse_file(path, base, &btf);
	if (err) {
		evbpf__btf_free(base);
		tool_error("btf dump", err); /* the message names the file */
		return 1;
	}
	if (out_path) {
		out = fopen(out_path, "we");
		if (!out) {
			err = -errno;
			evbpf__btf_free(btf);
			evbpf__btf_free(base);
			tool_error(out_path, err);
			return 1;
		}
	}
	err = evbpf__btf_dump_c(btf, out);
	if (out != stdout && fclose(out) && !err)
		err = -EIO;
	evbpf__btf_free(btf);
	evbpf__btf_free(base);
	if (err) {
		if (out_path)
			remove(out_path);
		tool_error("btf dump", err);
		return 1;
	}
	return 0;
}

const struct tool_cmd tool_cmd_btf = {
    .name = "btf",
    .usage = "btf dump [FILE] [--base B] [-o OUT]  C header (vmlinux.h) from BTF",
    .help = "usage: evbpf btf dump [FILE] [--base BASE] [-o OUT]\n"
	    "\n"
	    "Write the types of BTF as a C header (a vmlinux.h for BPF programs).\n"
	    "\n"
	    "  FILE         raw BTF or an ELF file with .BTF (default /sys/kernel/btf/vmlinux)\n"
	    "  --base BASE  base of split BTF (default for /sys/kernel/btf/MODULE: vmlinux)\n"
	    "  -o OUT       write to OUT instead of standard output\n"
	    "  -h, --help   this text\n",
    .run = run,
};
