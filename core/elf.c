/* SPDX-License-Identifier: MIT */
/*
 * A small ELF64 reader for BPF relocatable objects. The bytes come from a
 * file we do not trust, so every offset, size, count and index is checked
 * against the buffer before it is used, with overflow-safe arithmetic. The
 * things this guards against are the crash classes fuzzers found in other
 * loaders: section tables past the end of the file, section counts that
 * overflow, sh_entsize of 0, names without a terminator, symbols and
 * relocations pointing outside their section.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* off + len <= size without overflow. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* A NUL-terminated string at off inside [base, base + size). */
static const char *str_at(const char *base, size_t size, uint64_t off)
{
	if (off >= size)
		return NULL;
	if (!memchr(base + off, '\0', size - off))
		return NULL;
	return base + off;
}

static int read_section_headers(struct evbpf_elf *elf, const Elf64_Ehdr *eh, size_t *shstrndx)
{
	const Elf64_Shdr *sh0;
	uint64_t shnum = eh->e_shnum;

	if (eh->e_shoff == 0)
		return evbpf__err(-EINVAL, "elf: no section header table");
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return evbpf__err(-EINVAL, "elf: e_shentsize %u, expected %zu", eh->e_shentsize,
				  sizeof(Elf64_Shdr));
	if (eh->e_shoff % 8)
		return evbpf__err(-EINVAL, "elf: misaligned section header table");
	if (!range_ok(eh->e_shoff, sizeof(Elf64_Shdr), elf->size))
		return evbpf__err(-EINVAL, "elf: section header table at %llu is past the end "
					   "of the file (%zu bytes)",
				  (unsigned long long)eh->e_shoff, elf->size);
	sh0 = (const Elf64_Shdr *)(elf->buf + eh->e_shoff);
	/* Counts that do not fit the header live in section 0. */
	if (shnum == 0)
		shnum = sh0->sh_size;
	*shstrndx = eh->e_shstrndx;
	if (*shstrndx == SHN_XINDEX)
		*shstrndx = sh0->sh_link;
	if (shnum == 0 || shnum > (elf->size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return evbpf__err(-EINVAL, "elf: %llu section headers do not fit in the file",
				  (unsigned long long)shnum);
	if (*shstrndx == 0 || *shstrndx >= shnum)
		return evbpf__err(-EINVAL, "elf: section name table index %zu out of range",
				  *shstrndx);
	elf->nr_secs = shnum;
	elf->secs = calloc(shnum, sizeof(*elf->secs));
	if (!elf->secs)
		return -ENOMEM;
	return 0;
}

static int fill_section(struct evbpf_elf *elf, const Elf64_Shdr *sh, size_t i,
			const char *shstr, size_t shstr_size)
{
	struct evbpf_elf_sec *s = &elf->secs[i];

	s->name = str_at(shstr, shstr_size, sh->sh_name);
	if (!s->name)
		return evbpf__err(-EINVAL, "elf: section %zu: name offset %u is invalid", i,
				  sh->sh_name);
	s->type = sh->sh_type;
	s->flags = sh->sh_flags;
	s->size = sh->sh_size;
	s->link = sh->sh_link;
	s->info = sh->sh_info;
	s->entsize = sh->sh_entsize;
	s->align = sh->sh_addralign;
	if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL)
		return 0;
	if (!range_ok(sh->sh_offset, sh->sh_size, elf->size))
		return evbpf__err(-EINVAL,
				  "elf: section '%s': offset %llu + size %llu is past the end of "
				  "the file (%zu bytes)",
				  s->name, (unsigned long long)sh->sh_offset,
				  (unsigned long long)sh->sh_size, elf->size);
	if (sh->sh_size)
		s->data = elf->buf + sh->sh_offset;
	/* Sections we read as arrays of structs must be aligned for them. */
	if ((sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_REL) && sh->sh_offset % 8)
		return evbpf__err(-EINVAL, "elf: section '%s' is misaligned", s->name);
	return 0;
}

static int read_symtab(struct evbpf_elf *elf)
{
	const struct evbpf_elf_sec *sym_sec = NULL, *str_sec;
	size_t i;

	for (i = 1; i < elf->nr_secs; i++) {
		if (elf->secs[i].type != SHT_SYMTAB)
			continue;
		if (sym_sec)
			return evbpf__err(-EINVAL, "elf: more than one symbol table");
		sym_sec = &elf->secs[i];
		elf->symtab_idx = i;
	}
	if (!sym_sec)
		return evbpf__err(-EINVAL, "elf: no symbol table (was the object stripped?)");
	if (sym_sec->entsize != sizeof(Elf64_Sym))
		return evbpf__err(-EINVAL, "elf: symbol table '%s': sh_entsize %llu, expected %zu",
				  sym_sec->name, (unsigned long long)sym_sec->entsize,
				  sizeof(Elf64_Sym));
	if (sym_sec->size % sizeof(Elf64_Sym))
		return evbpf__err(-EINVAL, "elf: symbol table size %llu is not a multiple of %zu",
				  (unsigned long long)sym_sec->size, sizeof(Elf64_Sym));
	if (sym_sec->link == 0 || sym_sec->link >= elf->nr_secs)
		return evbpf__err(-EINVAL, "elf: symbol table string section %u out of range",
				  sym_sec->link);
	str_sec = &elf->secs[sym_sec->link];
	if (str_sec->type != SHT_STRTAB || !str_sec->data)
		return evbpf__err(-EINVAL, "elf: symbol string table '%s' is not a string table",
				  str_sec->name);
	elf->syms = (const Elf64_Sym *)sym_sec->data;
	elf->nr_syms = sym_sec->size / sizeof(Elf64_Sym);
	elf->strtab = (const char *)str_sec->data;
	elf->strtab_size = str_sec->size;

	for (i = 0; i < elf->nr_syms; i++) {
		const Elf64_Sym *sym = &elf->syms[i];
		const char *name = evbpf__elf_sym_name(elf, sym);
		const struct evbpf_elf_sec *s;

		if (!name)
			return evbpf__err(-EINVAL, "elf: symbol #%zu: name offset %u is invalid", i,
					  sym->st_name);
		if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
			continue;
		if (sym->st_shndx >= elf->nr_secs)
			return evbpf__err(-EINVAL, "elf: symbol '%s': section index %u out of range",
					  name, sym->st_shndx);
		s = &elf->secs[sym->st_shndx];
		if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION || s->type == SHT_NULL)
			continue;
		if (!range_ok(sym->st_value, sym->st_size, s->size))
			return evbpf__err(-EINVAL,
					  "elf: symbol '%s': [%llu, +%llu) lies outside section '%s' "
					  "(%llu bytes)",
					  name, (unsigned long long)sym->st_value,
					  (unsigned long long)sym->st_size, s->name,
					  (unsigned long long)s->size);
	}
	return 0;
}

