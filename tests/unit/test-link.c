/* SPDX-License-Identifier: MIT */
/*
 * Relocation and linking without a kernel: maps get made-up fds, programs
 * are linked with evbpf__program_link(), and the linked instructions are
 * checked: map references carry the right fd, global variable references
 * the right offset, every BPF-to-BPF call lands on the first instruction
 * of an appended subprogram, and each subprogram is appended once.
 */
#include "common.h"
#include "internal.h"

#define FAKE_FD_BASE 1000

static struct evbpf_object *open_with_fake_fds(const char *name)
{
	struct evbpf_object *obj;

	assert_ok(evbpf_object_open_file(FIXTURE(name), NULL, &obj));
	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = FAKE_FD_BASE + (int)i;
	return obj;
}

static void close_fake(struct evbpf_object *obj)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = -1;
	evbpf_object_close(obj);
}

static int map_index(struct evbpf_object *obj, const char *name)
{
	struct evbpf_map *m = evbpf_object_find_map(obj, name);

	assert_non_null(m);
	return (int)(m - obj->maps);
}

static bool is_piece_start(const struct evbpf_program *prog, uint32_t insn)
{
	for (size_t i = 0; i < prog->nr_pieces; i++)
		if (prog->pieces[i].dst_off == insn)
			return true;
	return false;
}

static void test_link_calls_and_maps(void **st)
{
	struct evbpf_object *obj = open_with_fake_fds("loader.bpf.o");
	struct evbpf_program *prog = evbpf_object_find_program(obj, "compute");
	int results_fd = FAKE_FD_BASE + map_index(obj, "results");
	int data_fd = FAKE_FD_BASE + map_index(obj, ".data");
	int rodata_fd = FAKE_FD_BASE + map_index(obj, ".rodata");
	int calls = 0, map_refs = 0, data_refs = 0, rodata_refs = 0;
	bool saw_static_var = false;

	(void)st;
	assert_ok(evbpf__program_link(prog));
	/* compute calls add_static, mul_global and nested; nested calls
	 * add_static again, which must not be appended twice. */
	assert_int_equal(prog->nr_pieces, 4);
	assert_true(prog->insn_cnt > prog->sec_insn_cnt);
	for (size_t i = 1; i < prog->nr_pieces; i++)
		assert_int_equal(prog->pieces[i].code_sec, obj->text_code_sec);

	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];

		if (insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL) {
			int64_t target = (int64_t)i + insn->imm + 1;

			assert_true(target >= 0 && target < (int64_t)prog->insn_cnt);
			assert_true(is_piece_start(prog, (uint32_t)target));
			calls++;
		}
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (insn->src_reg == BPF_PSEUDO_MAP_FD && insn->imm == results_fd)
			map_refs++;
		if (insn->src_reg == BPF_PSEUDO_MAP_VALUE && insn->imm == data_fd) {
			data_refs++;
			/* data_var at 0, static_var at 8 in .data */
			assert_true(insn[1].imm == 0 || insn[1].imm == 8);
			saw_static_var |= insn[1].imm == 8;
		}
		if (insn->src_reg == BPF_PSEUDO_MAP_VALUE && insn->imm == rodata_fd) {
			rodata_refs++;
			assert_int_equal(insn[1].imm, 0);
		}
		i++; /* skip the second half of ld_imm64 */
	}
	assert_int_equal(calls, 4);
	assert_true(map_refs >= 3);
	assert_true(data_refs >= 2);
	assert_true(saw_static_var); /* reached through mul_global, a subprogram */
	assert_true(rodata_refs >= 1);
	close_fake(obj);
}

static void test_link_is_repeatable(void **st)
{
	struct evbpf_object *obj = open_with_fake_fds("loader.bpf.o");
	struct evbpf_program *prog = evbpf_object_find_program(obj, "second");
	struct bpf_insn *first;
	size_t cnt;

	(void)st;
	assert_ok(evbpf__program_link(prog));
	cnt = prog->insn_cnt;
	first = malloc(cnt * sizeof(*first));
	memcpy(first, prog->insns, cnt * sizeof(*first));
	/* Linking starts from the pristine section copy every time. */
	assert_ok(evbpf__program_link(prog));
	assert_int_equal(prog->insn_cnt, cnt);
	assert_memory_equal(prog->insns, first, cnt * sizeof(*first));
	assert_int_equal(prog->nr_pieces, 2); /* second + mul_global */
	free(first);
	close_fake(obj);
}

