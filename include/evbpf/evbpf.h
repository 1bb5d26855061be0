/* SPDX-License-Identifier: MIT */
/*
 * evbpf: an eBPF runtime for C programs that live on an event loop.
 *
 * This is the core API: open a clang-built BPF object (ELF with BTF), load
 * its maps and programs through the bpf() syscall, attach programs, and use
 * maps. The async layer (ring buffers, perf buffers, map polling on a loop)
 * is in <evbpf/async.h>; the loop backends are <evbpf/uv.h> and <evbpf/ev.h>.
 *
 * Conventions, for every function below:
 *  - An int return is 0 (or a count) on success and a negative errno on
 *    failure. After a failure evbpf_errmsg() gives this thread's detail.
 *  - Constructors return their object through an out parameter, which is
 *    left untouched on failure.
 *  - Options structs start with `size_t sz`, which the caller sets to
 *    sizeof(the struct it was compiled with); NULL means all defaults.
 *  - Destructors accept NULL. The library owns what it creates and closes
 *    every file descriptor it opened in the paired destructor.
 *  - Thread safety: distinct objects may be used from distinct threads
 *    freely. One object (and the programs and maps it owns) must not be
 *    opened, loaded or closed concurrently with any other use of it; map
 *    operations (lookup, update, delete, next_key) on a loaded map are
 *    plain syscalls and may run from any number of threads at once.
 */
#ifndef EVBPF_EVBPF_H
#define EVBPF_EVBPF_H

#include <stddef.h>
#include <stdint.h>

#include <evbpf/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EVBPF_API __attribute__((visibility("default")))
#else
#define EVBPF_API
#endif

struct evbpf_object;
struct evbpf_program;
struct evbpf_map;
struct evbpf_link;

/* ------------------------------------------------------------------ */
/* Errors and logging                                                  */
/* ------------------------------------------------------------------ */

/* A human-readable string for a negative (or positive) errno value. */
EVBPF_API const char *evbpf_strerror(int err);

/*
 * Detail about the last failure on the calling thread: the ELF section,
 * BTF type, program or map at fault, or the tail of the verifier log.
 * Never NULL; an empty string when nothing has failed yet.
 */
EVBPF_API const char *evbpf_errmsg(void);

enum evbpf_log_level {
	EVBPF_LOG_ERROR = 0,
	EVBPF_LOG_WARN = 1,
	EVBPF_LOG_INFO = 2,
	EVBPF_LOG_DEBUG = 3,
};

typedef void (*evbpf_log_fn)(enum evbpf_log_level level, const char *msg, void *ctx);

/*
 * Route library messages at or below max_level to fn (one message per call,
 * without a trailing newline). fn == NULL restores the default, which writes
 * warnings and errors to stderr only when EVBPF_LOG is set in the
 * environment (EVBPF_LOG=debug shows everything). Thread-safe; the callback
 * may be called from any thread that uses the library.
 */
EVBPF_API void evbpf_set_log(evbpf_log_fn fn, void *ctx, enum evbpf_log_level max_level);

/* Names of kernel enum values ("xdp", "ringbuf"); "unknown" if out of range. */
EVBPF_API const char *evbpf_prog_type_name(uint32_t prog_type);
EVBPF_API const char *evbpf_map_type_name(uint32_t map_type);

/* Number of possible CPUs (the per-CPU map slot count), or -errno. */
EVBPF_API int evbpf_num_possible_cpus(void);

/* ------------------------------------------------------------------ */
/* Objects                                                             */
/* ------------------------------------------------------------------ */

struct evbpf_open_opts {
	size_t sz;
	/* BTF to resolve CO-RE relocations against instead of the running
	 * kernel's /sys/kernel/btf/vmlinux (a raw BTF file or an ELF with .BTF). */
	const char *btf_path;
	/* Directory for maps declared with LIBBPF_PIN_BY_NAME (default
	 * /sys/fs/bpf). */
	const char *pin_root;
	/* Object name used as the kernel name prefix of global data maps;
	 * default: the file name without directories and extension. */
	const char *object_name;
	/* Verifier log level for every program load (0: log only on failure,
	 * then retried at level 1; 1 or 2: always log; 4 adds statistics). */
	uint32_t log_level;
};

/*
 * Parse a BPF object file: ELF sections, symbols, relocations, BTF, maps and
 * programs. Nothing is created in the kernel until evbpf_object_load() or
 * evbpf_program_load(). Errors: -ENOENT/-EACCES opening the file, -EINVAL
 * for a malformed object (evbpf_errmsg() names the section or symbol),
 * -ENOTSUP for a construct evbpf does not support, -ENOMEM.
 */
EVBPF_API int evbpf_object_open_file(const char *path, const struct evbpf_open_opts *opts,
				     struct evbpf_object **objp);

/* Like evbpf_object_open_file() from memory; the bytes are copied, so the
 * caller may free them as soon as this returns. */
