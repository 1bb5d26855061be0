/* SPDX-License-Identifier: MIT */
/*
 * What evbpf sends to the kernel against what libbpf 1.1 sends, fixture
 * by fixture: every object of tests/bpf that libbpf loads on this kernel
 * is loaded by both libraries (whole, or program by program where the
 * kernel refuses some programs to both), and what the kernel then holds
 * is compared:
 *
 *  - each program's translated instructions (BPF_OBJ_GET_INFO_BY_FD,
 *    xlated_prog_insns), with map references turned from map ids into
 *    map names, and the names of the maps bound to it (which shows the
 *    .rodata binding);
 *  - every map's kernel name, type, key and value sizes, entries, flags;
 *  - the object's BTF as loaded, byte for byte.
 *
 * Differences that are known and documented (README, "Compatibility with
 * libbpf") are named in `documented` below; any other difference fails.
 * Only this test binary links libbpf (-lbpf); the library never does.
 */
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"

#define MAX_PROGS 64
#define MAX_MAPS  64

struct kmap {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t id, type, key, value, max, flags;
};

struct kprog {
	char name[64];
	int fd;
};

struct loaded {
	struct kprog progs[MAX_PROGS];
	int nr_progs;
	struct kmap maps[MAX_MAPS];
	int nr_maps;
	int btf_fd;
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void map_info(int fd, struct kmap *m)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	memcpy(m->name, info.name, sizeof(m->name));
	m->id = info.id;
	m->type = info.type;
	m->key = info.key_size;
	m->value = info.value_size;
	m->max = info.max_entries;
	m->flags = info.map_flags;
}

static const char *map_name_by_id(const struct loaded *l, uint32_t id)
{
	for (int i = 0; i < l->nr_maps; i++)
		if (l->maps[i].id == id)
			return l->maps[i].name;
	return "?";
}

/* ------------------------------------------------------------ loading */

static bool in_set(const char *const *set, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(set[i], name))
			return true;
	return false;
}

/* libbpf, with only the programs of set (all when set is NULL). */
static struct bpf_object *libbpf_load(const char *path, const char *const *set, int n)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (!obj || libbpf_get_error(obj))
		return NULL;
	if (set)
		bpf_object__for_each_program(p, obj)
		    bpf_program__set_autoload(p, in_set(set, n, bpf_program__name(p)));
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static void libbpf_collect(struct bpf_object *obj, struct loaded *l)
{
	struct bpf_program *p;
	struct bpf_map *m;

	memset(l, 0, sizeof(*l));
	bpf_object__for_each_program(p, obj)
	{
		if (bpf_program__fd(p) < 0)
			continue;
		assert_true(l->nr_progs < MAX_PROGS);
		snprintf(l->progs[l->nr_progs].name, sizeof(l->progs[0].name), "%s",
		         bpf_program__name(p));
		l->progs[l->nr_progs++].fd = bpf_program__fd(p);
	}
	bpf_object__for_each_map(m, obj)
	{
		if (bpf_map__fd(m) < 0)
			continue;
		assert_true(l->nr_maps < MAX_MAPS);
		map_info(bpf_map__fd(m), &l->maps[l->nr_maps++]);
	}
	l->btf_fd = bpf_object__btf_fd(obj);
}

static struct evbpf_object *evbpf_load(const char *path, const struct loaded *want)
{
	struct evbpf_object *obj;
	struct evbpf_program *p = NULL;
	int err;

	assert_ok(evbpf_object_open_file(path, NULL, &obj));
	while ((p = evbpf_object_next_program(obj, p))) {
		bool on = false;

		for (int i = 0; i < want->nr_progs; i++)
			on |= !strcmp(want->progs[i].name, evbpf_program_name(p));
		assert_ok(evbpf_program_set_autoload(p, on));
	}
	err = evbpf_object_load(obj);
	if (err)
		fail_msg("%s: libbpf loads it, evbpf does not: %s", path, evbpf_errmsg());
	return obj;
}

