/* SPDX-License-Identifier: MIT */
/*
 * Introspection against the real kernel: program info (ids, names, tags,
 * map ids, sizes) and run-time statistics counted exactly over
 * BPF_PROG_TEST_RUN; link info for the kinds of link the kernel keeps;
 * id enumeration; and a program pinned, its object closed, opened again
 * from the pin (and from its id), inspected and attached. Pins go to a
 * private bpffs in a private mount namespace.
 */
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common.h"

static char root[64];

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_program *prog; /* from a pin or an id */
	struct evbpf_link *link;
	struct evbpf_map *map;
	int stats_fd;
	char pin[128];
};

static int group_setup(void **st)
{
	(void)st;
	if (kernel_unavailable())
		return 0;
	/* tracefs for the tracepoint test, and our own bpffs, both private. */
	mount_kernel_fs_private();
	if (private_bpffs_mount(root, sizeof(root), "introspect"))
		return -1;
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	private_bpffs_unmount(root);
	return 0;
}

static int setup(void **st)
{
	struct state *s = calloc(1, sizeof(*s));

	s->fds_before = fd_count();
	s->stats_fd = -1;
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;

	evbpf_link_destroy(s->link);
	evbpf_program_free(s->prog);
	evbpf_map_free(s->map);
	evbpf_object_close(s->obj);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	if (s->pin[0])
		unlink(s->pin);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

static void open_fixture(struct state *s)
{
	uint32_t tgid = (uint32_t)getpid();

	assert_ok(evbpf_object_open_file(FIXTURE("introspect.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_set_global(s->obj, "target_tgid", &tgid, sizeof(tgid)));
	assert_ok(evbpf_object_load(s->obj));
}

static uint64_t count_at(struct evbpf_map *map, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(map, &idx, &v));
	return v;
}

static int run_xdp(struct evbpf_program *prog, uint32_t repeat)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = pkt,
	    .data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
	    .repeat = repeat,
	};

	return evbpf_program_test_run(prog, &opts);
}

static bool stats_sysctl_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

/* Load, run N times, read N back; counting stops with the stats fd. */
static void test_prog_info_run_counts(void **st)
{
	struct state *s = *st;
	struct evbpf_prog_info info = {.sz = sizeof(info)}, again = {.sz = sizeof(again)};
	struct evbpf_program *prog;
	struct evbpf_map *counts;
	struct evbpf_map *by_id;
	uint8_t zero_tag[8] = {0};

	REQUIRE_FEATURE(EVBPF_FEATURE_ENABLE_STATS);
	open_fixture(s);
	prog = evbpf_object_find_program(s->obj, "xdp_count");
	counts = evbpf_object_find_map(s->obj, "counts");
	assert_non_null(prog);
	assert_non_null(counts);

	assert_ok(evbpf_program_info(prog, &info));
	assert_true(info.id > 0);
	assert_int_equal(info.type, BPF_PROG_TYPE_XDP);
	assert_string_equal(info.name, "xdp_count");
	assert_memory_not_equal(info.tag, zero_tag, sizeof(zero_tag));
	assert_true(info.xlated_prog_len >= 8 * 4);
	assert_true(info.load_time_ns > 0);
	assert_true(info.btf_id > 0);
	/* counts, and .rodata, which every program is bound to as with
	 * libbpf (BPF_PROG_BIND_MAP) although this one never reads it. */
	assert_int_equal(info.nr_map_ids, 2);
	assert_int_equal(info.created_by_uid, getuid());
	/* The map ids are the object's maps. */
	for (uint32_t i = 0, found = 0; i < 2; i++) {
		char kname[16];

		assert_ok(evbpf_map_from_id(info.map_ids[i], &by_id));
		snprintf(kname, sizeof(kname), "%s", evbpf_map_name(by_id));
		evbpf_map_free(by_id);
		if (strcmp(kname, "counts"))
			assert_non_null(strstr(kname, ".rodata"));
		else
			found++;
		if (i == 1)
			assert_int_equal(found, 1);
	}
	assert_ok(evbpf_prog_info_by_fd(evbpf_program_fd(prog), &again));
	assert_int_equal(again.id, info.id);
	assert_memory_equal(again.tag, info.tag, sizeof(info.tag));

	assert_ok(evbpf_enable_stats(BPF_STATS_RUN_TIME, &s->stats_fd));
	assert_true(s->stats_fd >= 0);
	assert_ok(evbpf_program_info(prog, &info));
	assert_ok(run_xdp(prog, 1000));
	assert_ok(evbpf_program_info(prog, &again));
	assert_int_equal(again.run_cnt - info.run_cnt, 1000);
	assert_true(again.run_time_ns > info.run_time_ns);
	assert_int_equal(count_at(counts, 0), 1000);

	close(s->stats_fd);
	s->stats_fd = -1;
	if (!stats_sysctl_on()) {
		assert_ok(run_xdp(prog, 10));
		assert_ok(evbpf_program_info(prog, &info));
		assert_int_equal(info.run_cnt, again.run_cnt);
		assert_int_equal(count_at(counts, 0), 1010);
	}
}

/* A caller built against a shorter struct gets only what it has room for. */
static void test_prog_info_sz(void **st)
{
	struct state *s = *st;
	struct evbpf_prog_info info;
	struct evbpf_program *prog;

	REQUIRE_KERNEL();
	open_fixture(s);
	prog = evbpf_object_find_program(s->obj, "xdp_count");
	memset(&info, 0xab, sizeof(info));
	info.sz = offsetof(struct evbpf_prog_info, name);
	assert_ok(evbpf_program_info(prog, &info));
	assert_true(info.id > 0);
	assert_int_equal((unsigned char)info.name[0], 0xab);
	info.sz = 0;
	assert_int_equal(evbpf_program_info(prog, &info), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "sz"));
	assert_int_equal(evbpf_prog_info_by_fd(-1, &info), -EINVAL);
	info.sz = sizeof(info);
	assert_int_equal(evbpf_prog_info_by_fd(0, &info), -EINVAL);
	assert_int_equal(evbpf_program_info(NULL, &info), -EINVAL);
	/* A map fd is not a program. */
	{
		int err = evbpf_prog_info_by_fd(
		    evbpf_map_fd(evbpf_object_find_map(s->obj, "counts")), &info);

		assert_true(err < 0);
	}
}

