/* SPDX-License-Identifier: MIT */
/*
 * CO-RE, .kconfig, .ksyms and kfuncs against the running kernel. The
 * fixture (core_kernel.bpf.c) is compiled against the vmlinux.h that our
 * own `evbpf btf dump` generated; its raw_tp program runs under
 * BPF_PROG_TEST_RUN in this process's context, so what it reads about the
 * current task is checked against getpid()/getppid()/prctl(), kconfig
 * values against `zcat /proc/config.gz` (not our inflater), the typeless
 * ksym against /proc/kallsyms, and kfunc results against getpid().
 */
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "common.h"
#include "internal.h"

static struct evbpf_object *open_core(struct obj_state *s)
{
	if (access(FIXTURE("core_kernel.bpf.o"), R_OK)) {
		/* It needs the vmlinux.h generated from this kernel's BTF. */
		if (access("/sys/kernel/btf/vmlinux", R_OK) && !kernel_required()) {
			SKIP_TEST("no kernel BTF (CONFIG_DEBUG_INFO_BTF)");
		}
		fail_msg("core_kernel.bpf.o was not built");
	}
	assert_ok(evbpf_object_open_file(FIXTURE("core_kernel.bpf.o"), NULL, &s->obj));
	return s->obj;
}

/* Whether the running kernel's BTF has a type of this name and kind: the
 * facts CO-RE and .ksyms resolve against, so what the fixture must see. */
static bool kernel_btf_has(const char *name, int kind)
{
	const struct evbpf_btf *vmlinux;

	assert_ok(evbpf__vmlinux_btf(&vmlinux));
	return evbpf__btf_find(vmlinux, name, kind) > 0;
}

/* Whether the kernel's struct task_struct has a member of this name. */
static bool task_struct_has(const char *member)
{
	const struct evbpf_btf *vmlinux;
	const struct btf_type *t;
	const struct btf_member *m;
	int id;

	assert_ok(evbpf__vmlinux_btf(&vmlinux));
	id = evbpf__btf_find(vmlinux, "task_struct", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = evbpf__btf_type(vmlinux, (uint32_t)id);
	m = (const struct btf_member *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if (!strcmp(evbpf__btf_str(vmlinux, m[i].name_off), member))
			return true;
	return false;
}

static uint64_t g64(struct evbpf_object *obj, const char *name)
{
	uint64_t v = 0;

	assert_ok(evbpf_object_get_global(obj, name, &v, sizeof(v)));
	return v;
}

static void run_raw_tp(struct evbpf_program *prog)
{
	uint64_t args[2] = {0, 0};
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .ctx_in = args,
	    .ctx_size_in = sizeof(args),
	};

	assert_ok(evbpf_program_test_run(prog, &opts));
	assert_int_equal(opts.retval, 0);
}

static struct evbpf_program *load_one(struct evbpf_object *obj, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(obj, name);

	assert_non_null(p);
	assert_ok(evbpf_program_load(p));
	return p;
}

static void test_core_read_current_task(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	const struct evbpf_btf *vmlinux;
	char comm[16] = {0}, r_comm[16] = {0};
	int task_id;

	REQUIRE_KERNEL();
	obj = open_core(s);
	run_raw_tp(load_one(obj, "core_read"));

	assert_int_equal(g64(obj, "r_tgid"), getpid());
	assert_int_equal(g64(obj, "r_ptgid"), getppid()); /* through a global subprogram */
	assert_int_equal(g64(obj, "r_pid"), syscall(SYS_gettid));
	assert_int_equal(g64(obj, "r_pid_size"), sizeof(pid_t));
	assert_int_equal(g64(obj, "r_comm_size"), sizeof(comm));
	assert_ok(prctl(PR_GET_NAME, comm));
	assert_ok(evbpf_object_get_global(obj, "r_comm", r_comm, sizeof(r_comm)));
	assert_string_equal(r_comm, comm);
	assert_int_equal(g64(obj, "r_has_pid"), 1);
	assert_int_equal(g64(obj, "r_has_fake"), 0);
	assert_int_equal(g64(obj, "r_ringbuf"), BPF_MAP_TYPE_RINGBUF);
	assert_int_equal(g64(obj, "r_fake_enum"), 0);
	assert_int_equal(g64(obj, "r_type_exists"), 1);
	assert_int_equal(g64(obj, "r_type_missing"), 0);
	assert_ok(evbpf__vmlinux_btf(&vmlinux));
	task_id = evbpf__btf_find(vmlinux, "task_struct", BTF_KIND_STRUCT);
	assert_true(task_id > 0);
	assert_int_equal(g64(obj, "r_task_size"), evbpf__btf_resolve_size(vmlinux, task_id));
}

/* The same reads from a program attached to sys_enter and triggered by a
 * syscall this process makes. */
static void test_core_attached(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_link *link = NULL;
	int32_t pid = getpid();

	REQUIRE_KERNEL();
	obj = open_core(s);
	assert_ok(evbpf_object_set_global(obj, "target_pid", &pid, sizeof(pid)));
	assert_ok(evbpf_program_attach(load_one(obj, "core_sys_enter"), &link));
	assert_int_equal(syscall(SYS_getppid), getppid());
	assert_ok(evbpf_link_destroy(link));
	assert_true(g64(obj, "r_tp_hits") >= 1);
	assert_int_equal(g64(obj, "r_tp_tgid"), getpid());
	assert_int_equal(g64(obj, "r_tp_ptgid"), getppid());
}

/* Flavors: the layout this kernel has is read (the running task's state
 * is TASK_RUNNING, 0); the other read is poisoned yet loads, being dead.
 * task_struct's `state` became `__state` in Linux 5.14. */
static void test_core_flavors(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	bool is_new;

	REQUIRE_KERNEL();
	obj = open_core(s);
	is_new = task_struct_has("__state");
	assert_true(is_new != task_struct_has("state"));
	run_raw_tp(load_one(obj, "core_flavors"));
	assert_int_equal(g64(obj, "r_state_new"), is_new ? 1 : 0);
	assert_int_equal(g64(obj, "r_state_old"), is_new ? 0 : 1);
}

static void test_func_and_line_info(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_program *p;
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	REQUIRE_KERNEL();
	p = load_one(open_core(s), "core_read");
	memset(&info, 0, sizeof(info));
	assert_ok(evbpf__bpf_obj_info(evbpf_program_fd(p), &info, &len));
	/* core_read plus the global subprogram parent_tgid. */
	assert_int_equal(info.nr_func_info, 2);
	assert_true(info.nr_line_info > 10);
	assert_true(info.btf_id > 0);
}

/* The value of NAME in the kernel config, read with zcat, or NULL. */
static char *config_value(const char *name, char *buf, size_t size)
{
	char cmd[256], line[512];
	size_t n = strlen(name);
	FILE *f;
	char *ret = NULL;

	snprintf(cmd, sizeof(cmd),
	         "zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r)");
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || line[n] != '=')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line + n + 1);
		ret = buf;
	}
	pclose(f);
	return ret;
}