static int check_rel_sections(struct evbpf_elf *elf)
{
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct evbpf_elf_sec *s = &elf->secs[i];
		const Elf64_Rel *rels;
		size_t n;

		if (s->type == SHT_RELA)
			return evbpf__err(-ENOTSUP, "elf: section '%s': RELA relocations are not "
						    "used by BPF objects",
					  s->name);
		if (s->type != SHT_REL)
			continue;
		if (s->entsize != sizeof(Elf64_Rel))
			return evbpf__err(-EINVAL, "elf: section '%s': sh_entsize %llu, expected %zu",
					  s->name, (unsigned long long)s->entsize,
					  sizeof(Elf64_Rel));
		if (s->size % sizeof(Elf64_Rel))
			return evbpf__err(-EINVAL, "elf: section '%s': size is not a multiple of %zu",
					  s->name, sizeof(Elf64_Rel));
		if (s->link != elf->symtab_idx)
			return evbpf__err(-EINVAL,
					  "elf: section '%s': links to section %u, not the symbol table",
					  s->name, s->link);
		if (s->info == 0 || s->info >= elf->nr_secs)
			return evbpf__err(-EINVAL, "elf: section '%s': target section %u out of range",
					  s->name, s->info);
		rels = (const Elf64_Rel *)s->data;
		n = s->size / sizeof(Elf64_Rel);
		for (size_t j = 0; j < n; j++) {
			const struct evbpf_elf_sec *target = &elf->secs[s->info];

			if (ELF64_R_SYM(rels[j].r_info) >= elf->nr_syms)
				return evbpf__err(-EINVAL,
						  "elf: section '%s': relocation #%zu: symbol %llu out "
						  "of range",
						  s->name, j,
						  (unsigned long long)ELF64_R_SYM(rels[j].r_info));
			if (!range_ok(rels[j].r_offset, 1, target->size))
				return evbpf__err(-EINVAL,
						  "elf: section '%s': relocation #%zu: offset %llu is "
						  "past the end of '%s'",
						  s->name, j, (unsigned long long)rels[j].r_offset,
						  target->name);
		}
	}
	return 0;
}

