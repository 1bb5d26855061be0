/* SPDX-License-Identifier: MIT */
/*
 * Skeletons on the kernel: globals read and written as memory before and
 * after load (the mapped maps, .rodata read-only), seen by the programs
 * under BPF_PROG_TEST_RUN and by the syscall API; NAME__attach() attaching
 * what its section says and counting into .bss; evbpf_map_mmap() on maps
 * of every kind. Each test checks that it leaves no fd and no mapping.
 */
#include <sys/syscall.h>

#include "common.h"
#include "bpf/skel_shapes.h"
#include "skel_shapes.skel.h"

/* The XDP program's sum, computed here from the same memory. */
static unsigned long long expected_sum(const struct skel_shapes *skel)
{
	const struct skel_shapes__rodata *r = skel->rodata;
	const struct skel_shapes__data *d = skel->data;
	const struct skel_shapes__bss *b = skel->bss;
	unsigned long long sum = 0;

	sum += r->threshold + r->origin.x + r->origin.y + r->label[0] + (r->big >> 32);
	sum += d->data_int + d->data_anon.a + d->data_anon.nested.b + d->data_anon.nested.c +
	       d->data_anon.i;
	sum +=
	    d->data_flags.a + d->data_flags.b + d->data_flags.c + d->data_flags.d + d->data_flags.e;
	sum += d->data_flags.f & 0xff;
	sum += d->data_tagged.value + d->data_tagged.tag[1] + (int)d->data_mode + d->data_neg +
	       d->data_bool;
	sum += d->data_matrix[1][2] + d->data_inner_arr[1].s + d->data_inner_arr[1].c;
	sum += d->data_union.bytes[0] + d->data_packed.i + d->data_packed.s;
	sum += skel->data_custom->custom_a + skel->data_custom->custom_b +
	       skel->rodata_custom->ro_custom + b->bss_points[2].y + b->bss_bytes[4];
	return sum;
}

static void run_compute(struct skel_shapes *skel)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = pkt,
	    .data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
	};

	assert_ok(evbpf_program_test_run(skel->progs.compute, &opts));
	assert_int_equal(opts.retval, XDP_PASS);
}

/* The permissions of the mapping holding addr ("rw-s"), or "" without one. */
static const char *mapping_perms(const void *addr)
{
	static char perms[8];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) != 3)
			continue;
		if ((unsigned long)addr >= lo && (unsigned long)addr < hi) {
			snprintf(perms, sizeof(perms), "%s", p);
			break;
		}
	}
	fclose(f);
	return perms;
}

static void globals_as_memory(void **st)
{
	struct skel_shapes *skel = NULL;
	struct skel_shapes__data *before;
	void *rodata_mem, *again;
	size_t size = 0;
	uint8_t *value;
	uint32_t zero = 0;
	int fds, v = 0;

	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_XDP);
	fds = fd_count();
	assert_ok(skel_shapes__open(&skel));
	before = skel->data;
	/* Before load: the initial values. */
	skel->rodata->threshold = 10;
	skel->rodata->origin.y = -8;
	strcpy(skel->rodata->label, "x");
	skel->data->data_int = 5;
	skel->data->data_flags.b = 30;
	skel->data_custom->custom_a = 100;
	skel->bss->bss_points[2].y = 9;
	skel->bss->bss_bytes[4] = 2;

	assert_ok(skel_shapes__load(skel));
	/* After load: the maps' memory, holding what was written before. */
	assert_ptr_not_equal(skel->data, before);
	assert_ptr_equal(skel->data, evbpf_map_initial_value(skel->maps.data, NULL));
	assert_int_equal(skel->rodata->threshold, 10);
	assert_int_equal(skel->rodata->origin.y, -8);
	assert_string_equal(skel->rodata->label, "x");
	assert_int_equal(skel->data->data_int, 5);
	assert_int_equal(skel->data->data_flags.b, 30);
	assert_int_equal(skel->data->data_flags.d, -3);
	assert_int_equal(skel->bss->bss_points[2].y, 9);
	assert_int_equal(skel->bss->bss_counter, 0);
	assert_string_equal(mapping_perms(skel->rodata), "r--s");
	assert_string_equal(mapping_perms(skel->rodata_custom), "r--s");
	assert_string_equal(mapping_perms(skel->data), "rw-s");
	assert_string_equal(mapping_perms(skel->bss), "rw-s");

	/* The program reads them all and writes back: plain memory both ways. */
	{
		unsigned long long want = expected_sum(skel);

		run_compute(skel);
		assert_true(skel->bss->out_sum == want);
	}
	assert_int_equal(skel->bss->bss_counter, 1);
	assert_int_equal(skel->data->data_int, 6);
	assert_true(skel->bss->bss_wide == 1);

	/* Written after load, read by the program on its next run. */
	skel->data->data_int = 1000;
	skel->data_custom->custom_a = 1;
	skel->data->data_flags.f = 0x77;
	{
		unsigned long long want = expected_sum(skel);

		run_compute(skel);
		assert_true(skel->bss->out_sum == want);
	}
	assert_int_equal(skel->bss->bss_counter, 2);
	assert_int_equal(skel->data->data_int, 1001);

	/* The syscall API sees the same values, and its writes show here. */
	assert_ok(evbpf_object_get_global(skel->obj, "data_int", &v, sizeof(v)));
	assert_int_equal(v, 1001);
	value = calloc(1, evbpf_map_value_size(skel->maps.data));
	assert_non_null(value);
	assert_ok(evbpf_map_lookup(skel->maps.data, &zero, value));
	v = -42;
	memcpy(value + offsetof(struct skel_shapes__data, data_int), &v, sizeof(v));
	assert_ok(evbpf_map_update(skel->maps.data, &zero, value, 0));
	free(value);
	assert_int_equal(skel->data->data_int, -42);
	assert_int_equal(skel->data->data_flags.f, 0x77);

	/* One mapping per map, whatever the number of calls. */
	assert_ok(evbpf_map_mmap(skel->maps.rodata, &rodata_mem, &size));
	assert_ptr_equal(rodata_mem, skel->rodata);
	assert_int_equal(size, (evbpf_map_value_size(skel->maps.rodata) + 7) / 8 * 8);
	assert_ok(evbpf_map_mmap(skel->maps.rodata, &again, NULL));
	assert_ptr_equal(again, rodata_mem);
	/* .rodata is frozen: the kernel refuses writes by syscall too. */
	{
		uint8_t *ro = calloc(1, evbpf_map_value_size(skel->maps.rodata));

		assert_non_null(ro);
		assert_int_equal(evbpf_map_update(skel->maps.rodata, &zero, ro, 0), -EPERM);
		free(ro);
	}

	skel_shapes__destroy(skel);
	assert_string_equal(mapping_perms(rodata_mem), "");
	assert_int_equal(fd_count(), fds);
}

