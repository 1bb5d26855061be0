/* SPDX-License-Identifier: MIT */
/*
 * .BTF.ext: the per-instruction side of an object's BTF. clang writes three
 * tables, each split into blocks per code section:
 *
 *   func_info   (insn_off, type_id): where each function starts and its
 *               BTF FUNC, which the verifier needs for BPF-to-BPF calls
 *               and global functions;
 *   line_info   (insn_off, file, line text, line/column): source lines for
 *               the verifier log and tools;
 *   core_relo   (insn_off, type_id, access string, kind): CO-RE.
 *
 * Layout: a header (magic, version, flags, hdr_len, then offset/length pairs
 * relative to the end of the header), and in each table a u32 record size
 * followed by blocks of {u32 section name offset, u32 count, records}.
 * In an object file insn_off counts bytes from the start of the section;
 * the kernel wants instruction indexes, which prog_btf.c computes when it
 * remaps records into a linked program.
 *
 * Everything here is untrusted: every length is checked against what holds
 * it, record sizes must cover the fields we read, and section names must be
 * valid strings in the object's BTF.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BTF_EXT_MAGIC 0xeB9F

struct btf_ext_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	/* Optional (present when hdr_len covers them). */
	uint32_t core_relo_off;
	uint32_t core_relo_len;
};

static const char *const table_names[EVBPF_BTF_EXT_NR] = {"func_info", "line_info", "core_relo"};
static const uint32_t min_rec_size[EVBPF_BTF_EXT_NR] = {
    sizeof(struct bpf_func_info), sizeof(struct bpf_line_info), sizeof(struct evbpf_core_relo)};

static int parse_table(struct evbpf_btf_ext *ext, const struct evbpf_btf *btf,
                       enum evbpf_btf_ext_table which, const uint8_t *data, uint32_t len)
{
	struct evbpf_btf_ext_table_info *tab = &ext->tables[which];
	const char *name = table_names[which];
	uint32_t rec_size, off;
	size_t cap = 0;

	if (len == 0)
		return 0;
	if (len < sizeof(uint32_t))
		return evbpf__err(
		    -EINVAL, ".BTF.ext: %s: %u bytes is too short for the record size", name, len);
	memcpy(&rec_size, data, sizeof(rec_size));
	if (rec_size < min_rec_size[which] || rec_size % 4 || rec_size > 1024)
		return evbpf__err(-EINVAL,
		                  ".BTF.ext: %s: record size %u is invalid (need a "
		                  "multiple of 4, at least %u)",
		                  name, rec_size, min_rec_size[which]);
	tab->rec_size = rec_size;
	off = sizeof(uint32_t);
	while (off < len) {
		struct evbpf_btf_ext_sec *sec;
		uint32_t name_off, count;
		const char *sec_name;

		if (len - off < 2 * sizeof(uint32_t))
			return evbpf__err(-EINVAL, ".BTF.ext: %s: block header at %u is truncated",
			                  name, off);
		memcpy(&name_off, data + off, sizeof(name_off));
		memcpy(&count, data + off + 4, sizeof(count));
		off += 2 * sizeof(uint32_t);
		sec_name = evbpf__btf_str(btf, name_off);
		if (!sec_name || !*sec_name)
			return evbpf__err(-EINVAL,
			                  ".BTF.ext: %s: section name offset %u is invalid", name,
			                  name_off);
		if (count == 0)
			return evbpf__err(-EINVAL, ".BTF.ext: %s: section '%s' has no records",
			                  name, sec_name);
		if ((uint64_t)count * rec_size > len - off)
			return evbpf__err(-EINVAL,
			                  ".BTF.ext: %s: section '%s': %u records of %u "
			                  "bytes run past the table",
			                  name, sec_name, count, rec_size);
		if (tab->nr_secs == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct evbpf_btf_ext_sec *n = realloc(tab->secs, ncap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			tab->secs = n;
			cap = ncap;
		}
		sec = &tab->secs[tab->nr_secs++];
		sec->name = sec_name;
		sec->recs = data + off;
		sec->nr = count;
		off += count * rec_size;
	}
	return 0;
}

/* Field checks that do not depend on where a record is used. */
static int check_records(const struct evbpf_btf_ext *ext, const struct evbpf_btf *btf)
{
	uint32_t type_cnt = evbpf__btf_type_cnt(btf);

	for (int w = 0; w < EVBPF_BTF_EXT_NR; w++) {
		const struct evbpf_btf_ext_table_info *tab = &ext->tables[w];

		for (size_t s = 0; s < tab->nr_secs; s++) {
			const struct evbpf_btf_ext_sec *sec = &tab->secs[s];

			for (uint32_t i = 0; i < sec->nr; i++) {
				const uint8_t *rec = sec->recs + (size_t)i * tab->rec_size;
				uint32_t insn_off, f1, f2, f3;

				memcpy(&insn_off, rec, 4);
				memcpy(&f1, rec + 4, 4);
				memcpy(&f2, rec + 8, 4);
				memcpy(&f3, rec + 12, 4);
				if (insn_off % EVBPF_INSN_SZ)
					return evbpf__err(-EINVAL,
					                  ".BTF.ext: %s: section '%s' "
					                  "record #%u: insn_off %u is not "
					                  "at an instruction",
					                  table_names[w], sec->name, i, insn_off);
				if (w == EVBPF_BTF_EXT_FUNC && (f1 == 0 || f1 >= type_cnt))
					return evbpf__err(-EINVAL,
					                  ".BTF.ext: func_info: section '%s' "
					                  "record #%u: type [%u] is invalid",
					                  sec->name, i, f1);
				if (w == EVBPF_BTF_EXT_LINE &&
				    (!evbpf__btf_str(btf, f1) || !evbpf__btf_str(btf, f2)))
					return evbpf__err(-EINVAL,
					                  ".BTF.ext: line_info: section '%s' "
					                  "record #%u: string offset is "
					                  "invalid",
					                  sec->name, i);
				if (w == EVBPF_BTF_EXT_CORE &&
				    (f1 == 0 || f1 >= type_cnt || !evbpf__btf_str(btf, f2)))
					return evbpf__err(-EINVAL,
					                  ".BTF.ext: core_relo: section '%s' "
					                  "record #%u: type [%u] or access "
					                  "string is invalid",
					                  sec->name, i, f1);
				(void)f3;
			}
		}
	}
	return 0;
}

int evbpf__btf_ext_parse(const void *data, size_t size, const struct evbpf_btf *btf,
                         struct evbpf_btf_ext **extp)
{
	struct btf_ext_hdr hdr;
	struct evbpf_btf_ext *ext;
	const uint8_t *body;
	uint64_t body_len;
	int err;

