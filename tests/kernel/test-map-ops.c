/* SPDX-License-Identifier: MIT */
/*
 * Map operations on real maps: batches through the kernel's commands and
 * through the one-element fallback (the same results both ways, and for
 * an LPM trie, which has no batch operation), BPF_F_LOCK lookups and
 * updates, freezing, queue and stack push/pop/peek, and the messages of
 * failed operations (fresh, naming the map and the operation).
 */
#include <stdbool.h>

#include "common.h"

#define BPF_F_LOCK_FLAG 4

static struct evbpf_map *load_map(void **st, const char *name)
{
	struct obj_state *s = *st;
	struct evbpf_map *map;

	REQUIRE_KERNEL();
	if (!s->obj) {
		assert_ok(evbpf_object_open_file(FIXTURE("map_ops.bpf.o"), NULL, &s->obj));
		assert_ok(evbpf_object_load(s->obj));
	}
	map = evbpf_object_find_map(s->obj, name);
	assert_non_null(map);
	return map;
}

static uint64_t value_of(uint32_t key)
{
	return (uint64_t)key * 1000 + 7;
}

static void fill_hash(struct evbpf_map *map, uint32_t n, const struct evbpf_map_batch_opts *opts)
{
	uint32_t keys[128], count = n;
	uint64_t values[128];

	for (uint32_t i = 0; i < n; i++) {
		keys[i] = i + 1;
		values[i] = value_of(i + 1);
	}
	assert_ok(evbpf_map_update_batch(map, keys, values, &count, opts));
	assert_int_equal(count, n);
}

/* Walk the whole map with lookup_batch, `cap` elements per call; checks
 * every value and returns how many keys were seen (each once). */
static uint32_t walk(struct evbpf_map *map, uint32_t cap, const struct evbpf_map_batch_opts *opts,
                     bool seen[129])
{
	uint32_t keys[128], cursor = 0, total = 0, calls = 0;
	uint64_t values[128];
	bool first = true;
	int ret;

	memset(seen, 0, 129 * sizeof(bool));
	do {
		uint32_t count = cap;

		ret = evbpf_map_lookup_batch(map, first ? NULL : &cursor, &cursor, keys, values,
		                             &count, opts);
		if (ret == -ENOSPC) {
			/* A hash bucket larger than cap: the kernel says so,
			 * and the same call with more room carries on. */
			assert_non_null(strstr(evbpf_errmsg(), "retry with a larger count"));
			assert_true(cap < 128);
			cap *= 2;
			ret = 0;
			continue;
		}
		if (ret != -ENOENT)
			assert_ok(ret);
		for (uint32_t i = 0; i < count; i++) {
			assert_true(keys[i] >= 1 && keys[i] <= 128);
			assert_false(seen[keys[i]]);
			seen[keys[i]] = true;
			assert_int_equal(values[i], value_of(keys[i]));
		}
		total += count;
		first = false;
		assert_true(++calls < 1000);
	} while (ret == 0);
	/* The end is reported with a message, not as a failure. */
	assert_non_null(strstr(evbpf_errmsg(), "no more elements"));
	return total;
}

static void test_batch_hash(void **st, bool fallback)
{
	struct evbpf_map_batch_opts opts = {.sz = sizeof(opts), .fallback = fallback};
	struct evbpf_map *map = load_map(st, "hash");
	uint32_t keys[16], count, k, next;
	bool seen[129];
	uint64_t values[128];

	if (!fallback)
		REQUIRE_FEATURE(EVBPF_FEATURE_MAP_BATCH);
	fill_hash(map, 100, &opts);
	assert_int_equal(walk(map, 16, &opts, seen), 100);
	for (uint32_t i = 1; i <= 100; i++)
		assert_true(seen[i]);
	/* Capacity 1 and capacity larger than the map give the same set. */
	assert_int_equal(walk(map, 1, &opts, seen), 100);
	assert_int_equal(walk(map, 128, &opts, seen), 100);

	/* Delete ten keys; the others stay. */
	for (uint32_t i = 0; i < 10; i++)
		keys[i] = i * 3 + 1;
	count = 10;
	assert_ok(evbpf_map_delete_batch(map, keys, &count, &opts));
	assert_int_equal(count, 10);
	assert_int_equal(walk(map, 16, &opts, seen), 90);
	assert_false(seen[1]);
	assert_false(seen[28]);
	assert_true(seen[2]);

	/* Deleting a key that is gone stops there: count says how far. */
	keys[0] = 2;
	keys[1] = 1; /* deleted above */
	keys[2] = 3;
	count = 3;
	assert_int_equal(evbpf_map_delete_batch(map, keys, &count, &opts), -ENOENT);
	assert_int_equal(count, 1);

	/* lookup_and_delete drains the rest, 32 at a time. */
	k = 0;
	for (int calls = 0;; calls++) {
		uint32_t cursor, kk[32];
		uint64_t vv[32];
		int ret;

		assert_true(calls < 100);
		count = 32;
		ret = evbpf_map_lookup_and_delete_batch(map, NULL, &cursor, kk, vv, &count, &opts);
		if (ret != -ENOENT)
			assert_ok(ret);
		for (uint32_t i = 0; i < count; i++)
			assert_int_equal(vv[i], value_of(kk[i]));
		k += count;
		if (ret == -ENOENT && count == 0)
			break;
	}
	assert_int_equal(k, 89);
	assert_int_equal(evbpf_map_next_key(map, NULL, &next), -ENOENT);
	(void)values;
}