static bool id_listed(int (*next)(uint32_t, uint32_t *), uint32_t want)
{
	uint32_t id = 0;
	int n = 0;

	while (!next(id, &id)) {
		if (id == want)
			return true;
		assert_true(++n < 1000000);
	}
	assert_non_null(strstr(evbpf_errmsg(), "no "));
	return false;
}

static void test_next_ids(void **st)
{
	struct state *s = *st;
	struct evbpf_prog_info info = {.sz = sizeof(info)};
	struct evbpf_link_info linfo = {.sz = sizeof(linfo)};
	struct evbpf_program *raw;
	uint32_t next;

	REQUIRE_KERNEL();
	open_fixture(s);
	raw = evbpf_object_find_program(s->obj, "raw_enter");
	assert_ok(evbpf_program_info(raw, &info));
	assert_true(id_listed(evbpf_prog_next_id, info.id));
	assert_true(id_listed(evbpf_map_next_id, info.map_ids[0]));
	assert_ok(evbpf_program_attach_raw_tracepoint(raw, "sys_enter", &s->link));
	assert_ok(evbpf_link_info(s->link, &linfo));
	assert_true(id_listed(evbpf_link_next_id, linfo.id));
	/* The kernel takes start ids below INT_MAX. */
	assert_int_equal(evbpf_prog_next_id(INT32_MAX - 1, &next), -ENOENT);
	assert_int_equal(evbpf_prog_next_id(0, NULL), -EINVAL);
}

