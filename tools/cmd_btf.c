/* SPDX-License-Identifier: MIT */
/*
 * evbpf btf dump [FILE] [-o OUT]: C types from BTF, a vmlinux.h for BPF
 * programs. FILE is raw BTF (default /sys/kernel/btf/vmlinux) or an ELF
 * file with a .BTF section (a BPF object, a vmlinux image).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tool.h"

static int usage(void)
{
	fprintf(stderr,
	        "usage: evbpf btf dump [FILE] [-o OUT]\n"
	        "  FILE  raw BTF or an ELF file with .BTF (default /sys/kernel/btf/vmlinux)\n"
	        "  -o    write to OUT instead of standard output\n");
	return 2;
}

static int run(int argc, char **argv)
{
	const char *path = "/sys/kernel/btf/vmlinux", *out_path = NULL;
	struct evbpf_btf *btf;
	FILE *out = stdout;
	int err;

	if (argc < 2 || strcmp(argv[1], "dump"))
		return usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out_path = argv[++i];
		else if (argv[i][0] == '-')
			return usage();
		else
			path = argv[i];
	}
	err = evbpf__btf_parse_file(path, NULL, &btf);
	if (err) {
		tool_error("btf dump", err); /* the message names the file */
		return 1;
	}
	if (out_path) {
		out = fopen(out_path, "we");
		if (!out) {
			err = -errno;
			evbpf__btf_free(btf);
			tool_error(out_path, err);
			return 1;
		}
	}
	err = evbpf__btf_dump_c(btf, out);
	if (out != stdout && fclose(out) && !err)
		err = -EIO;
	evbpf__btf_free(btf);
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
    .usage = "btf dump [FILE] [-o OUT]      C header (vmlinux.h) from BTF",
    .run = run,
};
