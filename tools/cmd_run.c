/* SPDX-License-Identifier: MIT */
/*
 * evbpf run FILE.o: open and load an object, attach every program by its
 * section name, and stream every ring buffer and perf event array to
 * stdout as JSON lines until --count records, --duration seconds, SIGINT
 * or SIGTERM; then detach everything and exit.
 *
 * Each record is one line:
 *
 *   {"map":"events","cpu":3,"size":32,"type":"struct event","data":{...}}
 *
 * "cpu" only for perf event arrays; "type" and a decoded object when the
 * record's type is known (--type MAP=TYPE; else found by record_type.c
 * from the calls that write records and the object's DWARF, or without
 * DWARF an unambiguous BTF guess), else "data" is the record in hex, with
 * one warning per map on stderr. "truncated" marks a record shorter than
 * its type, "extra" the hex of bytes past it.
 *
 * With -T/--timestamp each line starts with "ts", the wall-clock time the
 * record was read, in ISO 8601 with microseconds and the UTC offset.
 *
 * On a terminal (or with --table) records print as a table instead
 * (run_table.h): a header, then one aligned row per record with a TIME
 * column. --json forces JSON lines on a terminal.
 *
 * stdout is only records (and --map/--hist views); lost records and errors
 * go to stderr, errors as one line each ("evbpf: run: ...") with exit
 * status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <evbpf/async.h>

#include "internal.h"
#include "json_btf.h"
#include "record_type.h"
#include "run.h"
#include "run_loop.h"
#include "run_table.h"
#include "run_view.h"
#include "tool.h"

#define RUN_TYPE_CACHE 16
#define RUN_PERF_PAGES 64 /* 256 KiB per CPU */

/* A record type decided for one record size (guessing is a BTF scan). */
struct size_type {
	size_t size;
	uint32_t type_id; /* 0: hex */
};

struct run_map {
	struct run *run;
	const struct evbpf_map *map;
	const char *name;
	bool perf;
	bool forced;      /* --type or --map given */
	uint32_t type_id; /* --type (0 with forced: hex) */
	struct record_type found; /* what the programs and DWARF say */
	bool warned;      /* the "printing hex" warning was given */
	struct size_type cache[RUN_TYPE_CACHE];
	size_t nr_cache;
	struct evbpf_ringbuf *rb;
	struct evbpf_perfbuf *pb;
};

struct run_opts {
	const char *path;
	const char *backend;
	double duration;
	uint64_t count;
	const char **sets;
	size_t nr_sets;
	const char **map_types; /* --map NAME:TYPE (the old spelling of --type) */
	size_t nr_map_types;
	const char **type_specs; /* --type MAP=NAME */
	size_t nr_type_specs;
	const char *iface;
	const char *cgroup;
	const char **progs; /* --prog: only these */
	size_t nr_progs;
	const char **skips; /* --skip: not these */
	size_t nr_skips;
	const char **max_entries; /* --max-entries MAP=N */
	size_t nr_max_entries;
	bool strict;
	const char **tables; /* --map NAME (no type): a table */
	size_t nr_tables;
	const char **hists; /* --hist NAME */
	size_t nr_hists;
	double interval; /* --interval S: seconds between tables */
	uint32_t top;    /* --top N: 0 all */
	bool verbose;
	/* Output format: --json, --table, -T/--timestamp. */
	bool json;
	bool table;
	bool timestamp;
};

struct run {
	struct run_opts opts;
	struct evbpf_object *obj;
	const struct evbpf_btf *btf; /* the finder's: the object's plus DWARF types */
	struct record_finder *finder;
	struct run_map *maps;
	size_t nr_maps;
	struct evbpf_link **links;
	size_t nr_links;
	const struct run_loop_ops *lops;
	struct run_loop *loop;
	struct evbpf_reactor *reactor;
	uint64_t records;
	size_t nr_skipped; /* programs not attached (no target) */
	struct run_view **views; /* --map NAME, then --hist NAME */
	size_t nr_views;
	bool done;
	int write_errno; /* stdout failed: why */
	struct jbuf line;
	struct run_table *table; /* records as a table (a terminal, --table) */
};

static void run_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Put before the next messages' text: "warning: skipping " while attach_all
 * reports a program it leaves out. */
static const char *run_fail_tag = "";

static void run_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "evbpf: run: %s", run_fail_tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The library's detail as one line, after "what: " (when what is set) and
 * before hint: its first line and, for a verifier rejection, the log line
 * that says why. */
