/* SPDX-License-Identifier: MIT */
/*
 * Attachment up to the syscall, with no kernel: section-name parsing,
 * uprobe symbol -> file offset (checked against where the dynamic loader
 * actually mapped the function), PMU and tracefs discovery on fake sysfs
 * and tracefs trees, malformed ELF files, and the argument checks every
 * attach function makes before it calls the kernel.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "common.h"
#include "internal.h"

static char tmpdir[64];

static int group_setup(void **st)
{
	(void)st;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/evbpf-unit-attach-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *rel, const char *text, size_t len)
{
	char path[512], dir[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(tmpdir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* ------------------------------------------------------ section parsing */

static void test_func_offset_parsing(void **st)
{
	char func[64];
	uint64_t off = 99;

	(void)st;
	assert_int_equal(evbpf__parse_func_offset("do_sys_open", func, sizeof(func), &off), 0);
	assert_string_equal(func, "do_sys_open");
	assert_int_equal(off, 0);
	assert_int_equal(evbpf__parse_func_offset("tcp_v4_connect+0x1f", func, sizeof(func), &off),
	                 0);
	assert_string_equal(func, "tcp_v4_connect");
	assert_int_equal(off, 0x1f);
	assert_int_equal(evbpf__parse_func_offset("f+16", func, sizeof(func), &off), 0);
	assert_int_equal(off, 16);
	assert_int_equal(evbpf__parse_func_offset("", func, sizeof(func), &off), -EINVAL);
	assert_int_equal(evbpf__parse_func_offset("+4", func, sizeof(func), &off), -EINVAL);
	assert_int_equal(evbpf__parse_func_offset("f+", func, sizeof(func), &off), -EINVAL);
	assert_int_equal(evbpf__parse_func_offset("f+-1", func, sizeof(func), &off), -EINVAL);
	assert_int_equal(evbpf__parse_func_offset("f+1x", func, sizeof(func), &off), -EINVAL);
	/* A name that does not fit is refused, not truncated. */
	assert_int_equal(evbpf__parse_func_offset("a_rather_long_name", func, 8, &off), -EINVAL);
}

static void test_uprobe_target_parsing(void **st)
{
	char bin[128], sym[64];
	uint64_t off = 7;

	(void)st;
	assert_int_equal(evbpf__parse_uprobe_target("/usr/bin/bash:readline", bin, sizeof(bin), sym,
	                                            sizeof(sym), &off),
	                 0);
	assert_string_equal(bin, "/usr/bin/bash");
	assert_string_equal(sym, "readline");
	assert_int_equal(off, 0);
	assert_int_equal(evbpf__parse_uprobe_target("libc.so.6:malloc+0x4", bin, sizeof(bin), sym,
	                                            sizeof(sym), &off),
	                 0);
	assert_string_equal(bin, "libc.so.6");
	assert_string_equal(sym, "malloc");
	assert_int_equal(off, 4);
	/* A raw file offset. */
	assert_int_equal(
	    evbpf__parse_uprobe_target("/bin/x:0x1234", bin, sizeof(bin), sym, sizeof(sym), &off),
	    0);
	assert_string_equal(sym, "");
	assert_int_equal(off, 0x1234);
	assert_int_equal(
	    evbpf__parse_uprobe_target("/bin/x", bin, sizeof(bin), sym, sizeof(sym), &off),
	    -EINVAL);
	assert_int_equal(
	    evbpf__parse_uprobe_target(":sym", bin, sizeof(bin), sym, sizeof(sym), &off), -EINVAL);
}

static void test_sec_defs(void **st)
{
	static const struct {
		const char *sec;
		enum evbpf_sec_attach attach;
		bool ret;
	} cases[] = {
	    {"tracepoint/syscalls/sys_enter_openat", EVBPF_ATTACH_TRACEPOINT, false},
	    {"tp/sched/sched_switch", EVBPF_ATTACH_TRACEPOINT, false},
	    {"raw_tp/sys_enter", EVBPF_ATTACH_RAW_TP, false},
	    {"tp_btf/sched_switch", EVBPF_ATTACH_TRACING, false},
	    {"fentry/do_unlinkat", EVBPF_ATTACH_TRACING, false},
	    {"fexit/do_unlinkat", EVBPF_ATTACH_TRACING, false},
	    {"lsm/file_open", EVBPF_ATTACH_TRACING, false},
	    {"kprobe/do_nanosleep", EVBPF_ATTACH_KPROBE, false},
	    {"kretprobe/do_nanosleep", EVBPF_ATTACH_KPROBE, true},
	    {"kprobe", EVBPF_ATTACH_KPROBE, false},
	    {"kretprobe", EVBPF_ATTACH_KPROBE, true},
	    {"ksyscall/openat", EVBPF_ATTACH_KPROBE, false},
	    {"uprobe//usr/bin/bash:readline", EVBPF_ATTACH_UPROBE, false},
	    {"uretprobe/libc.so.6:malloc", EVBPF_ATTACH_UPROBE, true},
	    {"uprobe", EVBPF_ATTACH_UPROBE, false},
	    {"iter/task", EVBPF_ATTACH_ITER, false},
	    {"cgroup_skb/ingress", EVBPF_ATTACH_CGROUP, false},
	    {"sockops", EVBPF_ATTACH_CGROUP, false},
	    {"xdp", EVBPF_ATTACH_NONE, false},
	    {"tc/ingress", EVBPF_ATTACH_NONE, false},
	    {"perf_event", EVBPF_ATTACH_PERF_EVENT, false},
	};

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct evbpf_sec_def *d = evbpf__sec_def_find(cases[i].sec);

		assert_non_null(d);
		if (d->attach != cases[i].attach)
			fail_msg("%s: attach kind %d, expected %d", cases[i].sec, d->attach,
			         cases[i].attach);
		assert_int_equal(!!(d->flags & EVBPF_SEC_RETPROBE), cases[i].ret);
	}
	assert_null(evbpf__sec_def_find("tracepoint/")); /* no target */
}

