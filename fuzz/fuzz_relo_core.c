/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: CO-RE relocation against a fuzzed target BTF. The input
 * holds the object side and the "kernel" side:
 *
 *   u32 local_len | local BTF | u32 ext_len | .BTF.ext | target BTF
 *
 * (lengths little-endian). Every core_relo record of the .BTF.ext is
 * computed against the target (and, for every other record, against the
 * target then the local BTF as a second candidate source, the way module
 * BTFs follow vmlinux), then patched into an instruction of the shape the
 * compiler would have emitted for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Computing a relocation walks candidate types; bound the work per input. */
#define MAX_RELOS 256

static void check_failure(int err, const char *what)
{
	if (err >= 0 || (err != -ENOMEM && !evbpf_errmsg()[0])) {
		fprintf(stderr, "%s: error %d without a message\n", what, err);
		abort();
	}
}

/* Take a length-prefixed blob off the front of the input. */
static bool take(const uint8_t **data, size_t *size, const uint8_t **blob, size_t *len)
{
	uint32_t n;

	if (*size < sizeof(n))
		return false;
	memcpy(&n, *data, sizeof(n));
	if (n > *size - sizeof(n))
		return false;
	*blob = *data + sizeof(n);
	*len = n;
	*data += sizeof(n) + n;
	*size -= sizeof(n) + n;
	return true;
}

static int bpf_size(uint32_t bytes)
{
	switch (bytes) {
	case 1:
		return BPF_B;
	case 2:
		return BPF_H;
	case 8:
		return BPF_DW;
	default:
		return BPF_W;
	}
}

/* An instruction holding res->orig_val the way clang encodes each shape. */
static void make_insns(struct bpf_insn *insns, int shape, const struct evbpf_core_res *res)
{
	memset(insns, 0, 4 * sizeof(*insns));
	switch (shape) {
	case 0: /* r0 = imm */
		insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
		insns[0].imm = (int32_t)res->orig_val;
		break;
	case 1: /* r1 = *(size *)(r2 + off) */
		insns[0].code = BPF_LDX | BPF_MEM | bpf_size(res->orig_sz);
		insns[0].dst_reg = 1;
		insns[0].src_reg = 2;
		insns[0].off = (int16_t)res->orig_val;
		break;
	case 2: /* r1 = imm64 */
		insns[0].code = BPF_LD | BPF_IMM | BPF_DW;
		insns[0].dst_reg = 1;
		insns[0].imm = (int32_t)(uint32_t)res->orig_val;
		insns[1].imm = (int32_t)(uint32_t)(res->orig_val >> 32);
		break;
	default: /* *(size *)(r1 + off) = r2 */
		insns[0].code = BPF_STX | BPF_MEM | bpf_size(res->orig_sz);
		insns[0].dst_reg = 1;
		insns[0].src_reg = 2;
		insns[0].off = (int16_t)res->orig_val;
		break;
	}
	insns[2].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[3].code = BPF_JMP | BPF_EXIT;
}

static void relocate_all(const struct evbpf_btf *local, const struct evbpf_btf_ext *ext,
                         const struct evbpf_btf *target)
{
	const struct evbpf_btf_ext_table_info *tab = &ext->tables[EVBPF_BTF_EXT_CORE];
	const struct evbpf_btf *targets[2] = {target, local};
	int n = 0;

	for (size_t s = 0; s < tab->nr_secs; s++) {
		const struct evbpf_btf_ext_sec *sec = &tab->secs[s];

		for (uint32_t i = 0; i < sec->nr && n < MAX_RELOS; i++, n++) {
			struct evbpf_core_relo relo;
			struct evbpf_core_res res;
			struct bpf_insn insns[4];
			int err;

			memcpy(&relo, sec->recs + (size_t)i * tab->rec_size, sizeof(relo));
			memset(&res, 0, sizeof(res));
			err = evbpf__core_calc("fuzz", n, local, &relo, targets, 1 + (n & 1), &res);
			if (err) {
				check_failure(err, "core_calc");
				continue;
			}
			(void)evbpf__core_kind_name(relo.kind);
			make_insns(insns, n % 4, &res);
			err = evbpf__core_patch("fuzz", n, insns, 4, 0, &res);
			if (err)
				check_failure(err, "core_patch");
			/* An index past the end is refused, not written. */
			if (evbpf__core_patch("fuzz", n, insns, 4, 4, &res) >= 0)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbpf_btf *local = NULL, *target = NULL;
	struct evbpf_btf_ext *ext = NULL;
	const uint8_t *local_raw, *ext_raw;
	size_t local_len, ext_len;

	if (!take(&data, &size, &local_raw, &local_len) || !take(&data, &size, &ext_raw, &ext_len))
		return 0;
	if (evbpf__btf_parse(local_raw, local_len, NULL, &local))
		return 0;
	if (evbpf__btf_ext_parse(ext_raw, ext_len, local, &ext))
		goto out;
	if (evbpf__btf_parse(data, size, NULL, &target))
		goto out;
	relocate_all(local, ext, target);
out:
	evbpf__btf_free(target);
	evbpf__btf_ext_free(ext);
	evbpf__btf_free(local);
	return 0;
}
