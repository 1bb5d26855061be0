/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the C header writer (`evbpf btf dump`). The input is raw
 * BTF; whatever parses is written out as C into memory. The writer orders
 * types by what they need complete, names clashes, and lays out members
 * from BTF offsets, all of which must stay in bounds and terminate on BTF
 * a compiler never produced (every loop and id is the fuzzer's choice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_btf *btf = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	if (evbpf__btf_parse(data, size, NULL, &btf))
		return 0;
	out = open_memstream(&text, &len);
	if (!out)
		abort();
	err = evbpf__btf_dump_c(btf, out);
	fclose(out);
	if (err >= 0 && (!text || !strstr(text, "#endif /* __VMLINUX_H__ */")))
		abort(); /* a successful dump is a complete header */
	if (err < 0 && err != -ENOMEM && !evbpf_errmsg()[0]) {
		fprintf(stderr, "dump: error %d without a message\n", err);
		abort();
	}
	free(text);
	evbpf__btf_free(btf);
	return 0;
}