/* Raw tracepoint links report their tracepoint by name. */
static void test_link_info_raw_tp(void **st)
{
	struct state *s = *st;
	struct evbpf_link_info info = {.sz = sizeof(info)};
	struct evbpf_prog_info pinfo = {.sz = sizeof(pinfo)};
	struct evbpf_program *raw;

	REQUIRE_KERNEL();
	open_fixture(s);
	raw = evbpf_object_find_program(s->obj, "raw_enter");
	assert_ok(evbpf_program_attach_raw_tracepoint(raw, "sys_enter", &s->link));
	assert_ok(evbpf_link_info(s->link, &info));
	assert_ok(evbpf_program_info(raw, &pinfo));
	assert_true(info.id > 0);
	assert_int_equal(info.prog_id, pinfo.id);
	assert_string_equal(evbpf_link_type_name(info.type), "raw_tracepoint");
	assert_string_equal(info.tp_name, "sys_enter");
	assert_string_equal(evbpf_link_type_name(9999), "unknown");
	/* The raw fd gives the same answer. */
	{
		struct evbpf_link_info by_fd = {.sz = sizeof(by_fd)};

		assert_ok(evbpf_link_info_by_fd(evbpf_link_fd(s->link), &by_fd));
		assert_int_equal(by_fd.id, info.id);
	}
	assert_int_equal(evbpf_link_info(NULL, &info), -EINVAL);
	assert_int_equal(evbpf_link_info_by_fd(evbpf_program_fd(raw), &info), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a BPF link (it is a BPF program)"));
}

/*
 * The story: a program pinned, its object closed, the program
 * opened again from the pin, inspected, attached by a typed function, and
 * its run counts read back.
 */
static void test_from_pin_attach(void **st)
{
	struct state *s = *st;
	struct evbpf_prog_info before = {.sz = sizeof(before)}, after = {.sz = sizeof(after)};
	struct evbpf_program *tp;
	struct evbpf_link *bad = NULL;

	REQUIRE_FEATURE(EVBPF_FEATURE_ENABLE_STATS);
	if (!root[0])
		SKIP_TEST("no private bpffs");
	open_fixture(s);
	tp = evbpf_object_find_program(s->obj, "raw_enter");
	snprintf(s->pin, sizeof(s->pin), "%s/raw_enter", root);
	assert_ok(evbpf_program_pin(tp, s->pin));
	evbpf_object_close(s->obj);
	s->obj = NULL;

	assert_ok(evbpf_program_from_pin(s->pin, &s->prog));
	assert_string_equal(evbpf_program_name(s->prog), "raw_enter");
	assert_int_equal(evbpf_program_type(s->prog), BPF_PROG_TYPE_RAW_TRACEPOINT);
	assert_true(evbpf_program_fd(s->prog) >= 0);
	assert_ok(evbpf_program_info(s->prog, &before));
	assert_int_equal(before.nr_map_ids, 2); /* counts and .rodata */
	/* Its map, found through the program. */
	for (uint32_t i = 0; i < before.nr_map_ids && !s->map; i++) {
		struct evbpf_map *m;

		assert_ok(evbpf_map_from_id(before.map_ids[i], &m));
		if (!strcmp(evbpf_map_name(m), "counts"))
			s->map = m;
		else
			evbpf_map_free(m);
	}
	assert_non_null(s->map);

	/* No section to attach by: refused, saying what to use. */
	assert_int_equal(evbpf_program_attach(s->prog, &bad), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "typed attach function"));
	assert_null(bad);

	assert_ok(evbpf_enable_stats(BPF_STATS_RUN_TIME, &s->stats_fd));
	assert_ok(evbpf_program_info(s->prog, &before));
	assert_ok(evbpf_program_attach_raw_tracepoint(s->prog, "sys_enter", &s->link));
	for (int i = 0; i < 5; i++)
		syscall(SYS_getpid);
	assert_ok(evbpf_link_destroy(s->link));
	s->link = NULL;
	/* This process's system calls while attached: the five getpids at
	 * least (and the destroy's bpf() call). */
	{
		uint64_t ours = count_at(s->map, 2);

		assert_true(ours >= 5 && ours < 100);
		assert_ok(evbpf_program_info(s->prog, &after));
		/* Every process's system calls run it. */
		assert_true(after.run_cnt - before.run_cnt >= ours);
		assert_true(after.run_time_ns > before.run_time_ns);
		syscall(SYS_getpid);
		assert_int_equal(count_at(s->map, 2), ours);
	}
}

