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

/*
 * Feature probes of the running kernel: 1 when it has the program type,
 * map type, or helper (by its BPF_FUNC_* number) for the program type; 0
 * when it does not; -errno when the probe cannot tell (e.g. -EPERM without
 * privileges, or a program type this kernel refuses by policy). Answers
 * are cached for the process; thread-safe.
 */
EVBPF_API int evbpf_probe_prog_type(uint32_t prog_type);
EVBPF_API int evbpf_probe_map_type(uint32_t map_type);
EVBPF_API int evbpf_probe_helper(uint32_t prog_type, uint32_t helper_id);

/*
 * Kernel facilities beyond program, map and helper types: what a loader
 * or an attach path may rely on. evbpf_probe_feature() answers 1 when the
 * running kernel has it, 0 when it does not (evbpf_errmsg() then says
 * why: "no kprobe PMU and no tracefs kprobe_events", "fentry attach
 * refused: Operation not permitted"), and -errno when it cannot tell
 * (bpf() itself refused, e.g. -EPERM without privileges). Facilities are
 * found by really trying them (a BTF blob of the kind is loaded, a program
 * attached and detached), not by the kernel's version. Cached per process;
 * thread-safe.
 */
enum evbpf_feature {
	EVBPF_FEATURE_BPF = 0,         /* bpf() works here (a map can be created) */
	EVBPF_FEATURE_MEMCG_ACCOUNT,   /* BPF memory charged to memcg (5.11+), not RLIMIT_MEMLOCK */
	EVBPF_FEATURE_BTF,             /* BPF_BTF_LOAD */
	EVBPF_FEATURE_BTF_FUNC,        /* BTF FUNC and FUNC_PROTO kinds (5.0) */
	EVBPF_FEATURE_BTF_GLOBAL_FUNC, /* BTF_FUNC_GLOBAL linkage (5.6) */
	EVBPF_FEATURE_BTF_DATASEC,     /* BTF VAR and DATASEC kinds (5.2) */
	EVBPF_FEATURE_BTF_FLOAT,       /* BTF FLOAT kind (5.13) */
	EVBPF_FEATURE_BTF_DECL_TAG,    /* BTF DECL_TAG kind (5.16) */
	EVBPF_FEATURE_BTF_TYPE_TAG,    /* BTF TYPE_TAG kind (5.17) */
	EVBPF_FEATURE_BTF_ENUM64,      /* BTF ENUM64 kind and signed enums (6.0) */
	EVBPF_FEATURE_VMLINUX_BTF,     /* /sys/kernel/btf/vmlinux */
	EVBPF_FEATURE_ATOMICS,         /* BPF_ATOMIC with BPF_FETCH, xchg, cmpxchg (5.12) */
	EVBPF_FEATURE_BPF_COOKIE,      /* bpf_get_attach_cookie() (5.15) */
	EVBPF_FEATURE_TRACEFS,         /* tracefs mounted (or mountable) */
	EVBPF_FEATURE_KPROBE,          /* kprobes: through the kprobe PMU or tracefs kprobe_events */
	EVBPF_FEATURE_KPROBE_PMU,      /* a kprobe through /sys/bus/event_source/devices/kprobe (4.17) */
	EVBPF_FEATURE_UPROBE,          /* uprobes: through the uprobe PMU or tracefs uprobe_events */
	EVBPF_FEATURE_UPROBE_PMU,      /* a uprobe through /sys/bus/event_source/devices/uprobe (4.17) */
	EVBPF_FEATURE_PERF_LINK,       /* BPF_LINK_CREATE on a perf event (5.15) */
	EVBPF_FEATURE_TRAMPOLINE,      /* fentry/fexit attach (x86 5.5; refused under some policies) */
	EVBPF_FEATURE_KPROBE_MULTI,    /* BPF_TRACE_KPROBE_MULTI links (5.18, CONFIG_FPROBE) */
	EVBPF_FEATURE_UPROBE_MULTI,    /* BPF_TRACE_UPROBE_MULTI links (6.6) */
	EVBPF_FEATURE_TCX,             /* TCX links (6.6) */
	EVBPF_FEATURE_CGROUP_LINK,     /* BPF_LINK_CREATE for cgroup hooks (5.7) */
	EVBPF_FEATURE_SOCKMAP_LINK,    /* BPF_LINK_CREATE for sockmap programs (6.10) */
	/* struct_ops, netfilter, netkit (issue 13): */
	EVBPF_FEATURE_STRUCT_OPS,      /* tcp_congestion_ops struct_ops maps and programs (5.6) */
	EVBPF_FEATURE_NETFILTER_LINK,  /* BPF_LINK_CREATE for netfilter programs (6.4) */
	EVBPF_FEATURE_NETKIT,          /* netkit devices and their links (6.7, CONFIG_NETKIT) */
	EVBPF_FEATURE_KPROBE_SESSION,  /* BPF_TRACE_KPROBE_SESSION links (6.10) */
	EVBPF_FEATURE_UPROBE_SESSION,  /* BPF_TRACE_UPROBE_SESSION links (6.13) */
	EVBPF_FEATURE_MAP_BATCH,       /* BPF_MAP_{LOOKUP,UPDATE,DELETE}_BATCH commands (5.6) */
	EVBPF_FEATURE_ENABLE_STATS,    /* BPF_ENABLE_STATS: run_time_ns and run_cnt (5.8) */
	/* Attach facilities tried for real (issue 16, `evbpf probe`). KPROBE_PMU
	 * and UPROBE_PMU make a (disabled) probe through the PMU rather than
	 * only finding its sysfs directory; KPROBE and UPROBE are "PMU or
	 * tracefs". */
	EVBPF_FEATURE_KPROBE_LEGACY,   /* tracefs kprobe_events: an event added and removed */
	EVBPF_FEATURE_UPROBE_LEGACY,   /* tracefs uprobe_events: an event added and removed */
	EVBPF_FEATURE_TP_BTF,          /* tp_btf programs load and attach (5.5) */
	EVBPF_FEATURE_MODULE_BTF,      /* kernel modules' BTF through bpf() (5.11, CONFIG_DEBUG_INFO_BTF_MODULES) */
	EVBPF_FEATURE__COUNT
};
EVBPF_API int evbpf_probe_feature(enum evbpf_feature feature);
/* "kprobe_multi", "btf_float" ...; NULL when out of range. */
EVBPF_API const char *evbpf_feature_name(enum evbpf_feature feature);

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
 *
 * The object's BTF is first rewritten for what the running kernel lacks
 * (FLOAT, DECL_TAG, TYPE_TAG, ENUM64 and signed enums, global function
 * linkage, VAR/DATASEC, FUNC, as evbpf_probe_feature() finds), type ids
 * unchanged; only the copy given to the kernel changes.
 *
 * RLIMIT_MEMLOCK: kernels before 5.11 charge BPF maps, programs and BTF
 * to the locked-memory limit (EVBPF_FEATURE_MEMCG_ACCOUNT answers 0).
 * There, the first object load, program load or evbpf_map_create() of
 * the process raises RLIMIT_MEMLOCK to RLIM_INFINITY, once, as libbpf
 * does. Without CAP_SYS_RESOURCE the soft limit is raised to the hard
 * one only, and a map or program the kernel then refuses with -EPERM
 * says so in evbpf_errmsg() ("RLIMIT_MEMLOCK is N bytes and could not be
 * raised: ..."). Newer kernels leave the limit alone.
 */
EVBPF_API int evbpf_object_load(struct evbpf_object *obj);

/*
 * Free the object and close every fd it owns: programs, maps, BTF. Links
 * are owned by whoever holds them: a link the caller still holds keeps its
 * program attached after the object is closed (the kernel holds a
 * reference) until evbpf_link_destroy(). NULL-safe.
 */
EVBPF_API void evbpf_object_close(struct evbpf_object *obj);

/* The object's name (opts->object_name, else the file name without
 * directories and extension), its license string ("" without a license
 * section) and its version section (0 without one). Strings are owned by
 * the object and live until evbpf_object_close(). */
EVBPF_API const char *evbpf_object_name(const struct evbpf_object *obj);
EVBPF_API const char *evbpf_object_license(const struct evbpf_object *obj);
EVBPF_API uint32_t evbpf_object_kversion(const struct evbpf_object *obj);
/* The fd of the object's BTF loaded in the kernel, or -ENOENT. */
EVBPF_API int evbpf_object_btf_fd(const struct evbpf_object *obj);

/* Look up a program by its function name, or a map by its declared name
 * ("counts", ".rodata") or its kernel name ("myobj.rodata"). NULL when
 * absent. The result is owned by the object. */
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
/* Statistics of the program's successful load (stats->sz must be set);
 * -ENOENT when the program is not loaded. */
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
 * not carry enough to attach; use a typed attach function then. A
 * struct_ops program registers the .struct_ops map that holds it
 * (evbpf_map_attach_struct_ops(); one registration shared by its programs).
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
/* Typed attach functions, links and pinning                           */
/* ------------------------------------------------------------------ */

/*
 * Ownership of links. Every attach function returns a new link that the
 * caller owns and releases with evbpf_link_destroy(), which detaches the
 * program. A link holds its own kernel references (to the program, the
 * perf events it opened, and dups of the cgroup, map or socket fds it
 * needs to detach), so evbpf_object_close() and evbpf_program_unload()
 * detach nothing that the caller still holds a link for: the program keeps
 * running until the link is destroyed. A link pinned with evbpf_link_pin()
 * outlives even its destruction (the pin holds it) until it is unpinned.
 *
 * Errors common to every attach function: -EINVAL for a NULL or unsuitable
 * argument (a program of the wrong type), -ENOENT when the program is not
 * loaded, and the kernel's errno otherwise; evbpf_errmsg() names the
 * program, the target and what was missing (a tracefs, a PMU, a kernel
 * feature). On failure *linkp is untouched and nothing stays attached.
 */

/*
 * The attachment mechanism: "bpf_link", "perf_link" (a BPF link over perf
 * events: tracepoints, kprobes, uprobes and perf_event programs on Linux
 * 5.15 and later), "perf_event" (PERF_EVENT_IOC_SET_BPF on a perf event,
 * the older way), "prog_attach", "socket", "netlink_xdp", "netlink_tc".
 * "bpf_link" and "perf_link" attachments can be pinned.
 */
EVBPF_API const char *evbpf_link_kind(const struct evbpf_link *link);
/* "prog 'x' on tracepoint sched/sched_switch", for messages. */
EVBPF_API const char *evbpf_link_description(const struct evbpf_link *link);

/*
 * Detach a BPF link now even if other fds or pins still hold it
 * (BPF_LINK_DETACH, Linux 5.9); the link must still be destroyed.
 * -ENOTSUP for links that are not BPF links.
 */
EVBPF_API int evbpf_link_detach(struct evbpf_link *link);

/*
 * Replace the program behind a BPF link without detaching (BPF_LINK_UPDATE;
 * cgroup, XDP, TCX, netns, sockmap links). The new program must be loaded
 * and of the same type and attach type. -ENOTSUP for other attachments.
 */
EVBPF_API int evbpf_link_update(struct evbpf_link *link, const struct evbpf_program *prog);

/*
 * Pin a BPF link on bpffs so that it stays attached after the process
 * exits; evbpf_link_unpin() removes that pin. -ENOTSUP for attachments
 * that are not BPF links (netlink, BPF_PROG_ATTACH, socket options, perf
 * events on kernels without perf links).
 */
EVBPF_API int evbpf_link_pin(struct evbpf_link *link, const char *path);
EVBPF_API int evbpf_link_unpin(struct evbpf_link *link);
EVBPF_API const char *evbpf_link_pin_path(const struct evbpf_link *link);
/*
 * Open a pinned BPF link. Destroying the returned link closes its fd only:
 * the pin keeps the program attached until evbpf_link_unpin() (or unlink)
 * and destroy, or evbpf_link_detach(). -EINVAL if the path holds a map or
 * program rather than a link.
 */
EVBPF_API int evbpf_link_open_pinned(const char *path, struct evbpf_link **linkp);

/* Tracepoint CATEGORY/NAME (tracefs events/CATEGORY/NAME/id). -ENOENT with
 * the paths tried when tracefs is not mounted or the event does not exist.
 * A BPF link on Linux 5.15 and later ("perf_link"), PERF_EVENT_IOC_SET_BPF
 * before ("perf_event"). */
EVBPF_API int evbpf_program_attach_tracepoint(struct evbpf_program *prog, const char *category,
					      const char *name, struct evbpf_link **linkp);

/* Raw tracepoint by name ("sched_switch"). */
EVBPF_API int evbpf_program_attach_raw_tracepoint(struct evbpf_program *prog, const char *name,
						  struct evbpf_link **linkp);

/*
 * tp_btf, fentry, fexit, fmod_ret, lsm and freplace programs, on the target
 * fixed when they were loaded (the section name, or
 * evbpf_program_set_attach_target()). cookie: bpf_get_attach_cookie()'s
 * value (0 for none; Linux 5.19).
 */
EVBPF_API int evbpf_program_attach_trace(struct evbpf_program *prog, uint64_t cookie,
					 struct evbpf_link **linkp);

/*
 * Before load: make an fentry/fexit/freplace program target func_name in
 * the loaded BPF program target_prog_fd (dup'ed; found in its BTF), or in
 * the kernel when target_prog_fd < 0.
 */
EVBPF_API int evbpf_program_set_attach_target(struct evbpf_program *prog, int target_prog_fd,
					      const char *func_name);

/*
 * Attach a freplace (extension) program in place of the global function
 * func_name of the loaded program target_prog_fd. With target_prog_fd < 0
 * and func_name NULL, on the target given by set_attach_target at load.
 */
EVBPF_API int evbpf_program_attach_freplace(struct evbpf_program *prog, int target_prog_fd,
					    const char *func_name, struct evbpf_link **linkp);

/*
 * How a kprobe or uprobe is made and how the program is put on it.
 *
 * DEFAULT: the kprobe/uprobe PMU (/sys/bus/event_source/devices/kprobe,
 *   Linux 4.17) when the kernel has it, otherwise a tracefs probe event;
 *   the program goes on the event with a BPF link where the kernel has
 *   perf links (Linux 5.15), otherwise with PERF_EVENT_IOC_SET_BPF.
 * LEGACY: always a tracefs probe event: a line added to kprobe_events or
 *   uprobe_events under the group "evbpf" with a name unique to this
 *   process, opened as a tracepoint perf event. The link removes the
 *   event again when it is destroyed, and so does every failed attach.
 *   The program is put on it as with DEFAULT.
 * PERF: the PMU and PERF_EVENT_IOC_SET_BPF, even where BPF links exist
 *   (no cookies: they need a link).
 * LINK: the PMU and a BPF link only: -EOPNOTSUPP on kernels before 5.15.
 *
 * evbpf_link_kind() tells which way the program was put on the event
 * ("perf_link" or "perf_event"); the description of a tracefs probe says
 * "tracefs" and names the event.
 */
enum evbpf_probe_attach_mode {
	EVBPF_PROBE_ATTACH_DEFAULT = 0,
	EVBPF_PROBE_ATTACH_LEGACY,
	EVBPF_PROBE_ATTACH_PERF,
	EVBPF_PROBE_ATTACH_LINK,
};

struct evbpf_probe_opts {
	size_t sz;
	uint64_t offset;         /* added to the function's address */
	uint64_t cookie;         /* bpf_get_attach_cookie() (Linux 5.15) */
	uint64_t ref_ctr_offset; /* uprobes: USDT semaphore file offset */
	enum evbpf_probe_attach_mode attach_mode;
};

/*
 * kprobe (retprobe = 0) or kretprobe on a kernel function (func, plus
 * opts->offset bytes), by the mechanism opts->attach_mode chooses.
 * -EOPNOTSUPP with what was looked for ("kprobe PMU not found at ...,
 * and no kprobe_events in tracefs either") when the kernel has no kprobes
 * (CONFIG_KPROBES off), or the forced mechanism is missing; -ENOENT or
 * -EINVAL from the kernel when func cannot be probed.
 */
EVBPF_API int evbpf_program_attach_kprobe(struct evbpf_program *prog, int retprobe,
					  const char *func, const struct evbpf_probe_opts *opts,
					  struct evbpf_link **linkp);

/*
 * uprobe (retprobe = 0) or uretprobe in binary (a path, or a library name
 * like "libc.so.6" searched in the usual directories) at func's file
 * offset (from .symtab or .dynsym) plus opts->offset; func NULL means
 * opts->offset is the file offset itself. pid > 0 limits it to one
 * process; pid <= 0 means every process. opts->attach_mode as for
 * kprobes (a tracefs probe goes into uprobe_events).
 */
EVBPF_API int evbpf_program_attach_uprobe(struct evbpf_program *prog, int retprobe, int pid,
					  const char *binary, const char *func,
					  const struct evbpf_probe_opts *opts,
					  struct evbpf_link **linkp);

/*
 * A perf_event program on an open perf event (dup'ed: the caller keeps
 * and closes its own fd), or on an event described by attr opened on every
 * online CPU (the link owns those events). Like tracepoints, these use a
 * BPF link per event where the kernel has perf links (Linux 5.15) and
 * PERF_EVENT_IOC_SET_BPF before.
 */
struct perf_event_attr;
EVBPF_API int evbpf_program_attach_perf_event(struct evbpf_program *prog, int pfd,
					      struct evbpf_link **linkp);
EVBPF_API int evbpf_program_attach_perf_event_cpus(struct evbpf_program *prog,
						   const struct perf_event_attr *attr,
						   struct evbpf_link **linkp);

/* XDP attach flags (the kernel's XDP_FLAGS_* values) and one of ours. */
#define EVBPF_XDP_UPDATE_IF_NOEXIST (1U << 0)
#define EVBPF_XDP_SKB_MODE (1U << 1)
#define EVBPF_XDP_DRV_MODE (1U << 2)
#define EVBPF_XDP_HW_MODE (1U << 3)
/* Attach with netlink (RTM_SETLINK) even where XDP links exist. */
#define EVBPF_XDP_NETLINK (1U << 31)

/*
 * XDP on interface ifindex: a BPF link (Linux 5.9), or netlink on older
 * kernels; neither replaces a program that is already attached (-EBUSY).
 * flags: 0 (the driver's best mode) or one EVBPF_XDP_*_MODE.
 */
EVBPF_API int evbpf_program_attach_xdp(struct evbpf_program *prog, int ifindex, uint32_t flags,
				       struct evbpf_link **linkp);

enum evbpf_tc_hook {
	EVBPF_TC_INGRESS = 0,
	EVBPF_TC_EGRESS = 1,
};

/*
 * Where a TCX (or netkit) program goes among the programs already on the
 * hook, for evbpf_tc_opts.flags and evbpf_netkit_opts.flags. The values
 * are the kernel's BPF_F_BEFORE, BPF_F_AFTER, BPF_F_ID and BPF_F_LINK.
 * Without BEFORE or AFTER the program is appended. BEFORE with no
 * relative program puts it first, AFTER with none last. The relative
 * program is named by relative_fd (a program fd, or a BPF link fd with
 * EVBPF_TC_F_LINK: evbpf_link_fd()) or by relative_id with EVBPF_TC_F_ID
 * (a program id, or a link id with EVBPF_TC_F_LINK as well).
 */
#define EVBPF_TC_F_BEFORE (1U << 3)
#define EVBPF_TC_F_AFTER (1U << 4)
#define EVBPF_TC_F_ID (1U << 5)
#define EVBPF_TC_F_LINK (1U << 13)

struct evbpf_tc_opts {
	size_t sz;
	uint32_t priority; /* cls_bpf fallback: filter priority (default 1) */
	uint32_t handle;   /* cls_bpf fallback: filter handle (default 1) */
	int legacy;        /* use clsact + cls_bpf even where TCX exists */
	/* TCX only (Linux 6.6); refused with -EOPNOTSUPP where the cls_bpf
	 * fallback would have to ignore them: */
	uint32_t flags;        /* EVBPF_TC_F_*: the position */
	int relative_fd;       /* the program or link the position is relative to */
	uint32_t relative_id;  /* ... or its id (EVBPF_TC_F_ID) */
	/* The hook's revision the caller last saw (BPF_PROG_QUERY, or
	 * evbpf_tcx_query()): the attach fails with -ESTALE when the list
	 * changed since. 0: any revision. */
	uint64_t expected_revision;
	/* Put the program in place of this attached program (an fd), keeping
	 * its position. Programs attached by a TCX link are replaced through
	 * the link instead (evbpf_link_update()); this is for programs
	 * attached with BPF_PROG_ATTACH, and so is the result: a
	 * "prog_attach" link that detaches with BPF_PROG_DETACH. */
	int replace_prog_fd;
};

/*
 * A tc (sched_cls) program on ifindex's ingress or egress: a TCX link
 * (Linux 6.6), or on older kernels a direct-action cls_bpf filter on a
 * clsact qdisc (created if missing and then removed again on destroy).
 * Programs of netkit/primary and netkit/peer sections are refused:
 * they go on a netkit device with evbpf_program_attach_netkit().
 */
EVBPF_API int evbpf_program_attach_tc(struct evbpf_program *prog, int ifindex,
				      enum evbpf_tc_hook hook, const struct evbpf_tc_opts *opts,
				      struct evbpf_link **linkp);

/* ------------------------------------------------------------------ */
/* struct_ops, netfilter, netkit, TCX queries (issue 13)               */
/* ------------------------------------------------------------------ */

/*
 * The programs attached to a TCX or netkit hook, first to last, and the
 * hook's revision (it grows with every change), from BPF_PROG_QUERY.
 * attach_type: the kernel's BPF_TCX_INGRESS (46), BPF_TCX_EGRESS (47),
 * BPF_NETKIT_PRIMARY (54) or BPF_NETKIT_PEER (55). prog_ids (and
 * link_ids, which may be NULL: 0 for programs attached without a link)
 * have room for *count entries; *count returns how many there are.
 */
EVBPF_API int evbpf_tcx_query(int ifindex, uint32_t attach_type, uint32_t *prog_ids,
			      uint32_t *link_ids, uint32_t *count, uint64_t *revision);

/*
 * Register a struct_ops map: a global variable of a kernel struct type
 * (struct tcp_congestion_ops, ...) in SEC(".struct_ops") or
 * SEC(".struct_ops.link") whose function pointers name SEC("struct_ops/...")
 * programs. evbpf_object_load() made the map: the struct was found in the
 * kernel's BTF, the variable's members placed at the kernel's offsets,
 * and each program loaded as the member it implements. Attaching writes
 * the programs' fds into the value; a .struct_ops map is registered by
 * that write (kind "struct_ops", unregistered by deleting the element on
 * destroy), a .struct_ops.link map by a BPF link (kind "bpf_link",
 * Linux 6.4; older kernels get the map way). The kernel takes a map's
 * value once: attaching a registered map again returns another link to
 * the same registration, which ends with the last of them; a plain map
 * cannot be registered again after that (-EBUSY), a .link map can.
 * evbpf_program_attach() on a struct_ops program attaches its map.
 * Errors: -EINVAL for a map that is not a struct_ops map, -ENOENT before
 * load, -EEXIST from the kernel when a struct of that name (a congestion
 * control called the same) is registered already.
 */
EVBPF_API int evbpf_map_attach_struct_ops(struct evbpf_map *map, struct evbpf_link **linkp);

/*
 * A netfilter program (SEC("netfilter")) on a netfilter hook (Linux 6.4):
 * pf is NFPROTO_IPV4 (2) or NFPROTO_IPV6 (10), hooknum NF_INET_PRE_ROUTING
 * (0), _LOCAL_IN (1), _FORWARD (2), _LOCAL_OUT (3) or _POST_ROUTING (4),
 * priority the hook priority (not INT_MIN or INT_MAX; lower runs first),
 * flags 0 or EVBPF_NETFILTER_IP_DEFRAG (packets defragmented first, Linux
 * 6.6). The link is a BPF link in the caller's network namespace.
 */
#define EVBPF_NETFILTER_IP_DEFRAG (1U << 0)
EVBPF_API int evbpf_program_attach_netfilter(struct evbpf_program *prog, uint32_t pf,
					     uint32_t hooknum, int32_t priority, uint32_t flags,
					     struct evbpf_link **linkp);

struct evbpf_netkit_opts {
	size_t sz;
	/* Which side: the program's section decides (netkit/primary,
	 * netkit/peer); for other tc programs, peer != 0 picks the peer. */
	int peer;
	uint32_t flags;             /* EVBPF_TC_F_*: position, as for TCX */
	int relative_fd;            /* as in evbpf_tc_opts */
	uint32_t relative_id;
	uint64_t expected_revision; /* -ESTALE when the list changed */
};

/*
 * A tc program on a netkit device's primary or peer side (Linux 6.7):
 * ifindex is the primary device (peer programs too go on the primary,
 * which the kernel holds both lists on). A BPF link.
 */
EVBPF_API int evbpf_program_attach_netkit(struct evbpf_program *prog, int ifindex,
					  const struct evbpf_netkit_opts *opts,
					  struct evbpf_link **linkp);

struct evbpf_cgroup_opts {
	size_t sz;
	/* With set_attach_type nonzero, attach_type (enum bpf_attach_type)
	 * replaces the section's (BPF_CGROUP_INET_INGRESS is 0, hence the
	 * separate switch). */
	int set_attach_type;
	uint32_t attach_type;
	uint32_t flags; /* BPF_PROG_ATTACH fallback flags (BPF_F_ALLOW_MULTI) */
	int legacy;     /* use BPF_PROG_ATTACH even where cgroup links exist */
};
/* evbpf_program_attach_cgroup() with options. */
EVBPF_API int evbpf_program_attach_cgroup_opts(struct evbpf_program *prog, int cgroup_fd,
					       const struct evbpf_cgroup_opts *opts,
					       struct evbpf_link **linkp);

/* Socket filter on a socket (SO_ATTACH_BPF); the link holds a dup of the
 * socket and detaches with SO_DETACH_BPF. */
EVBPF_API int evbpf_program_attach_socket(struct evbpf_program *prog, int sock_fd,
					  struct evbpf_link **linkp);
/* sk_reuseport program on a SO_REUSEPORT socket (SO_ATTACH_REUSEPORT_EBPF). */
EVBPF_API int evbpf_program_attach_reuseport(struct evbpf_program *prog, int sock_fd,
					     struct evbpf_link **linkp);
/* sk_msg or sk_skb/{stream_parser,stream_verdict,verdict} on a sockmap or
 * sockhash: a BPF link (Linux 6.10) or BPF_PROG_ATTACH to the map. */
EVBPF_API int evbpf_program_attach_sockmap(struct evbpf_program *prog, int map_fd,
					   struct evbpf_link **linkp);
/* sk_lookup or flow_dissector on the network namespace open at netns_fd
 * (/proc/self/ns/net for the current one). */
EVBPF_API int evbpf_program_attach_netns(struct evbpf_program *prog, int netns_fd,
					 struct evbpf_link **linkp);

struct evbpf_iter_opts {
	size_t sz;
	int map_fd;           /* iter/bpf_map_elem, iter/sockmap: the map */
	int cgroup_fd;        /* iter/cgroup: the start (0: the v2 root) */
	uint32_t cgroup_order; /* enum bpf_cgroup_iter_order */
	int task_pid;         /* iter/task*: only this process */
};
/* An iter/NAME program: the link from which iterators are created. */
EVBPF_API int evbpf_program_attach_iter(struct evbpf_program *prog,
					const struct evbpf_iter_opts *opts,
					struct evbpf_link **linkp);
/* A new iterator fd (the caller reads and closes it): each read() runs the
 * program and returns what it wrote with bpf_seq_printf(). */
EVBPF_API int evbpf_iter_create(const struct evbpf_link *link);
/* Create an iterator and read it to the end: *bufp (malloc'd, NUL-terminated,
 * the caller frees) and its length. */
EVBPF_API int evbpf_iter_read_all(const struct evbpf_link *link, char **bufp, size_t *sizep);

/*
 * Pinning on bpffs. Maps declared with LIBBPF_PIN_BY_NAME are pinned by
 * evbpf_object_load() at PIN_ROOT/NAME (evbpf_open_opts.pin_root, default
 * /sys/fs/bpf), or reused from there when a compatible map is pinned
 * already (-EINVAL naming the difference when it is not compatible). The
 * library never unpins by itself except to undo a failed load.
 */
EVBPF_API int evbpf_map_pin(struct evbpf_map *map, const char *path); /* NULL: pin_path */
EVBPF_API int evbpf_map_unpin(struct evbpf_map *map, const char *path); /* NULL: pin_path */
EVBPF_API const char *evbpf_map_pin_path(const struct evbpf_map *map);
EVBPF_API int evbpf_program_pin(struct evbpf_program *prog, const char *path);
EVBPF_API int evbpf_program_unpin(struct evbpf_program *prog, const char *path);
/* A new fd for whatever is pinned at path (the caller closes it). */
EVBPF_API int evbpf_obj_get(const char *path);
/* A standalone map (free with evbpf_map_free) for a pinned map or a map id. */
EVBPF_API int evbpf_map_from_pinned(const char *path, struct evbpf_map **mapp);
EVBPF_API int evbpf_map_from_id(uint32_t id, struct evbpf_map **mapp);

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

/*
 * Element operations: one bpf() syscall each, safe to call from any number
 * of threads. key points to key_size bytes; value to
 * evbpf_map_value_buf_size() bytes. Errors are the kernel's: -ENOENT (no
 * such key, or the map is not loaded yet), -EEXIST (BPF_NOEXIST on an
 * existing key), -E2BIG (map full), -EPERM (a frozen map), -EINVAL.
 */
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

/* ------------------------------------------------------------------ */
/* USDT and multi-attach probes                                        */
/* ------------------------------------------------------------------ */

struct evbpf_usdt_opts {
	size_t sz;
	/* What bpf_usdt_cookie() returns in the program (usdt.bpf.h). */
	uint64_t cookie;
	/* How each site's uprobe is made (see enum evbpf_probe_attach_mode).
	 * EVBPF_PROBE_ATTACH_PERF is refused on kernels with BPF cookies,
	 * which usdt.bpf.h then reads through a BPF link. */
	enum evbpf_probe_attach_mode attach_mode;
};

/*
 * A USDT probe (<sys/sdt.h>: DTRACE_PROBE, STAP_PROBE) named
 * provider:name in path (an executable or shared library; a library name
 * without '/' like "libc.so.6" is searched in LD_LIBRARY_PATH and the
 * usual directories). Every site of the probe in the file gets a uprobe
 * on it; pid > 0 limits them to one process, pid <= 0 means every
 * process. The program is written against libbpf's <bpf/usdt.bpf.h>
 * (SEC("usdt"), BPF_USDT(), bpf_usdt_arg(), bpf_usdt_arg_cnt(),
 * bpf_usdt_cookie()), unchanged: evbpf parses each site's argument spec
 * from the .note.stapsdt ELF note (x86-64 constants, registers and
 * register+offset memory operands) into the object's __bpf_usdt_specs
 * map, and gives each uprobe the spec's id as its BPF cookie (Linux 5.15)
 * or, on older kernels, an entry in __bpf_usdt_ip_to_spec_id keyed by
 * the site's address in the process. Shared libraries and PIE
 * executables have no fixed address, so on kernels without cookies they
 * need pid > 0 (-ENOTSUP otherwise, as with libbpf). Probes with a
 * semaphore are enabled through the uprobe's reference counter
 * (ref_ctr_offset) while the link exists. Sites moved by prelink are
 * found through .stapsdt.base.
 *
 * Errors: -ENOENT when the file has no such probe or the object lacks
 * the usdt.bpf.h maps; -EINVAL for an argument spec evbpf cannot read
 * (e.g. "8@sym(%rip)", named in evbpf_errmsg()); -ENOSPC when every
 * spec id of __bpf_usdt_specs is taken (BPF_USDT_MAX_SPEC_CNT); the
 * uprobe errors of evbpf_program_attach_uprobe(). The link ("usdt")
 * removes the uprobes and its spec and address entries when destroyed;
 * it may outlive the object.
 *
 * By section: SEC("usdt/PATH:PROVIDER:NAME") with evbpf_program_attach()
 * (every process); a bare SEC("usdt") needs this function.
 */
EVBPF_API int evbpf_program_attach_usdt(struct evbpf_program *prog, int pid, const char *path,
					const char *provider, const char *name,
					const struct evbpf_usdt_opts *opts,
					struct evbpf_link **linkp);

struct evbpf_kprobe_multi_opts {
	size_t sz;
	/* Exactly one of: a glob ('*', '?') matched against the functions
	 * the kernel can trace (tracefs available_filter_functions), or cnt
	 * function names, or cnt kernel addresses. */
	const char *pattern;
	const char *const *syms;
	const uint64_t *addrs;
	/* Optional with syms or addrs: cnt values for bpf_get_attach_cookie(),
	 * one per function. */
	const uint64_t *cookies;
	size_t cnt;
	/* Return probes; implied by a kretprobe.multi section. Not for
	 * kprobe.session programs, which run at entry and return. */
	int retprobe;
};

/*
 * One BPF link (BPF_TRACE_KPROBE_MULTI, Linux 5.18 with CONFIG_FPROBE)
 * that puts a kprobe.multi/, kretprobe.multi/ or kprobe.session/ program
 * (Linux 6.10) on many kernel functions at once. A pattern is matched,
 * as libbpf does, against tracefs's available_filter_functions (the
 * functions ftrace can attach to), leaving out the
 * __ftrace_invalid_address__ placeholders and duplicates, and resolved to
 * addresses through available_filter_functions_addrs or /proc/kallsyms.
 * Where the kernel lacks multi-kprobes (or sessions) the error says so
 * (-EOPNOTSUPP, with evbpf_probe_feature()'s reason); -ENOENT when the
 * pattern matches nothing.
 *
 * By section: SEC("kprobe.multi/PATTERN"), SEC("kretprobe.multi/PATTERN"),
 * SEC("kprobe.session/PATTERN") with evbpf_program_attach().
 */
EVBPF_API int evbpf_program_attach_kprobe_multi(struct evbpf_program *prog,
						const struct evbpf_kprobe_multi_opts *opts,
						struct evbpf_link **linkp);

struct evbpf_uprobe_multi_opts {
	size_t sz;
	/* Without a func_pattern: cnt function names (looked up in path's
	 * .symtab and .dynsym) or cnt file offsets. */
	const char *const *syms;
	const uint64_t *offsets;
	/* Optional: cnt semaphore file offsets (USDT-style reference
	 * counters) and cnt cookies for bpf_get_attach_cookie(). */
	const uint64_t *ref_ctr_offsets;
	const uint64_t *cookies;
	size_t cnt;
	/* Return probes; implied by a uretprobe.multi section. Not for
	 * uprobe.session programs. */
	int retprobe;
};

/*
 * One BPF link (BPF_TRACE_UPROBE_MULTI, Linux 6.6) that puts an
 * uprobe.multi/, uretprobe.multi/ or uprobe.session/ (Linux 6.13) program
 * on many functions of one file: every function whose name matches
 * func_pattern (a glob over .symtab and .dynsym, versions like "@GLIBC_2.2.5"
 * ignored), or the list in opts. path as for evbpf_program_attach_uprobe();
 * pid > 0 limits it to one process. The kernel's lack of uprobe_multi (or
 * of sessions) is reported as -EOPNOTSUPP with the probe's reason;
 * -ENOENT when nothing matches.
 *
 * By section: SEC("uprobe.multi/PATH:PATTERN"), SEC("uretprobe.multi/...")
 * and SEC("uprobe.session/...") (and the sleepable ".s" forms of the
 * first two) with evbpf_program_attach(), every process.
 */
EVBPF_API int evbpf_program_attach_uprobe_multi(struct evbpf_program *prog, int pid,
						const char *path, const char *func_pattern,
						const struct evbpf_uprobe_multi_opts *opts,
						struct evbpf_link **linkp);

/* ------------------------------------------------------------------ */
/* Skeletons and direct memory                                         */
/* ------------------------------------------------------------------ */

/*
 * `evbpf gen skeleton FILE.bpf.o [--name NAME] > NAME.skel.h` writes a
 * header that embeds the object and gives typed access to it (see the
 * README, "Writing the BPF side"): struct NAME with the object, its maps,
 * programs and links by name, and one struct per global data section
 * (bss, data, rodata, data_X for .data.X ...) laid out from BTF, with
 * NAME__open(), __open_opts(), __load(), __open_and_load(), __attach(),
 * __detach(), __destroy() and __elf_bytes(). The functions below are
 * what it is built on, and are usable without it.
 */

/*
 * Map an array map created with BPF_F_MMAPABLE (every global data
 * section's map is) into this process, once: later calls return the same
 * address, and the mapping lasts until the map is released
 * (evbpf_object_close() or evbpf_map_free()). *addrp gets the address and
 * *sizep (may be NULL) the bytes the elements take: max_entries elements
 * of value_size bytes, each at a multiple of 8. Reads and writes are
 * plain memory accesses that BPF programs see at once. Frozen maps, such
 * as .rodata and .kconfig after load, and maps created with BPF_F_RDONLY,
 * are mapped read-only: writing to them kills the process with SIGSEGV.
 * Errors: -ENOENT before the map is loaded, -ENOTSUP for a map that is
 * not an array, -EINVAL for one created without BPF_F_MMAPABLE.
 */
EVBPF_API int evbpf_map_mmap(struct evbpf_map *map, void **addrp, size_t *sizep);

/*
 * The memory of a global data section's map (.data, .rodata, .bss,
 * .data.*, .rodata.*, .kconfig), *sizep (may be NULL) its size in bytes.
 * Before load it is the initial value, writable (what
 * evbpf_object_set_global() writes to; changes become the values the
 * programs start with; valid until the object is closed). After load it
 * is the map itself, as evbpf_map_mmap() maps it. NULL for any other map,
 * or when the mapping fails; evbpf_errmsg() says why.
 */
EVBPF_API void *evbpf_map_initial_value(struct evbpf_map *map, size_t *sizep);

/*
 * Whether a skeleton's NAME__attach() attaches this program: 1 when its
 * section says where (tracepoint/CAT/NAME, raw_tp/NAME, fentry/, fexit/,
 * lsm/, tp_btf/, kprobe/FUNC, uprobe/BINARY:SYMBOL, iter/, ...; the
 * cases evbpf_program_attach() handles without help) and
 * evbpf_program_set_autoattach() has not turned it off, else 0.
 * Programs that need a target (xdp, tc, cgroup, socket ...) answer 0 and
 * are attached with their typed function.
 */
EVBPF_API int evbpf_program_autoattach(const struct evbpf_program *prog);
EVBPF_API int evbpf_program_set_autoattach(struct evbpf_program *prog, int autoattach);

/* ------------------------------------------------------------------ */
/* Map operations: flags, freeze, queues and stacks, batches           */
/* ------------------------------------------------------------------ */

/*
 * Every failing map operation (these and the element operations above)
 * sets a fresh evbpf_errmsg() naming the map and the operation, with a
 * hint where the errno has a usual cause ("map 'counts': update: Argument
 * list too long (the map is full: max_entries 1024)"). -ENOENT ("no such
 * element", "no more keys", "the map is empty") is an answer rather than
 * an error: it sets the message but is logged at debug level only.
 */

/*
 * Lookup with flags. BPF_F_LOCK (4) copies the value while holding the
 * struct bpf_spin_lock the value contains (the map needs BTF for its
 * value, as with libbpf; the lock word itself reads as zero).
 * evbpf_map_update() takes BPF_F_LOCK the same way, or'ed with BPF_ANY,
 * BPF_NOEXIST or BPF_EXIST, and then writes the value under the lock.
 */
EVBPF_API int evbpf_map_lookup_flags(const struct evbpf_map *map, const void *key, void *value,
				     uint64_t flags);

/*
 * Make the map read-only for user space (BPF_MAP_FREEZE, Linux 5.2): later
 * updates and deletes from user space fail with -EPERM, BPF programs keep
 * their access. -EBUSY when mmapped writable, and -EBUSY or -EPERM (newer
 * kernels) when frozen already.
 */
EVBPF_API int evbpf_map_freeze(const struct evbpf_map *map);

/*
 * Queue (FIFO) and stack (LIFO) maps, which have no keys; value points to
 * value_size bytes. push's flags: 0, or BPF_EXIST (2) to drop the oldest
 * element when the map is full (otherwise -E2BIG). pop removes and returns
 * the next element, peek returns it without removing it; both -ENOENT
 * when the map is empty. push and peek also work on bloom filter maps
 * (add an element; test one: 0 "maybe present", -ENOENT "absent").
 * Other map types: -EINVAL.
 */
EVBPF_API int evbpf_map_push(const struct evbpf_map *map, const void *value, uint64_t flags);
EVBPF_API int evbpf_map_pop(const struct evbpf_map *map, void *value);
EVBPF_API int evbpf_map_peek(const struct evbpf_map *map, void *value);

struct evbpf_map_batch_opts {
	size_t sz;
	uint64_t elem_flags; /* per element: 0 or BPF_F_LOCK (the kernel allows no other) */
	uint64_t flags;      /* the batch command's flags (0 today) */
	/* Use the one-element-at-a-time path even where the kernel has the
	 * batch command (the same results, for tests and comparisons). */
	int fallback;
};

/*
 * Batches: many elements per syscall (BPF_MAP_*_BATCH, Linux 5.6).
 * keys is a packed array of key_size-byte keys and values one of
 * evbpf_map_value_buf_size()-byte values (per-CPU maps: a slot per
 * possible CPU for each element). *count is the capacity (in elements) on
 * the way in and the number of elements processed on the way out, on
 * success and on failure alike.
 *
 * lookup_batch walks the map: pass in_batch NULL for the first call and
 * the previous call's out_batch afterwards. in_batch and out_batch are
 * opaque cursors of at least key_size bytes, and at least 4. The return
 * is 0 when more elements may follow and -ENOENT when this call reached
 * the end of the map; *count elements were still copied by that last
 * call (as with libbpf). The kernel reads hash maps a whole bucket at a
 * time: -ENOSPC when *count is smaller than the next bucket (nothing is
 * lost; call again with a larger count and the same in_batch).
 * lookup_and_delete_batch deletes what it returns, so repeated calls
 * drain the map. update_batch (BPF_ANY semantics) and delete_batch take
 * *count keys (and values) and stop at the first element that fails.
 *
 * Where the kernel has no batch commands (EVBPF_FEATURE_MAP_BATCH) or the
 * map type has no batch operation (LPM tries, among others), the same
 * calls are served one element at a time with next_key, lookup, update
 * and delete: same results, not atomic per bucket (an element deleted or
 * added concurrently may be missed or seen twice). Use the same opts for
 * a whole walk: the cursor of one path means nothing to the other.
 */
EVBPF_API int evbpf_map_lookup_batch(const struct evbpf_map *map, const void *in_batch,
				     void *out_batch, void *keys, void *values, uint32_t *count,
				     const struct evbpf_map_batch_opts *opts);
EVBPF_API int evbpf_map_lookup_and_delete_batch(const struct evbpf_map *map,
						const void *in_batch, void *out_batch, void *keys,
						void *values, uint32_t *count,
						const struct evbpf_map_batch_opts *opts);
EVBPF_API int evbpf_map_update_batch(const struct evbpf_map *map, const void *keys,
				     const void *values, uint32_t *count,
				     const struct evbpf_map_batch_opts *opts);
EVBPF_API int evbpf_map_delete_batch(const struct evbpf_map *map, const void *keys,
				     uint32_t *count, const struct evbpf_map_batch_opts *opts);

/* ------------------------------------------------------------------ */
/* Introspection: program and link info, ids, programs from pins       */
/* ------------------------------------------------------------------ */

/* A program uses at most this many maps (the kernel's limit). */
#define EVBPF_PROG_INFO_MAX_MAPS 64

/*
 * What the kernel reports about a loaded program (BPF_OBJ_GET_INFO_BY_FD).
 * Set sz to sizeof(struct evbpf_prog_info); fields the running kernel
 * does not report read as zero.
 */
struct evbpf_prog_info {
	size_t sz;
	uint32_t id;
	uint32_t type; /* enum bpf_prog_type */
	char name[16]; /* the kernel's copy: up to 15 characters of the name */
	uint8_t tag[8]; /* hash of the instructions: same code, same tag */
	/* Run-time statistics: counted only while statistics are enabled
	 * (evbpf_enable_stats(), or the kernel.bpf_stats_enabled sysctl). */
	uint64_t run_time_ns;
	uint64_t run_cnt;
	/* Runs skipped because the program was running already on that
	 * CPU (fentry/fexit, Linux 5.12). */
	uint64_t recursion_misses;
	uint32_t xlated_prog_len; /* bytes of verified instructions */
	uint32_t jited_prog_len;  /* bytes of machine code (0 without JIT) */
	uint32_t nr_map_ids;      /* maps the program uses */
	uint32_t map_ids[EVBPF_PROG_INFO_MAX_MAPS];
	uint64_t load_time_ns;    /* when it was loaded, CLOCK_BOOTTIME */
	uint32_t btf_id;          /* the program's BTF object, 0 without one */
	uint32_t created_by_uid;
	uint32_t verified_insns;  /* instructions the verifier processed (5.16) */
	uint32_t attach_btf_obj_id; /* BTF-attached programs: the target's BTF (6.0) */
	uint32_t attach_btf_id;
	uint32_t ifindex;         /* offloaded programs */
	int gpl_compatible;
};

/* Info of a loaded program of an object or one from a pin or an id
 * (-ENOENT when it is not loaded), or of any program fd. */
EVBPF_API int evbpf_program_info(const struct evbpf_program *prog, struct evbpf_prog_info *info);
EVBPF_API int evbpf_prog_info_by_fd(int prog_fd, struct evbpf_prog_info *info);

/*
 * What the kernel reports about a BPF link. The union of the kernel's
 * per-type fields is flattened; fields the link type does not have read
 * as zero.
 */
struct evbpf_link_info {
	size_t sz;
	uint32_t id;
	uint32_t type;        /* enum bpf_link_type; see evbpf_link_type_name() */
	uint32_t prog_id;
	uint32_t attach_type; /* tracing, cgroup, netns, tcx, netkit, sockmap links */
	uint64_t cgroup_id;   /* cgroup links */
	uint32_t ifindex;     /* xdp, tcx, netkit links */
	uint32_t netns_ino;   /* netns links */
	uint32_t target_obj_id; /* tracing: the target program, or the BTF object */
	uint32_t target_btf_id; /* tracing: the function's BTF id */
	uint32_t map_id;      /* sockmap and struct_ops links */
	char tp_name[64];     /* raw tracepoint links: the tracepoint */
};

/*
 * Info of a link that is a BPF link ("bpf_link" or "perf_link" kinds;
 * -ENOTSUP with a message for netlink, socket, BPF_PROG_ATTACH and
 * PERF_EVENT_IOC_SET_BPF attachments, which have no kernel object), or of
 * any BPF link fd.
 */
EVBPF_API int evbpf_link_info(const struct evbpf_link *link, struct evbpf_link_info *info);
EVBPF_API int evbpf_link_info_by_fd(int link_fd, struct evbpf_link_info *info);
/* "raw_tracepoint", "tracing", "cgroup", "xdp", "tcx", ...; "unknown". */
EVBPF_API const char *evbpf_link_type_name(uint32_t link_type);

/*
 * Enumerate what is loaded in the kernel: the first id after start_id
 * (0 for the first) in *next_id, or -ENOENT after the last. Ids are
 * stable for an object's life and never reused soon; an object may go
 * away between two calls. Needs CAP_SYS_ADMIN.
 *
 *	for (uint32_t id = 0; !evbpf_prog_next_id(id, &id);)
 *		...evbpf_program_from_id(id, &prog)...
 */
EVBPF_API int evbpf_prog_next_id(uint32_t start_id, uint32_t *next_id);
EVBPF_API int evbpf_link_next_id(uint32_t start_id, uint32_t *next_id);
EVBPF_API int evbpf_map_next_id(uint32_t start_id, uint32_t *next_id);

/*
 * A program that belongs to no object: one pinned on bpffs, one loaded
 * elsewhere found by its id, or an fd (dup'ed; the caller keeps its own).
 * It is loaded already, and every attach function accepts it, as well as
 * evbpf_program_info(), _pin(), _test_run() and evbpf_link_update().
 * Free it with evbpf_program_free(); links made from it hold their own
 * kernel reference, as links from objects do.
 *
 * Its name is the kernel's (up to 15 characters) and it has no section,
 * so evbpf_program_attach() (by section) refuses it: use a typed attach
 * function. The kernel does not report a program's expected attach type;
 * evbpf derives it where the program type allows only one (lsm,
 * sk_lookup, flow_dissector, sk_msg, sock_ops, cgroup_device,
 * cgroup_sysctl) or where the attach target says it (tp_btf and iter
 * programs, on kernels that report it, 6.0). Elsewhere set it with
 * evbpf_program_set_type(prog, evbpf_program_type(prog), attach_type),
 * which such programs accept after load, or pass it in the attach
 * function's options (cgroup hooks). fentry, fexit and fmod_ret programs
 * attach without it (through BPF_RAW_TRACEPOINT_OPEN), but then without a
 * cookie. Errors: -ENOENT (no such pin or id), -EINVAL (the pin is not a
 * program), -EPERM (getting a program by id needs CAP_SYS_ADMIN).
 */
EVBPF_API int evbpf_program_from_pin(const char *path, struct evbpf_program **progp);
EVBPF_API int evbpf_program_from_id(uint32_t id, struct evbpf_program **progp);
EVBPF_API int evbpf_program_from_fd(int prog_fd, struct evbpf_program **progp);
/* Free a program from evbpf_program_from_*() (closes its fd); NULL-safe.
 * Programs owned by an object are left alone (with a warning). */
EVBPF_API void evbpf_program_free(struct evbpf_program *prog);

/*
 * Turn on statistics of every program in the kernel while *fdp is open
 * (BPF_ENABLE_STATS, Linux 5.8): type BPF_STATS_RUN_TIME (0) makes the
 * kernel count run_cnt and run_time_ns (struct evbpf_prog_info) on every
 * run. Close *fdp to turn them off again (they stay on while any process
 * holds such an fd, or the kernel.bpf_stats_enabled sysctl is 1). The
 * counting costs a little on every program run. Needs CAP_SYS_ADMIN.
 */
EVBPF_API int evbpf_enable_stats(uint32_t type, int *fdp);

/* ---- Monitoring loaded programs (issue 16, `evbpf top`) ---- */

/*
 * Info of the loaded program with this id (from evbpf_prog_next_id()),
 * without keeping anything open: the fd the kernel hands out for the id
 * is closed before returning. -ENOENT when no program has the id (it was
 * unloaded since the id was listed: a monitor skips it), -EPERM without
 * CAP_SYS_ADMIN. Sampling run_time_ns and run_cnt of every program this
 * way twice, some time apart, gives each program's CPU time and run rate
 * over that time (statistics must be on: evbpf_enable_stats()).
 */
EVBPF_API int evbpf_prog_info_by_id(uint32_t id, struct evbpf_prog_info *info);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_EVBPF_H */
