/* SPDX-License-Identifier: MIT */
/*
 * `evbpf btf dump`: the header it prints must compile with clang -target
 * bpf, and every named struct and union in it must have the size and the
 * member offsets BTF records. The check is a generated C file of
 * _Static_assert()s over sizeof/offsetof, compiled against the dump, so
 * the compiler, not the dumper, decides the layout. Done for a fixture
 * full of awkward types and for the running kernel's BTF.
 */
#include <sys/wait.h>

#include "common.h"
#include "internal.h"
#include "unit/btf_builder.h"

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first struct/union/enum with this name keeps it in the dump; later
 * ones are renamed, so only the first is asserted on. */
static bool keeps_name(const struct evbpf_btf *btf, uint32_t id, const char *name)
{
	static const int kinds[] = {BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_ENUM,
	                            BTF_KIND_ENUM64};

	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kinds); i++) {
		int other = evbpf__btf_find(btf, name, kinds[i]);

		if (other > 0 && (uint32_t)other < id)
			return false;
	}
	return (uint32_t)evbpf__btf_find(btf, name, evbpf__btf_kind(evbpf__btf_type(btf, id))) ==
	       id;
}

static size_t write_asserts(const struct evbpf_btf *btf, const char *header, FILE *f)
{
	uint32_t cnt = evbpf__btf_type_cnt(btf);
	size_t n = 0;

	fprintf(f, "#include \"%s\"\n", header);
	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);
		uint16_t kind = evbpf__btf_kind(t);
		const struct btf_member *m = (const struct btf_member *)(t + 1);
		const char *name = evbpf__btf_name(btf, id), *kw;

		if ((kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION) || !*name ||
		    !keeps_name(btf, id, name))
			continue;
		kw = kind == BTF_KIND_UNION ? "union" : "struct";
		fprintf(f, "_Static_assert(sizeof(%s %s) == %u, \"%s\");\n", kw, name, t->size,
		        name);
		n++;
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			const char *mn = evbpf__btf_str(btf, m[i].name_off);

			if (!mn || !*mn || evbpf__btf_member_bitfield_size(t, i))
				continue;
			fprintf(f,
			        "_Static_assert(__builtin_offsetof(%s %s, %s) == %u, \"%s.%s\");\n",
			        kw, name, mn, evbpf__btf_member_bit_offset(t, i) / 8, name, mn);
			n++;
		}
	}
	return n;
}

/* Dump path's BTF with the tool, then compile the static asserts. */
static void dump_and_check(const char *path, size_t min_asserts)
{
	char dir[] = "/tmp/evbpf-dump-XXXXXX", header[256], asserts[256], cmd[2048];
	struct evbpf_btf *btf;
	FILE *f;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(header, sizeof(header), "%s/vmlinux.h", dir);
	snprintf(asserts, sizeof(asserts), "%s/asserts.c", dir);
	snprintf(cmd, sizeof(cmd), "%s btf dump %s -o %s", EVBPF_TEST_TOOL, path, header);
	assert_int_equal(run(cmd), 0);

	assert_ok(evbpf__btf_parse_file(path, NULL, &btf));
	f = fopen(asserts, "w");
	assert_non_null(f);
	n = write_asserts(btf, header, f);
	fclose(f);
	evbpf__btf_free(btf);
	if (n < min_asserts)
		fail_msg("only %zu asserts for %s", n, path);

	/* -Werror: the header itself must be warning-free too. */
	snprintf(cmd, sizeof(cmd), "%s -target bpf -fsyntax-only -Werror -Wall %s",
	         EVBPF_TEST_CLANG, asserts);
	if (run(cmd) != 0)
		fail_msg("dump of %s does not compile or has the wrong layout (kept in %s)", path,
		         dir);
	/* Programs include it next to libbpf's headers (and our fixtures'). */
	snprintf(cmd, sizeof(cmd),
	         "printf '#include \"%s\"\\n#include <bpf/bpf_helpers.h>\\n"
	         "#include <bpf/bpf_core_read.h>\\n' | %s -target bpf -fsyntax-only -Werror "
	         "-I/usr/include/x86_64-linux-gnu -x c -",
	         header, EVBPF_TEST_CLANG);
	if (strstr(path, "vmlinux") && run(cmd) != 0)
		fail_msg("dump of %s does not compile with bpf_helpers.h", path);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

static void test_dump_fixture(void **st)
{
	char path[4096];

	(void)st;
	snprintf(path, sizeof(path), "%s", FIXTURE("btf_dump_types.bpf.o"));
	dump_and_check(path, 40);
}

static void test_dump_vmlinux(void **st)
{
	(void)st;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		SKIP_TEST("no /sys/kernel/btf/vmlinux");
	}
	dump_and_check("/sys/kernel/btf/vmlinux", 10000);
}