static void run_fail_lib_hint(const char *what, int err, const char *hint)
{
	const char *msg = evbpf_errmsg();
	const char *nl, *reason = NULL, *tail;
	size_t reason_len = 0;
	int head_len;

	if (!msg[0]) {
		run_fail("%s%s%s%s", what ? what : "", what ? ": " : "", evbpf_strerror(err), hint);
		return;
	}
	nl = strchr(msg, '\n');
	for (const char *p = nl; p && *p;) {
		const char *start = p + 1, *end = strchr(start, '\n');
		size_t len = end ? (size_t)(end - start) : strlen(start);

		if (len && strncmp(start, "processed ", 10) &&
		    strncmp(start, "verification time", 17) && strncmp(start, "stack depth", 11) &&
		    strncmp(start, "mark_precise", 12)) {
			reason = start;
			reason_len = len;
		}
		p = end;
	}
	head_len = nl ? (int)(nl - msg) : (int)strlen(msg);
	tail = strstr(msg, "; verifier log tail:");
	if (reason && tail && tail - msg < head_len)
		head_len = (int)(tail - msg);
	run_fail("%s%s%.*s%s%.*s%s", what ? what : "", what ? ": " : "", head_len, msg,
	         reason ? "; verifier: " : "", reason ? (int)reason_len : 0, reason ? reason : "",
	         hint);
}

static void run_fail_lib(const char *what, int err)
{
	run_fail_lib_hint(what, err, "");
}

/* ------------------------------------------------------------ records */

static uint32_t record_type(struct run_map *m, size_t size)
{
	const struct evbpf_map *map = m->map;
	char why[256] = "";
	uint32_t id;

	if (m->forced)
		return m->type_id;
	for (size_t i = 0; i < m->nr_cache; i++)
		if (m->cache[i].size == size)
			return m->cache[i].type_id;
	if (m->found.status == RECORD_TYPE_FOUND)
		return m->found.type_id;
	if (m->found.status == RECORD_TYPE_NO_INFO) {
		size_t len = (size_t)snprintf(why, sizeof(why), "%s; ", m->found.detail);

		id = record_type_guess_strict(m->run->btf, m->name,
		                              m->perf ? 0 : map->btf_value_type_id, size, m->perf,
		                              why + len, sizeof(why) - len);
	} else {
		id = 0;
	}
	if (!id && !m->warned) {
		/* Hex rather than a wrong guess, said once per map. */
		m->warned = true;
		fprintf(stderr,
		        "evbpf: run: warning: map '%s': record type is %s (%s): printing hex; use "
		        "--type %s=NAME\n",
		        m->name,
		        m->found.status == RECORD_TYPE_AMBIGUOUS ? "ambiguous"
		        : m->found.status == RECORD_TYPE_NOT_FOUND ? "not found"
		                                                    : "unknown",
		        m->found.status == RECORD_TYPE_NO_INFO ? why : m->found.detail, m->name);
	}
	if (m->nr_cache < RUN_TYPE_CACHE) {
		m->cache[m->nr_cache].size = size;
		m->cache[m->nr_cache].type_id = id;
		m->nr_cache++;
	}
	return id;
}

static void stop_run(struct run *r)
{
	if (r->done)
		return;
	r->done = true;
	r->lops->stop(r->loop);
}

/* The record as one JSON line. */
static void format_json(struct run_map *m, int cpu, const void *data, size_t size,
                        const struct timespec *now)
{
	struct run *r = m->run;
	struct jbuf *b = &r->line;
	uint32_t type_id;

	jbuf_putc(b, '{');
	if (r->opts.timestamp) {
		char ts[64];

		run_format_iso8601(now, ts, sizeof(ts));
		jbuf_puts(b, "\"ts\":");
		jbuf_str(b, ts, strlen(ts), false);
		jbuf_putc(b, ',');
	}
	jbuf_puts(b, "\"map\":");
	jbuf_str(b, m->name, strlen(m->name), false);
	if (m->perf)
		jbuf_printf(b, ",\"cpu\":%d", cpu);
	jbuf_printf(b, ",\"size\":%zu", size);
	type_id = r->btf ? record_type(m, size) : 0;
	if (type_id) {
		struct json_btf_result res;
		size_t mark = b->len;
		char tname[256];
		int64_t tsize = json_btf_size(r->btf, type_id);
		int err;

		json_btf_type_name(r->btf, type_id, tname, sizeof(tname));
		jbuf_puts(b, ",\"type\":");
		jbuf_str(b, tname, strlen(tname), false);
		jbuf_puts(b, ",\"data\":");
		err = json_btf_value(b, r->btf, type_id, data, size, &res);
		if (err) {
			/* Too big to show field by field: the bytes instead. */
			b->len = mark;
			b->oom = false;
			type_id = 0;
		} else {
			if (res.truncated)
				jbuf_puts(b, ",\"truncated\":true");
			if (tsize > 0 && (uint64_t)tsize < size && !res.flex_tail &&
			    !(m->perf && json_btf_size_fits(tsize, size, true))) {
				jbuf_puts(b, ",\"extra\":");
				jbuf_hex(b, (const uint8_t *)data + tsize, size - (size_t)tsize);
			}
		}
	}
	if (!type_id) {
		jbuf_puts(b, ",\"data\":");
		jbuf_hex(b, data, size);
	}
	jbuf_puts(b, "}\n");
}

