/* SPDX-License-Identifier: MIT */
/*
 * `evbpf top` against programs this test runs. Two instances of the XDP
 * program of introspect.bpf.o are loaded and run with BPF_PROG_TEST_RUN
 * (run counts are exact there) in batches, one 30 times the other's size,
 * for as long as a child `evbpf top --json` takes its two samples. The
 * child's figures are then checked against what the test knows: the
 * program is there with its name and type, its run count over the
 * interval is at least one batch and at most what ran after the child
 * started (a difference, not the cumulative count), its run time is not
 * zero, and the lines come in the order --sort asks for. The tool holds
 * the statistics on by itself: this test turns them on only for runs made
 * before the child starts.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "common.h"

#define BIG_BATCH   3000
#define SMALL_BATCH 100
#define EARLY_RUNS  5000

struct top_state {
	int fds_before;
	struct evbpf_object *big, *small;
	struct evbpf_program *big_prog, *small_prog;
	uint32_t big_id, small_id;
	uint64_t big_runs, small_runs; /* run after the child started */
	char out[1 << 18];
	size_t out_len;
};

static int setup(void **st)
{
	struct top_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fds_before = fd_count();
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct top_state *s = *st;

	evbpf_object_close(s->big);
	evbpf_object_close(s->small);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
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

static void load_one(struct evbpf_object **objp, struct evbpf_program **progp, uint32_t *idp)
{
	struct evbpf_prog_info info = {.sz = sizeof(info)};

	assert_ok(evbpf_object_open_file(FIXTURE("introspect.bpf.o"), NULL, objp));
	assert_ok(evbpf_object_load(*objp));
	*progp = evbpf_object_find_program(*objp, "xdp_count");
	assert_non_null(*progp);
	assert_ok(evbpf_program_info(*progp, &info));
	*idp = info.id;
}

static void load_both(struct top_state *s)
{
	int stats_fd;

	REQUIRE_FEATURE(EVBPF_FEATURE_ENABLE_STATS);
	load_one(&s->big, &s->big_prog, &s->big_id);
	load_one(&s->small, &s->small_prog, &s->small_id);
	/* Counted runs before top starts: its figures must not include them. */
	assert_ok(evbpf_enable_stats(BPF_STATS_RUN_TIME, &stats_fd));
	assert_ok(run_xdp(s->big_prog, EARLY_RUNS));
	close(stats_fd);
}

static void drain(int fd, struct top_state *s)
{
	ssize_t n;

	while (s->out_len < sizeof(s->out) - 1 &&
	       (n = read(fd, s->out + s->out_len, sizeof(s->out) - 1 - s->out_len)) > 0)
		s->out_len += (size_t)n;
	s->out[s->out_len] = '\0';
}

/*
 * Run `evbpf top ARGS...` with stdout captured, running both programs in
 * batches until it exits; returns its exit status.
 */
static int run_top_while_running(struct top_state *s, char *const args[])
{
	char *argv[16] = {EVBPF_TEST_TOOL, "top"};
	int pipefd[2], status = 0, argc = 2;
	pid_t pid;

	for (int i = 0; args[i] && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	s->out_len = 0;
	s->big_runs = s->small_runs = 0;
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	assert_int_equal(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		assert_true(done >= 0);
		if (done == pid)
			break;
		assert_ok(run_xdp(s->big_prog, BIG_BATCH));
		s->big_runs += BIG_BATCH;
		assert_ok(run_xdp(s->small_prog, SMALL_BATCH));
		s->small_runs += SMALL_BATCH;
		drain(pipefd[0], s);
		usleep(5000);
	}
	drain(pipefd[0], s);
	close(pipefd[0]);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The number after "key": in a JSON line, or -1. */
static double json_num(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* The string after "key": (no escapes expected in our values). */
static void json_str(const char *line, const char *key, char *buf, size_t size)
{
	char pat[64];
	const char *p, *end;

	buf[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= size)
		return;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
}

/* The output's line for program id, copied to buf; false if absent. */
static bool line_of(const struct top_state *s, uint32_t id, char *buf, size_t size)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "{\"id\":%u,", id);
	p = strstr(s->out, pat);
	if (!p || (p != s->out && p[-1] != '\n'))
		return false;
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

/* Line number of program id in the output (0-based), or -1. */
static int position_of(const struct top_state *s, uint32_t id)
{
	char pat[32];
	const char *p;
	int n = 0;

	snprintf(pat, sizeof(pat), "{\"id\":%u,", id);
	p = strstr(s->out, pat);
	if (!p)
		return -1;
	for (const char *c = s->out; c < p; c++)
		n += *c == '\n';
	return n;
}

static void test_json_counts(void **st)
{
	struct top_state *s = *st;
	char *args[] = {"--json", "--interval", "1", NULL};
	char line[1024], name[32], type[32];
	double runs, total, run_time;

	load_both(s);
	assert_int_equal(run_top_while_running(s, args), 0);
	if (!line_of(s, s->big_id, line, sizeof(line)))
		fail_msg("program %u not in the output:\n%s", s->big_id, s->out);
	json_str(line, "name", name, sizeof(name));
	json_str(line, "type", type, sizeof(type));
	assert_string_equal(name, "xdp_count");
	assert_string_equal(type, "xdp");
	runs = json_num(line, "runs");
	total = json_num(line, "total_runs");
	run_time = json_num(line, "run_time_ns");
	print_message("top saw %.0f of the %llu runs made while it ran\n", runs,
	              (unsigned long long)s->big_runs);
	assert_true(runs >= BIG_BATCH);
	assert_true(runs <= (double)s->big_runs);
	assert_true(total >= runs + EARLY_RUNS);
	assert_true(run_time > 0);
	assert_true(json_num(line, "cpu_percent") > 0);
	assert_true(json_num(line, "events_per_sec") > 0);
	assert_true(json_num(line, "avg_ns") > 0);
	/* avg is run time over runs. */
	assert_true(json_num(line, "avg_ns") - run_time / runs <= 1.0);
	assert_true(run_time / runs - json_num(line, "avg_ns") <= 1.0);
	assert_true(json_num(line, "interval_s") >= 0.9);
	/* The other instance is there too, with its own counts. */
	assert_true(line_of(s, s->small_id, line, sizeof(line)));
	assert_true(json_num(line, "runs") >= SMALL_BATCH);
	assert_true(json_num(line, "runs") <= (double)s->small_runs);
}

/* Each line's value of key compared with the previous: the whole output
 * is in the order asked for. */
static void assert_ordered(const struct top_state *s, const char *key, bool descending)
{
	char line[1024], str[32], prev_str[32] = "";
	double prev = descending ? 1e300 : -1e300;
	const char *p = s->out;
	int lines = 0;

	while (*p) {
		size_t len = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
		lines++;
		if (!strcmp(key, "name")) {
			json_str(line, "name", str, sizeof(str));
			if (strcmp(prev_str, str) > 0)
				fail_msg("'%s' after '%s' with --sort name", str, prev_str);
			snprintf(prev_str, sizeof(prev_str), "%s", str);
			continue;
		}
		{
			double v = json_num(line, key);

			if (descending ? v > prev : v < prev)
				fail_msg("%s %f after %f:\n%s", key, v, prev, s->out);
			prev = v;
		}
	}
	assert_true(lines >= 2);
}

static void test_sort(void **st)
{
	struct top_state *s = *st;
	static const struct {
		const char *sort, *key;
		bool descending;
	} orders[] = {
	    {"events", "runs", true}, {"cpu", "run_time_ns", true}, {"avg", "avg_ns", true},
	    {"id", "id", false},      {"name", "name", false},
	};

	load_both(s);
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		char *args[] = {"--json", "--interval",           "0.5",
		                "--sort", (char *)orders[i].sort, NULL};

		assert_int_equal(run_top_while_running(s, args), 0);
		assert_ordered(s, orders[i].key, orders[i].descending);
		/* 30 times the runs: first by events and by CPU. */
		if (!strcmp(orders[i].sort, "events") || !strcmp(orders[i].sort, "cpu"))
			assert_true(position_of(s, s->big_id) < position_of(s, s->small_id));
		if (!strcmp(orders[i].sort, "id"))
			assert_true((position_of(s, s->big_id) < position_of(s, s->small_id)) ==
			            (s->big_id < s->small_id));
	}
	/* --top 1 keeps the first line only: the busiest program, which is
	 * ours or one of the machine's that ran even more (other tests run
	 * alongside), never the small instance. */
	{
		char *args[] = {"--json", "--interval", "0.5", "--sort",
		                "events", "--top",      "1",   NULL};

		assert_int_equal(run_top_while_running(s, args), 0);
		assert_int_equal(strchr(s->out, '\n') - s->out + 1, (long)s->out_len);
		assert_true(json_num(s->out, "runs") >= BIG_BATCH);
		assert_int_equal(position_of(s, s->small_id), -1);
	}
}

/* Not a terminal: one table per interval, --count of them. */
static void test_tables(void **st)
{
	struct top_state *s = *st;
	char *args[] = {"--interval", "0.2", "--count", "3", "--sort", "id", NULL};
	char row[64];
	int headers = 0;

	load_both(s);
	assert_int_equal(run_top_while_running(s, args), 0);
	for (const char *p = s->out; (p = strstr(p, "evbpf top - ")); p++)
		headers++;
	assert_int_equal(headers, 3);
	assert_null(strstr(s->out, "\033[")); /* no terminal control */
	snprintf(row, sizeof(row), "%8u  %-22s %-16s", s->big_id, "xdp", "xdp_count");
	assert_non_null(strstr(s->out, row));
}

static int run_quiet(char *const argv[], char *err, size_t size)
{
	int pe[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(pe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pe[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = read(pe[0], err, size - 1);
	err[n > 0 ? n : 0] = '\0';
	close(pe[0]);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_usage_errors(void **st)
{
	static char *const bad[][6] = {
	    {EVBPF_TEST_TOOL, "top", "--bogus", NULL},
	    {EVBPF_TEST_TOOL, "top", "--sort", "size", NULL},
	    {EVBPF_TEST_TOOL, "top", "--interval", "0", NULL},
	    {EVBPF_TEST_TOOL, "top", "--count", "x", NULL},
	    {EVBPF_TEST_TOOL, "top", "--top", NULL},
	    {EVBPF_TEST_TOOL, "top", "extra", NULL},
	};
	char err[1024];

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_quiet(bad[i], err, sizeof(err)), 2);
		assert_non_null(strstr(err, "evbpf: top: "));
		assert_non_null(strstr(err, "(see evbpf help top)"));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_json_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
