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
 * The file is read through uelf.c, which bounds-checks every header, table
 * and string of the untrusted file.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct func_lookup {
	const char *path;
	const char *func;
	size_t flen;
	uint32_t table; /* where func was found; 0 while not found */
	uint64_t addr;
};

static int match_func(void *ctx, const char *name, const Elf64_Sym *sym, uint32_t table)
{
	struct func_lookup *l = ctx;

	/* Found in .symtab: .dynsym, walked next, is not consulted. */
	if (l->table && table != l->table)
		return 1;
	/* "name" or a versioned "name@VER" / "name@@VER". */
	if (strncmp(name, l->func, l->flen) != 0 || (name[l->flen] != '\0' && name[l->flen] != '@'))
		return 0;
	if (l->table && l->addr != sym->st_value)
		return evbpf__err(-ENOTUNIQ,
		                  "'%s': two functions named '%s' (at %#llx and %#llx); give an "
		                  "offset instead",
		                  l->path, l->func, (unsigned long long)l->addr,
		                  (unsigned long long)sym->st_value);
	if (ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC)
		evbpf__warn("'%s': '%s' is an indirect function (IFUNC); the probe goes on its "
		            "resolver",
		            l->path, l->func);
	l->addr = sym->st_value;
	l->table = table;
	return 0;
}

int evbpf__elf_func_offset(const char *path, const char *func, uint64_t *offsetp)
{
	struct func_lookup l = {.path = path, .func = func};
	struct evbpf_uelf f;
	int err;

	if (!path || !func || !*func || !offsetp)
		return evbpf__err(-EINVAL, "ELF symbol lookup: NULL argument");
	l.flen = strlen(func);
	err = evbpf__uelf_open(path, &f);
	if (err)
		return err;
	err = evbpf__uelf_for_each_func(&f, match_func, &l);
	if (err > 0)
		err = 0;
	if (!err && !l.table)
		err = evbpf__err(-ENOENT, "no function '%s' in the symbol tables of '%s'", func,
		                 path);
	/* Prefer the executable segment; fall back to any loadable one. */
	if (!err && evbpf__uelf_vaddr_to_off(&f, l.addr, true, offsetp)) {
		evbpf__errmsg_clear();
		err = evbpf__uelf_vaddr_to_off(&f, l.addr, false, offsetp);
	}
	evbpf__uelf_close(&f);
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