static int emit_record(struct run_map *m, int cpu, const void *data, size_t size)
{
	struct run *r = m->run;
	struct jbuf *b = &r->line;
	struct timespec now = {0};

	if (r->opts.count && r->records >= r->opts.count)
		return -ECANCELED;
	jbuf_reset(b);
	clock_gettime(CLOCK_REALTIME, &now);
	if (r->table) {
		uint32_t type_id = r->btf ? record_type(m, size) : 0;

		if (run_table_row(r->table, b, m->name, r->btf, type_id, data, size, &now))
			b->oom = true;
	} else {
		format_json(m, cpu, data, size, &now);
	}
	if (b->oom) {
		run_fail("map '%s': out of memory formatting a %zu-byte record", m->name, size);
		stop_run(r);
		return -ENOMEM;
	}
	errno = 0;
	if (fwrite(b->p, 1, b->len, stdout) != b->len || ferror(stdout)) {
		/* The reader went away (a closed pipe) or the disk is full:
		 * nothing more can be shown, so stop and detach. */
		if (!r->write_errno)
			r->write_errno = errno ? errno : EIO;
		stop_run(r);
		return -EIO;
	}
	r->records++;
	if (r->opts.count && r->records >= r->opts.count) {
		stop_run(r);
		return -ECANCELED;
	}
	return 0;
}

static int on_ring_record(void *ctx, const void *data, size_t size)
{
	return emit_record(ctx, -1, data, size);
}

static int on_perf_record(void *ctx, int cpu, const void *data, size_t size)
{
	return emit_record(ctx, cpu, data, size);
}

static void on_perf_lost(void *ctx, int cpu, uint64_t lost)
{
	struct run_map *m = ctx;

	fprintf(stderr, "evbpf: run: map '%s': cpu %d: lost %llu records\n", m->name, cpu,
	        (unsigned long long)lost);
}

static void on_stop(void *ctx, enum run_stop_reason why, int arg)
{
	struct run *r = ctx;

	if (why == RUN_STOP_OUTPUT) {
		if (!r->write_errno)
			r->write_errno = arg;
	} else if (r->opts.verbose) {
		fprintf(stderr, "evbpf: run: stopping (%s)\n",
		        why == RUN_STOP_DURATION ? "duration" : strsignal(arg));
	}
	stop_run(r);
}

/* ------------------------------------------------------------ options */

static const char run_help[] =
	"usage: evbpf run FILE.o [--backend uv|ev] [--duration S] [--count N]\n"
	"                        [--set NAME=VALUE]... [--type MAP=TYPE]...\n"
	"                        [--iface IFNAME] [--cgroup PATH] [--prog NAME]...\n"
	"                        [--skip NAME]... [--max-entries MAP=N]... [--strict]\n"
	"                        [--map NAME]... [--hist NAME]... [--interval S] [--top N]\n"
	"                        [--json | --table] [-T] [-v]\n"
	"\n"
	"Load FILE.o, attach every program by its section name and print every\n"
	"ring buffer and perf event array record on stdout: as a table when stdout\n"
	"is a terminal, else as JSON lines.\n"
	"\n"
	"  --backend uv|ev   event loop (default: uv when built in)\n"
	"  --duration S      stop after S seconds\n"
	"  --count N         stop after N records\n"
	"  --set NAME=VALUE  initial value of a global (parsed by its BTF type)\n"
	"  --type MAP=TYPE   decode map MAP's records as TYPE ('struct event',\n"
	"                    'u64', ... or 'hex'), from the BTF or the DWARF; by\n"
	"                    default the type is found from the calls that write\n"
	"                    records and the object's DWARF (-g), and records whose\n"
	"                    type is unknown or ambiguous print as hex with a warning\n"
	"  --map NAME:TYPE   the same as --type NAME=TYPE (deprecated)\n"
	"  --map NAME        print hash or array map NAME as a table every interval,\n"
	"                    largest value first, keys and values decoded by BTF\n"
	"  --hist NAME       print map NAME's log2 histograms (values of u32/u64\n"
	"                    slots, one per key) every interval\n"
	"                    (per-CPU maps: integer values and slots are summed over\n"
	"                    the possible CPUs; other values show one per CPU)\n"
	"  --interval S      seconds between tables and histograms (default 1)\n"
	"  --top N           only the first N rows, or N histograms\n"
	"  --json            records as JSON lines (the default when stdout is not a\n"
	"                    terminal)\n"
	"  --table           records as a table (the default on a terminal): a header,\n"
	"                    then one aligned row per record with its time (TIME,\n"
	"                    HH:MM:SS), nested fields as a.b, hex when undecoded\n"
	"  -T, --timestamp   JSON lines start with \"ts\", the wall-clock time the\n"
	"                    record was read (ISO 8601, microseconds, UTC offset)\n"
	"  --iface IFNAME    where to attach XDP and tc programs\n"
	"  --cgroup PATH     where to attach cgroup programs\n"
	"  --prog NAME       load and attach only program NAME (repeatable)\n"
	"  --skip NAME       do not load or attach program NAME (repeatable)\n"
	"  --max-entries MAP=N  set map MAP's max_entries before the load\n"
	"  --strict          a missing attach target (a tracepoint this kernel lacks)\n"
	"                    is an error; by default the program is skipped\n"
	"\n"
	"Of programs reaching one event by different mechanisms (tp_btf, raw_tp\n"
	"and tracepoint; fentry and kprobe; fexit and kretprobe), as libbpf-tools\n"
	"objects carry them, only the most capable one this kernel attaches is\n"
	"loaded, with a warning naming the others (--prog NAME overrides).\n"
	"Programs that need a target given on the command line (XDP and tc without\n"
	"--iface, cgroup programs without --cgroup, bare uprobe, perf_event and\n"
	"socket sections) are skipped with a one-line warning saying why.\n"
	"  -v, --verbose     say on stderr what was attached, and 'ready'\n"
	"  -h, --help        this text\n";

