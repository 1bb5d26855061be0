/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations shared by the files of core/. Nothing here is
 * public; names are prefixed evbpf__ and hidden from the shared library.
 */
#ifndef EVBPF_CORE_INTERNAL_H
#define EVBPF_CORE_INTERNAL_H

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <evbpf/evbpf.h>

#define EVBPF_HIDDEN __attribute__((visibility("hidden")))

/*
 * The system's <linux/bpf.h> may be older than the running kernel. Values
 * added to the UAPI later are defined here so the code can use them; they
 * are ABI and never change.
 */
#ifndef EM_BPF
#define EM_BPF 247
#endif
#define EVBPF_BTF_KIND_MAX 19
#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif
#ifndef BPF_F_RDONLY_PROG
#define BPF_F_RDONLY_PROG (1U << 7)
#endif
#define EVBPF_BPF_TCX_INGRESS 46
#define EVBPF_BPF_TCX_EGRESS 47
#define EVBPF_BPF_NETKIT_PRIMARY 54
#define EVBPF_BPF_PROG_TYPE_NETFILTER 32
#define EVBPF_BPF_MAP_TYPE_CGRP_STORAGE 32
#define EVBPF_BPF_MAP_TYPE_ARENA 33
#define EVBPF_BPF_NETFILTER 45

#define EVBPF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Whether an options struct (size_t sz first) is long enough to hold
 * field: callers built against an older header pass a smaller sz. */
#define EVBPF_OPTS_HAS(opts, type, field)                                                         \
	((opts) && (opts)->sz >= offsetof(type, field) + sizeof((opts)->field))
#define EVBPF_INSN_SZ ((size_t)sizeof(struct bpf_insn))

