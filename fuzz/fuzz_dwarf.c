/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the DWARF of a BPF object (core/dwarf.c) and its
 * conversion to BTF (core/dwarf_btf.c). The input is a whole ELF object;
 * when its DWARF parses, every DIE is walked (sizes, modifier chains,
 * abstract origins) and the first types are converted into an empty BTF,
 * twice, the second time reusing what the first added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"

/* Conversions are linear in the DIEs; bound them so one input stays fast. */
#define MAX_CONVERT 64

static void check_failure(int err, const char *what)
{
	if (err >= 0 || (err != -ENOMEM && !evbpf_errmsg()[0])) {
		fprintf(stderr, "%s: error %d without a message\n", what, err);
		abort();
	}
}

static struct evbpf_btf *empty_btf(void)
{
	struct {
		struct btf_header h;
		char strs[4];
	} raw = {{BTF_MAGIC, 1, 0, sizeof(struct btf_header), 0, 0, 0, 1}, ""};
	struct evbpf_btf *btf;

	if (evbpf__btf_parse(&raw, sizeof(raw.h) + 1, NULL, &btf))
		abort();
	return btf;
}

static bool convertible(uint16_t tag)
{
	return tag == EVBPF_DW_TAG_structure_type || tag == EVBPF_DW_TAG_union_type ||
	       tag == EVBPF_DW_TAG_typedef || tag == EVBPF_DW_TAG_enumeration_type ||
	       tag == EVBPF_DW_TAG_array_type || tag == EVBPF_DW_TAG_pointer_type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_dwarf *dw;
	struct evbpf_btf *btf;
	size_t n, converted = 0;
	int err;

	evbpf__errmsg_clear();
	err = evbpf__dwarf_parse_mem(data, size, &dw);
	if (err) {
		check_failure(err, "parse");
		if (dw)
			abort();
		return 0;
	}
	n = evbpf__dwarf_die_cnt(dw);
	for (uint32_t i = 0; i < n; i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, i);

		if (!d || d->next_sibling < i + 1 || d->next_sibling > n)
			abort();
		if (d->parent != EVBPF_DWARF_NONE && d->parent >= i)
			abort();
		(void)evbpf__dwarf_type_size(dw, i);
		(void)evbpf__dwarf_skip_mods(dw, i);
		if (!evbpf__dwarf_die(dw, evbpf__dwarf_origin(dw, i)))
			abort();
	}
	btf = empty_btf();
	for (uint32_t i = 0; i < n && converted < MAX_CONVERT; i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, i);

		if (!convertible(d->tag))
			continue;
		converted++;
		for (int pass = 0; pass < 2; pass++) {
			uint32_t id;

			evbpf__errmsg_clear();
			err = evbpf__dwarf_to_btf(dw, i, btf, &id);
			if (err)
				check_failure(err, "convert");
			else if (id >= evbpf__btf_type_cnt(btf))
				abort();
		}
	}
	evbpf__btf_free(btf);
	evbpf__dwarf_free(dw);
	return 0;
}