static bool push(const char ***arr, size_t *n, const char *s)
{
	const char **p = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!p)
		return false;
	p[(*n)++] = s;
	*arr = p;
	return true;
}

/* The options followed by a value; any other "-..." is unknown. */
static bool takes_value(const char *a)
{
	static const char *const with_value[] = {
	    "--backend", "--duration", "--count", "--set",        "--map", "--type",
	    "--iface",   "--cgroup",   "--prog",  "--skip", "--max-entries",
	    "--hist",    "--interval", "--top"};

	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (!strcmp(a, with_value[i]))
			return true;
	return false;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(run_help, stdout);
			return 1;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
			continue;
		}
		if (!strcmp(a, "--strict")) {
			o->strict = true;
			continue;
		}
		if (!strcmp(a, "--json") || !strcmp(a, "--table")) {
			bool *mine = a[2] == 'j' ? &o->json : &o->table;
			bool other = a[2] == 'j' ? o->table : o->json;

			if (other) {
				run_fail("--json and --table: give one of them (see evbpf help run)");
				return -1;
			}
			*mine = true;
			continue;
		}
		if (!strcmp(a, "-T") || !strcmp(a, "--timestamp")) {
			o->timestamp = true;
			continue;
		}
		if (a[0] != '-') {
			if (o->path) {
				run_fail("unexpected argument '%s'", a);
				return -1;
			}
			o->path = a;
			continue;
		}
		if (!takes_value(a)) {
			run_fail("unknown option '%s' (see evbpf help run)", a);
			return -1;
		}
		if (!v) {
			run_fail("%s needs a value (see evbpf help run)", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--backend")) {
			o->backend = v;
		} else if (!strcmp(a, "--duration")) {
			errno = 0;
			o->duration = strtod(v, &end);
			if (errno || *end || !(o->duration > 0) || o->duration > 1e9) {
				run_fail("--duration %s: expected a positive number of seconds", v);
				return -1;
			}
		} else if (!strcmp(a, "--count")) {
			errno = 0;
			o->count = strtoull(v, &end, 10);
			if (errno || *end || o->count == 0 || v[0] == '-') {
				run_fail("--count %s: expected a positive number of records", v);
				return -1;
			}
		} else if (!strcmp(a, "--set")) {
			if (!push(&o->sets, &o->nr_sets, v))
				return -1;
		} else if (!strcmp(a, "--map")) {
			bool typed = strchr(v, ':') != NULL;

			if (!push(typed ? &o->map_types : &o->tables,
			          typed ? &o->nr_map_types : &o->nr_tables, v))
				return -1;
		} else if (!strcmp(a, "--type")) {
			if (!push(&o->type_specs, &o->nr_type_specs, v))
				return -1;
		} else if (!strcmp(a, "--hist")) {
			if (!push(&o->hists, &o->nr_hists, v))
				return -1;
		} else if (!strcmp(a, "--interval")) {
			errno = 0;
			o->interval = strtod(v, &end);
			if (errno || *end || !(o->interval >= 0.01) || o->interval > 86400) {
				run_fail("--interval %s: expected seconds, 0.01 to 86400", v);
				return -1;
			}
		} else if (!strcmp(a, "--top")) {
			unsigned long long n;

			errno = 0;
			n = strtoull(v, &end, 10);
			if (errno || *end || !n || n > UINT32_MAX || v[0] == '-') {
				run_fail("--top %s: expected a positive number", v);
				return -1;
			}
			o->top = (uint32_t)n;
		} else if (!strcmp(a, "--prog")) {
			if (!push(&o->progs, &o->nr_progs, v))
				return -1;
		} else if (!strcmp(a, "--skip")) {
			if (!push(&o->skips, &o->nr_skips, v))
				return -1;
		} else if (!strcmp(a, "--max-entries")) {
			if (!push(&o->max_entries, &o->nr_max_entries, v))
				return -1;
		} else if (!strcmp(a, "--iface")) {
			o->iface = v;
		} else if (!strcmp(a, "--cgroup")) {
			o->cgroup = v;
		} else {
			run_fail("unknown option '%s' (see evbpf help run)", a);
			return -1;
		}
	}
	if (!o->path) {
		run_fail("no object file given (see evbpf help run)");
		return -1;
	}
	return 0;
}