	if (!btf)
		return evbpf__err(-EINVAL, ".BTF.ext without .BTF");
	if (size < offsetof(struct btf_ext_hdr, core_relo_off))
		return evbpf__err(-EINVAL, ".BTF.ext: %zu bytes is too short for the header", size);
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	if (hdr.magic != BTF_EXT_MAGIC)
		return evbpf__err(-EINVAL, ".BTF.ext: bad magic 0x%04x", hdr.magic);
	if (hdr.version != 1)
		return evbpf__err(-ENOTSUP, ".BTF.ext: unsupported version %u", hdr.version);
	if (hdr.flags)
		return evbpf__err(-ENOTSUP, ".BTF.ext: unsupported flags 0x%x", hdr.flags);
	if (hdr.hdr_len < offsetof(struct btf_ext_hdr, core_relo_off) || hdr.hdr_len > size ||
	    hdr.hdr_len % 4)
		return evbpf__err(-EINVAL, ".BTF.ext: header length %u is invalid (%zu bytes)",
		                  hdr.hdr_len, size);
	if (hdr.hdr_len < sizeof(hdr))
		hdr.core_relo_off = hdr.core_relo_len = 0;
	body = (const uint8_t *)data + hdr.hdr_len;
	body_len = size - hdr.hdr_len;
	if ((uint64_t)hdr.func_info_off + hdr.func_info_len > body_len ||
	    (uint64_t)hdr.line_info_off + hdr.line_info_len > body_len ||
	    (uint64_t)hdr.core_relo_off + hdr.core_relo_len > body_len)
		return evbpf__err(-EINVAL, ".BTF.ext: a table runs past the end (%zu bytes)", size);

	ext = calloc(1, sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	err =
	    parse_table(ext, btf, EVBPF_BTF_EXT_FUNC, body + hdr.func_info_off, hdr.func_info_len);
	if (!err)
		err = parse_table(ext, btf, EVBPF_BTF_EXT_LINE, body + hdr.line_info_off,
		                  hdr.line_info_len);
	if (!err)
		err = parse_table(ext, btf, EVBPF_BTF_EXT_CORE, body + hdr.core_relo_off,
		                  hdr.core_relo_len);
	if (!err)
		err = check_records(ext, btf);
	if (err) {
		evbpf__btf_ext_free(ext);
		return err;
	}
	*extp = ext;
	return 0;
}

void evbpf__btf_ext_free(struct evbpf_btf_ext *ext)
{
	if (!ext)
		return;
	for (int w = 0; w < EVBPF_BTF_EXT_NR; w++)
		free(ext->tables[w].secs);
	free(ext);
}

const struct evbpf_btf_ext_sec *evbpf__btf_ext_sec(const struct evbpf_btf_ext *ext,
                                                   enum evbpf_btf_ext_table which,
                                                   const char *sec_name)
{
	const struct evbpf_btf_ext_table_info *tab;

	if (!ext)
		return NULL;
	tab = &ext->tables[which];
	for (size_t i = 0; i < tab->nr_secs; i++)
		if (!strcmp(tab->secs[i].name, sec_name))
			return &tab->secs[i];
	return NULL;
}