EVBPF_API int evbpf_object_open_mem(const void *data, size_t size,
				    const struct evbpf_open_opts *opts, struct evbpf_object **objp);

/*
 * Set the initial value of a global variable (in .data, .rodata, .bss or a
 * custom .data.* / .rodata.* section) before the object is loaded. size must
 * equal the variable's size. Errors: -ENOENT (no such variable), -EINVAL
 * (size mismatch), -EBUSY (already loaded).
 */
EVBPF_API int evbpf_object_set_global(struct evbpf_object *obj, const char *name,
				      const void *value, size_t size);

/*
 * Read a global variable's current value: before load, its initial value;
 * after load, the value in the kernel map (a lookup of element 0).
 */
EVBPF_API int evbpf_object_get_global(const struct evbpf_object *obj, const char *name,
				      void *value, size_t size);

/*
 * Create every map and load every program that is not yet loaded. On
 * failure, everything this call created is released again and the object
 * may be closed (or fixed with set_global and loaded again).
 */
EVBPF_API int evbpf_object_load(struct evbpf_object *obj);

/*
 * Free the object and close every fd it owns: programs, maps, BTF. Links
 * are owned by whoever holds them: a link the caller still holds keeps its
 * program attached after the object is closed (the kernel holds a
 * reference) until evbpf_link_destroy(). NULL-safe.
 */
EVBPF_API void evbpf_object_close(struct evbpf_object *obj);

EVBPF_API const char *evbpf_object_name(const struct evbpf_object *obj);
EVBPF_API const char *evbpf_object_license(const struct evbpf_object *obj);
EVBPF_API uint32_t evbpf_object_kversion(const struct evbpf_object *obj);
/* The fd of the object's BTF loaded in the kernel, or -ENOENT. */
EVBPF_API int evbpf_object_btf_fd(const struct evbpf_object *obj);

EVBPF_API struct evbpf_program *evbpf_object_find_program(const struct evbpf_object *obj,
							  const char *name);
EVBPF_API struct evbpf_map *evbpf_object_find_map(const struct evbpf_object *obj,
						  const char *name);
/* Iterate: pass NULL to get the first; returns NULL after the last. */
EVBPF_API struct evbpf_program *evbpf_object_next_program(const struct evbpf_object *obj,
							  const struct evbpf_program *prev);
EVBPF_API struct evbpf_map *evbpf_object_next_map(const struct evbpf_object *obj,
						  const struct evbpf_map *prev);

/* ------------------------------------------------------------------ */
/* Programs                                                            */
/* ------------------------------------------------------------------ */

/*
 * Load one program (Aya's model), creating first the maps it references.
 * Loading a loaded program returns 0. On a verifier rejection the return
 * is the kernel's errno (usually -EACCES or -EINVAL), evbpf_errmsg() shows
 * the tail of the verifier log, and evbpf_program_log() the whole log.
 */
EVBPF_API int evbpf_program_load(struct evbpf_program *prog);

/* Close the program's fd (links keep it alive in the kernel). */
EVBPF_API void evbpf_program_unload(struct evbpf_program *prog);

/* The loaded program's fd, or -ENOENT when it is not loaded. */
EVBPF_API int evbpf_program_fd(const struct evbpf_program *prog);
EVBPF_API const char *evbpf_program_name(const struct evbpf_program *prog);
EVBPF_API const char *evbpf_program_section(const struct evbpf_program *prog);
/* enum bpf_prog_type and enum bpf_attach_type values from <linux/bpf.h>. */
EVBPF_API uint32_t evbpf_program_type(const struct evbpf_program *prog);
EVBPF_API uint32_t evbpf_program_expected_attach_type(const struct evbpf_program *prog);
/* Instructions in the program's own section (before subprograms). */
EVBPF_API size_t evbpf_program_insn_count(const struct evbpf_program *prog);

/* Override the type deduced from the section name (before load). */
EVBPF_API int evbpf_program_set_type(struct evbpf_program *prog, uint32_t prog_type,
				     uint32_t expected_attach_type);
/* Do not load this program with evbpf_object_load() (before load). */
EVBPF_API int evbpf_program_set_autoload(struct evbpf_program *prog, int autoload);
EVBPF_API int evbpf_program_autoload(const struct evbpf_program *prog);

/*
 * The verifier log of the last load attempt (NULL if there was none). It
 * stays valid until the next load of this program or the object's close.
 */
EVBPF_API const char *evbpf_program_log(const struct evbpf_program *prog);

struct evbpf_prog_stats {
	size_t sz;
	uint32_t insns;          /* instructions submitted (with subprograms) */
	uint32_t verified_insns; /* instructions the verifier processed */
	uint64_t load_ns;        /* wall time of the successful BPF_PROG_LOAD */
};
EVBPF_API int evbpf_program_stats(const struct evbpf_program *prog,
				  struct evbpf_prog_stats *stats);