static const struct run_loop_ops *find_backend(const char *name)
{
	static const struct run_loop_ops *const all[] = {
#ifdef EVBPF_TOOL_HAVE_UV
	    &run_loop_uv,
#endif
#ifdef EVBPF_TOOL_HAVE_EV
	    &run_loop_ev,
#endif
	    NULL,
	};

	for (size_t i = 0; all[i]; i++)
		if (!name || !strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* ------------------------------------------------------------ setup */

static bool is_record_map(const struct evbpf_map *map)
{
	return evbpf_map_type(map) == BPF_MAP_TYPE_RINGBUF ||
	       evbpf_map_type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

static int collect_maps(struct run *r)
{
	const struct evbpf_map *map = NULL;
	size_t n = 0;

	while ((map = evbpf_object_next_map(r->obj, map)))
		n += is_record_map(map);
	r->maps = calloc(n ? n : 1, sizeof(*r->maps));
	if (!r->maps)
		return -ENOMEM;
	while ((map = evbpf_object_next_map(r->obj, map))) {
		struct run_map *m;

		if (!is_record_map(map))
			continue;
		m = &r->maps[r->nr_maps++];
		m->run = r;
		m->map = map;
		m->name = evbpf_map_name(map);
		m->perf = evbpf_map_type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	}
	return 0;
}

/* --type MAP=TYPE, and its old spelling --map MAP:TYPE. */
static int apply_map_types(struct run *r)
{
	size_t nr_old = r->opts.nr_map_types;

	for (size_t i = 0; i < nr_old + r->opts.nr_type_specs; i++) {
		bool old = i < nr_old;
		const char *spec = old ? r->opts.map_types[i] : r->opts.type_specs[i - nr_old];
		const char *opt = old ? "--map" : "--type";
		const char *colon = strchr(spec, old ? ':' : '=');
		struct run_map *m = NULL;
		int id;

		if (!colon || colon == spec || !colon[1]) {
			run_fail("%s %s: expected %s", opt, spec, old ? "NAME:TYPE" : "MAP=TYPE");
			return -EINVAL;
		}
		for (size_t j = 0; j < r->nr_maps; j++)
			if (strlen(r->maps[j].name) == (size_t)(colon - spec) &&
			    !strncmp(r->maps[j].name, spec, (size_t)(colon - spec)))
				m = &r->maps[j];
		if (!m) {
			run_fail("%s %s: no ring buffer or perf event array named '%.*s'", opt, spec,
			         (int)(colon - spec), spec);
			return -ENOENT;
		}
		m->forced = true;
		if (!strcmp(colon + 1, "hex"))
			continue;
		id = r->finder ? record_finder_named(r->finder, colon + 1) : -ENOENT;
		if (id <= 0) {
			run_fail("%s %s: no type '%s' in the object's BTF or DWARF", opt, spec,
			         colon + 1);
			return -ENOENT;
		}
		m->type_id = (uint32_t)id;
	}
	return 0;
}

/* What the programs and the DWARF say each buffer's records are. */
static int find_record_types(struct run *r)
{
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct run_map *m = &r->maps[i];
		int err;

		if (m->forced)
			continue;
		err = record_finder_find(r->finder, m->map, &m->found);
		if (err) {
			run_fail_lib(m->name, err);
			return err;
		}
		if (r->opts.verbose && m->found.status == RECORD_TYPE_FOUND) {
			char name[256];

			json_btf_type_name(r->btf, m->found.type_id, name, sizeof(name));
			fprintf(stderr, "evbpf: run: map '%s': records are %s\n", m->name, name);
		}
	}
	return 0;
}

static void free_opts(struct run_opts *o)
{
	free(o->sets);
	free(o->map_types);
	free(o->type_specs);
	free(o->progs);
	free(o->skips);
	free(o->max_entries);
	free(o->tables);
	free(o->hists);
}

/* --map NAME and --hist NAME, once the maps exist. */
static int make_views(struct run *r)
{
	size_t n = r->opts.nr_tables + r->opts.nr_hists;
	uint32_t interval_ms = (uint32_t)((r->opts.interval > 0 ? r->opts.interval : 1.0) * 1000.0 +
	                                  0.5);
	char msg[512];

	r->views = calloc(n ? n : 1, sizeof(*r->views));
	if (!r->views)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool hist = i >= r->opts.nr_tables;
		const char *name = hist ? r->opts.hists[i - r->opts.nr_tables] : r->opts.tables[i];
		int err = run_view_new(r->obj, name, hist, r->opts.top, interval_ms, msg,
		                       sizeof(msg), &r->views[i]);

		if (err) {
			run_fail("%s", msg);
			return err;
		}
		r->nr_views++;
	}
	return 0;
}

static int start_views(struct run *r)
{
	for (size_t i = 0; i < r->nr_views; i++) {
		int err = run_view_start(r->views[i], r->reactor);

		if (err) {
			run_fail_lib(NULL, err);
			return err;
		}
	}
	return 0;
}

static bool listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* --prog / --skip: a program left out is not loaded (autoload off), so it
 * is neither verified nor attached. A name that matches no program is a
 * mistake worth stopping for. */
static int select_programs(struct run *r)
{
	const char *const *lists[2] = {r->opts.progs, r->opts.skips};
	size_t lens[2] = {r->opts.nr_progs, r->opts.nr_skips};
	struct evbpf_program *p = NULL;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lens[l]; i++)
			if (!evbpf_object_find_program(r->obj, lists[l][i])) {
				run_fail("%s %s: no program of that name in %s",
				         l ? "--skip" : "--prog", lists[l][i], r->opts.path);
				return -ENOENT;
			}
	while ((p = evbpf_object_next_program(r->obj, p))) {
		const char *name = evbpf_program_name(p);
		bool keep = !listed(r->opts.skips, r->opts.nr_skips, name) &&
		            (!r->opts.nr_progs || listed(r->opts.progs, r->opts.nr_progs, name));

		if (!keep)
			evbpf_program_set_autoload(p, 0);
	}
	return 0;
}

