/* SPDX-License-Identifier: MIT */
/*
 * Test helpers that craft BPF objects in memory: an ELF64 relocatable file
 * builder (sections, symbols, REL relocations) and a raw BTF builder.
 * Tests build a small well-formed object, check that it opens, then break
 * exactly one thing in it, either through the builder or by patching the
 * finished bytes (eb_ehdr(), eb_shdr_by_name()), and check the error.
 *
 * Layout of a finished file: the ELF header, every section's data (8-byte
 * aligned), then the section header table. The builder appends, after the
 * caller's sections, one ".rel<name>" section per section with
 * relocations, then .symtab, .strtab and .shstrtab (in that order).
 */
#ifndef EVBPF_TESTS_ELF_BUILDER_H
#define EVBPF_TESTS_ELF_BUILDER_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif

#define EB_MAX_SECS 32
#define EB_MAX_SYMS 64
#define EB_MAX_RELS 64
#define EB_MAX_DATA 8192
#define EB_STR_MAX  4096

struct eb_sec {
	char name[64];
	uint32_t type;
	uint64_t flags;
	uint8_t data[EB_MAX_DATA];
	size_t size;
	uint32_t link, info;
	uint64_t entsize;
};

struct eb_rel {
	int sec;
	uint64_t off;
	uint32_t sym;
	uint32_t type;
};

struct elf_builder {
	struct eb_sec secs[EB_MAX_SECS]; /* secs[i] is section i; 0 is SHT_NULL */
	int nr_secs;
	Elf64_Sym syms[EB_MAX_SYMS]; /* syms[0] is the null symbol */
	int nr_syms;
	char strtab[EB_STR_MAX];
	size_t strtab_len;
	struct eb_rel rels[EB_MAX_RELS];
	int nr_rels;
	/* Indexes of the appended sections, known after eb_finish(). */
	int symtab_idx, strtab_idx, shstrtab_idx;
};

static inline struct elf_builder *eb_new(void)
{
	struct elf_builder *b = calloc(1, sizeof(*b));

	b->nr_secs = 1;
	b->nr_syms = 1;
	b->strtab_len = 1; /* offset 0 is the empty name */
	return b;
}

/* Add a section; returns its index. data may be NULL (zeros, or NOBITS). */
static inline int eb_add_sec(struct elf_builder *b, const char *name, uint32_t type, uint64_t flags,
                             const void *data, size_t size)
{
	struct eb_sec *s = &b->secs[b->nr_secs];

	if (b->nr_secs >= EB_MAX_SECS || size > EB_MAX_DATA)
		abort();
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->type = type;
	s->flags = flags;
	s->size = size;
	if (data)
		memcpy(s->data, data, size);
	return b->nr_secs++;
}

/* A code section holding insns. */
static inline int eb_add_code(struct elf_builder *b, const char *name, const struct bpf_insn *insns,
                              size_t cnt)
{
	return eb_add_sec(b, name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, insns,
	                  cnt * sizeof(*insns));
}

static inline uint32_t eb_str(struct elf_builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off = (uint32_t)b->strtab_len;

	if (b->strtab_len + len > EB_STR_MAX)
		abort();
	memcpy(b->strtab + off, s, len);
	b->strtab_len += len;
	return off;
}

/* Add a symbol; returns its index. */
static inline uint32_t eb_add_sym(struct elf_builder *b, const char *name, int shndx,
                                  uint64_t value, uint64_t size, int bind, int type)
{
	Elf64_Sym *sym = &b->syms[b->nr_syms];

	if (b->nr_syms >= EB_MAX_SYMS)
		abort();
	sym->st_name = name ? eb_str(b, name) : 0;
	sym->st_info = ELF64_ST_INFO(bind, type);
	sym->st_shndx = (uint16_t)shndx;
	sym->st_value = value;
	sym->st_size = size;
	return (uint32_t)b->nr_syms++;
}

/* A relocation in section sec at byte offset off against symbol sym. */
static inline void eb_add_rel(struct elf_builder *b, int sec, uint64_t off, uint32_t sym,
                              uint32_t type)
{
	if (b->nr_rels >= EB_MAX_RELS)
		abort();
	b->rels[b->nr_rels++] = (struct eb_rel){.sec = sec, .off = off, .sym = sym, .type = type};
}

static inline size_t eb_align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

/* Lay the file out; returns a malloc'd buffer (8-byte aligned) and its size.
 * The builder can be finished again after more changes. */
