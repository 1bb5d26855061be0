/* SPDX-License-Identifier: MIT */
/*
 * evbpf top: every BPF program loaded on the machine with the CPU it used,
 * how often it ran and how long a run took, refreshed every interval, in
 * the manner of Netflix's bpftop.
 *
 * The kernel counts run_cnt and run_time_ns per program only while run
 * statistics are on, so top holds a BPF_ENABLE_STATS fd for its whole life
 * (the counting stops when the last holder closes it, unless the sysctl
 * kernel.bpf_stats_enabled is 1). Figures are differences between two
 * samples of every program's counters, divided by the time between them:
 *
 *   CPU %      = delta run_time_ns / elapsed ns * 100 (of one CPU)
 *   events/s   = delta run_cnt / elapsed s
 *   avg ns     = delta run_time_ns / delta run_cnt
 *
 * A program loaded between two samples counts from zero; one unloaded
 * between the id walk and reading its info is skipped (the id walk and
 * the reads are not atomic, and programs come and go all the time).
 * Nothing stays open between samples but the statistics fd.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

extern const struct tool_cmd tool_cmd_top;

enum top_sort { SORT_CPU, SORT_EVENTS, SORT_AVG, SORT_ID, SORT_NAME };

static const char *const sort_names[] = {
    [SORT_CPU] = "cpu", [SORT_EVENTS] = "events", [SORT_AVG] = "avg",
    [SORT_ID] = "id",   [SORT_NAME] = "name",
};

struct top_opts {
	enum top_sort sort;
	double interval; /* seconds */
	long count;      /* refreshes; 0 = until interrupted */
	long top;        /* rows shown; 0 = all */
	bool json;
};

/* One program's counters at one sample. */
struct prog_sample {
	uint32_t id;
	uint32_t type;
	char name[16];
	uint64_t run_time_ns;
	uint64_t run_cnt;
};

struct sample {
	struct prog_sample *progs; /* in id order (the kernel walks ids upwards) */
	size_t n, cap;
	uint64_t taken_ns; /* CLOCK_MONOTONIC */
};

/* One row of the view: a program of the newer sample against the older. */
struct row {
	const struct prog_sample *p;
	uint64_t runs;    /* delta run_cnt */
	uint64_t time_ns; /* delta run_time_ns */
	double cpu_pct;
	double events_per_s;
	double avg_ns;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ sampling */

static int sample_push(struct sample *s, const struct evbpf_prog_info *info)
{
	struct prog_sample *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct prog_sample *grown = realloc(s->progs, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->progs = grown;
		s->cap = cap;
	}
	p = &s->progs[s->n++];
	p->id = info->id;
	p->type = info->type;
	memcpy(p->name, info->name, sizeof(p->name));
	p->run_time_ns = info->run_time_ns;
	p->run_cnt = info->run_cnt;
	return 0;
}

/* Read every loaded program's counters into s (emptied first). */
static int take_sample(struct sample *s)
{
	uint32_t id = 0;
	int err;

	s->n = 0;
	s->taken_ns = now_ns();
	for (;;) {
		struct evbpf_prog_info info = {.sz = sizeof(info)};

		err = evbpf_prog_next_id(id, &id);
		if (err == -ENOENT)
			return 0;
		if (err) {
			tool_error("top: listing programs", err);
			return err;
		}
		err = evbpf_prog_info_by_id(id, &info);
		if (err == -ENOENT)
			continue; /* unloaded since the walk found it */
		if (err) {
			tool_error("top: reading a program", err);
			return err;
		}
		err = sample_push(s, &info);
		if (err) {
			fprintf(stderr, "evbpf: top: out of memory\n");
			return err;
		}
	}
}

static const struct prog_sample *find_prog(const struct sample *s, uint32_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->progs[mid].id == id)
			return &s->progs[mid];
		if (s->progs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Counters can only grow for one program id (ids are not reused soon);
 * should one ever read lower, the delta is 0, never a huge wrap. */
static uint64_t delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : 0;
}

static void make_rows(const struct sample *old, const struct sample *cur, struct row *rows)
{
	double elapsed = (double)delta(cur->taken_ns, old->taken_ns);

	if (elapsed <= 0)
		elapsed = 1;
	for (size_t i = 0; i < cur->n; i++) {
		const struct prog_sample *p = &cur->progs[i];
		const struct prog_sample *was = find_prog(old, p->id);
		struct row *r = &rows[i];

		r->p = p;
		r->runs = delta(p->run_cnt, was ? was->run_cnt : 0);
		r->time_ns = delta(p->run_time_ns, was ? was->run_time_ns : 0);
		r->cpu_pct = (double)r->time_ns / elapsed * 100.0;
		r->events_per_s = (double)r->runs / (elapsed / 1e9);
		r->avg_ns = r->runs ? (double)r->time_ns / (double)r->runs : 0;
	}
}

/* ------------------------------------------------------------- sorting */

static enum top_sort sort_key;

static int cmp_desc(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c = 0;

	switch (sort_key) {
	case SORT_CPU:
		c = cmp_desc((double)a->time_ns, (double)b->time_ns);
		break;
	case SORT_EVENTS:
		c = cmp_desc((double)a->runs, (double)b->runs);
		break;
	case SORT_AVG:
		c = cmp_desc(a->avg_ns, b->avg_ns);
		break;
	case SORT_NAME:
		c = strcmp(a->p->name, b->p->name);
		break;
	case SORT_ID:
		break;
	}
	if (c)
		return c;
	return a->p->id < b->p->id ? -1 : a->p->id > b->p->id;
}

/* ------------------------------------------------------------- output */

static void print_json(const struct row *rows, size_t n, double elapsed_s)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("{\"id\":%u,\"type\":", r->p->id);
		tool_json_str(stdout, evbpf_prog_type_name(r->p->type));
		printf(",\"name\":");
		tool_json_str(stdout, r->p->name);
		printf(",\"cpu_percent\":%.4f,\"events_per_sec\":%.2f,\"avg_ns\":%.1f,"
		       "\"runs\":%llu,\"run_time_ns\":%llu,\"total_runs\":%llu,"
		       "\"total_run_time_ns\":%llu,\"interval_s\":%.3f}\n",
		       r->cpu_pct, r->events_per_s, r->avg_ns, (unsigned long long)r->runs,
		       (unsigned long long)r->time_ns, (unsigned long long)r->p->run_cnt,
		       (unsigned long long)r->p->run_time_ns, elapsed_s);
	}
}