static void test_batch_hash_kernel(void **st)
{
	test_batch_hash(st, false);
}

static void test_batch_hash_fallback(void **st)
{
	test_batch_hash(st, true);
}

/* Per-CPU values: a slot per possible CPU, 8-byte aligned. */
static void test_batch_percpu(void **st)
{
	struct evbpf_map *map = load_map(st, "percpu");
	int ncpu = evbpf_num_possible_cpus();
	size_t vsz = evbpf_map_value_buf_size(map);
	uint32_t keys[4] = {10, 11, 12, 13}, out_keys[8], count, cursor;
	uint64_t *values, *out;

	assert_true(ncpu > 0);
	assert_int_equal(vsz, (size_t)ncpu * 8);
	values = calloc(4, vsz);
	out = calloc(8, vsz);
	assert_non_null(values);
	assert_non_null(out);
	for (int fb = 0; fb < 2; fb++) {
		struct evbpf_map_batch_opts opts = {.sz = sizeof(opts), .fallback = fb};
		int ret;

		for (uint32_t i = 0; i < 4; i++)
			for (int c = 0; c < ncpu; c++)
				values[i * (size_t)ncpu + (size_t)c] =
				    keys[i] * 100 + (uint64_t)c + fb;
		count = 4;
		assert_ok(evbpf_map_update_batch(map, keys, values, &count, &opts));
		count = 8;
		ret = evbpf_map_lookup_batch(map, NULL, &cursor, out_keys, out, &count, &opts);
		assert_int_equal(ret, -ENOENT);
		assert_int_equal(count, 4);
		for (uint32_t i = 0; i < count; i++)
			for (int c = 0; c < ncpu; c++)
				assert_int_equal(out[i * (size_t)ncpu + (size_t)c],
				                 out_keys[i] * 100 + (uint64_t)c + fb);
	}
	free(values);
	free(out);
}

/* Arrays: batches through the generic kernel path; they have no delete. */
static void test_batch_array(void **st)
{
	struct evbpf_map *map = load_map(st, "array");
	uint32_t keys[32], count, cursor, seen = 0;
	uint64_t values[32];
	int ret;

	for (uint32_t i = 0; i < 32; i++) {
		keys[i] = i;
		values[i] = value_of(i);
	}
	count = 32;
	assert_ok(evbpf_map_update_batch(map, keys, values, &count, NULL));
	memset(values, 0, sizeof(values));
	count = 32;
	ret = evbpf_map_lookup_batch(map, NULL, &cursor, keys, values, &count, NULL);
	assert_true(ret == 0 || ret == -ENOENT);
	for (uint32_t i = 0; i < count; i++, seen++)
		assert_int_equal(values[i], value_of(keys[i]));
	assert_int_equal(seen, 32);
	count = 1;
	ret = evbpf_map_delete_batch(map, keys, &count, NULL);
	assert_true(ret == -EINVAL || ret == -EOPNOTSUPP || ret == -524);
	assert_int_equal(count, 0);
	assert_non_null(strstr(evbpf_errmsg(), "map 'array': delete"));
}