/* __attach takes the raw tracepoint (its section says where) and leaves the
 * XDP program alone; the count lands in .bss, read as memory. */
static void attach_counts_in_bss(void **st)
{
	struct skel_shapes *skel = NULL;
	int fds;

	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_RAW_TRACEPOINT);
	fds = fd_count();
	assert_ok(skel_shapes__open(&skel));
	skel->rodata->target_tgid = getpid();
	skel->rodata->target_nr = SYS_getppid;
	assert_ok(skel_shapes__load(skel));
	assert_ok(skel_shapes__attach(skel));
	assert_non_null(skel->links.count_syscall);
	assert_null(skel->links.compute);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	assert_true(skel->bss->hits == 5);
	skel_shapes__detach(skel);
	assert_null(skel->links.count_syscall);
	syscall(SYS_getppid);
	assert_true(skel->bss->hits == 5);
	/* Attaching again works, and a program turned off stays off. */
	assert_ok(skel_shapes__attach(skel));
	syscall(SYS_getppid);
	assert_true(skel->bss->hits == 6);
	skel_shapes__detach(skel);
	assert_ok(evbpf_program_set_autoattach(skel->progs.count_syscall, 0));
	assert_ok(skel_shapes__attach(skel));
	assert_null(skel->links.count_syscall);
	skel_shapes__destroy(skel);
	assert_int_equal(fd_count(), fds);
}

static void open_and_load(void **st)
{
	struct skel_shapes *skel = NULL;
	int fds;

	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_XDP);
	fds = fd_count();
	assert_ok(skel_shapes__open_and_load(&skel));
	assert_true(evbpf_program_fd(skel->progs.compute) >= 0);
	assert_int_equal(skel->rodata->threshold, 1);
	assert_int_equal(skel->data->data_int, 7);
	/* Loaded: the initial value cannot change any more. */
	{
		int v = 3;

		assert_int_equal(evbpf_object_set_global(skel->obj, "threshold", &v, sizeof(v)),
		                 -EBUSY);
	}
	skel_shapes__destroy(skel);
	assert_int_equal(fd_count(), fds);
}

static void mmap_map_kinds(void **st)
{
	struct evbpf_map_create_opts opts = {.sz = sizeof(opts), .map_flags = BPF_F_MMAPABLE};
	struct evbpf_map *arr = NULL, *plain = NULL, *hash = NULL;
	uint64_t *mem = NULL, v = 0;
	uint32_t key = 3;
	size_t size = 0;
	int fds;

	REQUIRE_KERNEL();
	fds = fd_count();
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_ARRAY, "mm", 4, 12, 4, &opts, &arr));
	assert_ok(evbpf_map_mmap(arr, (void **)&mem, &size));
	assert_int_equal(size, 4 * 16); /* 12-byte values, 8-byte aligned */
	assert_string_equal(mapping_perms(mem), "rw-s");
	mem[3 * 2] = 0xabcdef;
	assert_ok(evbpf_map_lookup(arr, &key, &v));
	assert_true(v == 0xabcdef);

	assert_ok(evbpf_map_create(BPF_MAP_TYPE_ARRAY, "plain", 4, 8, 4, NULL, &plain));
	assert_int_equal(evbpf_map_mmap(plain, (void **)&mem, &size), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "BPF_F_MMAPABLE"));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "hash", 4, 8, 4, NULL, &hash));
	assert_int_equal(evbpf_map_mmap(hash, (void **)&mem, &size), -ENOTSUP);
	assert_null(evbpf_map_initial_value(hash, &size));
	assert_non_null(strstr(evbpf_errmsg(), "initial value"));
	evbpf_map_free(arr);
	evbpf_map_free(plain);
	evbpf_map_free(hash);
	assert_int_equal(fd_count(), fds);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(globals_as_memory),
	    cmocka_unit_test(attach_counts_in_bss),
	    cmocka_unit_test(open_and_load),
	    cmocka_unit_test(mmap_map_kinds),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