static void print_table(const struct row *rows, size_t n, size_t total, double elapsed_s, bool tty,
                        bool stats_held)
{
	double cpu = 0, events = 0;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	for (size_t i = 0; i < total; i++) {
		cpu += rows[i].cpu_pct;
		events += rows[i].events_per_s;
	}
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (tty)
		fputs("\033[H\033[2J", stdout); /* cursor home, clear screen */
	printf("evbpf top - %s  programs: %zu  interval: %.2fs  total CPU: %.2f%%  "
	       "events/s: %.0f%s\n",
	       when, total, elapsed_s, cpu, events, stats_held ? "" : "  (stats: sysctl only)");
	printf("%8s  %-22s %-16s %8s %12s %12s\n", "ID", "TYPE", "NAME", "CPU%", "EVENTS/S",
	       "AVG NS");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%8u  %-22s %-16s %8.2f %12.0f %12.0f\n", r->p->id,
		       evbpf_prog_type_name(r->p->type), r->p->name, r->cpu_pct, r->events_per_s,
		       r->avg_ns);
	}
	if (!tty)
		putchar('\n');
	fflush(stdout);
}

/* ------------------------------------------------------------ the loop */

/* Sleep the interval; false when a signal asked us to stop. */
static bool sleep_interval(double seconds)
{
	struct timespec ts = {.tv_sec = (time_t)seconds,
	                      .tv_nsec = (long)((seconds - floor(seconds)) * 1e9)};

	while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return !stop_requested;
}

/*
 * Run-time statistics on for as long as we run. When the kernel refuses
 * (before 5.8, or without CAP_SYS_ADMIN), counters move only if
 * kernel.bpf_stats_enabled is 1: say which it is, once.
 */
static int hold_stats(void)
{
	char buf[8] = "";
	int fd = -1, err;
	FILE *f;

	err = evbpf_enable_stats(0 /* BPF_STATS_RUN_TIME */, &fd);
	if (!err)
		return fd;
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(stderr,
	        "evbpf: top: the kernel refuses BPF_ENABLE_STATS (%s); run times come only "
	        "from sysctl kernel.bpf_stats_enabled, which is %s%s\n",
	        evbpf_strerror(err), buf[0] ? buf : "unreadable",
	        !strcmp(buf, "1") ? "" : ": every figure will read 0");
	return -1;
}

