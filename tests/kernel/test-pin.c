/* SPDX-License-Identifier: MIT */
/*
 * Pinning against the real kernel, on a private bpffs mounted in a
 * temporary directory inside a private mount namespace: LIBBPF_PIN_BY_NAME
 * maps pinned at load and reused by a second object, an incompatible pin
 * refused with a message, a failed load leaving no pin, program and map
 * pin/unpin by path, maps opened from a pin or an id, and a pinned link
 * that keeps its program attached after the link is destroyed.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common.h"

static char root[64];
static int base_entries; /* a fresh bpffs may hold maps.debug, progs.debug */

struct state {
	int fds_before;
	struct evbpf_object *obj, *obj2;
	struct evbpf_link *link;
	struct evbpf_map *map;
};

static int entries_in_root(void)
{
	DIR *d = opendir(root);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - base_entries;
}

static int group_setup(void **st)
{
	(void)st;
	if (kernel_unavailable())
		return 0;
	if (private_bpffs_mount(root, sizeof(root), "pin"))
		return -1;
	base_entries = entries_in_root();
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
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;
	char path[128];

	evbpf_link_destroy(s->link);
	evbpf_map_free(s->map);
	evbpf_object_close(s->obj);
	evbpf_object_close(s->obj2);
	/* Whatever a test pinned, it removes; a failure leaves nothing for
	 * the next test either. */
	snprintf(path, sizeof(path), "%s/pinned_counts", root);
	unlink(path);
	assert_int_equal(entries_in_root(), 0);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

static struct evbpf_object *open_pin(struct evbpf_object **objp, bool with_rejected)
{
	struct evbpf_open_opts opts = {.sz = sizeof(opts), .pin_root = root};
	uint32_t tgid = (uint32_t)getpid();

	assert_ok(evbpf_object_open_file(FIXTURE("attach_pin.bpf.o"), &opts, objp));
	assert_ok(evbpf_object_set_global(*objp, "target_tgid", &tgid, sizeof(tgid)));
	if (!with_rejected)
		assert_ok(
		    evbpf_program_set_autoload(evbpf_object_find_program(*objp, "rejected"), 0));
	return *objp;
}

static uint64_t get(struct evbpf_object *obj, const char *map)
{
	uint32_t k = 0;
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, map), &k, &v));
	return v;
}

static void test_pin_by_name(void **st)
{
	struct state *s = *st;
	char path[128];
	uint32_t k = 0;
	uint64_t v = 1234, out = 0;
	struct stat sb;

	REQUIRE_KERNEL();
	snprintf(path, sizeof(path), "%s/pinned_counts", root);
	assert_ok(evbpf_object_load(open_pin(&s->obj, false)));
	assert_int_equal(stat(path, &sb), 0);
	assert_string_equal(evbpf_map_pin_path(evbpf_object_find_map(s->obj, "pinned_counts")),
	                    path);
	/* Only the map declared with pinning is pinned. */
	assert_int_equal(entries_in_root(), 1);
	assert_ok(evbpf_map_update(evbpf_object_find_map(s->obj, "pinned_counts"), &k, &v, 0));
	assert_ok(evbpf_map_update(evbpf_object_find_map(s->obj, "private_counts"), &k, &v, 0));

	/* A second object reuses the pinned map, not the private one. */
	assert_ok(evbpf_object_load(open_pin(&s->obj2, false)));
	assert_int_equal(get(s->obj2, "pinned_counts"), 1234);
	assert_int_equal(get(s->obj2, "private_counts"), 0);

	/* The pin outlives both objects, and opens as a standalone map. */
	evbpf_object_close(s->obj);
	evbpf_object_close(s->obj2);
	s->obj = s->obj2 = NULL;
	assert_ok(evbpf_map_from_pinned(path, &s->map));
	assert_ok(evbpf_map_lookup(s->map, &k, &out));
	assert_int_equal(out, 1234);
	assert_string_equal(evbpf_map_pin_path(s->map), path);
	assert_ok(evbpf_map_unpin(s->map, NULL));
	assert_int_not_equal(stat(path, &sb), 0);
}

static void test_incompatible_pin(void **st)
{
	struct state *s = *st;
	char path[128];
	struct stat sb;

	REQUIRE_KERNEL();
	snprintf(path, sizeof(path), "%s/pinned_counts", root);
	assert_ok(evbpf_object_load(open_pin(&s->obj, false)));
	open_pin(&s->obj2, false);
	assert_ok(evbpf_map_set_max_entries(evbpf_object_find_map(s->obj2, "pinned_counts"), 8));
	assert_int_equal(evbpf_object_load(s->obj2), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "pinned_counts"));
	assert_non_null(strstr(evbpf_errmsg(), "incompatible"));
	assert_non_null(strstr(evbpf_errmsg(), "max_entries 4"));
	/* The existing pin is untouched. */
	assert_int_equal(stat(path, &sb), 0);
	assert_ok(evbpf_map_unpin(evbpf_object_find_map(s->obj, "pinned_counts"), NULL));
}

static void test_failed_load_unpins(void **st)
{
	struct state *s = *st;

	REQUIRE_KERNEL();
	open_pin(&s->obj, true);
	assert_true(evbpf_object_load(s->obj) < 0);
	assert_non_null(strstr(evbpf_errmsg(), "rejected"));
	/* The map pinned during the failed load was unpinned again. */
	assert_int_equal(entries_in_root(), 0);
}

