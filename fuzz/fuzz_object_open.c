/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: everything evbpf does to an object before it needs a
 * kernel. The input is an ELF file; evbpf_object_open_mem() parses its
 * sections, symbols, relocations, .BTF and .BTF.ext, builds the map and
 * program lists and collects relocations. When that succeeds, every
 * program is linked as well (subprograms appended, map and call
 * relocations applied), with made-up map fds standing in for the kernel's.
 *
 * Besides memory errors (ASan) and undefined behaviour (UBSan) this checks
 * the API contract: a failure is a negative errno with a message.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Never a real fd of this process, so close() on it could only fail. */
#define FAKE_MAP_FD_BASE 0x40000000

static void check_failure(int err, const char *what)
{
	if (err >= 0 || (err != -ENOMEM && !evbpf_errmsg()[0])) {
		fprintf(stderr, "%s: error %d without a message\n", what, err);
		abort();
	}
}

static void link_all(struct evbpf_object *obj)
{
	struct evbpf_program *prog = NULL;
	int err;

	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = FAKE_MAP_FD_BASE + (int)i;
	while ((prog = evbpf_object_next_program(obj, prog))) {
		(void)evbpf_program_name(prog);
		(void)evbpf_program_section(prog);
		(void)evbpf_program_insn_count(prog);
		err = evbpf__program_link(prog);
		if (err)
			check_failure(err, "link");
	}
	/* The fds are not ours: take them back before close. */
	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_object *obj = NULL;
	const struct evbpf_map *map = NULL;
	int err;

	err = evbpf_object_open_mem(data, size, NULL, &obj);
	if (err) {
		check_failure(err, "open");
		if (obj)
			abort(); /* the out parameter must stay untouched */
		return 0;
	}
	while ((map = evbpf_object_next_map(obj, map)))
		(void)evbpf_map_value_buf_size(map);
	link_all(obj);
	evbpf_object_close(obj);
	return 0;
}