/* --max-entries MAP=N, before the maps are created. */
static int apply_max_entries(struct run *r)
{
	for (size_t i = 0; i < r->opts.nr_max_entries; i++) {
		const char *spec = r->opts.max_entries[i];
		const char *eq = strchr(spec, '=');
		char name[128], *end;
		struct evbpf_map *map;
		unsigned long long n;
		int err;

		if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name)) {
			run_fail("--max-entries %s: expected MAP=N", spec);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
		errno = 0;
		n = strtoull(eq + 1, &end, 0);
		if (errno || *end || !eq[1] || eq[1] == '-' || n == 0 || n > UINT32_MAX) {
			run_fail("--max-entries %s: expected a positive 32-bit number", spec);
			return -EINVAL;
		}
		map = evbpf_object_find_map(r->obj, name);
		if (!map) {
			run_fail("--max-entries %s: no map '%s' in %s", spec, name, r->opts.path);
			return -ENOENT;
		}
		err = evbpf_map_set_max_entries(map, (uint32_t)n);
		if (err) {
			run_fail_lib(NULL, err);
			return err;
		}
	}
	return 0;
}

static int check_programs(struct run *r)
{
	const struct evbpf_program *p = NULL;

	while ((p = evbpf_object_next_program(r->obj, p))) {
		if (!evbpf_program_autoload(p))
			continue;
		if (evbpf_program_type(p) == BPF_PROG_TYPE_UNSPEC) {
			run_fail("prog '%s': unknown section '%s': cannot tell the program type",
			         evbpf_program_name(p), evbpf_program_section(p));
			return -ENOTSUP;
		}
	}
	return 0;
}

static int start_consumers(struct run *r)
{
	for (size_t i = 0; i < r->nr_maps; i++) {
		struct run_map *m = &r->maps[i];
		int err;

		/* Not created by the load (a map-in-map's inner template):
		 * nothing to read. */
		if (evbpf_map_fd(m->map) < 0) {
			if (r->opts.verbose)
				fprintf(stderr, "evbpf: run: map '%s' has no fd; not read\n",
				        m->name);
			continue;
		}
		if (m->perf)
			err = evbpf_perfbuf_new(m->map, RUN_PERF_PAGES, on_perf_record,
			                        on_perf_lost, m, &m->pb);
		else
			err = evbpf_ringbuf_new(m->map, on_ring_record, m, &m->rb);
		if (!err)
			err = m->perf ? evbpf_perfbuf_start(m->pb, r->reactor)
			              : evbpf_ringbuf_start(m->rb, r->reactor);
		if (err) {
			char what[300];

			snprintf(what, sizeof(what), "map '%s'", m->name);
			run_fail_lib(what, err);
			return err;
		}
	}
	return 0;
}