static void test_program_and_map_pins(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	struct evbpf_map *priv;
	struct bpf_map_info info;
	union bpf_attr attr;
	char path[128], mpath[128];
	uint32_t k = 0;
	uint64_t v = 77, out = 0;
	int fd;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_load(open_pin(&s->obj, false)));
	p = evbpf_object_find_program(s->obj, "count_enter");
	snprintf(path, sizeof(path), "%s/prog", root);
	assert_ok(evbpf_program_pin(p, path));
	fd = evbpf_obj_get(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(evbpf_program_pin(p, path), -EEXIST);
	assert_non_null(strstr(evbpf_errmsg(), "already pinned"));
	assert_ok(evbpf_program_unpin(p, path));
	assert_int_equal(evbpf_obj_get(path), -ENOENT);

	/* A map by path, and by id. */
	priv = evbpf_object_find_map(s->obj, "private_counts");
	assert_ok(evbpf_map_update(priv, &k, &v, 0));
	snprintf(mpath, sizeof(mpath), "%s/private", root);
	assert_ok(evbpf_map_pin(priv, mpath));
	assert_ok(evbpf_map_unpin(priv, mpath));
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)evbpf_map_fd(priv);
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	assert_int_equal(syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)), 0);
	assert_ok(evbpf_map_from_id(info.id, &s->map));
	assert_ok(evbpf_map_lookup(s->map, &k, &out));
	assert_int_equal(out, 77);
	/* Pinning outside bpffs says where to look. */
	assert_true(evbpf_map_pin(priv, "/tmp/evbpf-not-bpffs-pin") < 0);
	assert_non_null(strstr(evbpf_errmsg(), "bpf filesystem"));
	assert_ok(evbpf_map_unpin(evbpf_object_find_map(s->obj, "pinned_counts"), NULL));
}

/* The kernel id of the BPF link behind fd. */
static uint32_t link_id(int fd)
{
	struct bpf_link_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	assert_int_equal(syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)), 0);
	assert_true(info.id > 0);
	return info.id;
}

/*
 * Wait until the kernel has freed link id. A pin's reference goes with
 * its bpffs inode, which the kernel frees after an RCU grace period, so an
 * unpinned link outlives the last close by that long: quick on hardware,
 * long enough under emulation to see the program run once more.
 */
static void wait_link_gone(uint32_t id)
{
	for (int i = 0; i < 10000; i++) {
		union bpf_attr attr;
		long fd;

		memset(&attr, 0, sizeof(attr));
		attr.link_id = id;
		fd = syscall(__NR_bpf, BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd < 0) {
			assert_int_equal(errno, ENOENT);
			return;
		}
		close((int)fd);
		usleep(1000);
	}
	fail_msg("link %u still exists 10 s after its last pin and fd went", id);
}

/*
 * The program stops running once its link is gone. The kernel frees a
 * link's id before it releases the hook (bpf_link_free), and when the
 * last reference went from bpffs's RCU callback that release runs later
 * on a workqueue; so "stopped" is: within 10 s, a hundred system calls
 * (and the lookups' own bpf() calls, which sys_enter also sees) leave the
 * count where it was. A link that never detaches fails here.
 */
static void assert_stops_counting(struct evbpf_object *obj)
{
	for (int i = 0; i < 10000; i++) {
		uint64_t n = get(obj, "pinned_counts");

		for (int j = 0; j < 100; j++)
			syscall(SYS_getppid);
		if (get(obj, "pinned_counts") == n)
			return;
		usleep(1000);
	}
	fail_msg("the program still runs 10 s after its link went");
}

static void test_pinned_link(void **st)
{
	struct state *s = *st;
	struct evbpf_link *again = NULL;
	char path[128], mpath[128];
	uint32_t id;
	uint64_t n;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_load(open_pin(&s->obj, false)));
	snprintf(path, sizeof(path), "%s/link", root);
	assert_ok(evbpf_program_attach(evbpf_object_find_program(s->obj, "count_enter"), &s->link));
	assert_ok(evbpf_link_pin(s->link, path));
	assert_string_equal(evbpf_link_pin_path(s->link), path);
	/* Destroying the link object leaves the pinned link attached. */
	assert_ok(evbpf_link_destroy(s->link));
	s->link = NULL;
	evbpf_object_close(s->obj);
	s->obj = NULL;
	assert_ok(evbpf_object_load(open_pin(&s->obj, false))); /* reuses pinned_counts */
	n = get(s->obj, "pinned_counts");
	syscall(SYS_getppid);
	assert_true(get(s->obj, "pinned_counts") > n);

	/* Open it again, unpin and destroy: now it detaches. */
	assert_ok(evbpf_link_open_pinned(path, &again));
	assert_string_equal(evbpf_link_kind(again), "bpf_link");
	id = link_id(evbpf_link_fd(again));
	assert_ok(evbpf_link_unpin(again));
	assert_ok(evbpf_link_destroy(again));
	wait_link_gone(id);
	assert_stops_counting(s->obj);

	/* A pinned map is not a link. */
	snprintf(mpath, sizeof(mpath), "%s/pinned_counts", root);
	assert_int_equal(evbpf_link_open_pinned(mpath, &again), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a BPF link"));
	assert_ok(evbpf_map_unpin(evbpf_object_find_map(s->obj, "pinned_counts"), NULL));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pin_by_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_incompatible_pin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_load_unpins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_program_and_map_pins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pinned_link, setup, teardown),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
