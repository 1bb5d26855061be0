/* SPDX-License-Identifier: MIT */
/*
 * Feature probes against the running kernel. What the kernel should answer
 * comes from its own BTF: enum bpf_prog_type and enum bpf_map_type list
 * every type it was built with. The types below need nothing beyond
 * CONFIG_BPF_SYSCALL and networking, which every kernel we run on has, so
 * for them "in the enum" and "the probe finds it" must agree, whichever
 * release this is (5.10 lacks the syscall program type, task storage,
 * bloom filters and user ring buffers).
 */
#include <stdbool.h>

#include "common.h"
#include "internal.h"

/* Whether enum `name` of the kernel's BTF has an enumerator of value val. */
static bool kernel_enum_has(const char *name, uint32_t val)
{
	const struct evbpf_btf *vmlinux;
	const struct btf_type *t;
	const struct btf_enum *e;
	int id;

	if (evbpf__vmlinux_btf(&vmlinux))
		fail_msg("no kernel BTF to check the probes against: %s", evbpf_errmsg());
	id = evbpf__btf_find(vmlinux, name, BTF_KIND_ENUM);
	assert_true(id > 0);
	t = evbpf__btf_type(vmlinux, (uint32_t)id);
	e = (const struct btf_enum *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if ((uint32_t)e[i].val == val)
			return true;
	return false;
}

static void test_prog_types(void **st)
{
	static const uint32_t types[] = {
		BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP,          BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_TRACEPOINT,    BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_CGROUP_SKB,
		BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_PROG_TYPE_SK_LOOKUP,
		BPF_PROG_TYPE_PERF_EVENT,    BPF_PROG_TYPE_SYSCALL,        BPF_PROG_TYPE_SK_MSG,
	};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int want = kernel_enum_has("bpf_prog_type", types[i]);

		if (evbpf_probe_prog_type(types[i]) != want)
			fail_msg("program type %s: the probe says %d, the kernel's BTF %d: %s",
				 evbpf_prog_type_name(types[i]), evbpf_probe_prog_type(types[i]),
				 want, evbpf_errmsg());
	}
	/* Types past the kernel's last one do not exist. */
	assert_int_equal(evbpf_probe_prog_type(60), 0);
	assert_int_equal(evbpf_probe_prog_type(1000), 0);
	assert_int_equal(evbpf_probe_prog_type(0), -EINVAL);
	/* Cached answers agree with the first ones. */
	assert_int_equal(evbpf_probe_prog_type(BPF_PROG_TYPE_XDP), 1);
	assert_int_equal(fd_count(), before);
}

static void test_map_types(void **st)
{
	static const uint32_t types[] = {
		BPF_MAP_TYPE_HASH,        BPF_MAP_TYPE_ARRAY,          BPF_MAP_TYPE_PROG_ARRAY,
		BPF_MAP_TYPE_PERF_EVENT_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
		BPF_MAP_TYPE_STACK_TRACE, BPF_MAP_TYPE_LRU_HASH,       BPF_MAP_TYPE_LPM_TRIE,
		BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_DEVMAP,
		BPF_MAP_TYPE_SOCKMAP,     BPF_MAP_TYPE_CPUMAP,         BPF_MAP_TYPE_SOCKHASH,
		BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_QUEUE,       BPF_MAP_TYPE_STACK,
		BPF_MAP_TYPE_SK_STORAGE,  BPF_MAP_TYPE_TASK_STORAGE,   BPF_MAP_TYPE_RINGBUF,
		BPF_MAP_TYPE_BLOOM_FILTER, BPF_MAP_TYPE_USER_RINGBUF,  BPF_MAP_TYPE_STRUCT_OPS,
	};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int want = kernel_enum_has("bpf_map_type", types[i]);

		if (evbpf_probe_map_type(types[i]) != want)
			fail_msg("map type %s: the probe says %d, the kernel's BTF %d: %s",
				 evbpf_map_type_name(types[i]), evbpf_probe_map_type(types[i]),
				 want, evbpf_errmsg());
	}
	assert_int_equal(evbpf_probe_map_type(60), 0);
	assert_int_equal(evbpf_probe_map_type(0), -EINVAL);
	assert_int_equal(fd_count(), before);
}

