/* SPDX-License-Identifier: MIT */
/*
 * Perf buffer consumer: a BPF_MAP_TYPE_PERF_EVENT_ARRAY read through one
 * PERF_COUNT_SW_BPF_OUTPUT event per online CPU.
 *
 * Each event has 1 + 2^n pages mapped: the perf_event_mmap_page with
 * data_head (written by the kernel) and data_tail (written by us), then the
 * data ring. Records are a perf_event_header followed by the body; a
 * PERF_RECORD_SAMPLE carries our PERF_SAMPLE_RAW payload (u32 size, bytes),
 * a PERF_RECORD_LOST the number of samples the kernel had to drop because
 * the ring was full. The ring is mapped once, so a record that wraps
 * around its end is copied into a scratch buffer that grows to the largest
 * such record and is reused: no allocation per record.
 *
 * data_head is read with an acquire load (the record bytes are visible
 * after it); data_tail is written with a release store, once per CPU per
 * drain, after we are done with every record before it.
 *
 * Wakeups: all event fds are in one epoll fd, and that is what the reactor
 * watches. A perf event's poll reports readiness once per wakeup (it clears
 * the flag as it reports it), so after any wakeup every CPU's ring is
 * checked (two loads per CPU), and leftovers of a budget-limited drain are
 * resumed by the kick timer, never left to a wakeup that may not come.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "consumer.h"

struct perf_cpu_buf {
	int cpu;
	int fd;
	bool in_map; /* fd stored at key cpu in the perf event array */
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	uint64_t data_size;
	size_t mmap_size;
};

struct evbpf_perfbuf {
	struct evbpf__consumer c; /* first: the consumer callbacks cast back */
	evbpf_perfbuf_fn fn;
	evbpf_lost_fn lost_fn;
	void *ctx;
	int map_fd; /* our dup of the map's fd */
	char map_name[BPF_OBJ_NAME_LEN];
	struct perf_cpu_buf *cpus;
	int nr_cpus;
	int next_cpu; /* where the next drain starts, for fairness */
	uint8_t *scratch;
	size_t scratch_size;
};

struct perf_sample_raw {
	struct perf_event_header header;
	uint32_t size;
	uint8_t data[];
};