static void evbpf_collect(struct evbpf_object *obj, struct loaded *l)
{
	struct evbpf_program *p = NULL;
	struct evbpf_map *m = NULL;

	memset(l, 0, sizeof(*l));
	while ((p = evbpf_object_next_program(obj, p))) {
		if (evbpf_program_fd(p) < 0)
			continue;
		snprintf(l->progs[l->nr_progs].name, sizeof(l->progs[0].name), "%s",
		         evbpf_program_name(p));
		l->progs[l->nr_progs++].fd = evbpf_program_fd(p);
	}
	while ((m = evbpf_object_next_map(obj, m))) {
		if (evbpf_map_fd(m) < 0)
			continue;
		map_info(evbpf_map_fd(m), &l->maps[l->nr_maps++]);
	}
	l->btf_fd = evbpf_object_btf_fd(obj);
}

/* ------------------------------------------------------------ comparing */

struct diffs {
	int progs_same, progs_diff, maps_diff, btf_diff, btf_same;
	char why[4096];
};

static void note(struct diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct diffs *d, const char *fmt, ...)
{
	size_t len = strlen(d->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why + len, sizeof(d->why) - len, fmt, ap);
	va_end(ap);
}

/* xlated instructions, map ids as names; the names of its maps, sorted. */
static char *prog_text(int fd, const struct loaded *l)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), ids[64] = {0};
	struct bpf_insn *insns;
	char *out, names[64][BPF_OBJ_NAME_LEN];
	size_t cap, off = 0;
	uint32_t n;

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	n = info.xlated_prog_len / sizeof(*insns);
	insns = calloc(n + 1, sizeof(*insns));
	assert_non_null(insns);
	assert_true(info.nr_map_ids <= 64);
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = n * sizeof(*insns);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)insns;
	info.nr_map_ids = 64;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	cap = (size_t)n * 64 + 64 * 32;
	out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		const struct bpf_insn *x = &insns[i];

		if (x->code == (BPF_LD | BPF_IMM | BPF_DW) && x->src_reg &&
		    x->src_reg != BPF_PSEUDO_BTF_ID && x->src_reg != BPF_PSEUDO_FUNC && i + 1 < n) {
			off += (size_t)snprintf(
			    out + off, cap - off, "%u: ld_imm64 r%u %s(%u)+%d\n", i, x->dst_reg,
			    map_name_by_id(l, (uint32_t)x->imm), x->src_reg, insns[i + 1].imm);
			i++;
			continue;
		}
		off += (size_t)snprintf(out + off, cap - off, "%u: %02x %u %u %d %d\n", i, x->code,
		                        x->dst_reg, x->src_reg, x->off, x->imm);
	}
	for (uint32_t i = 0; i < info.nr_map_ids && i < 64; i++)
		snprintf(names[i], sizeof(names[i]), "%s", map_name_by_id(l, ids[i]));
	qsort(names, info.nr_map_ids < 64 ? info.nr_map_ids : 64, sizeof(names[0]),
	      (int (*)(const void *, const void *))strcmp);
	off += (size_t)snprintf(out + off, cap - off, "maps:");
	for (uint32_t i = 0; i < info.nr_map_ids && i < 64; i++)
		off += (size_t)snprintf(out + off, cap - off, " %s", names[i]);
	free(insns);
	return out;
}

/* The first line where two texts differ, for the report. */
static void first_diff(const char *a, const char *b, char *buf, size_t size)
{
	const char *la = a, *lb = b;

	while (*a && *a == *b) {
		if (*a == '\n') {
			la = a + 1;
			lb = b + 1;
		}
		a++;
		b++;
	}
	snprintf(buf, size, "libbpf '%.*s' evbpf '%.*s'", (int)strcspn(la, "\n"), la,
	         (int)strcspn(lb, "\n"), lb);
}