static inline size_t evbpf__roundup(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

/* ------------------------------------------------------------------ */
/* Errors and logging (core/error.c)                                    */
/* ------------------------------------------------------------------ */

/*
 * Record a failure: formats the message into this thread's errmsg buffer,
 * sends it to the log at EVBPF_LOG_WARN and returns err (a negative errno)
 * so callers can write `return evbpf__err(-EINVAL, "...")`.
 */
EVBPF_HIDDEN int evbpf__err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -EINVAL for a NULL map given to who ("ringbuf"), keeping the message
 * before it: the NULL usually comes from a failed evbpf_object_find_map()
 * whose message says which name was wrong. */
EVBPF_HIDDEN int evbpf__err_null_map(const char *who);
/* Set the errmsg for an answer that is not an error (a probe's "absent"),
 * logged at debug level only. */
EVBPF_HIDDEN void evbpf__errmsg_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append to the current errmsg (e.g. a verifier log tail after a header). */
EVBPF_HIDDEN void evbpf__errmsg_append(const char *text);
EVBPF_HIDDEN void evbpf__errmsg_clear(void);
EVBPF_HIDDEN void evbpf__log(enum evbpf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define evbpf__warn(...) evbpf__log(EVBPF_LOG_WARN, __VA_ARGS__)
#define evbpf__info(...) evbpf__log(EVBPF_LOG_INFO, __VA_ARGS__)
#define evbpf__debug(...) evbpf__log(EVBPF_LOG_DEBUG, __VA_ARGS__)

/* Write a kernel object name (maps, programs): prefix + name, cut to
 * BPF_OBJ_NAME_LEN - 1 characters, anything outside [A-Za-z0-9_.]
 * replaced by '_' (core/names.c). */
EVBPF_HIDDEN void evbpf__kernel_name(char dst[BPF_OBJ_NAME_LEN], const char *prefix,
				     const char *name);

/* ------------------------------------------------------------------ */
/* Syscalls (core/sys.c)                                                */
/* ------------------------------------------------------------------ */

/* bpf(2): returns the result or -errno; attr is zero-padded by callers. */
EVBPF_HIDDEN int evbpf__bpf(enum bpf_cmd cmd, union bpf_attr *attr, unsigned int size);
EVBPF_HIDDEN int evbpf__bpf_map_create(const union bpf_attr *create_attr);
EVBPF_HIDDEN int evbpf__bpf_map_update(int fd, const void *key, const void *value,
				       uint64_t flags);
EVBPF_HIDDEN int evbpf__bpf_map_lookup(int fd, const void *key, void *value, uint64_t flags);
EVBPF_HIDDEN int evbpf__bpf_map_freeze(int fd);
EVBPF_HIDDEN int evbpf__bpf_map_next_key(int fd, const void *key, void *next_key);
EVBPF_HIDDEN int evbpf__bpf_obj_info(int fd, void *info, uint32_t *info_len);
/* core/probe.c: load insns as prog_type with a verifier log (attach_type 0:
 * the one the type needs to load at all); the fd or -errno. */
EVBPF_HIDDEN int evbpf__probe_load(uint32_t prog_type, uint32_t attach_type,
				   const struct bpf_insn *insns, uint32_t cnt, char *log,
				   size_t log_size);
EVBPF_HIDDEN int evbpf__bpf_btf_load(const void *data, size_t size, char *log, size_t log_size,
				     uint32_t log_level);
/* core/memlock.c: on kernels that charge BPF memory to RLIMIT_MEMLOCK
 * (before 5.11), raise it to infinity, once per process; evbpf__bpf()
 * calls it before creating maps, programs or BTF. The hint explains an
 * -EPERM from such a creation when the limit could not be raised ("" otherwise). */
EVBPF_HIDDEN void evbpf__memlock_setup(void);
EVBPF_HIDDEN const char *evbpf__memlock_hint(int err);
/* core/perm.c: what an -EPERM from bpf() means for this process (missing
 * capabilities, kernel.unprivileged_bpf_disabled, a policy); "" for other
 * errors. evbpf__memlock_hint() falls back to it. */
EVBPF_HIDDEN const char *evbpf__perm_hint(int err);
/* Whether the process has CAP_SYS_ADMIN or CAP_BPF (effective). */
EVBPF_HIDDEN bool evbpf__bpf_privileged(void);
/* Close an fd if it is >= 0 and set it to -1. */
EVBPF_HIDDEN void evbpf__close_fd(int *fd);
EVBPF_HIDDEN uint64_t evbpf__now_ns(void);
/* Read a whole file into a malloc'd buffer (NUL-terminated, *sizep excludes it). */
EVBPF_HIDDEN int evbpf__read_file(const char *path, uint8_t **bufp, size_t *sizep);
/* Parse a CPU list like "0-3,8" (sysfs format); returns the count or -errno,
 * and the highest CPU + 1 through *maxp when non-NULL. */
EVBPF_HIDDEN int evbpf__parse_cpu_list(const char *s, bool *mask, int mask_len, int *maxp);

/* ------------------------------------------------------------------ */
/* ELF (core/elf.c)                                                     */
/* ------------------------------------------------------------------ */

struct evbpf_elf_sec {
	const char *name;
	uint32_t type;  /* SHT_* */
	uint64_t flags; /* SHF_* */
	const uint8_t *data; /* NULL for SHT_NOBITS and empty sections */
	uint64_t size;
	uint32_t link;
	uint32_t info;
	uint64_t entsize;
	uint64_t align;
};

struct evbpf_elf {
	const uint8_t *buf;
	size_t size;
	struct evbpf_elf_sec *secs;
	size_t nr_secs;
	size_t symtab_idx; /* 0 when there is no symbol table */
	const Elf64_Sym *syms;
	size_t nr_syms;
	const char *strtab;
	size_t strtab_size;
};

/*
 * Parse and validate the ELF headers of buf (which must stay alive and be
 * 8-byte aligned): every section lies inside the file, every name is
 * terminated, the symbol table and relocation sections are well formed.
 */
EVBPF_HIDDEN int evbpf__elf_parse(struct evbpf_elf *elf, const void *buf, size_t size);
EVBPF_HIDDEN void evbpf__elf_free(struct evbpf_elf *elf);
/* Symbol name, or NULL when its string offset is invalid. */
EVBPF_HIDDEN const char *evbpf__elf_sym_name(const struct evbpf_elf *elf, const Elf64_Sym *sym);
/* Index of the section named name, or 0. */
EVBPF_HIDDEN size_t evbpf__elf_find_sec(const struct evbpf_elf *elf, const char *name);
/* A defined symbol named name in section shndx (or any section if 0). */
EVBPF_HIDDEN const Elf64_Sym *evbpf__elf_find_sym(const struct evbpf_elf *elf, const char *name,
						  size_t shndx);

/* ------------------------------------------------------------------ */
/* BTF (core/btf.c)                                                     */
/* ------------------------------------------------------------------ */

struct evbpf_btf;

/*
 * Parse raw BTF (the .BTF section, or /sys/kernel/btf/ files). The bytes
 * are copied. With base != NULL the BTF is split BTF on top of base (module
 * BTF over vmlinux): its type ids continue after base's. Every type's size,
 * string offsets and referenced type ids are validated.
 */
EVBPF_HIDDEN int evbpf__btf_parse(const void *data, size_t size, const struct evbpf_btf *base,
				  struct evbpf_btf **btfp);
EVBPF_HIDDEN void evbpf__btf_free(struct evbpf_btf *btf);
/* One past the highest valid type id (type 0 is void). */
EVBPF_HIDDEN uint32_t evbpf__btf_type_cnt(const struct evbpf_btf *btf);
/* The first type id that belongs to btf itself (1, or base's count). */
EVBPF_HIDDEN uint32_t evbpf__btf_start_id(const struct evbpf_btf *btf);
/* The type, or NULL for void (0) and out-of-range ids. */
EVBPF_HIDDEN const struct btf_type *evbpf__btf_type(const struct evbpf_btf *btf, uint32_t id);
EVBPF_HIDDEN struct btf_type *evbpf__btf_type_mut(struct evbpf_btf *btf, uint32_t id);
/* A string by offset ("" for 0), or NULL when out of range. */
EVBPF_HIDDEN const char *evbpf__btf_str(const struct evbpf_btf *btf, uint32_t off);
EVBPF_HIDDEN const char *evbpf__btf_name(const struct evbpf_btf *btf, uint32_t id);
/* First type with this name and kind (kind < 0: any kind); id or -ENOENT. */
EVBPF_HIDDEN int evbpf__btf_find(const struct evbpf_btf *btf, const char *name, int kind);
/* Follow typedef/const/volatile/restrict/type_tag; returns the id (0 = void),
 * or -EINVAL on a loop or a bad id. */
EVBPF_HIDDEN int evbpf__btf_skip_mods(const struct evbpf_btf *btf, uint32_t id);
/* Size in bytes of a type (through modifiers and arrays), or -errno. */
EVBPF_HIDDEN int64_t evbpf__btf_resolve_size(const struct evbpf_btf *btf, uint32_t id);
EVBPF_HIDDEN int evbpf__btf_align(const struct evbpf_btf *btf, uint32_t id);
/* The raw bytes (header, types, strings) as they are now, for BPF_BTF_LOAD. */
EVBPF_HIDDEN const void *evbpf__btf_raw(const struct evbpf_btf *btf, size_t *sizep);
/* Raw BTF or an ELF file's .BTF section, parsed (split over base if set). */
EVBPF_HIDDEN int evbpf__btf_parse_file(const char *path, const struct evbpf_btf *base,
				       struct evbpf_btf **btfp);
/* Kernel-generated BTF (/sys/kernel/btf/...): takes ownership of raw
 * (malloc'd), bounds-checks records but skips the per-type validation. */
EVBPF_HIDDEN int evbpf__btf_parse_kernel(uint8_t *raw, size_t size, const struct evbpf_btf *base,
					 struct evbpf_btf **btfp);
EVBPF_HIDDEN const struct evbpf_btf *evbpf__btf_base(const struct evbpf_btf *btf);
/* Length of name without its CO-RE "___flavor" suffix. */
EVBPF_HIDDEN size_t evbpf__btf_essential_len(const char *name);
/* Own types (not base's; not functions) whose essential name is name[0..len): fills up to
 * max ids in ascending order and returns how many there are, or -errno. */
EVBPF_HIDDEN int evbpf__btf_find_essential(const struct evbpf_btf *btf, const char *name,
					   size_t len, uint32_t *ids, size_t max);
EVBPF_HIDDEN uint32_t evbpf__btf_member_bit_offset(const struct btf_type *t, uint16_t i);
EVBPF_HIDDEN uint32_t evbpf__btf_member_bitfield_size(const struct btf_type *t, uint16_t i);
/* Append a string (returns its offset) or a type record (returns its id)
 * to non-split BTF; pointers to types and strings become invalid. */
EVBPF_HIDDEN int evbpf__btf_add_str(struct evbpf_btf *btf, const char *s);
EVBPF_HIDDEN int evbpf__btf_add_type(struct evbpf_btf *btf, const void *rec, size_t len);
/* Bytes of a type record: the btf_type and what follows it. */
EVBPF_HIDDEN size_t evbpf__btf_type_rec_size(const struct btf_type *t);

/* core/btf_sanitize.c: BTF kinds (and flags) a kernel may lack. */
#define EVBPF_BTF_HAS_FUNC (1u << 0)        /* FUNC, FUNC_PROTO (5.0) */
#define EVBPF_BTF_HAS_GLOBAL_FUNC (1u << 1) /* non-static FUNC linkage (5.6) */
#define EVBPF_BTF_HAS_DATASEC (1u << 2)     /* VAR, DATASEC (5.2) */
#define EVBPF_BTF_HAS_FLOAT (1u << 3)       /* 5.13 */
#define EVBPF_BTF_HAS_DECL_TAG (1u << 4)    /* 5.16 */
#define EVBPF_BTF_HAS_TYPE_TAG (1u << 5)    /* 5.17 */
#define EVBPF_BTF_HAS_ENUM64 (1u << 6)      /* ENUM64, signed ENUM kflag (6.0) */
#define EVBPF_BTF_HAS_ALL ((1u << 7) - 1)
/* A copy of btf with every kind missing from have (EVBPF_BTF_HAS_*)
 * rewritten into kinds the kernel knows, type ids and string offsets
 * unchanged; *outp is NULL (and 0 returned) when nothing needed it. */
EVBPF_HIDDEN int evbpf__btf_sanitize(const struct evbpf_btf *btf, uint32_t have,
				     struct evbpf_btf **outp);
/* The EVBPF_BTF_HAS_* set of the running kernel, from feature probes;
 * kinds a probe cannot tell about (-errno) count as present. */
EVBPF_HIDDEN uint32_t evbpf__btf_kernel_kinds(void);

/*
 * The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once and
 * cached for the life of the process; thread-safe. Returns 0 and the BTF,
 * or -errno (with a message) when the kernel exposes none.
 */
EVBPF_HIDDEN int evbpf__vmlinux_btf(const struct evbpf_btf **btfp);

static inline uint16_t evbpf__btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}
static inline uint16_t evbpf__btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

/* ------------------------------------------------------------------ */
/* Section definitions (core/sec_def.c)                                 */
/* ------------------------------------------------------------------ */

enum evbpf_sec_attach {
	EVBPF_ATTACH_NONE = 0, /* no automatic attach (xdp, tc, socket, ...) */
	EVBPF_ATTACH_TRACEPOINT,
	EVBPF_ATTACH_RAW_TP,
	EVBPF_ATTACH_TRACING, /* tp_btf, fentry, fexit, fmod_ret, lsm: BTF id */
	EVBPF_ATTACH_KPROBE,
	EVBPF_ATTACH_UPROBE,
	EVBPF_ATTACH_ITER,
	EVBPF_ATTACH_CGROUP, /* needs a cgroup fd */
	EVBPF_ATTACH_PERF_EVENT,
	EVBPF_ATTACH_SYSCALL,
	EVBPF_ATTACH_USDT,         /* usdt/PATH:PROVIDER:NAME */
	EVBPF_ATTACH_KPROBE_MULTI, /* kprobe.multi/, kretprobe.multi/, kprobe.session/ */
	EVBPF_ATTACH_UPROBE_MULTI, /* uprobe.multi/, uretprobe.multi/, uprobe.session/ */
};

#define EVBPF_SEC_PREFIX_ONLY 0x1 /* "xdp" matches "xdp" and "xdp/..." */
#define EVBPF_SEC_SLEEPABLE 0x2
#define EVBPF_SEC_BTF_ID 0x4 /* attach_btf_id resolved from the name after '/' */
#define EVBPF_SEC_RETPROBE 0x8

struct evbpf_sec_def {
	const char *prefix;
	uint32_t prog_type;
	uint32_t attach_type;
	/* BPF_PROG_LOAD's expected_attach_type (attach_type or 0). */
	bool set_expected;
	uint32_t flags;
	enum evbpf_sec_attach attach;
};

/* The definition matching a section name, or NULL. */
EVBPF_HIDDEN const struct evbpf_sec_def *evbpf__sec_def_find(const char *sec_name);

/* ------------------------------------------------------------------ */
/* Objects, programs, maps                                              */
/* ------------------------------------------------------------------ */

/* Where an instruction of a code section refers to something relocatable. */
enum evbpf_reloc_kind {
	EVBPF_RELO_MAP_FD,       /* ld_imm64 of a map: imm = map fd */
	EVBPF_RELO_MAP_VALUE,    /* ld_imm64 of a global: map fd + offset */
	EVBPF_RELO_CALL,         /* pseudo call into .text */
	EVBPF_RELO_SUBPROG_ADDR, /* ld_imm64 of a function in .text (callbacks) */
	EVBPF_RELO_EXTERN,       /* extern (.kconfig / .ksyms) */
};

struct evbpf_reloc {
	enum evbpf_reloc_kind kind;
	uint32_t insn_idx; /* within the code section */
	int map_idx;       /* MAP_FD, MAP_VALUE */
	int ext_idx;       /* EXTERN */
	uint64_t sym_off;  /* symbol value (bytes) */
};

/* A code section: a program section or .text (the subprograms). */
struct evbpf_code_sec {
	size_t sec_idx;
	const char *name;
	struct bpf_insn *insns; /* a copy of the section's instructions */
	size_t insn_cnt;
	struct evbpf_reloc *relos; /* sorted by insn_idx */
	size_t nr_relos;
};

/* A subprogram copied into a program during linking. */
struct evbpf_prog_piece {
	int code_sec;      /* index in obj->code_secs */
	uint32_t src_off;  /* first insn in its section */
	uint32_t dst_off;  /* first insn in the linked program */
	uint32_t insn_cnt;
};

struct evbpf_program {
	struct evbpf_object *obj;
	char *name;
	char *sec_name;
	int code_sec;      /* index in obj->code_secs */
	uint32_t sec_insn_off;
	uint32_t sec_insn_cnt;
	const struct evbpf_sec_def *sec_def;
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t attach_btf_id;
	int attach_btf_obj_fd;
	int attach_prog_fd;
	uint32_t prog_flags;
	bool autoload;
	bool no_autoattach; /* evbpf_program_set_autoattach(prog, 0) */
	int fd;
	/* Linked instructions, valid between linking and a successful load. */
	struct bpf_insn *insns;
	size_t insn_cnt;
	struct evbpf_prog_piece *pieces;
	size_t nr_pieces;
	char *log; /* last verifier log */
	struct evbpf_prog_stats stats;
};

enum evbpf_map_origin {
	EVBPF_MAP_BTF,    /* .maps */
	EVBPF_MAP_LEGACY, /* maps */
	EVBPF_MAP_DATA,   /* .data, .rodata, .bss, .data.*, .rodata.* */
	EVBPF_MAP_KCONFIG,
	EVBPF_MAP_STANDALONE, /* evbpf_map_create / from_fd */
	EVBPF_MAP_STRUCT_OPS, /* a variable in .struct_ops or .struct_ops.link */
};

enum evbpf_pin_type {
	EVBPF_PIN_NONE = 0,
	EVBPF_PIN_BY_NAME = 1,
};

struct evbpf_map {
	struct evbpf_object *obj; /* NULL for standalone maps */
	char *name;               /* as declared */
	char kname[BPF_OBJ_NAME_LEN]; /* name given to the kernel */
	enum evbpf_map_origin origin;
	size_t sec_idx;
	uint64_t sec_off; /* offset of the definition in its section */
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	enum evbpf_pin_type pinning;
	char *pin_path;
	int inner_map_idx; /* map-in-map template (index in obj->maps) or -1 */
	/* Static initial values of a map-in-map or program array
	 * (`.values = { [i] = &x }`, from .rel.maps): slot i gets the fd of
	 * obj->maps[target] or obj->progs[target]. */
	uint32_t values_off; /* offset of the `values` member, or 0 */
	struct evbpf_map_init_slot {
		uint32_t slot;
		int target;
	} *init_slots;
	size_t nr_init_slots;
	uint8_t *init_data; /* global data: the section's initial bytes */
	size_t init_size;
	int fd;
	bool reused;
	bool pinned_new; /* pinned by this load (undone if the load fails) */
	struct evbpf_struct_ops *st_ops; /* EVBPF_MAP_STRUCT_OPS only (struct_ops.c) */
	/* The arena holding .addr_space.1 globals (arena.c): their initial
	 * bytes go at arena_data_off, in the last pages of the arena, which
	 * stays mapped at arena_mem while the map lives. */
	uint32_t arena_data_off;
	void *arena_mem;
	size_t arena_mem_size;
	/* evbpf_map_mmap(): the map's memory, mapped once and unmapped when
	 * the map is released (core/map_mmap.c). */
	void *mmaped;
	size_t mmap_len;
};

struct evbpf_object {
	char *name;
	char *path;
	uint8_t *buf; /* our copy of the ELF bytes (8-byte aligned) */
	size_t size;
	struct evbpf_elf elf;
	struct evbpf_btf *btf; /* the object's .BTF, NULL if absent */
	int btf_fd;
	const uint8_t *btf_ext; /* .BTF.ext bytes inside buf, or NULL */
	size_t btf_ext_size;
	char license[128];
	uint32_t kversion;
	char *pin_root;
	char *btf_path;
	uint32_t log_level;
	struct evbpf_code_sec *code_secs;
	size_t nr_code_secs;
	int text_code_sec; /* index of .text in code_secs, or -1 */
	struct evbpf_program *progs;
	size_t nr_progs;
	struct evbpf_map *maps;
	size_t nr_maps;
	bool maps_created;
	/* The BTF in the kernel has FUNC kinds, so func_info can refer to
	 * them (false when it had to be sanitized for a pre-5.0 kernel). */
	bool btf_func_info;
	struct evbpf_object_btfx *btfx; /* .BTF.ext, externs, CO-RE targets */
	size_t arena_sec;  /* .addr_space.1 (arena globals), or 0 */
	int arena_map;     /* the arena map they live in, or -1 */
	struct evbpf_usdt_ids *usdt_ids; /* USDT spec ids in use (attach_usdt.c) */
};

/* core/map.c */
EVBPF_HIDDEN int evbpf__map_create_kernel(struct evbpf_map *map);
EVBPF_HIDDEN void evbpf__map_release(struct evbpf_map *map);
EVBPF_HIDDEN int evbpf__object_init_maps(struct evbpf_object *obj);
/* Add a global-data-like map (a one-element array holding a section's
 * bytes: .data, .rodata, .bss, .kconfig) with a zeroed initial value of
 * size bytes, named for the kernel like libbpf does; NULL on ENOMEM. */
EVBPF_HIDDEN struct evbpf_map *evbpf__object_add_data_map(struct evbpf_object *obj,
							  const char *name,
							  enum evbpf_map_origin origin,
							  size_t sec_idx, uint32_t size,
							  uint32_t extra_flags);
EVBPF_HIDDEN bool evbpf__map_is_percpu(uint32_t type);
/* core/map_ops.c: ret of an element operation on map, with a fresh
 * evbpf_errmsg() naming the map and the operation when it failed. */
EVBPF_HIDDEN int evbpf__map_elem_result(const struct evbpf_map *map, const char *what, int ret);

/* The kernel name libbpf gives the data map of section sec. */
EVBPF_HIDDEN void evbpf__data_map_kname(char dst[BPF_OBJ_NAME_LEN], const char *obj_name,
					const char *sec);

/* Put the fds of a map-in-map's or program array's static initial values
 * into it; programs that are not loaded are skipped. */
EVBPF_HIDDEN int evbpf__map_fill_slots(struct evbpf_map *map);

/* ------------------------------------------------------------------ */
/* struct_ops (core/struct_ops.c)                                       */
/* ------------------------------------------------------------------ */

/* At open: one map per variable of .struct_ops and .struct_ops.link. */
EVBPF_HIDDEN int evbpf__object_init_struct_ops(struct evbpf_object *obj);
/* At open: .rel.struct_ops[.link], function pointers to programs. */
EVBPF_HIDDEN int evbpf__struct_ops_collect_relos(struct evbpf_object *obj, size_t sec_idx,
						 const Elf64_Rel *rels, size_t n);
/* At load: the kernel's type found in vmlinux BTF, the value laid out,
 * the programs given their attach_btf_id and member index, the map made. */
EVBPF_HIDDEN int evbpf__struct_ops_map_create(struct evbpf_map *map);
/* Before a program loads: a struct_ops program that no map refers to
 * cannot be loaded (nothing says which member it implements). */
EVBPF_HIDDEN int evbpf__struct_ops_check_prog(const struct evbpf_program *prog);
/* The struct_ops map holding prog in one of its members, or NULL. */
EVBPF_HIDDEN struct evbpf_map *evbpf__struct_ops_map_of(const struct evbpf_program *prog);
EVBPF_HIDDEN void evbpf__struct_ops_free(struct evbpf_map *map);

/* core/arena.c: globals in .addr_space.1 live in the object's arena map.
 * init finds both at open; fill maps the new arena and writes their
 * initial bytes; release unmaps it. */
EVBPF_HIDDEN int evbpf__object_init_arena(struct evbpf_object *obj);
EVBPF_HIDDEN int evbpf__arena_fill(struct evbpf_map *map);
EVBPF_HIDDEN void evbpf__arena_release(struct evbpf_map *map);
/* core/map_mmap.c: unmap what evbpf_map_mmap() mapped (map release). */
EVBPF_HIDDEN void evbpf__map_munmap(struct evbpf_map *map);

/* core/relo.c */
EVBPF_HIDDEN int evbpf__object_collect_relos(struct evbpf_object *obj);
/* Build prog->insns: the program's instructions followed by every
 * subprogram it calls, with map and call relocations applied. Maps the
 * program references must have fds. */
EVBPF_HIDDEN int evbpf__program_link(struct evbpf_program *prog);

/* core/btf_ext.c: .BTF.ext tables (func_info, line_info, core_relo), each a
 * list of per-section blocks of fixed-size records (insn_off in bytes). */
enum evbpf_btf_ext_table {
	EVBPF_BTF_EXT_FUNC,
	EVBPF_BTF_EXT_LINE,
	EVBPF_BTF_EXT_CORE,
	EVBPF_BTF_EXT_NR,
};

/* A CO-RE relocation record (struct bpf_core_relo in the kernel UAPI). */
struct evbpf_core_relo {
	uint32_t insn_off;
	uint32_t type_id;
	uint32_t access_str_off;
	uint32_t kind;
};

struct evbpf_btf_ext_sec {
	/* Code section name: points into the BTF's strings, so the BTF must
	 * not be appended to (evbpf__btf_add_*) while this is in use. */
	const char *name;
	const uint8_t *recs; /* nr records of the table's rec_size; unaligned */
	uint32_t nr;
};

struct evbpf_btf_ext_table_info {
	uint32_t rec_size;
	struct evbpf_btf_ext_sec *secs;
	size_t nr_secs;
};

struct evbpf_btf_ext {
	struct evbpf_btf_ext_table_info tables[EVBPF_BTF_EXT_NR];
};

EVBPF_HIDDEN int evbpf__btf_ext_parse(const void *data, size_t size, const struct evbpf_btf *btf,
				      struct evbpf_btf_ext **extp);
EVBPF_HIDDEN void evbpf__btf_ext_free(struct evbpf_btf_ext *ext);
/* The block of a table for a code section, or NULL. */
EVBPF_HIDDEN const struct evbpf_btf_ext_sec *evbpf__btf_ext_sec(const struct evbpf_btf_ext *ext,
								 enum evbpf_btf_ext_table which,
								 const char *sec_name);

/* core/extern_inflate.c: decompress a gzip file held in memory (one
 * member); *outp is malloc'd and NUL-terminated (not counted in *out_lenp). */
EVBPF_HIDDEN int evbpf__gunzip(const uint8_t *in, size_t len, uint8_t **outp, size_t *out_lenp);

/* core/btf_dump.c: BTF as a C header (vmlinux.h) that clang compiles. */
EVBPF_HIDDEN int evbpf__btf_dump_c(const struct evbpf_btf *btf, FILE *out);
/* core/btf_dump.c, skeleton mode: C declarations of variables that need no
 * other definition (typedefs looked through, named structs held by value
 * printed inline, enums as integers, no const/volatile). decl returns
 * "TYPE NAME" malloc'd (members indented by indent tabs), or NULL with a
 * message. */
struct evbpf_btf_dump;
EVBPF_HIDDEN int evbpf__btf_decl_printer_new(const struct evbpf_btf *btf,
					     struct evbpf_btf_dump **dp);
EVBPF_HIDDEN char *evbpf__btf_decl(struct evbpf_btf_dump *p, uint32_t id, const char *name,
				   int indent);
/* Forward declarations ("struct task_struct;") of every struct and union
 * the declarations so far name, so none is first declared inside a
 * prototype; returns how many. */
EVBPF_HIDDEN int evbpf__btf_decl_fwds(struct evbpf_btf_dump *p, FILE *out);
EVBPF_HIDDEN void evbpf__btf_decl_printer_free(struct evbpf_btf_dump *p);

/* core/relo_core.c: CO-RE relocations, on BTF only. */
enum evbpf_core_kind {
	EVBPF_CORE_FIELD_BYTE_OFFSET = 0,
	EVBPF_CORE_FIELD_BYTE_SIZE = 1,
	EVBPF_CORE_FIELD_EXISTS = 2,
	EVBPF_CORE_FIELD_SIGNED = 3,
	EVBPF_CORE_FIELD_LSHIFT_U64 = 4,
	EVBPF_CORE_FIELD_RSHIFT_U64 = 5,
	EVBPF_CORE_TYPE_ID_LOCAL = 6,
	EVBPF_CORE_TYPE_ID_TARGET = 7,
	EVBPF_CORE_TYPE_EXISTS = 8,
	EVBPF_CORE_TYPE_SIZE = 9,
	EVBPF_CORE_ENUMVAL_EXISTS = 10,
	EVBPF_CORE_ENUMVAL_VALUE = 11,
	EVBPF_CORE_TYPE_MATCHES = 12,
};

/* The helper id an unresolvable CO-RE instruction is turned into a call of
 * (0xbad2310, "bad relo"): the verifier rejects it only when reachable. */
#define EVBPF_CORE_POISON_IMM 195896080

struct evbpf_core_res {
	uint64_t orig_val; /* what the compiled instruction holds */
	uint64_t new_val;  /* what it must hold for the target */
	uint32_t orig_sz, new_sz; /* field sizes, for load/store width changes */
	uint32_t orig_type_id, new_type_id;
	bool poison;
	bool validate; /* check orig_val against the instruction */
	/* orig_val is an enumerator of a 32-bit enum that does not say its
	 * signedness (clang 14 and older): the instruction may hold it
	 * sign-extended, so both readings are accepted. */
	bool orig_any_sign;
	bool fail_memsz_adjust;
	int nr_matches;
	int nr_cands; /* target types with the local type's essential name */
	const struct evbpf_btf *target_btf; /* the BTF that matched, or NULL */
	char spec[256]; /* "[12] struct task_struct.pid (0:55)", for messages */
};

/* Compute a relocation against the targets (the first is vmlinux or the
 * btf_path override; the others module BTFs, searched only when the first
 * has no candidate). */
EVBPF_HIDDEN int evbpf__core_calc(const char *prog_name, int relo_idx,
				  const struct evbpf_btf *local, const struct evbpf_core_relo *relo,
				  const struct evbpf_btf *const *targets, size_t nr_targets,
				  struct evbpf_core_res *res);
/* Patch insns[idx] (of cnt) with a computed result. */
EVBPF_HIDDEN int evbpf__core_patch(const char *prog_name, int relo_idx, struct bpf_insn *insns,
				   size_t cnt, uint32_t idx, const struct evbpf_core_res *res);
EVBPF_HIDDEN const char *evbpf__core_kind_name(uint32_t kind);

/* core/prog_btf.c: the BTF side of a load (func/line info, CO-RE,
 * externs, attach BTF ids) fills in its part of the BPF_PROG_LOAD request;
 * unprepare releases what prepare allocated, whatever the outcome. */
EVBPF_HIDDEN int evbpf__program_prepare(struct evbpf_program *prog, union bpf_attr *attr);
/* At open, after relocations are collected: parse .BTF.ext, collect
 * externs (.kconfig, .ksyms) and fix up the BTF for them. */
EVBPF_HIDDEN int evbpf__object_btfx_open(struct evbpf_object *obj);
EVBPF_HIDDEN void evbpf__object_btfx_close(struct evbpf_object *obj);
/* core/extern.c: resolve an extern relocation at link time (dst is the
 * instruction's index in prog->insns). */
EVBPF_HIDDEN int evbpf__extern_apply(struct evbpf_program *prog, const struct evbpf_reloc *r,
				     uint32_t dst);
EVBPF_HIDDEN void evbpf__program_unprepare(struct evbpf_program *prog);

/* core/attach_btf.c: resolve prog->attach_btf_id (and the BTF object
 * fd for module targets) for tp_btf/fentry/fexit/fmod_ret/lsm/iter
 * programs before BPF_PROG_LOAD. */
EVBPF_HIDDEN int evbpf__program_resolve_attach_btf(struct evbpf_program *prog);
/* What a load refusal without a verifier log means for BTF-attached
 * programs ("" when there is nothing to add). */
EVBPF_HIDDEN const char *evbpf__attach_btf_load_hint(const struct evbpf_program *prog, int err);

/* core/object.c */
EVBPF_HIDDEN int evbpf__object_create_maps(struct evbpf_object *obj);
EVBPF_HIDDEN int evbpf__object_load_btf(struct evbpf_object *obj);

/* ------------------------------------------------------------------ */
/* Links and attachment (core/link.c, core/attach_*.c, core/pin.c)      */
/* ------------------------------------------------------------------ */

struct evbpf_link;
struct evbpf_st_reg;
typedef int (*evbpf_link_detach_fn)(struct evbpf_link *link);

/*
 * A link is whatever keeps one attachment alive plus how to undo it. Every
 * fd in it is owned by the link (dup'ed from the caller's where it came
 * from the caller) and closed by evbpf_link_destroy().
 */
struct evbpf_link {
	const char *kind;    /* "bpf_link", "perf_event", "prog_attach", ... */
	int fd;              /* BPF link fd, or -1 */
	int *pfds;           /* perf event fds (tracepoints, probes, perf) */
	size_t nr_pfds;
	int prog_fd;         /* dup of the program fd when detach needs it */
	int target_fd;       /* dup of the cgroup / map / socket fd */
	uint32_t attach_type;
	int ifindex;         /* netlink XDP and tc */
	uint32_t nl_flags;   /* XDP flags */
	uint32_t tc_parent, tc_info, tc_handle;
	bool tc_made_qdisc;
	evbpf_link_detach_fn detach; /* NULL: closing the fds detaches */
	/* A tracefs probe event the link created (legacy kprobes and
	 * uprobes): removed after the fds are closed, or NULL. */
	struct evbpf_tracefs_probe *tracefs_probe;
	/* A struct_ops registration this link shares (struct_ops.c), or NULL. */
	struct evbpf_st_reg *st_reg;
	char *pin_path;
	void *priv;          /* the detach function's own state (USDT), or NULL */
	char desc[160];      /* "prog 'x' on tracepoint sched/sched_switch" */
};

/* A new link with every fd at -1 and desc formatted; NULL without memory. */
EVBPF_HIDDEN struct evbpf_link *evbpf__link_alloc(const char *kind, const char *desc_fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Check a program can be attached: loaded, out parameter present. */
EVBPF_HIDDEN int evbpf__attach_check(const struct evbpf_program *prog,
				     struct evbpf_link **linkp, const char *what);
/* BPF_LINK_CREATE with the common fields; returns the link fd or -errno. */
EVBPF_HIDDEN int evbpf__link_create(int prog_fd, int target_fd, uint32_t attach_type,
				    uint32_t flags, union bpf_attr *extra);
/* core/attach_cgroup.c: the two generic ways to attach to an fd target.
 * attach_link returns -errno without a message so callers can fall back. */
EVBPF_HIDDEN int evbpf__attach_link(struct evbpf_program *prog, int target_fd,
				    uint32_t attach_type, uint32_t flags, union bpf_attr *extra,
				    const char *desc, struct evbpf_link **linkp);
EVBPF_HIDDEN int evbpf__attach_legacy(struct evbpf_program *prog, int target_fd,
				      uint32_t attach_type, uint32_t flags, const char *desc,
				      struct evbpf_link **linkp);

/* core/attach_netlink.c: rtnetlink for XDP and tc on kernels without
 * XDP or TCX links. Each returns 0 or -errno with a message. */
EVBPF_HIDDEN int evbpf__nl_xdp_set(int ifindex, int prog_fd, int expected_fd, uint32_t flags);
EVBPF_HIDDEN int evbpf__nl_tc_qdisc_clsact(int ifindex, bool create);
EVBPF_HIDDEN int evbpf__nl_tc_filter(int ifindex, bool add, uint32_t parent, uint32_t info,
				     uint32_t handle, int prog_fd, const char *name);

/* core/attach_mprog.c: ordered TCX/netkit hooks. tc_opts_position reads
 * the position fields of evbpf_tc_opts (replace_fd -1 when none);
 * tcx_attach_link returns -errno without a message, like attach_link;
 * tcx_replace attaches with BPF_PROG_ATTACH + BPF_F_REPLACE. */
EVBPF_HIDDEN int evbpf__tc_opts_position(const struct evbpf_program *prog,
					 const struct evbpf_tc_opts *opts, uint32_t *flags,
					 uint32_t *relative, uint64_t *revision, int *replace_fd);
EVBPF_HIDDEN int evbpf__tcx_attach_link(struct evbpf_program *prog, int ifindex,
					uint32_t attach_type, uint32_t flags, uint32_t relative,
					uint64_t revision, const char *desc,
					struct evbpf_link **linkp);
EVBPF_HIDDEN int evbpf__tcx_replace(struct evbpf_program *prog, int ifindex,
				    uint32_t attach_type, uint32_t flags, uint32_t relative,
				    uint64_t revision, int replace_fd, const char *desc,
				    struct evbpf_link **linkp);
/* " (why)" for an mprog attach errno, or "". */
EVBPF_HIDDEN const char *evbpf__mprog_hint(int err);

/* dup with O_CLOEXEC above stdio; -errno on failure. */
EVBPF_HIDDEN int evbpf__dup_fd(int fd);

/* core/attach_tracefs.c: kprobe and uprobe events made through tracefs
 * (kprobe_events, uprobe_events), for kernels without the probe PMUs and
 * for EVBPF_PROBE_ATTACH_LEGACY. */
struct evbpf_tracefs_probe {
	char file[256];  /* ".../kprobe_events" the event was written to */
	char group[16];  /* "evbpf" */
	char name[64];   /* unique in this process: "kp_PID_N_FUNC" */
};
/*
 * Add a probe event: kind 'p' (entry) or 'r' (return), uprobe selects
 * uprobe_events, location is what follows the event name in the probe
 * definition ("do_nanosleep+16", "/bin/x:0x1234(0x40)"), name_hint a
 * function name for the event name. Returns the event's tracepoint id,
 * or -errno with a message (nothing is left behind on failure).
 */
EVBPF_HIDDEN int evbpf__tracefs_probe_add(struct evbpf_tracefs_probe *tp, bool uprobe,
					  bool retprobe, const char *location,
					  const char *name_hint);
/* Remove the event again; -errno with a message when the kernel refuses. */
EVBPF_HIDDEN int evbpf__tracefs_probe_remove(const struct evbpf_tracefs_probe *tp);
/* The tracefs directory holding file ("kprobe_events"), or NULL when
 * neither standard place has it. */
EVBPF_HIDDEN const char *evbpf__tracefs_root_with(const char *file);

/* core/attach_perf.c: put prog on perf event pfd. */
EVBPF_HIDDEN int evbpf__perf_event_open(void *attr, int pid, int cpu, int group_fd,
					unsigned long flags);
enum evbpf_perf_attach {
	EVBPF_PERF_ATTACH_ANY,   /* a BPF link where the kernel has perf links, else the ioctl */
	EVBPF_PERF_ATTACH_IOCTL, /* PERF_EVENT_IOC_SET_BPF only */
	EVBPF_PERF_ATTACH_LINK,  /* BPF_LINK_CREATE only */
};
/* Takes pfd and tp (NULL, or a tracefs probe event behind pfd) in every
 * case: the new link owns them, or they are closed and removed. */
EVBPF_HIDDEN int evbpf__attach_perf_fd(struct evbpf_program *prog, int pfd, uint64_t cookie,
				       enum evbpf_perf_attach how,
				       const struct evbpf_tracefs_probe *tp, const char *desc,
				       struct evbpf_link **linkp);

/* core/attach_trace.c: tracefs. roots == NULL means the standard places. */
EVBPF_HIDDEN int evbpf__tracefs_event_id(const char *const *roots, const char *category,
					 const char *name);
EVBPF_HIDDEN extern const char *const evbpf__tracefs_roots[];

/* core/attach_probe.c: PMU facts from devices_dir (NULL: sysfs). */
EVBPF_HIDDEN int evbpf__pmu_type(const char *devices_dir, const char *pmu);
EVBPF_HIDDEN int evbpf__pmu_retprobe_bit(const char *devices_dir, const char *pmu);
/* Parse "func", "func+0x10" into name and offset. */
EVBPF_HIDDEN int evbpf__parse_func_offset(const char *spec, char *func, size_t func_size,
					  uint64_t *offset);
/* Parse a uprobe section target "BINARY:SYMBOL[+OFF]". */
EVBPF_HIDDEN int evbpf__parse_uprobe_target(const char *spec, char *binary, size_t binary_size,
					    char *sym, size_t sym_size, uint64_t *offset);

/* core/attach_elfsym.c: file offset of a function in an ELF executable or
 * shared library, from .symtab or .dynsym and the program headers. */
EVBPF_HIDDEN int evbpf__elf_func_offset(const char *path, const char *func, uint64_t *offsetp);
/* Resolve a library name without '/' ("libc.so.6") to a path. */
EVBPF_HIDDEN int evbpf__resolve_binary_path(const char *name, char *path, size_t size);

/* core/pin.c: LIBBPF_PIN_BY_NAME at map creation. pin_reuse returns 1
 * when the map now uses the pinned map, 0 when none is pinned. */
EVBPF_HIDDEN int evbpf__map_pin_reuse(struct evbpf_map *map);
EVBPF_HIDDEN int evbpf__map_pin_new(struct evbpf_map *map);
EVBPF_HIDDEN void evbpf__object_unpin_new_maps(struct evbpf_object *obj);

/* ------------------------------------------------------------------ */
/* USDT and multi-attach probes (issue 13)                              */
/* ------------------------------------------------------------------ */

/* core/btf_hidden.c: at open, hidden global subprograms get static
 * linkage in the object's BTF (verified in their caller's context). */
EVBPF_HIDDEN int evbpf__object_mark_hidden_static(struct evbpf_object *obj);

/* core/uelf.c: executables and shared libraries, mapped read-only and
 * bounds-checked (USDT notes, uprobe.multi globs). */
struct evbpf_uelf {
	const char *path;
	const uint8_t *base;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *shdrs;
	size_t nr_shdrs;
	const Elf64_Phdr *phdrs;
	size_t nr_phdrs;
	const char *shstr;
	size_t shstr_size;
	uint64_t dev, ino; /* of the file, to find its mappings in /proc/PID/maps */
};
EVBPF_HIDDEN int evbpf__uelf_open(const char *path, struct evbpf_uelf *f);
EVBPF_HIDDEN void evbpf__uelf_close(struct evbpf_uelf *f);
EVBPF_HIDDEN const char *evbpf__uelf_sec_name(const struct evbpf_uelf *f, const Elf64_Shdr *sh);
EVBPF_HIDDEN const Elf64_Shdr *evbpf__uelf_find_sec(const struct evbpf_uelf *f, const char *name);
/* The section's bytes, or NULL (SHT_NOBITS, or out of the file). */
EVBPF_HIDDEN const uint8_t *evbpf__uelf_sec_data(const struct evbpf_uelf *f, const Elf64_Shdr *sh);
/* Virtual address to file offset through the PT_LOAD segment holding it
 * (an executable one when exec is set); -ENOENT with a message. */
EVBPF_HIDDEN int evbpf__uelf_vaddr_to_off(const struct evbpf_uelf *f, uint64_t addr, bool exec,
					  uint64_t *offp);
/* Every defined function symbol (STT_FUNC or STT_GNU_IFUNC, non-zero
 * address) of .symtab, then of .dynsym; table is SHT_SYMTAB or SHT_DYNSYM.
 * A non-zero return from fn stops the walk and is returned. */
typedef int (*evbpf__uelf_sym_fn)(void *ctx, const char *name, const Elf64_Sym *sym,
				  uint32_t table);
EVBPF_HIDDEN int evbpf__uelf_for_each_func(const struct evbpf_uelf *f, evbpf__uelf_sym_fn fn,
					   void *ctx);
/* Shell-style glob: '*' any run of characters, '?' any one character. */
EVBPF_HIDDEN bool evbpf__glob_match(const char *str, const char *pat);

/* core/usdt_spec.c: .note.stapsdt and x86-64 argument specs, encoded in
 * the layout of libbpf's <bpf/usdt.bpf.h> (struct __bpf_usdt_spec). */
#define EVBPF_USDT_MAX_ARGS 12
#define EVBPF_USDT_SPEC_SIZE 208
enum evbpf_usdt_arg_type {
	EVBPF_USDT_ARG_CONST = 0,
	EVBPF_USDT_ARG_REG = 1,
	EVBPF_USDT_ARG_REG_DEREF = 2,
};
struct evbpf_usdt_arg {
	enum evbpf_usdt_arg_type type;
	uint64_t val_off; /* the constant, or the offset from the register */
	int16_t reg_off;  /* offsetof(struct pt_regs, the register) */
	bool is_signed;
	int8_t bitshift;  /* 64 - 8 * size */
};
struct evbpf_usdt_spec {
	struct evbpf_usdt_arg args[EVBPF_USDT_MAX_ARGS];
	int arg_cnt;
};
struct evbpf_usdt_note {
	uint64_t pc;   /* the probe site's address (adjusted for prelink) */
	uint64_t base; /* .stapsdt.base as the note recorded it */
	uint64_t sema; /* the semaphore's address, 0 for none */
	const char *provider, *name, *args; /* point into the mapped file */
};
/* One "SIZE@OPERAND" of len characters; -EINVAL without a message. */
EVBPF_HIDDEN int evbpf__usdt_parse_arg(const char *s, size_t len, struct evbpf_usdt_arg *arg);
/* A whole space-separated spec; -errno with a message naming the argument. */
EVBPF_HIDDEN int evbpf__usdt_parse_args(const char *args, struct evbpf_usdt_spec *spec);
EVBPF_HIDDEN void evbpf__usdt_spec_encode(const struct evbpf_usdt_spec *spec, uint64_t cookie,
					  uint8_t out[EVBPF_USDT_SPEC_SIZE]);
/* Every stapsdt note of f (malloc'd array; NULL and 0 when none). */
EVBPF_HIDDEN int evbpf__usdt_notes(const struct evbpf_uelf *f, struct evbpf_usdt_note **notesp,
				   size_t *nrp);

/* core/attach_usdt.c: whether the kernel gives USDT programs a BPF cookie
 * (bpf_get_attach_cookie and perf links, Linux 5.15); the LINUX_HAS_BPF_COOKIE
 * kconfig extern has the same value, so the BPF side and the attach agree. */
EVBPF_HIDDEN bool evbpf__has_bpf_cookie(void);
/* The object's USDT spec-id allocator, shared with its USDT links; freed
 * with its last user. */
struct evbpf_usdt_ids;
EVBPF_HIDDEN void evbpf__usdt_ids_put(struct evbpf_usdt_ids *ids);
/* evbpf_program_attach() of usdt/PATH:PROVIDER:NAME. */
EVBPF_HIDDEN int evbpf__attach_usdt_sec(struct evbpf_program *prog, struct evbpf_link **linkp);

/* core/attach_multi.c: evbpf_program_attach() of the multi sections. */
#define EVBPF_BPF_TRACE_KPROBE_MULTI 42
#define EVBPF_BPF_TRACE_UPROBE_MULTI 48
#define EVBPF_BPF_TRACE_KPROBE_SESSION 56
#define EVBPF_BPF_TRACE_UPROBE_SESSION 57
EVBPF_HIDDEN int evbpf__attach_kprobe_multi_sec(struct evbpf_program *prog,
						struct evbpf_link **linkp);
EVBPF_HIDDEN int evbpf__attach_uprobe_multi_sec(struct evbpf_program *prog,
						struct evbpf_link **linkp);

#endif /* EVBPF_CORE_INTERNAL_H */