/* An LPM trie has no batch operations: the fallback serves the call. */
static void test_batch_trie(void **st)
{
	struct evbpf_map *map = load_map(st, "trie");
	struct {
		uint32_t prefixlen, addr;
	} keys[8], out[9], cursor;
	uint64_t values[8], got[9];
	uint32_t count = 8, sum = 0;
	int ret;

	for (uint32_t i = 0; i < 8; i++) {
		keys[i].prefixlen = 24 + (i % 4);
		keys[i].addr = 0x0a000000u + (i << 8);
		values[i] = value_of(i);
	}
	assert_ok(evbpf_map_update_batch(map, keys, values, &count, NULL));
	assert_int_equal(count, 8);
	count = 9;
	ret = evbpf_map_lookup_batch(map, NULL, &cursor, out, got, &count, NULL);
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(count, 8);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t idx = (out[i].addr - 0x0a000000u) >> 8;

		assert_true(idx < 8);
		assert_int_equal(out[i].prefixlen, keys[idx].prefixlen);
		assert_int_equal(got[i], value_of(idx));
		sum += idx;
	}
	assert_int_equal(sum, 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7);
}

static void test_batch_bad_args(void **st)
{
	struct evbpf_map *map = load_map(st, "hash");
	uint32_t keys[2] = {1, 2}, count = 2, cursor;
	uint64_t values[2] = {0};
	struct evbpf_map_batch_opts bad = {.sz = 0};

	assert_int_equal(evbpf_map_lookup_batch(NULL, NULL, &cursor, keys, values, &count, NULL),
	                 -EINVAL);
	assert_int_equal(evbpf_map_lookup_batch(map, NULL, &cursor, keys, values, NULL, NULL),
	                 -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "NULL count"));
	assert_int_equal(evbpf_map_lookup_batch(map, NULL, NULL, keys, values, &count, NULL),
	                 -EINVAL);
	assert_int_equal(evbpf_map_update_batch(map, keys, values, &count, &bad), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "opts->sz"));
	assert_int_equal(evbpf_map_delete_batch(map, NULL, &count, NULL), -EINVAL);
	count = 0;
	assert_ok(evbpf_map_update_batch(map, keys, values, &count, NULL));
	/* An element that fails stops the batch there, both ways: index
	 * 100 is past the array's end. */
	for (int fb = 0; fb < 2; fb++) {
		struct evbpf_map_batch_opts o = {.sz = sizeof(o), .fallback = fb};
		struct evbpf_map *array = load_map(st, "array");
		uint32_t akeys[4] = {0, 1, 100, 2};
		uint64_t avalues[4] = {1, 2, 3, 4};

		count = 4;
		assert_int_equal(evbpf_map_update_batch(array, akeys, avalues, &count, &o), -E2BIG);
		assert_int_equal(count, 2);
		assert_non_null(strstr(evbpf_errmsg(), "map 'array': update_batch"));
	}
}

struct locked_val {
	uint32_t lock, pad;
	uint64_t a, b;
};

static void test_lock_flag(void **st)
{
	struct evbpf_map *map = load_map(st, "locked");
	struct evbpf_map *plain = load_map(st, "hash");
	struct locked_val v = {.a = 5, .b = 6}, out;
	uint32_t key = 0;
	uint64_t pv = 1;

	assert_ok(evbpf_map_update(map, &key, &v, BPF_ANY | BPF_F_LOCK_FLAG));
	memset(&out, 0xff, sizeof(out));
	assert_ok(evbpf_map_lookup_flags(map, &key, &out, BPF_F_LOCK_FLAG));
	assert_int_equal(out.a, 5);
	assert_int_equal(out.b, 6);
	assert_int_equal(out.lock, 0); /* the lock word is not copied out */
	v.a = 9;
	assert_ok(evbpf_map_update(map, &key, &v, BPF_EXIST | BPF_F_LOCK_FLAG));
	assert_ok(evbpf_map_lookup_flags(map, &key, &out, BPF_F_LOCK_FLAG));
	assert_int_equal(out.a, 9);
	/* The flag on a map whose value has no lock is refused, with a
	 * message naming the map. */
	assert_ok(evbpf_map_update(plain, &key, &pv, BPF_ANY));
	assert_int_equal(evbpf_map_lookup_flags(plain, &key, &pv, BPF_F_LOCK_FLAG), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "map 'hash': lookup"));
	assert_int_equal(evbpf_map_lookup_flags(map, NULL, &out, 0), -EINVAL);
}