/* ------------------------------------------------------- uprobe offsets */

/* Where the loader mapped addr: the file offset from /proc/self/maps. */
static uint64_t mapped_file_offset(const void *addr, char *path, size_t path_size)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[1024];
	uint64_t a = (uint64_t)(uintptr_t)addr;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char perms[8], file[512] = "";

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %511s", &lo, &hi, perms, &off, file) <
		    4)
			continue;
		if (a >= lo && a < hi) {
			fclose(f);
			snprintf(path, path_size, "%s", file);
			return a - lo + off;
		}
	}
	fclose(f);
	fail_msg("address %p is not mapped", addr);
	return 0;
}

__attribute__((noinline)) int evbpf_unit_probe_me(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void test_elf_func_offset_self(void **st)
{
	char path[512];
	uint64_t want, got = 0;

	(void)st;
	want = mapped_file_offset((const void *)evbpf_unit_probe_me, path, sizeof(path));
	/* Through the PIE executable's .symtab and program headers. */
	assert_int_equal(evbpf__elf_func_offset("/proc/self/exe", "evbpf_unit_probe_me", &got), 0);
	assert_int_equal(got, want);
	assert_int_equal(evbpf__elf_func_offset(path, "evbpf_unit_probe_me", &got), 0);
	assert_int_equal(got, want);
	assert_int_equal(evbpf__elf_func_offset("/proc/self/exe", "no_such_function_xyz", &got),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no_such_function_xyz"));
}

static void test_elf_func_offset_shared_lib(void **st)
{
	char path[512], resolved[512];
	/* libc's own symbol (RTLD_DEFAULT could find a sanitizer's wrapper). */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *addr = libc ? dlsym(libc, "getsockopt") : NULL;
	uint64_t want, got = 0;

	(void)st;
	assert_non_null(addr);
	dlclose(libc);
	want = mapped_file_offset(addr, path, sizeof(path));
	/* libc is stripped of .symtab: this goes through .dynsym. */
	assert_int_equal(evbpf__elf_func_offset(path, "getsockopt", &got), 0);
	assert_int_equal(got, want);
	/* And by library name. */
	assert_int_equal(evbpf__resolve_binary_path("libc.so.6", resolved, sizeof(resolved)), 0);
	assert_int_equal(evbpf__elf_func_offset(resolved, "getsockopt", &got), 0);
	assert_int_equal(got, want);
	assert_int_equal(
	    evbpf__resolve_binary_path("libnot-a-lib.so.9", resolved, sizeof(resolved)), -ENOENT);
	/* A program name through PATH. */
	assert_int_equal(evbpf__resolve_binary_path("sh", resolved, sizeof(resolved)), 0);
	assert_non_null(strstr(resolved, "/sh"));
}

static void test_elf_malformed(void **st)
{
	char path[512];
	uint8_t buf[128];
	uint64_t off;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;

	(void)st;
	snprintf(path, sizeof(path), "%s/garbage", tmpdir);
	write_file("garbage", "not an elf file at all", 22);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -ENOEXEC);
	assert_non_null(strstr(evbpf_errmsg(), "not an ELF file"));

	/* A 64-bit header whose section table lies past the end. */
	memset(buf, 0, sizeof(buf));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_DYN;
	eh->e_shoff = 4096;
	eh->e_shnum = 3;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	write_file("truncated", (const char *)buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/truncated", tmpdir);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "out of bounds"));

	/* 32-bit files are refused by name. */
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	write_file("elf32", (const char *)buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/elf32", tmpdir);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "32-bit"));

	/* So are big-endian ones. */
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2MSB;
	write_file("elf64be", (const char *)buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/elf64be", tmpdir);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "big-endian"));
	eh->e_ident[EI_DATA] = ELFDATA2LSB;

	/* A relocatable object has no load addresses. */
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_REL;
	write_file("rel", (const char *)buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/rel", tmpdir);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -ENOEXEC);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(evbpf__elf_func_offset(path, "f", &off), -ENOENT);
}

/* ------------------------------------------------- PMUs and tracefs */

static void test_pmu_discovery(void **st)
{
	char devices[256];

	(void)st;
	snprintf(devices, sizeof(devices), "%s/devices", tmpdir);
	write_file("devices/uprobe/type", "7\n", 2);
	write_file("devices/uprobe/format/retprobe", "config:0\n", 9);
	write_file("devices/odd/type", "seven\n", 6);
	write_file("devices/odd/format/retprobe", "config:99\n", 10);
	assert_int_equal(evbpf__pmu_type(devices, "uprobe"), 7);
	assert_int_equal(evbpf__pmu_retprobe_bit(devices, "uprobe"), 0);
	assert_int_equal(evbpf__pmu_type(devices, "odd"), -EINVAL);
	assert_int_equal(evbpf__pmu_retprobe_bit(devices, "odd"), -EINVAL);
	/* No kprobe PMU: the message says where it looked and why. */
	assert_int_equal(evbpf__pmu_type(devices, "kprobe"), -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "kprobe PMU not found at"));
	assert_non_null(strstr(evbpf_errmsg(), "/devices/kprobe"));
	assert_non_null(strstr(evbpf_errmsg(), "CONFIG_KPROBES"));
}

static void test_tracefs_discovery(void **st)
{
	char t1[256], t2[256], none[256];
	const char *roots[3];

	(void)st;
	snprintf(t1, sizeof(t1), "%s/tracing", tmpdir);
	snprintf(t2, sizeof(t2), "%s/debug/tracing", tmpdir);
	snprintf(none, sizeof(none), "%s/nothing", tmpdir);
	write_file("debug/tracing/events/sched/sched_switch/id", "316\n", 4);
	write_file("debug/tracing/events/bad/event/id", "x\n", 2);
	/* The first root is missing: the second is used. */
	roots[0] = t1;
	roots[1] = t2;
	roots[2] = NULL;
	assert_int_equal(evbpf__tracefs_event_id(roots, "sched", "sched_switch"), 316);
	assert_int_equal(evbpf__tracefs_event_id(roots, "sched", "nope"), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "sched/nope"));
	assert_int_equal(evbpf__tracefs_event_id(roots, "bad", "event"), -EINVAL);
	assert_int_equal(evbpf__tracefs_event_id(roots, "../..", "x"), -EINVAL);
	assert_int_equal(evbpf__tracefs_event_id(roots, "a/b", "x"), -EINVAL);
	/* No tracefs anywhere: say so and how to mount it. */
	roots[0] = none;
	roots[1] = NULL;
	assert_int_equal(evbpf__tracefs_event_id(roots, "sched", "sched_switch"), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "tracefs not found"));
	assert_non_null(strstr(evbpf_errmsg(), "mount -t tracefs"));
}

/* -------------------------------------------------- argument checks */

static void test_attach_argument_checks(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_program *p;
	struct evbpf_link *link = NULL;
	int before = fd_count();

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("attach_trace.bpf.o"), NULL, &obj));
	p = evbpf_object_find_program(obj, "tp_getppid");
	assert_non_null(p);
	/* Not loaded: refused before any syscall. */
	assert_int_equal(evbpf_program_attach(p, &link), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'tp_getppid'"));
	assert_non_null(strstr(evbpf_errmsg(), "before the program is loaded"));
	assert_int_equal(evbpf_program_attach_xdp(p, 1, 0, &link), -ENOENT);
	assert_int_equal(evbpf_program_attach_cgroup(p, 0, &link), -ENOENT);
	assert_null(link);
	/* NULLs. */
	assert_int_equal(evbpf_program_attach(NULL, &link), -EINVAL);
	assert_int_equal(evbpf_program_attach(p, NULL), -EINVAL);
	assert_int_equal(evbpf_program_attach_tracepoint(NULL, "a", "b", &link), -EINVAL);
	assert_int_equal(evbpf_iter_create(NULL), -EINVAL);
	assert_int_equal(evbpf_link_destroy(NULL), 0);
	assert_int_equal(evbpf_link_fd(NULL), -EINVAL);
	assert_int_equal(evbpf_link_pin(NULL, "/x"), -EINVAL);
	assert_int_equal(evbpf_link_open_pinned(NULL, &link), -EINVAL);
	assert_null(evbpf_link_kind(NULL));
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_func_offset_parsing),
	    cmocka_unit_test(test_uprobe_target_parsing),
	    cmocka_unit_test(test_sec_defs),
	    cmocka_unit_test(test_elf_func_offset_self),
	    cmocka_unit_test(test_elf_func_offset_shared_lib),
	    cmocka_unit_test(test_elf_malformed),
	    cmocka_unit_test(test_pmu_discovery),
	    cmocka_unit_test(test_tracefs_discovery),
	    cmocka_unit_test(test_attach_argument_checks),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