static int run_top(const struct top_opts *o)
{
	struct sample a = {0}, b = {0}, *old = &a, *cur = &b;
	struct row *rows = NULL;
	struct sigaction sa;
	bool tty = !o->json && isatty(STDOUT_FILENO);
	int stats_fd, status = 1;
	long done = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the sleep must end */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stats_fd = hold_stats();
	if (take_sample(old))
		goto out;
	while (sleep_interval(o->interval)) {
		struct sample *t;
		size_t shown;
		double elapsed_s;

		if (take_sample(cur))
			goto out;
		free(rows);
		rows = calloc(cur->n ? cur->n : 1, sizeof(*rows));
		if (!rows) {
			fprintf(stderr, "evbpf: top: out of memory\n");
			goto out;
		}
		make_rows(old, cur, rows);
		sort_key = o->sort;
		qsort(rows, cur->n, sizeof(*rows), cmp_rows);
		shown = o->top > 0 && (size_t)o->top < cur->n ? (size_t)o->top : cur->n;
		elapsed_s = (double)delta(cur->taken_ns, old->taken_ns) / 1e9;
		if (o->json)
			print_json(rows, shown, elapsed_s);
		else
			print_table(rows, shown, cur->n, elapsed_s, tty, stats_fd >= 0);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			status = errno == EPIPE ? 0 : 1; /* | head: a quiet end */
			goto out;
		}
		t = old;
		old = cur;
		cur = t;
		if (o->count > 0 && ++done >= o->count)
			break;
	}
	status = 0;
out:
	if (stats_fd >= 0)
		close(stats_fd);
	free(rows);
	free(a.progs);
	free(b.progs);
	return status;
}

/* ---------------------------------------------------------- arguments */

static int parse_long(const char *opt, const char *s, long min, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return tool_usage_error("top", "%s: '%s' is not a number >= %ld", opt, s, min);
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes_value = !strcmp(a, "--sort") || !strcmp(a, "--interval") ||
		                   !strcmp(a, "--count") || !strcmp(a, "--top");
		int err = 0;

		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!takes_value) {
			if (a[0] == '-')
				return tool_usage_error("top", "unknown option '%s'", a);
			return tool_usage_error("top", "unexpected argument '%s'", a);
		}
		if (!v)
			return tool_usage_error("top", "%s needs a value", a);
		i++;
		if (!strcmp(a, "--sort")) {
			size_t k;

			for (k = 0; k < sizeof(sort_names) / sizeof(sort_names[0]); k++)
				if (!strcmp(v, sort_names[k]))
					break;
			if (k == sizeof(sort_names) / sizeof(sort_names[0]))
				return tool_usage_error(
				    "top", "--sort: '%s' is not cpu, events, avg, id or name", v);
			o->sort = (enum top_sort)k;
		} else if (!strcmp(a, "--interval")) {
			char *end;

			errno = 0;
			o->interval = strtod(v, &end);
			if (errno || end == v || *end || !(o->interval >= 0.01) ||
			    o->interval > 86400)
				return tool_usage_error(
				    "top",
				    "--interval: '%s' is not a number of seconds "
				    "from 0.01 to 86400",
				    v);
		} else if (!strcmp(a, "--count")) {
			err = parse_long(a, v, 1, &o->count);
		} else {
			err = parse_long(a, v, 1, &o->top);
		}
		if (err)
			return err;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	struct top_opts o = {.sort = SORT_CPU, .interval = 1.0};
	int err = parse_args(argc, argv, &o);

	if (err)
		return err;
	/* --json is one-shot unless --count asks for more. */
	if (o.json && !o.count)
		o.count = 1;
	return run_top(&o);
}

const struct tool_cmd tool_cmd_top = {
    .name = "top",
    .usage = "top [--sort KEY] [--json]   live CPU use of every loaded BPF program",
    .help = "usage: evbpf top [--sort cpu|events|avg|id|name] [--interval S] [--count N]\n"
            "                 [--top N] [--json]\n"
            "\n"
            "Show every BPF program loaded on the machine with the CPU it used (percent\n"
            "of one CPU), how often it ran (events/s) and how long a run took on\n"
            "average, from the kernel's run_time_ns and run_cnt counters sampled every\n"
            "interval. Run-time statistics (BPF_ENABLE_STATS) are on while it runs.\n"
            "On a terminal the view is redrawn; otherwise one table is printed per\n"
            "interval. Needs CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON on some kernels).\n"
            "\n"
            "  --sort KEY    order by cpu (default), events, avg (descending), or by\n"
            "                id, name (ascending)\n"
            "  --interval S  seconds between samples (default 1; fractions allowed)\n"
            "  --count N     stop after N refreshes (default: until interrupted)\n"
            "  --top N       show the first N programs only\n"
            "  --json        take two samples S apart and print one JSON object per\n"
            "                program and line (JSON lines), sorted, then exit; with\n"
            "                --count N, N rounds of them\n"
            "  -h, --help    this text\n",
    .run = run,
};