static void test_from_id(void **st)
{
	struct state *s = *st;
	struct evbpf_prog_info info = {.sz = sizeof(info)}, info2 = {.sz = sizeof(info2)};
	struct evbpf_program *raw;

	REQUIRE_KERNEL();
	open_fixture(s);
	raw = evbpf_object_find_program(s->obj, "raw_enter");
	assert_ok(evbpf_program_info(raw, &info));
	assert_ok(evbpf_program_from_id(info.id, &s->prog));
	assert_ok(evbpf_program_info(s->prog, &info2));
	assert_int_equal(info2.id, info.id);
	assert_string_equal(evbpf_program_name(s->prog), "raw_enter");
	assert_string_equal(evbpf_program_section(s->prog), "");
	/* Loading is a no-op, the type cannot change, the expected attach
	 * type may be said. */
	assert_ok(evbpf_program_load(s->prog));
	assert_int_equal(evbpf_program_set_type(s->prog, BPF_PROG_TYPE_XDP, 0), -EBUSY);
	assert_ok(evbpf_program_set_type(s->prog, BPF_PROG_TYPE_RAW_TRACEPOINT, 0));
	/* It attaches; the object's program can go meanwhile. */
	evbpf_object_close(s->obj);
	s->obj = NULL;
	assert_ok(evbpf_program_attach_raw_tracepoint(s->prog, "sys_enter", &s->link));
	/* A program owned by an object is not freed by program_free. */
	assert_int_equal(evbpf_program_from_id(UINT32_MAX, &raw), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no program has that id"));
}

static void test_from_pin_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_program *prog = NULL;
	char path[128];

	REQUIRE_KERNEL();
	if (!root[0])
		SKIP_TEST("no private bpffs");
	snprintf(path, sizeof(path), "%s/nothing", root);
	assert_int_equal(evbpf_program_from_pin(path, &prog), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), path));
	open_fixture(s);
	snprintf(s->pin, sizeof(s->pin), "%s/a_map", root);
	assert_ok(evbpf_map_pin(evbpf_object_find_map(s->obj, "counts"), s->pin));
	assert_int_equal(evbpf_program_from_pin(s->pin, &prog), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a BPF program (it is a BPF map)"));
	assert_null(prog);
	assert_int_equal(evbpf_program_from_pin(NULL, &prog), -EINVAL);
	assert_int_equal(evbpf_program_from_fd(-1, &prog), -EINVAL);
	evbpf_program_free(NULL);
	/* A program of an object is left to the object. */
	evbpf_program_free(evbpf_object_find_program(s->obj, "xdp_count"));
	assert_true(evbpf_program_fd(evbpf_object_find_program(s->obj, "xdp_count")) >= 0);
	assert_int_equal(evbpf_enable_stats(BPF_STATS_RUN_TIME, NULL), -EINVAL);
	assert_int_equal(evbpf_enable_stats(1000, &s->stats_fd), -EINVAL);
	assert_int_equal(s->stats_fd, -1);
}

/* Attachments that are no BPF link have no link info, and say why. */
static void test_link_info_not_a_link(void **st)
{
	struct state *s = *st;
	struct evbpf_link_info info = {.sz = sizeof(info)};
	struct evbpf_program *tp;
	struct evbpf_link *link;

	REQUIRE_FEATURE(EVBPF_FEATURE_TRACEFS);
	open_fixture(s);
	tp = evbpf_object_find_program(s->obj, "tp_getpid");
	assert_ok(evbpf_program_attach_tracepoint(tp, "syscalls", "sys_enter_getpid", &s->link));
	syscall(SYS_getpid);
	/* At least ours: under valgrind the tool calls getpid() in our
	 * process too. */
	assert_true(count_at(evbpf_object_find_map(s->obj, "counts"), 1) >= 1);
	link = s->link;
	if (!strcmp(evbpf_link_kind(link), "perf_link")) {
		struct evbpf_prog_info pinfo = {.sz = sizeof(pinfo)};

		assert_ok(evbpf_link_info(link, &info));
		assert_string_equal(evbpf_link_type_name(info.type), "perf_event");
		assert_ok(evbpf_program_info(tp, &pinfo));
		assert_int_equal(info.prog_id, pinfo.id);
	} else {
		assert_string_equal(evbpf_link_kind(link), "perf_event");
		assert_int_equal(evbpf_link_info(link, &info), -ENOTSUP);
		assert_non_null(strstr(evbpf_errmsg(), "not a BPF link"));
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_prog_info_run_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prog_info_sz, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_next_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_info_raw_tp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_from_pin_attach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_from_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_from_pin_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_info_not_a_link, setup, teardown),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