static void test_kconfig(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_map *kcfg;
	char v[256], lv[32] = {0}, expect_lv[64];
	struct utsname u;
	unsigned a, b, c = 0;
	uint32_t zero = 0;
	uint8_t buf[256] = {0};

	REQUIRE_KERNEL();
	obj = open_core(s);
	run_raw_tp(load_one(obj, "core_read"));

	assert_non_null(config_value("CONFIG_HZ", v, sizeof(v)));
	assert_int_equal(g64(obj, "r_hz"), strtoul(v, NULL, 10));
	assert_non_null(config_value("CONFIG_BPF_SYSCALL", v, sizeof(v)));
	assert_int_equal(g64(obj, "r_bpf_syscall"), v[0] == 'y');
	if (config_value("CONFIG_BPF_JIT", v, sizeof(v)))
		assert_int_equal(g64(obj, "r_jit"), v[0] == 'y' ? 1 : 2);
	else
		assert_int_equal(g64(obj, "r_jit"), 0);
	assert_int_equal(g64(obj, "r_missing_cfg"), 0);
	assert_ok(evbpf_object_get_global(obj, "r_localversion", lv, sizeof(lv)));
	if (config_value("CONFIG_LOCALVERSION", v, sizeof(v))) {
		/* v is quoted. */
		snprintf(expect_lv, sizeof(expect_lv), "%.*s", (int)strlen(v) - 2, v + 1);
		assert_string_equal(lv, expect_lv);
	}
	assert_ok(uname(&u));
	assert_true(sscanf(u.release, "%u.%u.%u", &a, &b, &c) >= 2);
	assert_int_equal(g64(obj, "r_kver"), (a << 16) + (b << 8) + (c > 255 ? 255 : c));
#if defined(__x86_64__)
	assert_int_equal(g64(obj, "r_wrapper"),
	                 system("grep -q ' __x64_sys_getpid$' /proc/kallsyms") == 0);
#endif
	/* The values live in a frozen, read-only .kconfig array map. */
	kcfg = evbpf_object_find_map(obj, ".kconfig");
	assert_non_null(kcfg);
	assert_true(evbpf_map_flags(kcfg) & BPF_F_RDONLY_PROG);
	assert_true(evbpf_map_value_size(kcfg) <= sizeof(buf));
	assert_int_equal(evbpf_map_update(kcfg, &zero, buf, 0), -EPERM);
}

static unsigned long long kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long long addr, found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && !strcmp(sym, name)) {
			found = addr;
			break;
		}
	fclose(f);
	return found;
}