static void test_helpers(void **st)
{
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_map_lookup_elem), 1);
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_output), 1);
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_pid_tgid),
			 1);
	/* A helper only XDP may call, and one that does not exist. */
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_adjust_head), 1);
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_xdp_adjust_head),
			 0);
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_XDP, 250), 0);
	assert_int_equal(evbpf_probe_helper(BPF_PROG_TYPE_XDP, 0), -EINVAL);
	assert_int_equal(fd_count(), before);
}

static size_t read_cmd(const char *cmd, char *out, size_t size)
{
	size_t n, len = 0;
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	while (len < size - 1 && (n = fread(out + len, 1, size - 1 - len, f)) > 0)
		len += n;
	out[len] = '\0';
	assert_int_equal(pclose(f), 0);
	return len;
}

/* `evbpf probe --json` says what the library's probes say, feature by
 * feature, in this same mount namespace. */
static void test_tool(void **st)
{
	static char out[1 << 17];
	char key[64];

	(void)st;
	REQUIRE_KERNEL();
	read_cmd(EVBPF_TEST_TOOL " probe --json", out, sizeof(out));
	assert_non_null(strstr(out, "\"prog_types\":{"));
	assert_non_null(strstr(out, "\"xdp\":true"));
	assert_non_null(strstr(out, "\"ringbuf\":true"));
	assert_non_null(strstr(out, "\"map_types\":{"));
	assert_non_null(strstr(out, "\"kernel\":{\"release\":"));
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		int r = evbpf_probe_feature((enum evbpf_feature)f);
		bool eperm = r == -EPERM || (r == 0 && strstr(evbpf_errmsg(), "not permitted"));
		const char *want = r == 1 ? "true" : eperm ? "null" : "false";
		const char *feat = strstr(out, "\"features\":{");

		assert_non_null(feat);
		snprintf(key, sizeof(key), "\"%s\":%s", evbpf_feature_name((enum evbpf_feature)f),
			 want);
		if (!strstr(feat, key))
			fail_msg("%s not in the tool's features: %.2000s", key, feat);
	}
}

/* The text report: grouped, and EPERM explained once rather than on
 * every line (the lines say "no (EPERM)"). */
static void test_tool_text(void **st)
{
	static char out[1 << 17];
	const char *p;
	int not_permitted = 0, eperm_lines = 0;

	(void)st;
	REQUIRE_KERNEL();
	read_cmd(EVBPF_TEST_TOOL " probe", out, sizeof(out));
	assert_true(strncmp(out, "kernel: Linux ", 14) == 0);
	assert_non_null(strstr(out, "\nattach facilities:\n"));
	assert_non_null(strstr(out, "\nBTF:\n"));
	assert_non_null(strstr(out, "\nprogram types"));
	assert_non_null(strstr(out, "\nmap types:\n"));
	assert_non_null(strstr(out, "\nkernel config"));
	assert_null(strstr(out, "Operation not permitted"));
	for (p = out; (p = strstr(p, "\nnot permitted: ")); p++)
		not_permitted++;
	for (p = out; (p = strstr(p, " no (EPERM)\n")); p++)
		eperm_lines++;
	assert_true(not_permitted <= 1);
	assert_int_equal(not_permitted == 1, eperm_lines > 0);
	/* Where fentry is refused by policy, tracing programs still load
	 * (tp_btf): the tracing type is not "not permitted". */
	if (evbpf_probe_feature(EVBPF_FEATURE_TP_BTF) == 1)
		assert_non_null(strstr(out, "\n  tracing                    yes\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prog_types),
		cmocka_unit_test(test_map_types),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_tool),
		cmocka_unit_test(test_tool_text),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
