/* SPDX-License-Identifier: MIT */
/*
 * USDT without a kernel: x86-64 argument specs into libbpf's
 * struct __bpf_usdt_spec layout, .note.stapsdt reading (with the prelink
 * shift through .stapsdt.base), the glob of multi-probes, and hidden
 * global functions made static in an object's BTF (usdt.bpf.h's helpers).
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "common.h"

#include "internal.h"

static void arg_ok(const char *s, enum evbpf_usdt_arg_type type, uint64_t val, int16_t reg,
                   bool sign, int8_t shift)
{
	struct evbpf_usdt_arg a;

	if (evbpf__usdt_parse_arg(s, strlen(s), &a))
		fail_msg("'%s' refused", s);
	assert_int_equal(a.type, type);
	assert_int_equal(a.val_off, val);
	assert_int_equal(a.reg_off, reg);
	assert_int_equal(a.is_signed, sign);
	assert_int_equal(a.bitshift, shift);
}

static void test_parse_arg(void **st)
{
	struct evbpf_usdt_arg a;
	static const char *const bad[] = {
	    "8@sym(%rip)", "8@(%rax,%rbx,8)", "3@%rax", "8@%xyz", "8@$sym", "8@",
	    "@%rax",       "8@-4(%rbp",       "8@%ah",  "",       "8@12",   "x@%rax",
	};

	(void)st;
	arg_ok("-4@$-9", EVBPF_USDT_ARG_CONST, (uint64_t)-9, 0, true, 32);
	arg_ok("8@$0x10", EVBPF_USDT_ARG_CONST, 16, 0, false, 0);
	arg_ok("1@$-56", EVBPF_USDT_ARG_CONST, (uint64_t)-56, 0, false, 56);
	arg_ok("8@%rax", EVBPF_USDT_ARG_REG, 0, 80, false, 0);
	arg_ok("-4@%edx", EVBPF_USDT_ARG_REG, 0, 96, true, 32);
	arg_ok("-2@%cx", EVBPF_USDT_ARG_REG, 0, 88, true, 48);
	arg_ok("1@%dil", EVBPF_USDT_ARG_REG, 0, 112, false, 56);
	arg_ok("8@%r15", EVBPF_USDT_ARG_REG, 0, 0, false, 0);
	arg_ok("4@%r9d", EVBPF_USDT_ARG_REG, 0, 64, false, 32);
	arg_ok("-4@-1204(%rbp)", EVBPF_USDT_ARG_REG_DEREF, (uint64_t)-1204, 32, true, 32);
	arg_ok("8@(%rsp)", EVBPF_USDT_ARG_REG_DEREF, 0, 152, false, 0);
	arg_ok("-1@16(%r12)", EVBPF_USDT_ARG_REG_DEREF, 16, 24, true, 56);
	/* The oldest sdt.h wrote no size: pointer-sized and unsigned. */
	arg_ok("%rdi", EVBPF_USDT_ARG_REG, 0, 112, false, 0);
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(bad); i++)
		if (evbpf__usdt_parse_arg(bad[i], strlen(bad[i]), &a) == 0)
			fail_msg("'%s' accepted", bad[i]);
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The bytes usdt.bpf.h reads: 16 bytes per argument, cookie at 192,
 * count at 200. */
static void test_spec_layout(void **st)
{
	struct evbpf_usdt_spec spec;
	uint8_t v[EVBPF_USDT_SPEC_SIZE];

	(void)st;
	assert_ok(evbpf__usdt_parse_args(" -4@$-9  8@%rax -2@-12(%rbp) ", &spec));
	assert_int_equal(spec.arg_cnt, 3);
	evbpf__usdt_spec_encode(&spec, 0x1122334455667788ULL, v);
	assert_int_equal(le(v, 8), (uint64_t)-9);
	assert_int_equal(le(v + 8, 4), EVBPF_USDT_ARG_CONST);
	assert_int_equal(v[14], 1);
	assert_int_equal(v[15], 32);
	assert_int_equal(le(v + 16 + 8, 4), EVBPF_USDT_ARG_REG);
	assert_int_equal(le(v + 16 + 12, 2), 80);
	assert_int_equal(le(v + 32, 8), (uint64_t)-12);
	assert_int_equal(le(v + 32 + 8, 4), EVBPF_USDT_ARG_REG_DEREF);
	assert_int_equal(le(v + 32 + 12, 2), 32);
	assert_int_equal(v[32 + 15], 48);
	assert_int_equal(le(v + 48, 16), 0); /* unused slots stay zero */
	assert_int_equal(le(v + 192, 8), 0x1122334455667788ULL);
	assert_int_equal(le(v + 200, 2), 3);
	/* An empty spec is a probe without arguments. */
	assert_ok(evbpf__usdt_parse_args("", &spec));
	assert_int_equal(spec.arg_cnt, 0);
	/* More than 12 arguments, and a bad one, named in the message. */
	assert_int_equal(evbpf__usdt_parse_args("1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al "
	                                        "1@%al 1@%al 1@%al 1@%al 1@%al",
	                                        &spec),
	                 -E2BIG);
	assert_int_equal(evbpf__usdt_parse_args("8@%rax 8@foo(%rip)", &spec), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "#1 '8@foo(%rip)'"));
}

