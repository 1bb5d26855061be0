/* SPDX-License-Identifier: MIT */
/*
 * evbpf load FILE.o [--pin DIR]: load every program, report verifier
 * stats; with --pin, leave them loaded on bpffs as `bpftool prog loadall`
 * does: each program at DIR/PROGNAME, and the maps declared with
 * LIBBPF_PIN_BY_NAME at DIR/MAPNAME (an existing compatible pin is
 * reused, as the loader always does). Pins are made only once every
 * program loaded; when one pin fails, the program pins made so far are
 * removed again, so a failed run leaves DIR as it found it.
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "tool.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == BPF_FS_MAGIC_NUMBER;
}

/* DIR must be a directory on bpffs; a missing last component is created
 * when its parent is on bpffs (bpffs has directories, and nothing else
 * would create one there). */
static int check_pin_dir(const char *dir)
{
	struct stat st;
	char *copy, *parent;
	int err = 0, stat_err;

	stat_err = stat(dir, &st) == 0 ? 0 : errno;
	if (!stat_err) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "evbpf: load: --pin %s: not a directory\n", dir);
			return 1;
		}
		if (!on_bpffs(dir)) {
			fprintf(stderr,
			        "evbpf: load: --pin %s: not on a bpffs (mount -t bpf bpf DIR, "
			        "or use a directory under /sys/fs/bpf)\n",
			        dir);
			return 1;
		}
		return 0;
	}
	copy = strdup(dir);
	if (!copy)
		return 1;
	parent = dirname(copy);
	if (stat_err != ENOENT || !on_bpffs(parent)) {
		fprintf(stderr, "evbpf: load: --pin %s: %s%s\n", dir, strerror(stat_err),
		        stat_err == ENOENT ? " (and its parent is not on a bpffs)" : "");
		err = 1;
	} else if (mkdir(dir, 0700) != 0) {
		fprintf(stderr, "evbpf: load: --pin %s: cannot create it: %s\n", dir,
		        strerror(errno));
		err = 1;
	}
	free(copy);
	return err;
}

/* Maps with pinning: which pins exist before the load (reused, not new). */
static void note_existing_pins(const struct evbpf_object *obj, const char *dir, bool *existed,
                               size_t max)
{
	const struct evbpf_map *m = NULL;
	size_t i = 0;

	while ((m = evbpf_object_next_map(obj, m)) && i < max) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, evbpf_map_name(m));
		existed[i++] = stat(path, &st) == 0;
	}
}

static void report_map_pins(const struct evbpf_object *obj, const bool *existed, size_t max)
{
	const struct evbpf_map *m = NULL;
	size_t i = 0;

	while ((m = evbpf_object_next_map(obj, m)) && i < max) {
		const char *path = evbpf_map_pin_path(m);

		if (path && evbpf_map_fd(m) >= 0)
			printf("%s map %s at %s\n", existed[i] ? "reused" : "pinned",
			       evbpf_map_name(m), path);
		i++;
	}
}

/* After a failure: the map pins this run made go again. */
static void unpin_new_maps(const struct evbpf_object *obj, const bool *existed, size_t max)
{
	const struct evbpf_map *m = NULL;
	size_t i = 0;

	while ((m = evbpf_object_next_map(obj, m)) && i < max) {
		if (evbpf_map_pin_path(m) && evbpf_map_fd(m) >= 0 && !existed[i])
			evbpf_map_unpin((struct evbpf_map *)m, NULL);
		i++;
	}
}