struct perf_lost {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

static int scratch_reserve(struct evbpf_perfbuf *pb, size_t size)
{
	uint8_t *p;

	if (size <= pb->scratch_size)
		return 0;
	p = realloc(pb->scratch, size);
	if (!p)
		return evbpf__err(-ENOMEM, "perfbuf: out of memory for a wrapped record");
	pb->scratch = p;
	pb->scratch_size = size;
	return 0;
}

/* The record at offset off, contiguous: in place, or copied if it wraps. */
static const uint8_t *record_at(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b, uint64_t off,
                                size_t size)
{
	size_t first;

	if (off + size <= b->data_size)
		return b->data + off;
	if (scratch_reserve(pb, size))
		return NULL;
	first = b->data_size - off;
	memcpy(pb->scratch, b->data + off, first);
	memcpy(pb->scratch + first, b->data, size - first);
	return pb->scratch;
}

/* Returns a callback's negative result, -errno, or 0. */
static int deliver(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b, const uint8_t *rec,
                   size_t size, uint64_t *n)
{
	const struct perf_event_header *h = (const void *)rec;

	switch (h->type) {
	case PERF_RECORD_SAMPLE: {
		const struct perf_sample_raw *s = (const void *)rec;

		if (size < sizeof(*s) || s->size > size - sizeof(*s))
			return evbpf__err(-EINVAL,
			                  "perfbuf: cpu %d: sample of %u bytes in a "
			                  "record of %zu",
			                  b->cpu, size < sizeof(*s) ? 0 : s->size, size);
		(*n)++;
		pb->c.stats.records++;
		pb->c.stats.bytes += s->size;
		return pb->fn(pb->ctx, b->cpu, s->data, s->size);
	}
	case PERF_RECORD_LOST: {
		const struct perf_lost *l = (const void *)rec;

		if (size < sizeof(*l))
			return evbpf__err(-EINVAL, "perfbuf: cpu %d: short lost record", b->cpu);
		pb->c.stats.lost += l->lost;
		if (pb->lost_fn)
			pb->lost_fn(pb->ctx, b->cpu, l->lost);
		return 0;
	}
	default:
		return 0; /* nothing else is expected from a BPF output event */
	}
}

static long drain_cpu(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b, uint64_t limit, uint64_t *n,
                      bool *hit)
{
	uint64_t head = __atomic_load_n(&b->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = b->meta->data_tail, mask = b->data_size - 1;
	long ret = 0;

	while (tail < head) {
		struct perf_event_header h;
		const uint8_t *rec;
		uint64_t off = tail & mask;
		int err;

		if (*n >= limit && !pb->c.drain_all) {
			*hit = true;
			break;
		}
		rec = record_at(pb, b, off, sizeof(h));
		if (!rec) {
			ret = -ENOMEM;
			break;
		}
		memcpy(&h, rec, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail) {
			ret = evbpf__err(-EINVAL,
			                 "perfbuf: cpu %d: corrupt record of %u bytes "
			                 "with %llu available; ring skipped",
			                 b->cpu, h.size, (unsigned long long)(head - tail));
			tail = head;
			break;
		}
		rec = record_at(pb, b, off, h.size);
		if (!rec) {
			ret = -ENOMEM;
			break;
		}
		/* Consumed even when the callback fails or stops us. */
		tail += h.size;
		err = deliver(pb, b, rec, h.size, n);
		if (err < 0) {
			/* The record was consumed: carrying on later is safe. */
			ret = err;
			pb->c.cb_failed = true;
			break;
		}
		if (evbpf__consumer_should_end(&pb->c))
			break;
	}
	if (tail != b->meta->data_tail)
		__atomic_store_n(&b->meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

static long perfbuf_drain(struct evbpf__consumer *c, uint64_t limit, bool *hit)
{
	struct evbpf_perfbuf *pb = (struct evbpf_perfbuf *)c;
	uint64_t n = 0;
	long ret;

	for (int k = 0; k < pb->nr_cpus; k++) {
		int i = (pb->next_cpu + k) % pb->nr_cpus;

		ret = drain_cpu(pb, &pb->cpus[i], limit, &n, hit);
		if (ret < 0)
			return ret;
		if (*hit) {
			/* Carry on with this CPU next time. */
			pb->next_cpu = i;
			break;
		}
		if (evbpf__consumer_should_end(c))
			break;
	}
	if (!*hit && pb->nr_cpus)
		pb->next_cpu = (pb->next_cpu + 1) % pb->nr_cpus;
	return (long)n;
}

static void perfbuf_destroy(struct evbpf__consumer *c)
{
	struct evbpf_perfbuf *pb = (struct evbpf_perfbuf *)c;

	for (int i = 0; i < pb->nr_cpus; i++) {
		struct perf_cpu_buf *b = &pb->cpus[i];
		union bpf_attr attr;
		uint32_t key = (uint32_t)b->cpu;

		if (b->in_map) {
			/* Leave nothing behind in the map: a perf event
			 * array holds its events until they are deleted. */
			memset(&attr, 0, sizeof(attr));
			attr.map_fd = (uint32_t)pb->map_fd;
			attr.key = (uint64_t)(uintptr_t)&key;
			evbpf__bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
		}
		if (b->meta)
			munmap(b->meta, b->mmap_size);
		if (b->fd >= 0)
			close(b->fd);
	}
	if (pb->map_fd >= 0)
		close(pb->map_fd);
	free(pb->cpus);
	free(pb->scratch);
	free(pb);
}

static const struct evbpf__consumer_ops perfbuf_ops = {
    .kind = "perfbuf",
    .drain = perfbuf_drain,
    .destroy = perfbuf_destroy,
};

static int read_online_cpus(bool *mask, int mask_len)
{
	uint8_t *buf;
	size_t size;
	int err;

	err = evbpf__read_file("/sys/devices/system/cpu/online", &buf, &size);
	if (err)
		return evbpf__err(err, "perfbuf: cannot read /sys/devices/system/cpu/online: %s",
		                  evbpf_strerror(err));
	err = evbpf__parse_cpu_list((const char *)buf, mask, mask_len, NULL);
	free(buf);
	if (err < 0)
		return evbpf__err(err, "perfbuf: cannot parse /sys/devices/system/cpu/online");
	return 0;
}

static int open_cpu(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b, size_t pages,
                    const struct evbpf_perfbuf_opts *o)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_attr attr;
	struct epoll_event ev = {.events = EPOLLIN};
	union bpf_attr battr;
	uint32_t key = (uint32_t)b->cpu;
	int err;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = 1;
	if (o->wakeup_watermark) {
		attr.watermark = 1;
		attr.wakeup_watermark = o->wakeup_watermark;
	} else if (o->max_delay_us && !o->wakeup_events) {
		/* Adaptive wakeups: the timer drains; the kernel wakes us
		 * only when a CPU's ring is half full. */
		attr.watermark = 1;
		attr.wakeup_watermark = (uint32_t)(pages * page / 2);
	} else {
		attr.wakeup_events = o->wakeup_events ? o->wakeup_events : 1;
	}
	b->fd = (int)syscall(__NR_perf_event_open, &attr, -1, b->cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (b->fd < 0) {
		err = -errno;
		b->fd = -1;
		return evbpf__err(err, "perfbuf: map '%s': perf_event_open on cpu %d: %s",
		                  pb->map_name, b->cpu, evbpf_strerror(err));
	}
	b->mmap_size = page * (pages + 1);
	b->meta = mmap(NULL, b->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->meta == MAP_FAILED) {
		err = -errno;
		b->meta = NULL;
		return evbpf__err(err, "perfbuf: map '%s': mmap of %zu pages on cpu %d: %s",
		                  pb->map_name, pages + 1, b->cpu, evbpf_strerror(err));
	}
	/* data_offset/data_size exist since Linux 4.1; before, data follows
	 * the first page. */
	if (b->meta->data_offset && b->meta->data_size) {
		if (b->meta->data_offset + b->meta->data_size > b->mmap_size)
			return evbpf__err(-EINVAL, "perfbuf: cpu %d: data area out of the mapping",
			                  b->cpu);
		b->data = (uint8_t *)b->meta + b->meta->data_offset;
		b->data_size = b->meta->data_size;
	} else {
		b->data = (uint8_t *)b->meta + page;
		b->data_size = page * pages;
	}
	if (ioctl(b->fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		err = -errno;
		return evbpf__err(err, "perfbuf: cpu %d: PERF_EVENT_IOC_ENABLE: %s", b->cpu,
		                  evbpf_strerror(err));
	}
	memset(&battr, 0, sizeof(battr));
	battr.map_fd = (uint32_t)pb->map_fd;
	battr.key = (uint64_t)(uintptr_t)&key;
	battr.value = (uint64_t)(uintptr_t)&b->fd;
	err = evbpf__bpf(BPF_MAP_UPDATE_ELEM, &battr, sizeof(battr));
	if (err < 0)
		return evbpf__err(err, "perfbuf: map '%s': storing cpu %d's event: %s",
		                  pb->map_name, b->cpu, evbpf_strerror(err));
	b->in_map = true;
	if (epoll_ctl(pb->c.epfd, EPOLL_CTL_ADD, b->fd, &ev) < 0) {
		err = -errno;
		return evbpf__err(err, "perfbuf: cpu %d: epoll_ctl: %s", b->cpu,
		                  evbpf_strerror(err));
	}
	return 0;
}

static int perfbuf_setup(struct evbpf_perfbuf *pb, const struct evbpf_map *map, size_t pages,
                         const struct evbpf_perfbuf_opts *o)
{
	int ncpu = evbpf_num_possible_cpus(), err;
	uint32_t max = evbpf_map_max_entries(map);
	bool *online;

	if (ncpu < 0)
		return ncpu;
	online = calloc((size_t)ncpu, sizeof(*online));
	pb->cpus = calloc((size_t)ncpu, sizeof(*pb->cpus));
	if (!online || !pb->cpus) {
		free(online);
		return evbpf__err(-ENOMEM, "perfbuf: out of memory");
	}
	err = read_online_cpus(online, ncpu);
	if (err)
		goto out;
	pb->c.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (pb->c.epfd < 0) {
		err = -errno;
		err = evbpf__err(err, "perfbuf: epoll_create1: %s", evbpf_strerror(err));
		goto out;
	}
	for (int cpu = 0; cpu < ncpu && (uint32_t)cpu < max; cpu++) {
		struct perf_cpu_buf *b;

		if (!online[cpu])
			continue;
		b = &pb->cpus[pb->nr_cpus++];
		b->cpu = cpu;
		b->fd = -1;
		err = open_cpu(pb, b, pages, o);
		if (err)
			goto out;
	}
	if (!pb->nr_cpus)
		err = evbpf__err(-ENODEV, "perfbuf: map '%s' has no slot for an online cpu",
		                 pb->map_name);
out:
	free(online);
	return err;
}

EVBPF_API int evbpf_perfbuf_new_opts(const struct evbpf_map *map, size_t pages_per_cpu,
                                     evbpf_perfbuf_fn fn, evbpf_lost_fn lost, void *ctx,
                                     const struct evbpf_perfbuf_opts *opts,
                                     struct evbpf_perfbuf **pbp)
{
	struct evbpf_perfbuf_opts o = {0};
	struct evbpf_perfbuf *pb;
	int fd, err;

	if (!map)
		return evbpf__err_null_map("perfbuf");
	if (!fn || !pbp)
		return evbpf__err(-EINVAL, "perfbuf: NULL argument");
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return evbpf__err(-EINVAL, "perfbuf: opts->sz is not set");
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (o.flags & ~(EVBPF_ASYNC_TIMER_ONLY | EVBPF_ASYNC_DRAIN_ON_STOP))
		return evbpf__err(-EINVAL, "perfbuf: unknown flags 0x%x", o.flags);
	if ((o.flags & EVBPF_ASYNC_TIMER_ONLY) && !o.drain_interval_ms)
		return evbpf__err(-EINVAL, "perfbuf: EVBPF_ASYNC_TIMER_ONLY needs "
		                           "drain_interval_ms");
	if ((o.flags & EVBPF_ASYNC_TIMER_ONLY) && o.max_delay_us)
		return evbpf__err(-EINVAL, "perfbuf: max_delay_us needs wakeups, not "
		                           "EVBPF_ASYNC_TIMER_ONLY");
	if (!pages_per_cpu || (pages_per_cpu & (pages_per_cpu - 1)) || pages_per_cpu > (1u << 20))
		return evbpf__err(-EINVAL, "perfbuf: pages_per_cpu %zu is not a power of two",
		                  pages_per_cpu);
	fd = evbpf_map_fd(map);
	if (fd < 0)
		return evbpf__err(-EINVAL, "perfbuf: map '%s' is not loaded", evbpf_map_name(map));
	if (evbpf_map_type(map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return evbpf__err(-EINVAL, "perfbuf: map '%s' is a %s map, not a perf event array",
		                  evbpf_map_name(map), evbpf_map_type_name(evbpf_map_type(map)));
	pb = calloc(1, sizeof(*pb));
	if (!pb)
		return evbpf__err(-ENOMEM, "perfbuf: out of memory");
	evbpf__consumer_init(&pb->c, &perfbuf_ops, o.budget, o.drain_interval_ms, o.flags);
	pb->fn = fn;
	pb->lost_fn = lost;
	pb->ctx = ctx;
	snprintf(pb->map_name, sizeof(pb->map_name), "%s", evbpf_map_name(map));
	/* Our own reference: the entries must be deletable at free even if
	 * the object was closed first. */
	pb->map_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (pb->map_fd < 0) {
		err = -errno;
		free(pb);
		return evbpf__err(err, "perfbuf: dup of the map fd: %s", evbpf_strerror(err));
	}
	err = perfbuf_setup(pb, map, pages_per_cpu, &o);
	if (!err)
		err = evbpf__adaptive_init(
		    &pb->c, o.max_delay_us, -1,
		    (uint64_t)pages_per_cpu * (uint64_t)sysconf(_SC_PAGESIZE), true);
	if (err) {
		evbpf__consumer_free(&pb->c);
		return err;
	}
	*pbp = pb;
	return 0;
}

EVBPF_API int evbpf_perfbuf_new(const struct evbpf_map *map, size_t pages_per_cpu,
                                evbpf_perfbuf_fn fn, evbpf_lost_fn lost, void *ctx,
                                struct evbpf_perfbuf **pbp)
{
	return evbpf_perfbuf_new_opts(map, pages_per_cpu, fn, lost, ctx, NULL, pbp);
}

#define CHECK_PB(pb, what)                                                                         \
	do {                                                                                       \
		if (!(pb))                                                                         \
			return evbpf__err(-EINVAL, "perfbuf %s: NULL perfbuf", what);              \
	} while (0)

EVBPF_API int evbpf_perfbuf_consume(struct evbpf_perfbuf *pb)
{
	CHECK_PB(pb, "consume");
	return evbpf__consumer_run(&pb->c, UINT64_MAX, EVBPF__DRAIN_CALL);
}

EVBPF_API int evbpf_perfbuf_flush(struct evbpf_perfbuf *pb)
{
	CHECK_PB(pb, "flush");
	return evbpf__consumer_run(&pb->c, UINT64_MAX, EVBPF__DRAIN_CALL);
}

EVBPF_API int evbpf_perfbuf_poll(struct evbpf_perfbuf *pb, int timeout_ms)
{
	CHECK_PB(pb, "poll");
	return evbpf__consumer_poll(&pb->c, timeout_ms);
}

EVBPF_API int evbpf_perfbuf_epoll_fd(const struct evbpf_perfbuf *pb)
{
	CHECK_PB(pb, "epoll_fd");
	return pb->c.epfd;
}

EVBPF_API int evbpf_perfbuf_cpu_count(const struct evbpf_perfbuf *pb)
{
	CHECK_PB(pb, "cpu_count");
	return pb->nr_cpus;
}

EVBPF_API int evbpf_perfbuf_start(struct evbpf_perfbuf *pb, struct evbpf_reactor *reactor)
{
	CHECK_PB(pb, "start");
	return evbpf__consumer_start(&pb->c, reactor);
}

EVBPF_API int evbpf_perfbuf_stop(struct evbpf_perfbuf *pb)
{
	CHECK_PB(pb, "stop");
	return evbpf__consumer_stop(&pb->c);
}

EVBPF_API int evbpf_perfbuf_stats(const struct evbpf_perfbuf *pb, struct evbpf_async_stats *stats)
{
	CHECK_PB(pb, "stats");
	return evbpf__consumer_stats(&pb->c, stats);
}

EVBPF_API void evbpf_perfbuf_free(struct evbpf_perfbuf *pb)
{
	if (pb)
		evbpf__consumer_free(&pb->c);
}