static void test_glob(void **st)
{
	(void)st;
	assert_true(evbpf__glob_match("hrtimer_nanosleep", "hrtimer_nanosleep*"));
	assert_true(evbpf__glob_match("hrtimer_nanosleep_restart", "hrtimer_*sleep*"));
	assert_true(evbpf__glob_match("abc", "a?c"));
	assert_true(evbpf__glob_match("", "*"));
	assert_true(evbpf__glob_match("aXbXc", "*b*c"));
	assert_false(evbpf__glob_match("abc", "a?"));
	assert_false(evbpf__glob_match("evbpf_umult_other", "evbpf_umulti_*"));
	assert_false(evbpf__glob_match("ab", "abc*"));
}

static int find_note(const struct evbpf_usdt_note *n, size_t nr, const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(n[i].provider, "usdt_test") && !strcmp(n[i].name, name))
			return (int)i;
	return -1;
}

/* A copy of the test executable whose notes say .stapsdt.base was 0x1000
 * lower when they were written, as after prelink: every site (and the
 * semaphore) moves up by 0x1000. */
static void test_notes_prelink(void **st)
{
	char tmp[] = "/tmp/evbpf-usdt-XXXXXX";
	struct evbpf_usdt_note *orig, *moved;
	size_t nr_orig, nr_moved;
	struct evbpf_uelf f, g; /* the notes' strings live in their mappings */
	const Elf64_Shdr *sh;
	uint8_t *buf;
	size_t size;
	int fd, a, b;

	(void)st;
	assert_ok(evbpf__uelf_open(EVBPF_TEST_USDT_TARGET, &f));
	assert_ok(evbpf__usdt_notes(&f, &orig, &nr_orig));
	assert_true(nr_orig >= 4);
	sh = evbpf__uelf_find_sec(&f, ".note.stapsdt");
	assert_non_null(sh);
	assert_non_null(evbpf__uelf_find_sec(&f, ".stapsdt.base"));
	buf = malloc(f.size);
	assert_non_null(buf);
	memcpy(buf, f.base, f.size);
	size = f.size;
	/* Each note: 12-byte header, "stapsdt\0", then pc, base, sema. */
	for (uint64_t off = sh->sh_offset; off + 12 + 8 + 24 <= sh->sh_offset + sh->sh_size;) {
		uint32_t namesz, descsz;
		uint64_t base;

		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&base, buf + off + 12 + 8 + 8, 8);
		base -= 0x1000;
		memcpy(buf + off + 12 + 8 + 8, &base, 8);
		off += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
	}
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	assert_ok(evbpf__uelf_open(tmp, &g));
	assert_ok(evbpf__usdt_notes(&g, &moved, &nr_moved));
	unlink(tmp);
	assert_int_equal(nr_moved, nr_orig);
	a = find_note(orig, nr_orig, "sema");
	b = find_note(moved, nr_moved, "sema");
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(moved[b].pc, orig[a].pc + 0x1000);
	assert_true(orig[a].sema != 0);
	assert_int_equal(moved[b].sema, orig[a].sema + 0x1000);
	a = find_note(orig, nr_orig, "regs");
	b = find_note(moved, nr_moved, "regs");
	assert_int_equal(moved[b].pc, orig[a].pc + 0x1000);
	assert_int_equal(moved[b].sema, 0);
	free(orig);
	free(moved);
	evbpf__uelf_close(&f);
	evbpf__uelf_close(&g);
}

static void test_notes_bad_input(void **st)
{
	struct evbpf_uelf f;

	(void)st;
	assert_int_equal(evbpf__uelf_open("/nonexistent/file", &f), -ENOENT);
	assert_int_equal(evbpf__uelf_open(FIXTURE("usdt.bpf.o"), &f), -ENOEXEC);
	assert_non_null(strstr(evbpf_errmsg(), "neither an executable nor a shared library"));
	assert_true(evbpf__uelf_open("/proc/self/status", &f) < 0);
}

/* usdt.bpf.h's helpers are `__weak __hidden` globals: static in the BTF
 * given to the kernel, as libbpf does, so the verifier checks them in
 * their callers' context. Global functions that are not hidden stay so. */
static void test_hidden_functions_static(void **st)
{
	struct evbpf_object *obj;
	const struct btf_type *t;
	int id;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("usdt.bpf.o"), NULL, &obj));
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {"bpf_usdt_arg", "bpf_usdt_arg_cnt",
		                                    "bpf_usdt_cookie"};
		const Elf64_Sym *sym = evbpf__elf_find_sym(&obj->elf, names[i], 0);

		assert_non_null(sym);
		assert_int_equal(ELF64_ST_VISIBILITY(sym->st_other), STV_HIDDEN);
		assert_int_not_equal(ELF64_ST_BIND(sym->st_info), STB_LOCAL);
		id = evbpf__btf_find(obj->btf, names[i], BTF_KIND_FUNC);
		assert_true(id > 0);
		t = evbpf__btf_type(obj->btf, (uint32_t)id);
		assert_int_equal(evbpf__btf_vlen(t), 0 /* BTF_FUNC_STATIC */);
	}
	/* A program (global, default visibility) keeps its linkage. */
	id = evbpf__btf_find(obj->btf, "on_usdt", BTF_KIND_FUNC);
	assert_true(id > 0);
	assert_int_equal(evbpf__btf_vlen(evbpf__btf_type(obj->btf, (uint32_t)id)), 1);
	evbpf_object_close(obj);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_arg),
	    cmocka_unit_test(test_spec_layout),
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_notes_prelink),
	    cmocka_unit_test(test_notes_bad_input),
	    cmocka_unit_test(test_hidden_functions_static),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