static inline uint8_t *eb_finish(struct elf_builder *b, size_t *sizep)
{
	struct eb_sec all[EB_MAX_SECS + 8];
	char shstr[EB_STR_MAX];
	uint32_t name_off[EB_MAX_SECS + 8];
	size_t shstr_len = 1, off, n = (size_t)b->nr_secs;
	int rel_for[EB_MAX_SECS];
	uint8_t *buf;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;

	memset(all, 0, sizeof(all));
	memcpy(all, b->secs, n * sizeof(all[0]));
	shstr[0] = '\0';
	/* One REL section per relocated section; link and info set below. */
	for (int s = 1; s < b->nr_secs; s++) {
		struct eb_sec *r;

		rel_for[s] = 0;
		for (int i = 0; i < b->nr_rels; i++) {
			Elf64_Rel rel;

			if (b->rels[i].sec != s)
				continue;
			if (!rel_for[s]) {
				rel_for[s] = (int)n;
				r = &all[n++];
				snprintf(r->name, sizeof(r->name), ".rel%.59s", b->secs[s].name);
				r->type = SHT_REL;
				r->info = (uint32_t)s;
				r->entsize = sizeof(Elf64_Rel);
			}
			r = &all[rel_for[s]];
			rel.r_offset = b->rels[i].off;
			rel.r_info = ELF64_R_INFO(b->rels[i].sym, b->rels[i].type);
			memcpy(r->data + r->size, &rel, sizeof(rel));
			r->size += sizeof(rel);
		}
	}
	b->symtab_idx = (int)n;
	snprintf(all[n].name, sizeof(all[n].name), ".symtab");
	all[n].type = SHT_SYMTAB;
	all[n].entsize = sizeof(Elf64_Sym);
	all[n].size = (size_t)b->nr_syms * sizeof(Elf64_Sym);
	memcpy(all[n].data, b->syms, all[n].size);
	n++;
	b->strtab_idx = (int)n;
	all[b->symtab_idx].link = (uint32_t)n;
	/* sh_info of a symbol table: one past the last local symbol. */
	all[b->symtab_idx].info = 1;
	for (int i = 1; i < b->nr_syms; i++)
		if (ELF64_ST_BIND(b->syms[i].st_info) == STB_LOCAL)
			all[b->symtab_idx].info = (uint32_t)i + 1;
	snprintf(all[n].name, sizeof(all[n].name), ".strtab");
	all[n].type = SHT_STRTAB;
	all[n].size = b->strtab_len;
	memcpy(all[n].data, b->strtab, b->strtab_len);
	n++;
	for (size_t i = 1; i < n; i++)
		if (all[i].type == SHT_REL)
			all[i].link = (uint32_t)b->symtab_idx;
	b->shstrtab_idx = (int)n;
	snprintf(all[n].name, sizeof(all[n].name), ".shstrtab");
	all[n].type = SHT_STRTAB;
	n++;
	name_off[0] = 0;
	for (size_t i = 1; i < n; i++) {
		size_t len = strlen(all[i].name) + 1;

		name_off[i] = (uint32_t)shstr_len;
		memcpy(shstr + shstr_len, all[i].name, len);
		shstr_len += len;
	}
	all[n - 1].size = shstr_len;
	memcpy(all[n - 1].data, shstr, shstr_len);

	off = sizeof(Elf64_Ehdr);
	for (size_t i = 1; i < n; i++)
		if (all[i].type != SHT_NOBITS)
			off = eb_align8(off) + all[i].size;
	off = eb_align8(off);
	*sizep = off + n * sizeof(Elf64_Shdr);
	buf = aligned_alloc(8, eb_align8(*sizep));
	memset(buf, 0, eb_align8(*sizep));
	eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (uint16_t)n;
	eh->e_shstrndx = (uint16_t)(n - 1);
	eh->e_shoff = off;
	sh = (Elf64_Shdr *)(buf + off);
	off = sizeof(Elf64_Ehdr);
	for (size_t i = 1; i < n; i++) {
		sh[i].sh_name = name_off[i];
		sh[i].sh_type = all[i].type;
		sh[i].sh_flags = all[i].flags;
		sh[i].sh_size = all[i].size;
		sh[i].sh_link = all[i].link;
		sh[i].sh_info = all[i].info;
		sh[i].sh_entsize = all[i].entsize;
		sh[i].sh_addralign = 8;
		off = eb_align8(off);
		sh[i].sh_offset = off;
		if (all[i].type != SHT_NOBITS) {
			memcpy(buf + off, all[i].data, all[i].size);
			off += all[i].size;
		}
	}
	return buf;
}

static inline Elf64_Ehdr *eb_ehdr(uint8_t *buf)
{
	return (Elf64_Ehdr *)buf;
}

static inline Elf64_Shdr *eb_shdr(uint8_t *buf, size_t idx)
{
	return (Elf64_Shdr *)(buf + eb_ehdr(buf)->e_shoff) + idx;
}