static void test_ksyms(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_program *p;
	unsigned long long stext = kallsyms_addr("_stext");
	int err;

	REQUIRE_KERNEL();
	obj = open_core(s);
	run_raw_tp(load_one(obj, "core_read"));
	/* Typeless: the address from kallsyms (0 without CAP_SYSLOG). */
	assert_true(stext != 0);
	assert_int_equal(g64(obj, "r_stext"), stext);

	/* Typed per-CPU variable: we pass its BTF id; the kernel then needs
	 * its address from kallsyms, which only CONFIG_KALLSYMS_ALL has. A
	 * kernel whose BTF has no per-CPU variables (pahole < 1.18) leaves the
	 * weak extern unresolved: it reads as absent and the program loads
	 * without the code it guards. */
	p = evbpf_object_find_program(obj, "core_ksym_var");
	assert_non_null(p);
	err = evbpf_program_load(p);
	if (!kernel_btf_has("runqueues", BTF_KIND_VAR)) {
		assert_ok(err);
		run_raw_tp(p);
		assert_int_equal(g64(obj, "r_has_runqueues"), 0);
		assert_int_equal(g64(obj, "r_cpu_match"), 0);
		SKIP_TEST("kernel BTF has no per-CPU variable 'runqueues' (built with pahole < "
			  "1.18): the typed ksym is absent, so only its weak fallback was checked");
	} else if (kallsyms_addr("runqueues")) {
		assert_ok(err);
		run_raw_tp(p);
		assert_int_equal(g64(obj, "r_cpu_match"), 1);
	} else {
		/* The kernel looked up the symbol our BTF id names. */
		assert_int_equal(err, -ENOENT);
		assert_non_null(strstr(evbpf_errmsg(), "'runqueues'"));
	}
}

static void test_kfuncs(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_program *p;
	int32_t pid = getpid();
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = pkt,
	    .data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
	};

	bool has;

	REQUIRE_KERNEL();
	obj = open_core(s);
	has = kernel_btf_has("bpf_task_from_pid", BTF_KIND_FUNC);
	assert_ok(evbpf_object_set_global(obj, "target_pid", &pid, sizeof(pid)));
	/* Loads either way: without the kfunc (before Linux 6.2) its weak
	 * extern reads 0 and the call is dead code. */
	p = load_one(obj, "core_kfunc");
	assert_ok(evbpf_program_test_run(p, &opts));
	/* The weak kfunc that does not exist read as absent. */
	assert_int_equal(g64(obj, "r_weak_kfunc"), 0);
	assert_int_equal(g64(obj, "r_has_task_from_pid"), has);
	if (!has) {
		assert_int_equal(opts.retval, 2);
		SKIP_TEST("kernel lacks kfunc bpf_task_from_pid (Linux 6.2): checked only that "
			  "its weak extern reads as absent");
	}
	assert_int_equal(opts.retval, 0);
	assert_int_equal(g64(obj, "r_kfunc_tgid"), getpid());
}

/*
 * btf_path relocates against another BTF: core_reloc.bpf.o against the
 * -DTARGET build. A poisoned relocation fails the load only where it is
 * reached, with the poison marker in the verifier log.
 */
static void test_btf_path_and_poison(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_open_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *p;
	uint64_t out[64];
	int err;

	char target[4096];

	REQUIRE_KERNEL();
	/* FIXTURE() returns a static buffer: keep a copy. */
	snprintf(target, sizeof(target), "%s", FIXTURE("core_reloc_target.bpf.o"));
	opts.btf_path = target;
	assert_ok(evbpf_object_open_file(FIXTURE("core_reloc.bpf.o"), &opts, &s->obj));
	p = evbpf_object_find_program(s->obj, "core_guarded");
	assert_non_null(p);
	assert_ok(evbpf_program_load(p));
	run_raw_tp(p);
	assert_ok(evbpf_object_get_global(s->obj, "out", out, sizeof(out)));
	assert_int_equal(out[0], 0);  /* c does not exist in the target */
	assert_int_equal(out[1], 8);  /* b moved to offset 8 in the target */
	assert_int_equal(out[2], 99); /* the guarded read of c was skipped */

	p = evbpf_object_find_program(s->obj, "core_types");
	err = evbpf_program_load(p);
	assert_true(err < 0);
	assert_non_null(strstr(evbpf_errmsg(), "195896080"));
	/* The message says which relocation: the enum value that is gone. */
	if (!strstr(evbpf_errmsg(), "enum core_e::CORE_GONE"))
		fail_msg("no CO-RE explanation in: %s", evbpf_errmsg());
	assert_non_null(strstr(evbpf_errmsg(), "prog 'core_types': insn"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_core_read_current_task, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_core_attached, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_core_flavors, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_func_and_line_info, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_kconfig, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_ksyms, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_kfuncs, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_btf_path_and_poison, obj_state_setup, obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
