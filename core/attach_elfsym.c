/* SPDX-License-Identifier: MIT */
/*
 * Where a function lives in an ELF file, for uprobes. The uprobe PMU wants
 * a file offset, while symbol tables hold virtual addresses: the address is
 * mapped back to the file through the PT_LOAD program header that contains
 * it (for PIE executables and shared libraries the addresses start near 0,
 * for fixed-address executables at 0x400000; the same arithmetic covers
 * both). .symtab is searched first (static functions, unstripped binaries),
 * then .dynsym (exported functions of stripped libraries).
 *
 * The file is untrusted: every header, table and string is bounds-checked.
 * This reader is separate from elf.c, which only accepts BPF objects.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct elf_file {
	const uint8_t *base;
	size_t size;
	const Elf64_Ehdr *eh;
	const char *path;
};

static bool in_file(const struct elf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

static int check_headers(struct elf_file *f)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->base;

	if (f->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return evbpf__err(-ENOEXEC, "'%s' is not an ELF file", f->path);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return evbpf__err(-ENOTSUP, "'%s' is a 32-bit ELF file; only 64-bit is supported",
		                  f->path);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return evbpf__err(-ENOEXEC, "'%s' is neither an executable nor a shared library",
		                  f->path);
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return evbpf__err(-EINVAL, "'%s': section headers out of bounds", f->path);
	if (eh->e_phnum && (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	                    !in_file(f, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))))
		return evbpf__err(-EINVAL, "'%s': program headers out of bounds", f->path);
	if (eh->e_shoff % 8 || eh->e_phoff % 8)
		return evbpf__err(-EINVAL, "'%s': misaligned headers", f->path);
	f->eh = eh;
	return 0;
}

static const Elf64_Shdr *shdr(const struct elf_file *f, size_t i)
{
	return (const Elf64_Shdr *)(f->base + f->eh->e_shoff) + i;
}

/*
 * Look for func in one symbol table. Returns 1 and the address when found,
 * 0 when absent, -errno on a malformed table or two different addresses.
 */
static int search_symtab(const struct elf_file *f, const Elf64_Shdr *sh, const char *func,
                         uint64_t *addrp)
{
	const Elf64_Shdr *strsh;
	const Elf64_Sym *syms;
	const char *strs;
	size_t n, flen = strlen(func);
	int found = 0;

	if (sh->sh_entsize != sizeof(Elf64_Sym) || !in_file(f, sh->sh_offset, sh->sh_size) ||
	    sh->sh_offset % 8 || sh->sh_link >= f->eh->e_shnum)
		return evbpf__err(-EINVAL, "'%s': malformed symbol table", f->path);
	strsh = shdr(f, sh->sh_link);
	if (!in_file(f, strsh->sh_offset, strsh->sh_size) || strsh->sh_size == 0)
		return evbpf__err(-EINVAL, "'%s': malformed symbol string table", f->path);
	strs = (const char *)f->base + strsh->sh_offset;
	syms = (const Elf64_Sym *)(f->base + sh->sh_offset);
	n = sh->sh_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		int type = ELF64_ST_TYPE(s->st_info);
		const char *name;

		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF)
			continue;
		if (s->st_name >= strsh->sh_size ||
		    strsh->sh_size - s->st_name <= flen) /* room for the name and its NUL */
			continue;
		name = strs + s->st_name;
		/* "name" or a versioned "name@VER" / "name@@VER". */
		if (strncmp(name, func, flen) != 0 || (name[flen] != '\0' && name[flen] != '@'))
			continue;
		if (found && *addrp != s->st_value)
			return evbpf__err(-ENOTUNIQ,
			                  "'%s': two functions named '%s' (at %#llx and "
			                  "%#llx); give an offset instead",
			                  f->path, func, (unsigned long long)*addrp,
			                  (unsigned long long)s->st_value);
		if (type == STT_GNU_IFUNC)
			evbpf__warn("'%s': '%s' is an indirect function (IFUNC); the probe goes on "
			            "its resolver",
			            f->path, func);
		*addrp = s->st_value;
		found = 1;
	}
	return found;
}

