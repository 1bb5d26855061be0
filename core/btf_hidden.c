/* SPDX-License-Identifier: MIT */
/*
 * Hidden global subprograms are verified as static ones, as libbpf does.
 *
 * The verifier checks a global function (BTF_FUNC_GLOBAL) on its own,
 * knowing nothing of its callers: a pointer argument may be NULL, so
 * libbpf's <bpf/usdt.bpf.h> helpers (`__weak __hidden int bpf_usdt_arg(ctx,
 * n, long *res)`, which start with `*res = 0`) are refused ("R3 invalid mem
 * access 'mem_or_null'"). A static function is verified at each call site
 * with the caller's registers. A function with hidden (or internal)
 * visibility cannot be called from outside the object, so nothing is lost
 * by treating it as static, and libbpf rewrites its BTF linkage to static
 * before loading. Objects written for libbpf rely on that, so we do the
 * same: every global or weak function in .text whose ELF symbol is hidden
 * or internal gets static linkage in the object's BTF (type ids, and so
 * func_info and CO-RE, are unchanged).
 */
#include <string.h>

#include "internal.h"

static bool hidden_subprog(const struct evbpf_object *obj, const Elf64_Sym *sym, size_t text_idx)
{
	int bind = ELF64_ST_BIND(sym->st_info);
	int vis = ELF64_ST_VISIBILITY(sym->st_other);

	return ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_shndx == text_idx &&
	       (bind == STB_GLOBAL || bind == STB_WEAK) &&
	       (vis == STV_HIDDEN || vis == STV_INTERNAL) &&
	       evbpf__elf_sym_name(&obj->elf, sym) != NULL;
}

int evbpf__object_mark_hidden_static(struct evbpf_object *obj)
{
	size_t text_idx;

	if (!obj->btf || obj->text_code_sec < 0)
		return 0;
	text_idx = obj->code_secs[obj->text_code_sec].sec_idx;
	for (size_t i = 0; i < obj->elf.nr_syms; i++) {
		const Elf64_Sym *sym = &obj->elf.syms[i];
		const char *name;
		struct btf_type *t;
		int id;

		if (!hidden_subprog(obj, sym, text_idx))
			continue;
		name = evbpf__elf_sym_name(&obj->elf, sym);
		id = evbpf__btf_find(obj->btf, name, BTF_KIND_FUNC);
		if (id < 0)
			continue; /* no BTF for it: nothing to rewrite */
		t = evbpf__btf_type_mut(obj->btf, (uint32_t)id);
		if (!t || evbpf__btf_vlen(t) != 1 /* BTF_FUNC_GLOBAL */)
			continue;
		/* A FUNC's vlen holds its linkage: 0 is BTF_FUNC_STATIC. */
		t->info &= ~0xffffu;
		evbpf__debug("object '%s': hidden function '%s' is static in the loaded BTF",
		             obj->name, name);
	}
	return 0;
}