int evbpf__elf_parse(struct evbpf_elf *elf, const void *buf, size_t size)
{
	const Elf64_Ehdr *eh = buf;
	const Elf64_Shdr *shdrs;
	const struct evbpf_elf_sec *shstr;
	const Elf64_Shdr *shstr_hdr;
	size_t shstrndx = 0;
	int err;

	memset(elf, 0, sizeof(*elf));
	elf->buf = buf;
	elf->size = size;
	if (size < sizeof(Elf64_Ehdr))
		return evbpf__err(-EINVAL, "elf: %zu bytes is too short for an ELF header", size);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return evbpf__err(-EINVAL, "elf: bad magic: not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return evbpf__err(-ENOTSUP, "elf: not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return evbpf__err(-ENOTSUP, "elf: big-endian objects are not supported");
	if (eh->e_machine != EM_BPF)
		return evbpf__err(-EINVAL, "elf: e_machine is %u, not EM_BPF (%u): not a BPF object",
				  eh->e_machine, EM_BPF);
	if (eh->e_type != ET_REL)
		return evbpf__err(-EINVAL, "elf: e_type is %u, not a relocatable object (ET_REL)",
				  eh->e_type);

	err = read_section_headers(elf, eh, &shstrndx);
	if (err)
		goto err;
	shdrs = (const Elf64_Shdr *)(elf->buf + eh->e_shoff);
	shstr_hdr = &shdrs[shstrndx];
	if (shstr_hdr->sh_type != SHT_STRTAB ||
	    !range_ok(shstr_hdr->sh_offset, shstr_hdr->sh_size, size) || shstr_hdr->sh_size == 0) {
		err = evbpf__err(-EINVAL, "elf: section name table is invalid");
		goto err;
	}
	for (size_t i = 1; i < elf->nr_secs; i++) {
		err = fill_section(elf, &shdrs[i], i, (const char *)buf + shstr_hdr->sh_offset,
				   shstr_hdr->sh_size);
		if (err)
			goto err;
	}
	elf->secs[0].name = "";
	shstr = &elf->secs[shstrndx];
	(void)shstr;
	err = read_symtab(elf);
	if (err)
		goto err;
	err = check_rel_sections(elf);
	if (err)
		goto err;
	return 0;
err:
	evbpf__elf_free(elf);
	return err;
}

void evbpf__elf_free(struct evbpf_elf *elf)
{
	free(elf->secs);
	elf->secs = NULL;
	elf->nr_secs = 0;
}

const char *evbpf__elf_sym_name(const struct evbpf_elf *elf, const Elf64_Sym *sym)
{
	return str_at(elf->strtab, elf->strtab_size, sym->st_name);
}

size_t evbpf__elf_find_sec(const struct evbpf_elf *elf, const char *name)
{
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (!strcmp(elf->secs[i].name, name))
			return i;
	return 0;
}

const Elf64_Sym *evbpf__elf_find_sym(const struct evbpf_elf *elf, const char *name, size_t shndx)
{
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const Elf64_Sym *sym = &elf->syms[i];
		int type = ELF64_ST_TYPE(sym->st_info);

		if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
			continue;
		if (type == STT_SECTION || type == STT_FILE)
			continue;
		if (shndx && sym->st_shndx != shndx)
			continue;
		if (!strcmp(evbpf__elf_sym_name(elf, sym), name))
			return sym;
	}
	return NULL;
}