static int addr_to_offset(const struct elf_file *f, uint64_t addr, uint64_t *offp)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(f->base + f->eh->e_phoff);

	/* Prefer the executable segment; fall back to any loadable one. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < f->eh->e_phnum; i++) {
			if (ph[i].p_type != PT_LOAD || (pass == 0 && !(ph[i].p_flags & PF_X)))
				continue;
			if (addr >= ph[i].p_vaddr && addr - ph[i].p_vaddr < ph[i].p_memsz) {
				*offp = addr - ph[i].p_vaddr + ph[i].p_offset;
				return 0;
			}
		}
	}
	return evbpf__err(-ENOENT, "'%s': address %#llx lies in no loadable segment", f->path,
	                  (unsigned long long)addr);
}

int evbpf__elf_func_offset(const char *path, const char *func, uint64_t *offsetp)
{
	struct elf_file f = {.path = path};
	static const uint32_t order[] = {SHT_SYMTAB, SHT_DYNSYM};
	struct stat st;
	uint64_t addr = 0;
	void *map;
	int fd, err, found = 0;

	if (!path || !func || !*func || !offsetp)
		return evbpf__err(-EINVAL, "ELF symbol lookup: NULL argument");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return evbpf__err(-errno, "cannot open '%s': %s", path, evbpf_strerror(-errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return evbpf__err(-EINVAL, "'%s' is not a regular, non-empty file", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return evbpf__err(-errno, "cannot map '%s': %s", path, evbpf_strerror(-errno));
	f.base = map;
	f.size = (size_t)st.st_size;
	err = check_headers(&f);
	for (size_t o = 0; !err && !found && o < EVBPF_ARRAY_SIZE(order); o++) {
		for (size_t i = 1; i < f.eh->e_shnum; i++) {
			const Elf64_Shdr *sh = shdr(&f, i);
			int r;

			if (sh->sh_type != order[o])
				continue;
			r = search_symtab(&f, sh, func, &addr);
			if (r < 0) {
				err = r;
				break;
			}
			found |= r;
		}
	}
	if (!err && !found)
		err = evbpf__err(-ENOENT, "no function '%s' in the symbol tables of '%s'", func,
		                 path);
	if (!err)
		err = addr_to_offset(&f, addr, offsetp);
	munmap(map, f.size);
	return err;
}

static bool try_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n > 0 && (size_t)n < size && access(out, R_OK) == 0;
}

int evbpf__resolve_binary_path(const char *name, char *path, size_t size)
{
	static const char *const lib_dirs[] = {
	    "/lib/x86_64-linux-gnu",  "/usr/lib/x86_64-linux-gnu",  "/lib64", "/usr/lib64",
	    "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib",   "/usr/lib",
	    "/usr/local/lib",
	};
	const char *env;

	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/')) {
		if (strlen(name) >= size)
			return -ENAMETOOLONG;
		strcpy(path, name);
		return access(path, R_OK) == 0 ? 0 : -errno;
	}
	if (strstr(name, ".so")) {
		/* LD_LIBRARY_PATH first, as the dynamic loader (and libbpf) do. */
		env = getenv("LD_LIBRARY_PATH");
		while (env && *env) {
			const char *colon = strchr(env, ':');
			size_t len = colon ? (size_t)(colon - env) : strlen(env);
			char dir[1024];

			if (len && len < sizeof(dir)) {
				memcpy(dir, env, len);
				dir[len] = '\0';
				if (try_path(path, size, dir, name))
					return 0;
			}
			env += len + (colon ? 1 : 0);
		}
		for (size_t i = 0; i < EVBPF_ARRAY_SIZE(lib_dirs); i++)
			if (try_path(path, size, lib_dirs[i], name))
				return 0;
		return -ENOENT;
	}
	env = getenv("PATH");
	if (!env)
		env = "/usr/local/bin:/usr/bin:/bin";
	while (*env) {
		const char *colon = strchr(env, ':');
		size_t len = colon ? (size_t)(colon - env) : strlen(env);
		char dir[1024];

		if (len && len < sizeof(dir)) {
			memcpy(dir, env, len);
			dir[len] = '\0';
			if (try_path(path, size, dir, name))
				return 0;
		}
		env += len + (colon ? 1 : 0);
	}
	return -ENOENT;
}