static void compare_progs(const struct loaded *lb, const struct loaded *ev, struct diffs *d)
{
	for (int i = 0; i < lb->nr_progs; i++) {
		const struct kprog *p = &lb->progs[i];
		char *a, *b, where[512];
		int j;

		for (j = 0; j < ev->nr_progs && strcmp(ev->progs[j].name, p->name); j++)
			;
		if (j == ev->nr_progs) {
			note(d, "  prog %s: loaded by libbpf only\n", p->name);
			d->progs_diff++;
			continue;
		}
		a = prog_text(p->fd, lb);
		b = prog_text(ev->progs[j].fd, ev);
		if (strcmp(a, b)) {
			first_diff(a, b, where, sizeof(where));
			note(d, "  prog %s: xlated differs: %s\n", p->name, where);
			d->progs_diff++;
		} else {
			d->progs_same++;
		}
		free(a);
		free(b);
	}
}

/*
 * Documented differences (README, "Compatibility with libbpf"):
 *  - libbpf 1.1 predates SEC(".struct_ops.link") (libbpf 1.2) and makes no
 *    map for it; evbpf does. An evbpf struct_ops map libbpf lacks is
 *    therefore expected when the libbpf here is older than 1.2.
 */
static bool documented_extra_map(const struct kmap *m)
{
	return m->type == BPF_MAP_TYPE_STRUCT_OPS &&
	       (libbpf_major_version() < 1 ||
	        (libbpf_major_version() == 1 && libbpf_minor_version() < 2));
}

static void compare_maps(const struct loaded *lb, const struct loaded *ev, struct diffs *d)
{
	int extra = 0;

	for (int i = 0; i < lb->nr_maps; i++) {
		const struct kmap *a = &lb->maps[i];
		const struct kmap *b = NULL;

		for (int j = 0; j < ev->nr_maps && !b; j++)
			if (!strcmp(ev->maps[j].name, a->name))
				b = &ev->maps[j];
		if (!b) {
			note(d, "  map %s: no evbpf map by that name\n", a->name);
			d->maps_diff++;
		} else if (a->type != b->type || a->key != b->key || a->value != b->value ||
		           a->max != b->max || a->flags != b->flags) {
			note(d, "  map %s: libbpf %u/%u/%u/%u/%#x evbpf %u/%u/%u/%u/%#x\n", a->name,
			     a->type, a->key, a->value, a->max, a->flags, b->type, b->key, b->value,
			     b->max, b->flags);
			d->maps_diff++;
		}
	}
	for (int j = 0; j < ev->nr_maps; j++) {
		bool found = false;

		for (int i = 0; i < lb->nr_maps && !found; i++)
			found = !strcmp(lb->maps[i].name, ev->maps[j].name);
		if (found)
			continue;
		if (documented_extra_map(&ev->maps[j])) {
			extra++;
			continue;
		}
		note(d, "  map %s: made by evbpf only\n", ev->maps[j].name);
		d->maps_diff++;
	}
	if (extra && !strstr(d->why, "documented"))
		note(d,
		     "  (documented: %d .struct_ops.link map(s), which libbpf %u.%u does not "
		     "know)\n",
		     extra, libbpf_major_version(), libbpf_minor_version());
}

static uint8_t *btf_bytes(int fd, uint32_t *size)
{
	struct bpf_btf_info info;
	uint32_t len = sizeof(info);
	uint8_t *buf;

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	buf = calloc(1, info.btf_size ? info.btf_size : 1);
	assert_non_null(buf);
	*size = info.btf_size;
	memset(&info, 0, sizeof(info));
	info.btf = (uint64_t)(uintptr_t)buf;
	info.btf_size = *size;
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return buf;
}