/* Pin every program at DIR/NAME; on failure unpin those done. */
static int pin_programs(struct evbpf_object *obj, const char *dir)
{
	const struct evbpf_program *p = NULL, *q = NULL;
	char path[4096];
	int err = 0;

	while ((p = evbpf_object_next_program(obj, p))) {
		snprintf(path, sizeof(path), "%s/%s", dir, evbpf_program_name(p));
		err = evbpf_program_pin((struct evbpf_program *)p, path);
		if (err) {
			tool_error("load", err);
			break;
		}
	}
	if (!err) {
		while ((p = evbpf_object_next_program(obj, p))) {
			snprintf(path, sizeof(path), "%s/%s", dir, evbpf_program_name(p));
			printf("pinned program %s at %s\n", evbpf_program_name(p), path);
		}
		return 0;
	}
	while ((q = evbpf_object_next_program(obj, q)) && q != p) {
		snprintf(path, sizeof(path), "%s/%s", dir, evbpf_program_name(q));
		evbpf_program_unpin((struct evbpf_program *)q, path);
	}
	return 1;
}

static int run(int argc, char **argv)
{
	struct evbpf_open_opts opts = {.sz = sizeof(opts)};
	const struct evbpf_program *p = NULL;
	struct evbpf_object *obj;
	const char *path = NULL, *pin_dir = NULL;
	bool existed[256] = {false};
	int err, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pin") && i + 1 < argc)
			pin_dir = argv[++i];
		else if (!strcmp(argv[i], "--pin"))
			return tool_usage_error("load", "--pin needs a directory");
		else if (argv[i][0] == '-')
			return tool_usage_error("load", "unknown option '%s'", argv[i]);
		else if (!path)
			path = argv[i];
		else
			return tool_usage_error("load", "unexpected argument '%s'", argv[i]);
	}
	if (!path)
		return tool_usage_error("load", "no object file given");
	if (pin_dir && check_pin_dir(pin_dir))
		return 1;
	opts.pin_root = pin_dir;
	err = evbpf_object_open_file(path, &opts, &obj);
	if (err) {
		tool_error(path, err);
		return 1;
	}
	if (pin_dir)
		note_existing_pins(obj, pin_dir, existed, sizeof(existed) / sizeof(existed[0]));
	while ((p = evbpf_object_next_program(obj, p))) {
		struct evbpf_prog_stats st = {.sz = sizeof(st)};
		struct evbpf_program *prog = (struct evbpf_program *)p;

		err = evbpf_program_load(prog);
		if (err) {
			const char *msg = evbpf_errmsg();

			fprintf(stderr, "evbpf: %s\n", msg[0] ? msg : evbpf_strerror(err));
			failed = 1;
			break;
		}
		evbpf_program_stats(p, &st);
		printf("%-24s %-32s %-16s loaded: %u insns, %u verified, %.3f ms\n",
		       evbpf_program_name(p), evbpf_program_section(p),
		       evbpf_prog_type_name(evbpf_program_type(p)), st.insns, st.verified_insns,
		       (double)st.load_ns / 1e6);
	}
	if (!failed && pin_dir) {
		failed = pin_programs(obj, pin_dir);
		if (!failed)
			report_map_pins(obj, existed, sizeof(existed) / sizeof(existed[0]));
	}
	if (failed && pin_dir)
		unpin_new_maps(obj, existed, sizeof(existed) / sizeof(existed[0]));
	evbpf_object_close(obj);
	return failed;
}

const struct tool_cmd tool_cmd_load = {
    .name = "load",
    .usage = "load FILE.o [--pin DIR]   load every program; verifier stats or log",
    .help = "usage: evbpf load FILE.o [--pin DIR]\n"
            "\n"
            "Load every program of a BPF object and print the verifier's statistics, or\n"
            "its log when a program is rejected (exit status 1).\n"
            "\n"
            "  --pin DIR   keep everything loaded, like `bpftool prog loadall`: pin\n"
            "              each program at DIR/PROGNAME and the maps declared with\n"
            "              LIBBPF_PIN_BY_NAME at DIR/MAPNAME (reusing a compatible\n"
            "              pin there), and print each pin. DIR must be on a bpffs\n"
            "              (its last component is created if its parent is).\n"
            "  -h, --help  this text\n",
    .run = run,
};
