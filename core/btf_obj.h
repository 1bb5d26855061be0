/* SPDX-License-Identifier: MIT */
/*
 * The BTF-derived state of an object that prog_btf.c (func/line info,
 * CO-RE) and extern.c (.kconfig, .ksyms) share: parsed .BTF.ext, the
 * extern table, and the CO-RE target BTFs.
 */
#ifndef EVBPF_CORE_BTF_OBJ_H
#define EVBPF_CORE_BTF_OBJ_H

#include "internal.h"

enum evbpf_ext_type {
	EVBPF_EXT_KCFG,      /* .kconfig variable */
	EVBPF_EXT_KSYM_VAR,  /* typed .ksyms variable: BTF id */
	EVBPF_EXT_KSYM_ADDR, /* typeless .ksyms: address from kallsyms */
	EVBPF_EXT_KFUNC,     /* extern function: kfunc BTF id */
};

enum evbpf_kcfg_type {
	EVBPF_KCFG_BOOL,
	EVBPF_KCFG_TRISTATE,
	EVBPF_KCFG_CHAR,
	EVBPF_KCFG_INT,
	EVBPF_KCFG_CHAR_ARR,
};

struct evbpf_extern {
	char *name;
	size_t sym_idx; /* ELF symbol index */
	enum evbpf_ext_type type;
	bool weak;
	bool resolved;
	/* A function declared extern without __ksym: most likely a BPF
	 * function of another object, meant to be linked in first. */
	bool not_ksym;
	uint32_t btf_id; /* the VAR or FUNC in the object's BTF */
	/* .kconfig */
	enum evbpf_kcfg_type kcfg_type;
	uint32_t kcfg_off, kcfg_size;
	bool kcfg_signed;
	/* .ksyms */
	uint32_t kernel_btf_id;
	int kmod; /* index in btfx->kmods, or -1 for vmlinux */
	uint64_t addr;
};

struct evbpf_kmod_btf {
	char name[64];
	int fd; /* the kernel's BTF object */
	struct evbpf_btf *btf;
	int fd_array_idx; /* 0 until a kfunc call needs it */
};

/* A poisoned CO-RE instruction, to explain a verifier rejection. */
struct evbpf_poison {
	uint32_t insn; /* in the linked program */
	int relo_idx;
	uint32_t kind; /* enum evbpf_core_kind: which guard to suggest */
	char spec[256];
};

struct evbpf_object_btfx {
	struct evbpf_btf_ext *ext;
	struct evbpf_extern *exts;
	size_t nr_exts;
	int kconfig_map; /* index in obj->maps, or -1 */
	bool ksyms_resolved;
	/* CO-RE targets: [0] vmlinux or btf_path, then modules. */
	struct evbpf_btf *override_btf; /* owned, from btf_path */
	/* Kernel module BTFs opened for .ksyms, and the fd_array of kfunc
	 * calls into modules ([0] unused: offset 0 means vmlinux). */
	struct evbpf_kmod_btf *kmods;
	size_t nr_kmods;
	bool kmods_loaded;
	int *fd_array;
	size_t fd_array_cnt;
	/* Per-load buffers, freed by unprepare. */
	void *func_info;
	void *line_info;
	struct evbpf_poison *poisons; /* CO-RE relocations poisoned in this load */
	size_t nr_poisons;
};

/* extern.c */
EVBPF_HIDDEN int evbpf__externs_collect(struct evbpf_object *obj);
EVBPF_HIDDEN void evbpf__externs_free(struct evbpf_object_btfx *x);
/* Resolve .ksyms against the kernel (once per object, at first link). */
EVBPF_HIDDEN int evbpf__externs_resolve_ksyms(struct evbpf_object *obj);
EVBPF_HIDDEN void evbpf__externs_free_kmods(struct evbpf_object_btfx *x);
/* Apply .config text (modified) to the CONFIG_* externs' values in data. */
EVBPF_HIDDEN int evbpf__kconfig_apply(struct evbpf_object *obj, uint8_t *data, char *text);

/* btf_module.c-like helpers in prog_btf.c: the module BTFs, cached. */
EVBPF_HIDDEN int evbpf__module_btfs(const struct evbpf_btf *const **btfs, size_t *nr);

#endif
