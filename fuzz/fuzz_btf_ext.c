/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: .BTF.ext. A .BTF.ext names its code sections and files
 * through the object's string table, so the input carries both:
 *
 *   u32 btf_len (little-endian) | btf_len bytes of BTF | .BTF.ext bytes
 *
 * The BTF is parsed first (inputs whose BTF does not parse still exercise
 * the "no BTF" path), then the .BTF.ext, and every record of every block
 * is read back through the lookup the loader uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void check_failure(int err, const char *what)
{
	if (err >= 0 || (err != -ENOMEM && !evbpf_errmsg()[0])) {
		fprintf(stderr, "%s: error %d without a message\n", what, err);
		abort();
	}
}

/* Read every byte of every record, as a loader remapping them would. */
static void walk(const struct evbpf_btf_ext *ext)
{
	volatile uint32_t sink = 0;

	for (int w = 0; w < EVBPF_BTF_EXT_NR; w++) {
		const struct evbpf_btf_ext_table_info *tab = &ext->tables[w];

		for (size_t s = 0; s < tab->nr_secs; s++) {
			const struct evbpf_btf_ext_sec *sec = &tab->secs[s];

			if (evbpf__btf_ext_sec(ext, (enum evbpf_btf_ext_table)w, sec->name) == NULL)
				abort(); /* a block must be found by its own name */
			for (uint32_t i = 0; i < sec->nr; i++) {
				const uint8_t *rec = sec->recs + (size_t)i * tab->rec_size;

				for (uint32_t b = 0; b < tab->rec_size; b++)
					sink += rec[b];
			}
		}
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_btf *btf = NULL;
	struct evbpf_btf_ext *ext = NULL;
	uint32_t btf_len;
	int err;

	if (size < sizeof(btf_len))
		return 0;
	memcpy(&btf_len, data, sizeof(btf_len));
	data += sizeof(btf_len);
	size -= sizeof(btf_len);
	if (btf_len > size)
		return 0;
	err = evbpf__btf_parse(data, btf_len, NULL, &btf);
	if (err)
		btf = NULL;
	err = evbpf__btf_ext_parse(data + btf_len, size - btf_len, btf, &ext);
	if (err) {
		check_failure(err, "btf_ext parse");
	} else {
		walk(ext);
		evbpf__btf_ext_free(ext);
	}
	evbpf__btf_free(btf);
	return 0;
}
