/* SPDX-License-Identifier: MIT */
/*
 * Reading user-space ELF files (executables and shared libraries) for
 * USDT notes and uprobe.multi symbol globs. The file is mapped read-only
 * and treated as untrusted: every header, table, string and note is
 * bounds-checked before use. elf.c is the reader for BPF objects, which
 * have a different shape (relocatable, EM_BPF).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static bool in_file(const struct evbpf_uelf *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

static int check_headers(struct evbpf_uelf *f)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->base;

	if (f->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return evbpf__err(-ENOEXEC, "'%s' is not an ELF file", f->path);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return evbpf__err(-ENOTSUP,
		                  "'%s' is a %s ELF file; only 64-bit little-endian is supported",
		                  f->path,
		                  eh->e_ident[EI_CLASS] == ELFCLASS64 ? "big-endian" : "32-bit");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return evbpf__err(-ENOEXEC, "'%s' is neither an executable nor a shared library",
		                  f->path);
	if (eh->e_shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	                    !in_file(f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))))
		return evbpf__err(-EINVAL, "'%s': section headers out of bounds", f->path);
	if (eh->e_phnum && (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	                    !in_file(f, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))))
		return evbpf__err(-EINVAL, "'%s': program headers out of bounds", f->path);
	if (eh->e_shoff % 8 || eh->e_phoff % 8)
		return evbpf__err(-EINVAL, "'%s': misaligned headers", f->path);
	f->eh = eh;
	f->shdrs = eh->e_shnum ? (const Elf64_Shdr *)(f->base + eh->e_shoff) : NULL;
	f->phdrs = eh->e_phnum ? (const Elf64_Phdr *)(f->base + eh->e_phoff) : NULL;
	f->nr_shdrs = eh->e_shnum;
	f->nr_phdrs = eh->e_phnum;
	if (f->nr_shdrs && eh->e_shstrndx < f->nr_shdrs) {
		const Elf64_Shdr *s = &f->shdrs[eh->e_shstrndx];

		if (s->sh_type != SHT_NOBITS && in_file(f, s->sh_offset, s->sh_size) &&
		    s->sh_size > 0) {
			f->shstr = (const char *)f->base + s->sh_offset;
			f->shstr_size = s->sh_size;
		}
	}
	return 0;
}

int evbpf__uelf_open(const char *path, struct evbpf_uelf *f)
{
	struct stat st;
	void *map;
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return evbpf__err(err, "cannot open '%s': %s", path, evbpf_strerror(err));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return evbpf__err(-EINVAL, "'%s' is not a regular, non-empty file", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		err = -errno;
		return evbpf__err(err, "cannot map '%s': %s", path, evbpf_strerror(err));
	}
	f->base = map;
	f->size = (size_t)st.st_size;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	err = check_headers(f);
	if (err)
		evbpf__uelf_close(f);
	return err;
}

void evbpf__uelf_close(struct evbpf_uelf *f)
{
	if (f->base)
		munmap((void *)f->base, f->size);
	f->base = NULL;
}

const char *evbpf__uelf_sec_name(const struct evbpf_uelf *f, const Elf64_Shdr *sh)
{
	if (!f->shstr || sh->sh_name >= f->shstr_size ||
	    !memchr(f->shstr + sh->sh_name, '\0', f->shstr_size - sh->sh_name))
		return NULL;
	return f->shstr + sh->sh_name;
}

const Elf64_Shdr *evbpf__uelf_find_sec(const struct evbpf_uelf *f, const char *name)
{
	for (size_t i = 1; i < f->nr_shdrs; i++) {
		const char *n = evbpf__uelf_sec_name(f, &f->shdrs[i]);

		if (n && !strcmp(n, name))
			return &f->shdrs[i];
	}
	return NULL;
}

const uint8_t *evbpf__uelf_sec_data(const struct evbpf_uelf *f, const Elf64_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS || !in_file(f, sh->sh_offset, sh->sh_size))
		return NULL;
	return f->base + sh->sh_offset;
}

int evbpf__uelf_vaddr_to_off(const struct evbpf_uelf *f, uint64_t addr, bool exec, uint64_t *offp)
{
	for (size_t i = 0; i < f->nr_phdrs; i++) {
		const Elf64_Phdr *ph = &f->phdrs[i];

		if (ph->p_type != PT_LOAD || (exec && !(ph->p_flags & PF_X)))
			continue;
		if (addr >= ph->p_vaddr && addr - ph->p_vaddr < ph->p_memsz) {
			*offp = addr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return evbpf__err(-ENOENT, "'%s': address %#llx lies in no loadable%s segment", f->path,
	                  (unsigned long long)addr, exec ? " executable" : "");
}

/* One symbol table's functions; stops at the first non-zero callback. */
static int each_func_in(const struct evbpf_uelf *f, const Elf64_Shdr *sh, evbpf__uelf_sym_fn fn,
                        void *ctx)
{
	const Elf64_Shdr *strsh;
	const Elf64_Sym *syms;
	const char *strs;
	size_t n;

	if (sh->sh_entsize != sizeof(Elf64_Sym) || !in_file(f, sh->sh_offset, sh->sh_size) ||
	    sh->sh_offset % 8 || sh->sh_link >= f->nr_shdrs)
		return evbpf__err(-EINVAL, "'%s': malformed symbol table", f->path);
	strsh = &f->shdrs[sh->sh_link];
	if (!in_file(f, strsh->sh_offset, strsh->sh_size) || strsh->sh_size == 0)
		return evbpf__err(-EINVAL, "'%s': malformed symbol string table", f->path);
	strs = (const char *)f->base + strsh->sh_offset;
	syms = (const Elf64_Sym *)(f->base + sh->sh_offset);
	n = sh->sh_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		int type = ELF64_ST_TYPE(s->st_info), r;
		const char *name;

		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF ||
		    s->st_value == 0)
			continue;
		if (s->st_name >= strsh->sh_size ||
		    !memchr(strs + s->st_name, '\0', strsh->sh_size - s->st_name))
			continue;
		name = strs + s->st_name;
		r = fn(ctx, name, s, sh->sh_type);
		if (r)
			return r;
	}
	return 0;
}

int evbpf__uelf_for_each_func(const struct evbpf_uelf *f, evbpf__uelf_sym_fn fn, void *ctx)
{
	static const uint32_t order[] = {SHT_SYMTAB, SHT_DYNSYM};

	for (size_t o = 0; o < EVBPF_ARRAY_SIZE(order); o++) {
		for (size_t i = 1; i < f->nr_shdrs; i++) {
			int r;

			if (f->shdrs[i].sh_type != order[o])
				continue;
			r = each_func_in(f, &f->shdrs[i], fn, ctx);
			if (r)
				return r;
		}
	}
	return 0;
}

bool evbpf__glob_match(const char *str, const char *pat)
{
	const char *star = NULL, *resume = NULL;

	/* Iterative matching with one backtrack point: a later '*' makes
	 * every earlier one irrelevant, so the cost stays linear-ish. */
	while (*str) {
		if (*pat == '*') {
			star = ++pat;
			resume = str;
		} else if (*pat == '?' || *pat == *str) {
			pat++;
			str++;
		} else if (star) {
			pat = star;
			str = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