struct evbpf_test_run_opts {
	size_t sz;
	const void *data_in;
	uint32_t data_size_in;
	const void *ctx_in;
	uint32_t ctx_size_in;
	uint32_t repeat;
	uint32_t retval;      /* out: the program's return value */
	uint32_t duration_ns; /* out: average run time */
	void *data_out;
	uint32_t data_size_out; /* in: capacity of data_out; out: bytes written */
	void *ctx_out;
	uint32_t ctx_size_out; /* in: capacity of ctx_out; out: bytes written */
	uint32_t flags;        /* BPF_F_TEST_RUN_ON_CPU ... */
	uint32_t cpu;
	uint32_t batch_size;
};

/* Run a loaded program once or `repeat` times with BPF_PROG_TEST_RUN. */
EVBPF_API int evbpf_program_test_run(struct evbpf_program *prog,
				     struct evbpf_test_run_opts *opts);

/* ------------------------------------------------------------------ */
/* Attachment and links                                                */
/* ------------------------------------------------------------------ */

/*
 * Attach by what the section name says (tracepoint/CAT/NAME, raw_tp/NAME,
 * uprobe/BINARY:SYMBOL, ...). -ENOTSUP with a message when the section does
 * not carry enough to attach; use a typed attach function then.
 */
EVBPF_API int evbpf_program_attach(struct evbpf_program *prog, struct evbpf_link **linkp);

/* Attach a cgroup program to the cgroup open at cgroup_fd. */
EVBPF_API int evbpf_program_attach_cgroup(struct evbpf_program *prog, int cgroup_fd,
					  struct evbpf_link **linkp);

/* Detach and free the link. NULL-safe. */
EVBPF_API int evbpf_link_destroy(struct evbpf_link *link);

/* The link's fd (BPF link or perf event), or -ENOENT for links without one. */
EVBPF_API int evbpf_link_fd(const struct evbpf_link *link);

/* ------------------------------------------------------------------ */
/* Maps                                                                */
/* ------------------------------------------------------------------ */

/* The map's fd once created, or -ENOENT before load. */
EVBPF_API int evbpf_map_fd(const struct evbpf_map *map);
/* The name as declared: "counters", or ".rodata" for global data. */
EVBPF_API const char *evbpf_map_name(const struct evbpf_map *map);
EVBPF_API uint32_t evbpf_map_type(const struct evbpf_map *map); /* enum bpf_map_type */
EVBPF_API uint32_t evbpf_map_key_size(const struct evbpf_map *map);
EVBPF_API uint32_t evbpf_map_value_size(const struct evbpf_map *map);
EVBPF_API uint32_t evbpf_map_max_entries(const struct evbpf_map *map);
EVBPF_API uint32_t evbpf_map_flags(const struct evbpf_map *map);

/*
 * Bytes a lookup writes into `value`: value_size, or for per-CPU maps
 * round_up(value_size, 8) * evbpf_num_possible_cpus(), one 8-byte-aligned
 * slot per possible CPU.
 */
EVBPF_API size_t evbpf_map_value_buf_size(const struct evbpf_map *map);

/* Change the map's shape before the object is loaded. */
EVBPF_API int evbpf_map_set_max_entries(struct evbpf_map *map, uint32_t max_entries);
EVBPF_API int evbpf_map_set_value_size(struct evbpf_map *map, uint32_t value_size);

/*
 * Use an existing map fd (dup'ed; the caller keeps its own) instead of
 * creating the map at load. Its type and sizes must match.
 */
EVBPF_API int evbpf_map_reuse_fd(struct evbpf_map *map, int fd);

EVBPF_API int evbpf_map_lookup(const struct evbpf_map *map, const void *key, void *value);
EVBPF_API int evbpf_map_update(const struct evbpf_map *map, const void *key, const void *value,
			       uint64_t flags);
EVBPF_API int evbpf_map_delete(const struct evbpf_map *map, const void *key);
/* key == NULL gives the first key; -ENOENT after the last. */
EVBPF_API int evbpf_map_next_key(const struct evbpf_map *map, const void *key, void *next_key);
EVBPF_API int evbpf_map_lookup_and_delete(const struct evbpf_map *map, const void *key,
					  void *value);

/*
 * A map that belongs to no object: created now (a standalone ring buffer
 * or hash for tests and tools), or wrapped around an existing fd (the
 * map's shape is read from the kernel; the fd is dup'ed). Free with
 * evbpf_map_free(); maps found in an object belong to the object.
 */
struct evbpf_map_create_opts {
	size_t sz;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t inner_map_fd;
};
EVBPF_API int evbpf_map_create(uint32_t map_type, const char *name, uint32_t key_size,
			       uint32_t value_size, uint32_t max_entries,
			       const struct evbpf_map_create_opts *opts, struct evbpf_map **mapp);
EVBPF_API int evbpf_map_from_fd(int fd, struct evbpf_map **mapp);
EVBPF_API void evbpf_map_free(struct evbpf_map *map);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_EVBPF_H */