/* The header of the section named name in a finished file, or NULL. */
static inline Elf64_Shdr *eb_shdr_by_name(uint8_t *buf, const char *name)
{
	Elf64_Ehdr *eh = eb_ehdr(buf);
	Elf64_Shdr *shstr = eb_shdr(buf, eh->e_shstrndx);

	for (size_t i = 1; i < eh->e_shnum; i++)
		if (!strcmp((const char *)buf + shstr->sh_offset + eb_shdr(buf, i)->sh_name, name))
			return eb_shdr(buf, i);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Raw BTF                                                             */
/* ------------------------------------------------------------------ */

/* Encoders for the info word and an INT's encoding word (libbpf's test
 * headers have these; the UAPI header only has the decoders). */
#define BB_INFO(kind, kflag, vlen) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))
#define BB_INT_ENC(encoding, bit_off, bits)                                                        \
	(((uint32_t)(encoding) << 24) | ((bit_off) << 16) | (bits))

#define BB_MAX_TYPES (1 << 17)
#define BB_MAX_STRS  4096

struct btf_builder {
	uint8_t types[BB_MAX_TYPES];
	size_t types_len;
	char strs[BB_MAX_STRS];
	size_t strs_len;
	uint32_t nr_types;
};

static inline struct btf_builder *bb_new(void)
{
	struct btf_builder *b = calloc(1, sizeof(*b));

	b->strs_len = 1;
	return b;
}

static inline uint32_t bb_str(struct btf_builder *b, const char *s)
{
	size_t len;
	uint32_t off;

	if (!s || !*s)
		return 0;
	len = strlen(s) + 1;
	off = (uint32_t)b->strs_len;
	if (b->strs_len + len > BB_MAX_STRS)
		abort();
	memcpy(b->strs + off, s, len);
	b->strs_len += len;
	return off;
}

static inline void bb_u32(struct btf_builder *b, uint32_t v)
{
	if (b->types_len + 4 > BB_MAX_TYPES)
		abort();
	memcpy(b->types + b->types_len, &v, 4);
	b->types_len += 4;
}

/* A type header; the caller appends its extra words. Returns the id. */
static inline uint32_t bb_type(struct btf_builder *b, const char *name, uint32_t kind,
                               uint32_t vlen, int kflag, uint32_t size_or_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, BB_INFO(kind, kflag, vlen));
	bb_u32(b, size_or_type);
	return ++b->nr_types;
}

static inline uint32_t bb_int(struct btf_builder *b, const char *name, uint32_t size)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, 0, size);

	bb_u32(b, BB_INT_ENC(BTF_INT_SIGNED, 0, size * 8));
	return id;
}

static inline uint32_t bb_ref(struct btf_builder *b, uint32_t kind, const char *name, uint32_t type)
{
	return bb_type(b, name, kind, 0, 0, type);
}

static inline uint32_t bb_array(struct btf_builder *b, uint32_t elem, uint32_t index,
                                uint32_t nelems)
{
	uint32_t id = bb_type(b, NULL, BTF_KIND_ARRAY, 0, 0, 0);

	bb_u32(b, elem);
	bb_u32(b, index);
	bb_u32(b, nelems);
	return id;
}

/* Follow with vlen bb_member() calls. */
static inline uint32_t bb_struct(struct btf_builder *b, const char *name, uint32_t size,
                                 uint32_t vlen)
{
	return bb_type(b, name, BTF_KIND_STRUCT, vlen, 0, size);
}

static inline void bb_member(struct btf_builder *b, const char *name, uint32_t type,
                             uint32_t bit_off)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, bit_off);
}

static inline uint32_t bb_var(struct btf_builder *b, const char *name, uint32_t type)
{
	uint32_t id = bb_type(b, name, BTF_KIND_VAR, 0, 0, type);

	bb_u32(b, BTF_VAR_GLOBAL_ALLOCATED);
	return id;
}

/* Follow with vlen bb_secinfo() calls. */
static inline uint32_t bb_datasec(struct btf_builder *b, const char *name, uint32_t vlen)
{
	return bb_type(b, name, BTF_KIND_DATASEC, vlen, 0, 0);
}

static inline void bb_secinfo(struct btf_builder *b, uint32_t type, uint32_t off, uint32_t size)
{
	bb_u32(b, type);
	bb_u32(b, off);
	bb_u32(b, size);
}

/* __uint(name, n) in a BTF map definition: a pointer to int[n]. */
static inline uint32_t bb_map_uint(struct btf_builder *b, uint32_t int_id, uint32_t n)
{
	uint32_t arr = bb_array(b, int_id, int_id, n);

	return bb_ref(b, BTF_KIND_PTR, NULL, arr);
}

/* Header, types, strings; a malloc'd buffer. */
static inline uint8_t *bb_finish(struct btf_builder *b, size_t *sizep)
{
	struct btf_header hdr = {
	    .magic = BTF_MAGIC,
	    .version = BTF_VERSION,
	    .hdr_len = sizeof(hdr),
	    .type_off = 0,
	    .type_len = (uint32_t)b->types_len,
	    .str_off = (uint32_t)b->types_len,
	    .str_len = (uint32_t)b->strs_len,
	};
	uint8_t *buf;

	*sizep = sizeof(hdr) + b->types_len + b->strs_len;
	buf = malloc(*sizep);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), b->types, b->types_len);
	memcpy(buf + sizeof(hdr) + b->types_len, b->strs, b->strs_len);
	return buf;
}

#endif