static void compare_btf(const struct loaded *lb, const struct loaded *ev, struct diffs *d)
{
	uint8_t *a, *b;
	uint32_t na, nb, i;

	if (lb->btf_fd < 0 || ev->btf_fd < 0) {
		if ((lb->btf_fd < 0) != (ev->btf_fd < 0)) {
			note(d, "  BTF: loaded by %s only\n", lb->btf_fd >= 0 ? "libbpf" : "evbpf");
			d->btf_diff++;
		}
		return;
	}
	a = btf_bytes(lb->btf_fd, &na);
	b = btf_bytes(ev->btf_fd, &nb);
	for (i = 0; i < na && i < nb && a[i] == b[i]; i++)
		;
	if ((na != nb || i < na) && getenv("EVBPF_COMPAT_DUMP")) {
		/* For a look at the two: EVBPF_COMPAT_DUMP=DIR writes them. */
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/libbpf.btf", getenv("EVBPF_COMPAT_DUMP"));
		if ((f = fopen(path, "w"))) {
			fwrite(a, 1, na, f);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/evbpf.btf", getenv("EVBPF_COMPAT_DUMP"));
		if ((f = fopen(path, "w"))) {
			fwrite(b, 1, nb, f);
			fclose(f);
		}
	}
	if (na != nb || i < na) {
		note(d, "  BTF: %u bytes (libbpf) and %u (evbpf), first difference at %u\n", na, nb,
		     i);
		d->btf_diff++;
	} else {
		d->btf_same++;
	}
	free(a);
	free(b);
}

static void compare(const char *path, const char *const *set, int n, struct diffs *d)
{
	struct bpf_object *lobj = libbpf_load(path, set, n);
	struct evbpf_object *eobj;
	struct loaded lb, ev;

	assert_non_null(lobj);
	libbpf_collect(lobj, &lb);
	eobj = evbpf_load(path, &lb);
	evbpf_collect(eobj, &ev);
	compare_progs(&lb, &ev, d);
	compare_maps(&lb, &ev, d);
	compare_btf(&lb, &ev, d);
	evbpf_object_close(eobj);
	bpf_object__close(lobj);
}

/* The fixture whole when libbpf loads it so, else program by program. */
static int compare_fixture(const char *path, struct diffs *d)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	const char *names[MAX_PROGS];
	struct bpf_program *p;
	int n = 0, loaded = 0;

	if (!obj || libbpf_get_error(obj))
		return 0; /* libbpf cannot even open it */
	bpf_object__for_each_program(p, obj) if (n < MAX_PROGS) names[n++] = bpf_program__name(p);
	if (bpf_object__load(obj) == 0) {
		compare(path, NULL, 0, d);
		bpf_object__close(obj);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct bpf_object *one = libbpf_load(path, &names[i], 1);

		if (!one)
			continue;
		bpf_object__close(one);
		compare(path, &names[i], 1, d);
		loaded++;
	}
	bpf_object__close(obj);
	return loaded > 0;
}

/* ------------------------------------------------------------ the test */

static void test_same_bytes_as_libbpf(void **st)
{
	DIR *dir;
	struct dirent *e;
	int fixtures = 0, compared = 0, fds = fd_count(), failures = 0;
	int progs_same = 0, progs_total = 0;

	REQUIRE_KERNEL();
	libbpf_set_print(quiet);
	dir = opendir(EVBPF_TEST_BPF_DIR);
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		struct diffs d;
		char path[4096];
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 6, ".bpf.o"))
			continue;
		fixtures++;
		memset(&d, 0, sizeof(d));
		snprintf(path, sizeof(path), "%s/%s", EVBPF_TEST_BPF_DIR, e->d_name);
		if (!compare_fixture(path, &d)) {
			print_message("%-28s libbpf loads nothing here\n", e->d_name);
			continue;
		}
		compared++;
		progs_same += d.progs_same;
		progs_total += d.progs_same + d.progs_diff;
		print_message("%-28s progs %d/%d identical, maps %s, BTF %s\n%s", e->d_name,
		              d.progs_same, d.progs_same + d.progs_diff,
		              d.maps_diff ? "DIFFER" : "identical",
		              d.btf_diff   ? "DIFFERS"
		              : d.btf_same ? "identical"
		                           : "none",
		              d.why);
		if (d.progs_diff || d.maps_diff || d.btf_diff)
			failures++;
	}
	closedir(dir);
	print_message("%d fixtures, %d loaded by libbpf and compared, %d/%d programs "
	              "identical\n",
	              fixtures, compared, progs_same, progs_total);
	assert_true(compared > 10);
	assert_int_equal(fd_count(), fds);
	assert_int_equal(failures, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_bytes_as_libbpf),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