static void test_link_needs_created_maps(void **st)
{
	struct evbpf_object *obj;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("loader.bpf.o"), NULL, &obj));
	assert_int_equal(evbpf__program_link(evbpf_object_find_program(obj, "compute")), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "is not created"));
	evbpf_object_close(obj);
}

static void test_callback_address(void **st)
{
	struct evbpf_object *obj = open_with_fake_fds("features.bpf.o");
	struct evbpf_program *prog = evbpf_object_find_program(obj, "callbacks");
	int funcs = 0;

	(void)st;
	assert_ok(evbpf__program_link(prog));
	assert_int_equal(prog->nr_pieces, 2); /* callbacks + loop_cb */
	for (uint32_t i = 0; i + 1 < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW) && insn->src_reg == BPF_PSEUDO_FUNC) {
			assert_true(is_piece_start(prog, (uint32_t)((int64_t)i + insn->imm + 1)));
			funcs++;
		}
	}
	assert_int_equal(funcs, 1);
	close_fake(obj);
}

static void test_map_slots(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_map *outer, *jump;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("features.bpf.o"), NULL, &obj));
	outer = evbpf_object_find_map(obj, "outer");
	jump = evbpf_object_find_map(obj, "jump");
	assert_int_equal(outer->nr_init_slots, 1);
	assert_int_equal(outer->init_slots[0].slot, 0);
	assert_string_equal(obj->maps[outer->init_slots[0].target].name, "inner_a");
	assert_true(outer->inner_map_idx >= 0);
	assert_int_equal(jump->nr_init_slots, 1);
	assert_string_equal(obj->progs[jump->init_slots[0].target].name, "tail_target");
	evbpf_object_close(obj);
}

struct sec_case {
	const char *name;
	uint32_t prog_type;
	uint32_t expected;
};