/* Split BTF (a module's) dumps over its base, given with --base. */
static void test_dump_split(void **st)
{
	static struct bb base, mod;
	char dir[] = "/tmp/evbpf-split-XXXXXX", bpath[256], mpath[256], hpath[256], cmd[1024];
	uint32_t i_int, i_task;
	FILE *f;

	(void)st;
	assert_non_null(mkdtemp(dir));
	bb_init(&base, 1, 0);
	i_int = bb_int(&base, "int", 4, 32, BTF_INT_SIGNED);
	i_task = bb_composite(&base, BTF_KIND_STRUCT, "base_task", 4, 1, 0);
	bb_member(&base, "pid", i_int, 0);
	bb_init(&mod, 3, (uint32_t)base.ns);
	bb_composite(&mod, BTF_KIND_STRUCT, "mod_thing", 16, 2, 0);
	bb_member(&mod, "task", i_task, 0);
	bb_member(&mod, "next", 4, 64);
	bb_ref(&mod, BTF_KIND_PTR, "", 3);
	snprintf(bpath, sizeof(bpath), "%s/base.btf", dir);
	snprintf(mpath, sizeof(mpath), "%s/mod.btf", dir);
	snprintf(hpath, sizeof(hpath), "%s/mod.h", dir);
	f = fopen(bpath, "w");
	assert_non_null(f);
	fwrite(base.blob, 1, bb_blob(&base), f);
	fclose(f);
	f = fopen(mpath, "w");
	assert_non_null(f);
	fwrite(mod.blob, 1, bb_blob(&mod), f);
	fclose(f);
	/* Without its base it is not valid BTF... */
	snprintf(cmd, sizeof(cmd), "%s btf dump %s -o %s 2>/dev/null", EVBPF_TEST_TOOL, mpath,
	         hpath);
	assert_int_equal(run(cmd), 1);
	/* ...with it, the header has both and compiles. */
	snprintf(cmd, sizeof(cmd), "%s btf dump %s --base %s -o %s", EVBPF_TEST_TOOL, mpath, bpath,
	         hpath);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "printf '#include \"%s\"\n_Static_assert(sizeof(struct mod_thing) == 16, "
	         "\"\");\nint f(struct mod_thing *m) { return m->task.pid + m->next->task.pid; "
	         "}\n' | %s -target bpf -fsyntax-only -Werror -x c -",
	         hpath, EVBPF_TEST_CLANG);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

/* Kinds clang 14 does not emit (ENUM64, signed ENUM via kflag, type and
 * decl tags) from a hand-built blob: the header compiles and has them. */
static void test_dump_new_kinds(void **st)
{
	static struct bb b;
	char dir[] = "/tmp/evbpf-kinds-XXXXXX", bpath[256], hpath[256], cmd[1024];
	uint32_t i_int, i_e64, i_en, i_tag, i_ptr, i_s;
	FILE *f;

	(void)st;
	assert_non_null(mkdtemp(dir));
	bb_init(&b, 1, 0);
	i_int = bb_int(&b, "int", 4, 32, BTF_INT_SIGNED);
	i_e64 = bb_enum64(&b, "big_enum", 2);
	bb_enumerator64(&b, "BIG_ONE", 1ULL << 40);
	bb_enumerator64(&b, "BIG_MAX", ~0ULL);
	i_en = bb_type(&b, "neg_enum", BB_INFO(BTF_KIND_ENUM, 1, 1), 4);
	bb_enumerator(&b, "NEG_ONE", -1);
	i_tag = bb_ref(&b, BTF_KIND_TYPE_TAG, "rcu", i_int);
	i_ptr = bb_ref(&b, BTF_KIND_PTR, "", i_tag);
	i_s = bb_composite(&b, BTF_KIND_STRUCT, "tagged", 24, 3, 0);
	bb_member(&b, "e", i_e64, 0);
	bb_member(&b, "n", i_en, 64);
	bb_member(&b, "p", i_ptr, 128);
	bb_type(&b, "decl", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_s);
	bb_u32(&b, (uint32_t)-1);
	snprintf(bpath, sizeof(bpath), "%s/kinds.btf", dir);
	snprintf(hpath, sizeof(hpath), "%s/kinds.h", dir);
	f = fopen(bpath, "w");
	assert_non_null(f);
	fwrite(b.blob, 1, bb_blob(&b), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s btf dump %s -o %s", EVBPF_TEST_TOOL, bpath, hpath);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	         "printf '#include \"%s\"\n"
	         "_Static_assert(sizeof(struct tagged) == 24, \"\");\n"
	         "_Static_assert(BIG_ONE == (1ULL << 40), \"\");\n"
	         "_Static_assert(NEG_ONE == -1, \"\");\n' | %s -target bpf -fsyntax-only -x c -",
	         hpath, EVBPF_TEST_CLANG);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

static void test_dump_errors(void **st)
{
	char cmd[1024];

	(void)st;
	/* Not BTF: a message and a non-zero exit, no output file left. */
	snprintf(cmd, sizeof(cmd), "%s btf dump %s/unit/test-btf-dump.c -o /tmp/evbpf-bad.h",
	         EVBPF_TEST_TOOL, EVBPF_TEST_SRC_DIR);
	assert_int_equal(run(cmd), 1);
	assert_int_equal(access("/tmp/evbpf-bad.h", F_OK), -1);
	snprintf(cmd, sizeof(cmd), "%s btf dump /nonexistent 2>/dev/null", EVBPF_TEST_TOOL);
	assert_int_equal(run(cmd), 1);
	snprintf(cmd, sizeof(cmd), "%s btf frobnicate 2>/dev/null", EVBPF_TEST_TOOL);
	assert_int_equal(run(cmd), 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dump_fixture), cmocka_unit_test(test_dump_vmlinux),
	    cmocka_unit_test(test_dump_split),   cmocka_unit_test(test_dump_new_kinds),
	    cmocka_unit_test(test_dump_errors),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
