/* SPDX-License-Identifier: MIT */
/*
 * Skeletons without a kernel: the section structs of skel_shapes.skel.h
 * (generated at build time from tests/bpf/skel_shapes.bpf.o) against the
 * object's BTF, the initial values seen through them, writes through them
 * seen by the by-name API and back, the open/destroy functions, and the
 * tool's errors. The user's own header (skel_shapes.h) is included first,
 * as an application would, to prove the skeleton does not clash with it.
 */
#include <sys/wait.h>

#include "common.h"
#include "internal.h"
#include "bpf/skel_shapes.h"
#include "skel_shapes.skel.h"

/* Every variable the skeleton shows, with what the compiler made of it. */
struct var_layout {
	const char *sec;
	const char *name;
	size_t offset;
	size_t size;
};

#define VAR(sec, ident, name)                                                                      \
	{                                                                                          \
		sec, #name, offsetof(struct skel_shapes__##ident, name),                           \
		    sizeof(((struct skel_shapes__##ident *)0)->name)                               \
	}

static const struct var_layout layouts[] = {
    VAR(".rodata", rodata, threshold),
    VAR(".rodata", rodata, origin),
    VAR(".rodata", rodata, label),
    VAR(".rodata", rodata, big),
    VAR(".rodata", rodata, target_tgid),
    VAR(".rodata", rodata, target_nr),
    VAR(".data", data, data_int),
    VAR(".data", data, data_anon),
    VAR(".data", data, data_flags),
    VAR(".data", data, data_tagged),
    VAR(".data", data, data_mode),
    VAR(".data", data, data_neg),
    VAR(".data", data, data_bool),
    VAR(".data", data, data_matrix),
    VAR(".data", data, data_inner_arr),
    VAR(".data", data, data_union),
    VAR(".data", data, data_packed),
    VAR(".bss", bss, bss_counter),
    VAR(".bss", bss, bss_bytes),
    VAR(".bss", bss, bss_wide),
    VAR(".bss", bss, bss_points),
    VAR(".bss", bss, bss_ptr),
    VAR(".bss", bss, out_sum),
    VAR(".bss", bss, hits),
    VAR(".data.custom", data_custom, custom_a),
    VAR(".data.custom", data_custom, custom_b),
    VAR(".rodata.custom", rodata_custom, ro_custom),
};

/* The variable's offset and size in its DATASEC, from the object's BTF. */
static int btf_var(const struct evbpf_object *obj, const char *sec, const char *name,
                   uint32_t *offset, uint32_t *size)
{
	const struct btf_var_secinfo *v;
	const struct btf_type *ds;
	int id = evbpf__btf_find(obj->btf, sec, BTF_KIND_DATASEC);

	if (id <= 0)
		return -ENOENT;
	ds = evbpf__btf_type(obj->btf, (uint32_t)id);
	v = (const struct btf_var_secinfo *)(ds + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(ds); i++) {
		if (strcmp(evbpf__btf_name(obj->btf, v[i].type), name))
			continue;
		*offset = v[i].offset;
		*size = v[i].size;
		return 0;
	}
	return -ENOENT;
}

static void offsets_match_btf(void **state)
{
	struct skel_shapes *skel = NULL;
	size_t checked = 0;

	assert_ok(skel_shapes__open(&skel));
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(layouts); i++) {
		uint32_t off = 0, size = 0;

		if (btf_var(skel->obj, layouts[i].sec, layouts[i].name, &off, &size))
			fail_msg("%s: no BTF variable %s", layouts[i].sec, layouts[i].name);
		if (off != layouts[i].offset || size != layouts[i].size)
			fail_msg("%s %s: BTF offset %u size %u, skeleton offset %zu size %zu",
			         layouts[i].sec, layouts[i].name, off, size, layouts[i].offset,
			         layouts[i].size);
		checked++;
	}
	assert_int_equal(checked, EVBPF_ARRAY_SIZE(layouts));
	/* Each struct covers its whole section (the static variable too),
	 * without running past the section's alignment. */
	assert_true(sizeof(struct skel_shapes__bss) >= evbpf_map_value_size(skel->maps.bss));
	assert_true(sizeof(struct skel_shapes__bss) < evbpf_map_value_size(skel->maps.bss) + 16);
	assert_true(sizeof(struct skel_shapes__data) >= evbpf_map_value_size(skel->maps.data));
	/* Named types held by value have the layout of the user's own
	 * definitions of them. */
	assert_int_equal(sizeof(skel->data->data_flags), sizeof(struct flags));
	assert_int_equal(sizeof(skel->data->data_packed), sizeof(struct packed_rec));
	assert_int_equal(offsetof(struct skel_shapes__data, data_packed.s) -
	                     offsetof(struct skel_shapes__data, data_packed),
	                 offsetof(struct packed_rec, s));
	assert_int_equal(sizeof(skel->data->data_tagged), sizeof(tagged_t));
	assert_int_equal(sizeof(skel->data->data_mode), sizeof(enum mode));
	skel_shapes__destroy(skel);
}

/* Before load the section pointers show the ELF's initial values, so every
 * nested field must read as the BPF C initialized it. */
static void initial_values_through_pointers(void **state)
{
	struct skel_shapes *skel = NULL;

	assert_ok(skel_shapes__open(&skel));
	assert_non_null(skel->rodata);
	assert_int_equal(skel->rodata->threshold, 1);
	assert_int_equal(skel->rodata->origin.x, 3);
	assert_int_equal(skel->rodata->origin.y, 4);
	assert_string_equal(skel->rodata->label, "shapes");
	assert_true(skel->rodata->big == 0x100000000ull);
	assert_int_equal(skel->data->data_int, 7);
	assert_int_equal(skel->data->data_anon.a, 1);
	assert_int_equal(skel->data->data_anon.nested.b, 2);
	assert_int_equal(skel->data->data_anon.nested.c, 3);
	assert_int_equal(skel->data->data_anon.i, 4);
	assert_int_equal(skel->data->data_flags.a, 5);
	assert_int_equal(skel->data->data_flags.b, 17);
	assert_int_equal(skel->data->data_flags.c, 1);
	assert_int_equal(skel->data->data_flags.d, -3);
	assert_int_equal(skel->data->data_flags.e, 200);
	assert_true(skel->data->data_flags.f == 0x123456789aull);
	assert_string_equal(skel->data->data_tagged.tag, "ab");
	assert_int_equal(skel->data->data_tagged.value, 6);
	assert_int_equal(skel->data->data_mode, MODE_B);
	assert_int_equal(skel->data->data_neg, NEG_FIVE);
	assert_true(skel->data->data_bool);
	assert_int_equal(skel->data->data_matrix[1][2], 6);
	assert_int_equal(skel->data->data_matrix[0][1], 2);
	assert_int_equal(skel->data->data_inner_arr[1].s, 9);
	assert_int_equal(skel->data->data_inner_arr[1].c, 10);
	assert_true(skel->data->data_union.l == 11);
	assert_int_equal(skel->data->data_packed.c, 1);
	assert_int_equal(skel->data->data_packed.i, 2);
	assert_int_equal(skel->data->data_packed.s, 3);
	assert_int_equal(skel->data_custom->custom_a, 30);
	assert_int_equal(skel->data_custom->custom_b, 4);
	assert_int_equal(skel->rodata_custom->ro_custom, 5);
	assert_int_equal(skel->bss->bss_counter, 0);
	assert_null(skel->bss->bss_ptr);
	/* The user's struct, copied in whole, lands field by field. */
	{
		struct flags f = {1, 2, 0, -64, 255, 0xffffffffffull};

		memcpy(&skel->data->data_flags, &f, sizeof(f));
		assert_int_equal(skel->data->data_flags.d, -64);
		assert_true(skel->data->data_flags.f == 0xffffffffffull);
	}
	skel_shapes__destroy(skel);
}

/* Writes through the pointers are what the by-name API reads, and the
 * other way round: both are the initial value. */
static void writes_before_load(void **state)
{
	struct skel_shapes *skel = NULL;
	struct point p = {0};
	int v = 0;
	char label[16];

	assert_ok(skel_shapes__open(&skel));
	skel->rodata->threshold = 10;
	skel->rodata->origin.y = -8;
	strcpy(skel->rodata->label, "written");
	skel->data->data_flags.b = 31;
	assert_ok(evbpf_object_get_global(skel->obj, "threshold", &v, sizeof(v)));
	assert_int_equal(v, 10);
	assert_ok(evbpf_object_get_global(skel->obj, "origin", &p, sizeof(p)));
	assert_int_equal(p.y, -8);
	assert_ok(evbpf_object_get_global(skel->obj, "label", label, sizeof(label)));
	assert_string_equal(label, "written");
	v = 77;
	assert_ok(evbpf_object_set_global(skel->obj, "custom_a", &v, sizeof(v)));
	assert_int_equal(skel->data_custom->custom_a, 77);
	/* A whole-struct assignment stays inside the initial value. */
	{
		struct skel_shapes__data_custom c;

		memset(&c, 0x5a, sizeof(c));
		*skel->data_custom = c;
		assert_int_equal(skel->data_custom->custom_b, 0x5a);
	}
	/* evbpf_map_initial_value() is the same memory. */
	{
		size_t size = 0;

		assert_ptr_equal(evbpf_map_initial_value(skel->maps.rodata, &size), skel->rodata);
		assert_int_equal(size, evbpf_map_value_size(skel->maps.rodata));
		assert_null(evbpf_map_initial_value(NULL, &size));
	}
	skel_shapes__destroy(skel);
}

static void maps_progs_and_bytes(void **state)
{
	struct skel_shapes *skel = NULL;
	uint8_t *file = NULL;
	size_t file_size = 0, size = 0;
	const void *bytes;
	int fds = fd_count();

	assert_ok(skel_shapes__open(&skel));
	assert_string_equal(evbpf_map_name(skel->maps.bss), ".bss");
	assert_string_equal(evbpf_map_name(skel->maps.data_custom), ".data.custom");
	assert_string_equal(evbpf_map_name(skel->maps.rodata_custom), ".rodata.custom");
	assert_string_equal(evbpf_program_name(skel->progs.compute), "compute");
	assert_string_equal(evbpf_program_section(skel->progs.count_syscall), "raw_tp/sys_enter");
	assert_null(skel->links.compute);
	assert_string_equal(evbpf_object_name(skel->obj), "skel_shapes");
	/* Section attachable or not decides what __attach takes. */
	assert_int_equal(evbpf_program_autoattach(skel->progs.count_syscall), 1);
	assert_int_equal(evbpf_program_autoattach(skel->progs.compute), 0);
	assert_ok(evbpf_program_set_autoattach(skel->progs.count_syscall, 0));
	assert_int_equal(evbpf_program_autoattach(skel->progs.count_syscall), 0);
	assert_int_equal(evbpf_program_autoattach(NULL), -EINVAL);
	/* Mapping an object that is not loaded is refused with a reason. */
	{
		void *addr = NULL;

		assert_int_equal(evbpf_map_mmap(skel->maps.bss, &addr, &size), -ENOENT);
		assert_non_null(strstr(evbpf_errmsg(), "before the map is loaded"));
		assert_int_equal(evbpf_map_mmap(NULL, &addr, &size), -EINVAL);
	}
	bytes = skel_shapes__elf_bytes(&size);
	assert_ok(evbpf__read_file(FIXTURE("skel_shapes.bpf.o"), &file, &file_size));
	assert_int_equal(size, file_size);
	assert_memory_equal(bytes, file, size);
	free(file);
	skel_shapes__destroy(skel);
	skel_shapes__destroy(NULL);
	assert_int_equal(fd_count(), fds);
}

static void open_opts_name(void **state)
{
	struct evbpf_open_opts opts = {.sz = sizeof(opts), .object_name = "other"};
	struct skel_shapes *skel = NULL;

	assert_ok(skel_shapes__open_opts(&opts, &skel));
	assert_string_equal(evbpf_object_name(skel->obj), "other");
	skel_shapes__destroy(skel);
	assert_int_equal(skel_shapes__open(NULL), -EINVAL);
	assert_int_equal(skel_shapes__open_and_load(NULL), -EINVAL);
}

/* The tool: status and one line on stderr for each kind of bad input. */
static int run_tool(const char *args, char *err, size_t err_size)
{
	char cmd[16384];
	FILE *f;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "%s gen %s 2>&1 >/dev/null", EVBPF_TEST_TOOL, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(err, 1, err_size - 1, f);
	err[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void tool_errors(void **state)
{
	char err[4096], args[8192];

	assert_int_equal(run_tool("skeleton /nonexistent.bpf.o", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "/nonexistent.bpf.o"));
	snprintf(args, sizeof(args), "skeleton %s --name 'bad-name'", FIXTURE("loader.bpf.o"));
	assert_int_equal(run_tool(args, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "not a C identifier"));
	snprintf(args, sizeof(args), "skeleton %s/unit/test-skeleton.c", EVBPF_TEST_SRC_DIR);
	assert_int_equal(run_tool(args, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "evbpf: gen skeleton:"));
	/* Usage errors: one line naming the problem, exit 2. */
	assert_int_equal(run_tool("skeleton", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "evbpf: gen: no object file given (see evbpf help gen)"));
	assert_int_equal(run_tool("nothing", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "unknown action 'nothing'"));
	/* -o leaves nothing behind on failure. */
	{
		char out[256];

		snprintf(out, sizeof(out), "/tmp/evbpf-skel-%d.h", (int)getpid());
		snprintf(args, sizeof(args), "skeleton /nonexistent.bpf.o -o %s", out);
		assert_int_equal(run_tool(args, err, sizeof(err)), 1);
		assert_int_equal(access(out, F_OK), -1);
		snprintf(args, sizeof(args), "skeleton %s --name ok_name -o %s",
		         FIXTURE("loader.bpf.o"), out);
		assert_int_equal(run_tool(args, err, sizeof(err)), 0);
		assert_int_equal(access(out, F_OK), 0);
		unlink(out);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(offsets_match_btf),  cmocka_unit_test(initial_values_through_pointers),
	    cmocka_unit_test(writes_before_load), cmocka_unit_test(maps_progs_and_bytes),
	    cmocka_unit_test(open_opts_name),     cmocka_unit_test(tool_errors),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