static int attach_typed(struct run *r, struct evbpf_program *p, struct evbpf_link **link)
{
	uint32_t type = evbpf_program_type(p);
	const char *sec = evbpf_program_section(p);

	if (type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS) {
		unsigned int ifindex;

		if (!r->opts.iface)
			return 1;
		ifindex = if_nametoindex(r->opts.iface);
		if (!ifindex)
			return evbpf__err(-ENODEV, "--iface %s: no such interface", r->opts.iface);
		if (type == BPF_PROG_TYPE_XDP)
			return evbpf_program_attach_xdp(p, (int)ifindex, 0, link);
		return evbpf_program_attach_tc(
		    p, (int)ifindex, strstr(sec, "egress") ? EVBPF_TC_EGRESS : EVBPF_TC_INGRESS,
		    NULL, link);
	}
	if (r->opts.cgroup && evbpf__sec_def_find(sec) &&
	    evbpf__sec_def_find(sec)->attach == EVBPF_ATTACH_CGROUP) {
		int fd = open(r->opts.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int err;

		if (fd < 0)
			return evbpf__err(-errno, "--cgroup %s: %s", r->opts.cgroup,
			                  strerror(errno));
		err = evbpf_program_attach_cgroup(p, fd, link);
		close(fd);
		return err;
	}
	return 1;
}

/* The attach target (a tracepoint, a kernel function) does not exist on
 * this kernel. A missing tracefs is also -ENOENT, but that is the
 * machine's setup, not the kernel lacking the target: it stays an error. */
static bool target_missing(int err)
{
	return err == -ENOENT && !strstr(evbpf_errmsg(), "tracefs not found");
}

static int attach_all(struct run *r)
{
	struct evbpf_program *p = NULL;
	size_t n = 0;

	while ((p = evbpf_object_next_program(r->obj, p)))
		n++;
	r->links = calloc(n ? n : 1, sizeof(*r->links));
	if (!r->links)
		return -ENOMEM;
	while ((p = evbpf_object_next_program(r->obj, p))) {
		struct evbpf_link *link = NULL;
		char what[300];
		int err;

		if (evbpf_program_fd(p) < 0)
			continue; /* not loaded (autoload off) */
		err = attach_typed(r, p, &link);
		if (err == 1)
			err = evbpf_program_attach(p, &link);
		if (err) {
			const struct evbpf_sec_def *def =
			    evbpf__sec_def_find(evbpf_program_section(p));
			uint32_t type = evbpf_program_type(p);
			const char *hint = "";
			bool no_auto = err == -ENOTSUP || err == -EOPNOTSUPP;

			if (type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS)
				hint = " (evbpf run: give --iface IFNAME)";
			else if (def && def->attach == EVBPF_ATTACH_CGROUP)
				hint = " (evbpf run: give --cgroup PATH)";
			if (!no_auto)
				hint = "";
			/* Library messages about a program already name it. */
			snprintf(what, sizeof(what), "prog '%s'", evbpf_program_name(p));
			if (no_auto || (target_missing(err) && !r->opts.strict)) {
				/* Needs a target from the command line, or its
				 * target is not on this kernel: run the rest. */
				run_fail_tag = "warning: skipping ";
				run_fail_lib_hint(strncmp(evbpf_errmsg(), "prog '", 6) ? what : NULL,
				                  err, hint);
				run_fail_tag = "";
				r->nr_skipped++;
				continue;
			}
			run_fail_lib_hint(strncmp(evbpf_errmsg(), "prog '", 6) ? what : NULL, err,
			                  hint);
			return err;
		}
		r->links[r->nr_links++] = link;
		if (r->opts.verbose)
			fprintf(stderr, "evbpf: run: attached %s\n", evbpf_link_description(link));
	}
	return 0;
}

/* After the loop: records committed before the programs were detached. */
static void drain_left(struct run *r)
{
	for (size_t i = 0; i < r->nr_maps && !(r->opts.count && r->records >= r->opts.count); i++) {
		if (r->maps[i].rb)
			evbpf_ringbuf_flush(r->maps[i].rb);
		if (r->maps[i].pb)
			evbpf_perfbuf_flush(r->maps[i].pb);
	}
}

/* drain: after a normal stop, show what was committed before the
 * programs were detached; after an error, show nothing more. */
static void teardown(struct run *r, bool drain)
{
	for (size_t i = 0; i < r->nr_links; i++)
		evbpf_link_destroy(r->links[i]);
	r->nr_links = 0;
	if (r->loop && drain)
		drain_left(r);
	for (size_t i = 0; i < r->nr_maps; i++) {
		evbpf_ringbuf_free(r->maps[i].rb);
		evbpf_perfbuf_free(r->maps[i].pb);
	}
	for (size_t i = 0; i < r->nr_views; i++)
		run_view_free(r->views[i]);
	free(r->views);
	r->views = NULL;
	r->nr_views = 0;
	evbpf_reactor_free(r->reactor);
	r->reactor = NULL;
	if (r->loop)
		r->lops->destroy(r->loop);
	r->loop = NULL;
	errno = 0;
	if (fflush(stdout) && !r->write_errno)
		r->write_errno = errno ? errno : EIO;
	evbpf_object_close(r->obj);
	record_finder_free(r->finder);
	free(r->links);
	free(r->maps);
	free_opts(&r->opts);
	jbuf_free(&r->line);
	run_table_free(r->table);
}

static int run_cmd(int argc, char **argv)
{
	struct run r = {0};
	char msg[512];
	uint64_t duration_ms = 0;
	size_t nr_read = 0;
	int err, ret = 1;

	err = parse_opts(argc, argv, &r.opts);
	if (err) {
		free_opts(&r.opts);
		return err > 0 ? 0 : 2; /* usage errors: 2, as for the other commands */
	}
	r.lops = find_backend(r.opts.backend);
	if (!r.lops) {
		run_fail("--backend %s: not built into this evbpf (have:%s%s)",
		         r.opts.backend ? r.opts.backend : "", find_backend("uv") ? " uv" : "",
		         find_backend("ev") ? " ev" : "");
		ret = 2;
		goto out;
	}
	/* A closed pipe on stdout ends the run like any write error would. */
	signal(SIGPIPE, SIG_IGN);
	err = evbpf_object_open_file(r.opts.path, NULL, &r.obj);
	if (err) {
		run_fail_lib(r.opts.path, err);
		goto out;
	}
	err = record_finder_new(r.obj, &r.finder, msg, sizeof(msg));
	if (err) {
		run_fail_lib(r.opts.path, err);
		goto out;
	}
	if (msg[0])
		run_fail("warning: %s", msg);
	r.btf = record_finder_btf(r.finder);
	for (size_t i = 0; i < r.opts.nr_sets; i++) {
		err = run_set_global(r.obj, r.opts.sets[i], msg, sizeof(msg));
		if (err) {
			run_fail("%s", msg);
			goto out;
		}
	}
	err = collect_maps(&r);
	if (!err && r.opts.count && !r.nr_maps) {
		run_fail("--count %llu: %s has no ring buffer or perf event array to count "
		         "records of",
		         (unsigned long long)r.opts.count, r.opts.path);
		ret = 2;
		goto out;
	}
	if (!err)
		err = apply_map_types(&r);
	if (!err)
		err = find_record_types(&r);
	if (!err)
		err = select_programs(&r);
	/* Programs named with --prog are what the user chose, alternatives
	 * or not. */
	if (!err && !r.opts.nr_progs && run_pick_alternatives(r.obj) == -ENOMEM) {
		run_fail("out of memory");
		err = -ENOMEM;
	}
	if (!err)
		err = apply_max_entries(&r);
	if (!err)
		err = check_programs(&r);
	if (err)
		goto out;
	err = evbpf_object_load(r.obj);
	if (err) {
		run_fail_lib(r.opts.path, err);
		goto out;
	}
	if (make_views(&r))
		goto out;
	if (r.opts.table || (!r.opts.json && isatty(STDOUT_FILENO))) {
		r.table = run_table_new(r.nr_maps > 1);
		if (!r.table) {
			run_fail("out of memory");
			goto out;
		}
	}
	if (r.opts.duration > 0) {
		duration_ms = (uint64_t)(r.opts.duration * 1000.0 + 0.5);
		if (!duration_ms)
			duration_ms = 1;
	}
	err = r.lops->create(duration_ms, on_stop, &r, &r.loop, &r.reactor);
	if (err) {
		run_fail("cannot set up the %s loop: %s", r.lops->name, evbpf_strerror(err));
		goto out;
	}
	if (start_consumers(&r) || start_views(&r) || attach_all(&r))
		goto out;
	if (!r.nr_links && r.nr_skipped) {
		/* Every program was skipped: nothing could ever arrive. */
		run_fail("no program could be attached on this kernel (%zu skipped, see above)",
		         r.nr_skipped);
		goto out;
	}
	for (size_t i = 0; i < r.nr_maps; i++)
		nr_read += r.maps[i].rb || r.maps[i].pb;
	if (!nr_read && !r.nr_views)
		fprintf(stderr, "evbpf: run: note: no ring buffer or perf event array to read\n");
	if (r.opts.verbose)
		fprintf(stderr, "evbpf: run: ready: %zu program(s) attached, %zu buffer(s) on %s\n",
		        r.nr_links, nr_read, r.lops->name);
	err = r.lops->run(r.loop);
	if (err) {
		run_fail("the %s loop failed: %s", r.lops->name, evbpf_strerror(err));
		goto out;
	}
	ret = 0;
out:
	teardown(&r, ret == 0);
	if (ret == 0 && (ferror(stdout) || r.write_errno)) {
		/* A closed pipe (evbpf run ... | head) is a normal way to stop. */
		if (r.write_errno != EPIPE) {
			run_fail("writing stdout: %s",
			         strerror(r.write_errno ? r.write_errno : EIO));
			ret = 1;
		}
	}
	if (r.opts.verbose && ret == 0)
		fprintf(stderr, "evbpf: run: %llu record(s)\n", (unsigned long long)r.records);
	return ret;
}

const struct tool_cmd tool_cmd_run = {
    .name = "run",
    .usage = "run FILE.o [OPTIONS]      attach, stream ring/perf buffer records as a table "
             "or JSON (run --help)",
    .help = run_help,
    .run = run_cmd,
};
