/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: raw BTF. The input is parsed as base BTF and every type is
 * walked the way the loader walks them (names, sizes, alignment, modifier
 * chains, lookups by name). When it parses, the same bytes are parsed
 * again as split BTF on top of it, which shifts every type id and string
 * offset past the base's and exercises the split-BTF paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Lookups by name are linear; bound them so one input stays fast. */
#define MAX_FIND 64

static void check_failure(int err, const char *what)
{
	if (err >= 0 || (err != -ENOMEM && !evbpf_errmsg()[0])) {
		fprintf(stderr, "%s: error %d without a message\n", what, err);
		abort();
	}
}

static void walk(const struct evbpf_btf *btf)
{
	uint32_t cnt = evbpf__btf_type_cnt(btf);

	for (uint32_t id = evbpf__btf_start_id(btf); id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);
		const char *name = evbpf__btf_name(btf, id);
		int64_t size;
		int res;

		if (!t || !name)
			abort(); /* every id below type_cnt is a type */
		size = evbpf__btf_resolve_size(btf, id);
		if (size < -4095)
			abort();
		(void)evbpf__btf_align(btf, id);
		res = evbpf__btf_skip_mods(btf, id);
		if (res >= (int)cnt)
			abort();
		if (res > 0 && !evbpf__btf_type(btf, (uint32_t)res))
			abort();
		if (id < MAX_FIND && name[0]) {
			res = evbpf__btf_find(btf, name, evbpf__btf_kind(t));
			if (res <= 0 || (uint32_t)res > id)
				abort(); /* it must find this type or an earlier one */
		}
	}
	/* Ids past the end are rejected, not read. */
	if (evbpf__btf_type(btf, cnt) || evbpf__btf_resolve_size(btf, cnt) >= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_btf *base = NULL, *split = NULL;
	int err;

	err = evbpf__btf_parse(data, size, NULL, &base);
	if (err) {
		check_failure(err, "parse");
		return 0;
	}
	walk(base);
	err = evbpf__btf_parse(data, size, base, &split);
	if (err) {
		check_failure(err, "parse split");
	} else {
		walk(split);
		evbpf__btf_free(split);
	}
	evbpf__btf_free(base);
	return 0;
}