static void test_sec_defs(void **st)
{
	static const struct sec_case cases[] = {
		{"xdp", BPF_PROG_TYPE_XDP, BPF_XDP},
		{"xdp/legacy_name", BPF_PROG_TYPE_XDP, BPF_XDP},
		{"xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP},
		{"xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP},
		{"socket", BPF_PROG_TYPE_SOCKET_FILTER, 0},
		{"tracepoint/sched/sched_switch", BPF_PROG_TYPE_TRACEPOINT, 0},
		{"tp/syscalls/sys_enter_write", BPF_PROG_TYPE_TRACEPOINT, 0},
		{"raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
		{"raw_tracepoint.w/x", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0},
		{"tp_btf/sched_switch", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP},
		{"fentry/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
		{"fexit/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
		{"lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC},
		{"iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER},
		{"kprobe/do_sys_open", BPF_PROG_TYPE_KPROBE, 0},
		{"kprobe", BPF_PROG_TYPE_KPROBE, 0},
		{"kretprobe", BPF_PROG_TYPE_KPROBE, 0},
		{"uprobe//usr/bin/bash:readline", BPF_PROG_TYPE_KPROBE, 0},
		{"uprobe", BPF_PROG_TYPE_KPROBE, 0},
		{"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS},
		{"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS},
		{"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE},
		{"cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE},
		{"cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT},
		{"cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT},
		{"cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL},
		{"cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE},
		{"sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS},
		{"tc", BPF_PROG_TYPE_SCHED_CLS, 0},
		{"classifier", BPF_PROG_TYPE_SCHED_CLS, 0},
		{"tcx/ingress", BPF_PROG_TYPE_SCHED_CLS, 46},
		{"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0},
		{"sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT},
		{"sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT},
		{"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP},
		{"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR},
		{"syscall", BPF_PROG_TYPE_SYSCALL, 0},
		{"freplace/target", BPF_PROG_TYPE_EXT, 0},
	};
	static const char *const unknown[] = {
		"", "kprobe/", "kprobes", "tracepoint/", "xdpfoo", "cgroup/sockx", "sockets", "tcfoo",
		".text", "license",
	};

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct evbpf_sec_def *d = evbpf__sec_def_find(cases[i].name);

		if (!d)
			fail_msg("section '%s' not recognised", cases[i].name);
		if (d->prog_type != cases[i].prog_type)
			fail_msg("section '%s': prog type %u, expected %u", cases[i].name,
				 d->prog_type, cases[i].prog_type);
		if ((d->set_expected ? d->attach_type : 0) != cases[i].expected)
			fail_msg("section '%s': expected attach type %u, want %u", cases[i].name,
				 d->attach_type, cases[i].expected);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (evbpf__sec_def_find(unknown[i]))
			fail_msg("section '%s' should not be recognised", unknown[i]);
}

struct log_capture {
	int calls;
	enum evbpf_log_level last_level;
	char last[512];
};

static void capture(enum evbpf_log_level level, const char *msg, void *ctx)
{
	struct log_capture *c = ctx;

	c->calls++;
	c->last_level = level;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void test_errors_and_log(void **st)
{
	struct log_capture cap = {0};
	struct evbpf_object *obj = NULL;
	static const uint8_t junk[64] = {0x7f, 'E', 'L', 'F'};

	(void)st;
	evbpf_set_log(capture, &cap, EVBPF_LOG_DEBUG);
	assert_int_equal(evbpf_object_open_mem(junk, sizeof(junk), NULL, &obj), -ENOTSUP);
	assert_null(obj);
	assert_true(cap.calls >= 1);
	assert_int_equal(cap.last_level, EVBPF_LOG_WARN);
	assert_string_equal(cap.last, evbpf_errmsg());
	assert_non_null(strstr(evbpf_errmsg(), "64-bit"));
	/* Below the threshold nothing reaches the callback. */
	cap.calls = 0;
	evbpf_set_log(capture, &cap, EVBPF_LOG_ERROR);
	assert_int_equal(evbpf_object_open_mem(junk, 3, NULL, &obj), -EINVAL);
	assert_int_equal(cap.calls, 0);
	assert_non_null(strstr(evbpf_errmsg(), "too short"));
	evbpf_set_log(NULL, NULL, EVBPF_LOG_WARN);

	assert_int_equal(evbpf_object_open_file("/nonexistent/x.o", NULL, &obj), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "/nonexistent/x.o"));
	assert_int_equal(evbpf_object_open_file(NULL, NULL, &obj), -EINVAL);
	assert_string_equal(evbpf_strerror(-ENOENT), "No such file or directory");
	assert_string_equal(evbpf_strerror(0), "Success");
	assert_int_equal(evbpf_version(), EVBPF_VERSION_HEX);
	assert_string_equal(evbpf_version_string(), EVBPF_VERSION_STRING);
	/* NULL-safe destructors and accessors. */
	evbpf_object_close(NULL);
	assert_null(evbpf_object_find_program(NULL, "x"));
	assert_int_equal(evbpf_program_fd(NULL), -EINVAL);
	assert_int_equal(evbpf_map_fd(NULL), -EINVAL);
}

static void test_inspect_accessors(void **st)
{
	struct evbpf_object *obj;
	const struct evbpf_program *p = NULL;
	const struct evbpf_map *m = NULL;
	int progs = 0, maps = 0;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("loader.bpf.o"), NULL, &obj));
	assert_string_equal(evbpf_object_name(obj), "loader");
	assert_string_equal(evbpf_object_license(obj), "GPL");
	while ((p = evbpf_object_next_program(obj, p)))
		progs++;
	while ((m = evbpf_object_next_map(obj, m)))
		maps++;
	assert_int_equal(progs, 3); /* the syscall program has a fixture of its own */
	assert_int_equal(maps, 8); /* 3 BTF maps + 5 global data sections */
	p = evbpf_object_find_program(obj, "compute");
	assert_string_equal(evbpf_program_section(p), "xdp");
	assert_int_equal(evbpf_program_type(p), BPF_PROG_TYPE_XDP);
	m = evbpf_object_find_map(obj, "counts");
	assert_int_equal(evbpf_map_type(m), BPF_MAP_TYPE_HASH);
	assert_int_equal(evbpf_map_key_size(m), 4);
	assert_int_equal(evbpf_map_value_size(m), 8);
	assert_int_equal(evbpf_map_max_entries(m), 64);
	m = evbpf_object_find_map(obj, ".rodata.custom");
	assert_non_null(m);
	assert_int_equal(evbpf_map_value_size(m), 4);
	/* Kernel names carry a prefix of the object name. */
	assert_non_null(evbpf_object_find_map(obj, "loader.rodata"));
	assert_ok(evbpf_map_set_max_entries(evbpf_object_find_map(obj, "counts"), 128));
	assert_int_equal(evbpf_map_max_entries(evbpf_object_find_map(obj, "counts")), 128);
	assert_int_equal(evbpf_map_set_max_entries(evbpf_object_find_map(obj, ".bss"), 2), -EINVAL);
	evbpf_object_close(obj);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_calls_and_maps),
		cmocka_unit_test(test_link_is_repeatable),
		cmocka_unit_test(test_link_needs_created_maps),
		cmocka_unit_test(test_callback_address),
		cmocka_unit_test(test_map_slots),
		cmocka_unit_test(test_sec_defs),
		cmocka_unit_test(test_errors_and_log),
		cmocka_unit_test(test_inspect_accessors),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