static void test_freeze(void **st)
{
	struct evbpf_map *map = load_map(st, "array");
	uint32_t key = 3;
	uint64_t v = 42, out = 0;

	assert_ok(evbpf_map_update(map, &key, &v, BPF_ANY));
	assert_ok(evbpf_map_freeze(map));
	v = 43;
	assert_int_equal(evbpf_map_update(map, &key, &v, BPF_ANY), -EPERM);
	assert_non_null(strstr(evbpf_errmsg(), "map 'array': update"));
	assert_non_null(strstr(evbpf_errmsg(), "frozen"));
	assert_ok(evbpf_map_lookup(map, &key, &out));
	assert_int_equal(out, 42);
	{
		int again = evbpf_map_freeze(map);

		assert_true(again == -EBUSY || again == -EPERM);
		assert_non_null(strstr(evbpf_errmsg(), "map 'array': freeze"));
		assert_non_null(strstr(evbpf_errmsg(), "frozen already"));
	}
	assert_int_equal(evbpf_map_freeze(NULL), -EINVAL);
}

static void test_queue_stack(void **st)
{
	struct evbpf_map *queue = load_map(st, "queue");
	struct evbpf_map *stack = load_map(st, "stack");
	struct evbpf_map *hash = load_map(st, "hash");
	uint64_t v;

	for (uint64_t i = 1; i <= 4; i++) {
		assert_ok(evbpf_map_push(queue, &i, 0));
		assert_ok(evbpf_map_push(stack, &i, 0));
	}
	v = 5;
	assert_int_equal(evbpf_map_push(queue, &v, 0), -E2BIG);
	assert_non_null(strstr(evbpf_errmsg(), "the map is full"));
	/* BPF_EXIST makes room by dropping the oldest. */
	assert_ok(evbpf_map_push(queue, &v, BPF_EXIST));
	assert_ok(evbpf_map_peek(queue, &v));
	assert_int_equal(v, 2);
	assert_ok(evbpf_map_peek(stack, &v));
	assert_int_equal(v, 4);
	for (uint64_t want = 2; want <= 5; want++) {
		assert_ok(evbpf_map_pop(queue, &v));
		assert_int_equal(v, want);
	}
	for (uint64_t want = 4; want >= 1; want--) {
		assert_ok(evbpf_map_pop(stack, &v));
		assert_int_equal(v, want);
	}
	assert_int_equal(evbpf_map_pop(queue, &v), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "map 'queue': pop: the map is empty"));
	assert_int_equal(evbpf_map_peek(stack, &v), -ENOENT);
	assert_int_equal(evbpf_map_push(hash, &v, 0), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "queue and stack"));
	assert_int_equal(evbpf_map_pop(queue, NULL), -EINVAL);
}

/* Every failing element operation replaces whatever message was there. */
static void test_fresh_errmsg(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_map *map = load_map(st, "hash");
	uint32_t key = 999;
	uint64_t v = 0;

	assert_null(evbpf_object_find_map(s->obj, "nothere"));
	assert_non_null(strstr(evbpf_errmsg(), "nothere"));
	assert_int_equal(evbpf_map_lookup(map, &key, &v), -ENOENT);
	assert_string_equal(evbpf_errmsg(), "map 'hash': lookup: no such element");
	assert_null(evbpf_object_find_map(s->obj, "nothere"));
	assert_int_equal(evbpf_map_delete(map, &key), -ENOENT);
	assert_string_equal(evbpf_errmsg(), "map 'hash': delete: no such element");
	assert_ok(evbpf_map_update(map, &key, &v, BPF_ANY));
	assert_int_equal(evbpf_map_update(map, &key, &v, BPF_NOEXIST), -EEXIST);
	assert_non_null(strstr(evbpf_errmsg(), "map 'hash': update: "));
	assert_int_equal(evbpf_map_update(map, &key, &v, 0x100), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "map 'hash': update: "));
	assert_int_equal(evbpf_map_next_key(map, &key, &key), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "next_key: no more keys"));
	/* A full map says so. */
	for (uint32_t k = 1000; k < 1200; k++) {
		int ret = evbpf_map_update(map, &k, &v, BPF_ANY);

		if (ret) {
			assert_int_equal(ret, -E2BIG);
			assert_non_null(strstr(evbpf_errmsg(), "max_entries 128"));
			return;
		}
	}
	fail_msg("a hash map of 128 entries took 200 keys");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_hash_kernel, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_batch_hash_fallback, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_batch_percpu, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_batch_array, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_batch_trie, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_batch_bad_args, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_lock_flag, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_freeze, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_stack, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_fresh_errmsg, obj_state_setup, obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
