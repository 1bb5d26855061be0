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
 * data_head is read with one acquire load per CPU per drain (the record
 * bytes are visible after it); data_tail is written with one release
 * store per CPU per drain, after we are done with every record before it.
 * Both sit on the cache line the kernel writes anyway.
 *
 * The drain loop (perf_pass) is built like the ring buffer's. It used to
 * cost 65 instructions per record against libbpf's 36 (callgrind, 11 of
 * them the callback's own), and the reasons were all per record: the
 * record was looked up twice through a helper that checks for wrapping
 * (once for the header, once for the whole record), the header copied
 * out, its size checked twice, the type switched on, the sample's raw
 * size loaded and checked, three counters (the drain's count through a
 * pointer, stats.records, stats.bytes) updated in memory, the limit and
 * drain-all flags and the end flag tested, and the tail masked into an
 * offset; and about a dozen values were live across the opaque callback
 * against six callee-saved registers, so several were spilled and
 * reloaded around every call. Now a record whose 8-byte header word
 * equals the previous sample's takes a fast path of 12 instructions: one
 * compare with memory for the type, size and raw-size checks, one compare
 * of the record pointer with a per-run cap in the consumer (which stop()
 * and free() clear, so it also ends a stopped drain), the call, the error
 * test and the advance; records and bytes are counted per run of equal
 * headers. Wrapped records, lost reports, new sizes and the limit's last
 * record go through the slow path.
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
	int *cpu_fds; /* default mode: the events the loop watches directly */
	int next_cpu;  /* where the next drain starts, for fairness */
	int cur_cpu;   /* the CPU whose ring the drain is reading */
	uint64_t prev; /* the fast path's guess: the last well-formed sample's header word */
	uint8_t *scratch;
	size_t scratch_size;
};

/* A PERF_RECORD_SAMPLE of a PERF_SAMPLE_RAW-only event: header, the raw
 * size, then the raw bytes (padded so that the record is 8-byte aligned). */
#define PERF_SAMPLE_HDR 12
/* The size field of a record header, as the top 16 bits of its word. */
#define PERF_HDR_SIZE(w) ((uint32_t)((w) >> 48))
/* A header word the kernel never writes (an odd size): as the guess, it
 * sends the next record down the slow path. */
#define PERF_NO_WORD UINT64_MAX

struct perf_lost {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

/* The state of one drain, kept in locals by the (inlined) pass. */
struct perf_drain {
	uint64_t left;  /* records the limit still allows (UINT64_MAX: no limit) */
	uint64_t n;     /* records delivered */
	uint64_t bytes; /* their payload bytes (the raw sizes) */
	long ret;       /* a callback's negative result or -errno */
	bool stop;      /* ended by a callback, an error, a stop or the limit */
	bool limit;     /* ended by the limit */
	bool skip;      /* a corrupt record: the rest of the CPU's ring is skipped */
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

static void cb_failed(struct evbpf_perfbuf *pb, struct perf_drain *d, int err)
{
	d->ret = err;
	d->stop = true;
	pb->c.cb_failed = true;
}

static void corrupt(struct evbpf_perfbuf *pb, struct perf_drain *d, uint32_t size, uint64_t avail)
{
	d->ret = evbpf__err(-EINVAL,
	                    "perfbuf: cpu %d: corrupt record of %u bytes with %llu available; "
	                    "ring skipped",
	                    pb->cur_cpu, size, (unsigned long long)avail);
	d->stop = true;
	d->skip = true;
}

/*
 * Deliver one record (header word w, size bytes at rec) off the fast path:
 * a sample of a new size, a lost report, a record of another type, a
 * record that wrapped around the ring's end. A well-formed sample becomes
 * the guess of the fast path. The callback's result, -errno or 0; *sample
 * says whether it was a sample (which counts against the limit).
 */
static int slow_record(struct evbpf_perfbuf *pb, struct perf_drain *d, const uint8_t *rec,
                       uint64_t w, uint32_t size, bool *sample)
{
	switch ((uint32_t)w) {
	case PERF_RECORD_SAMPLE: {
		uint32_t raw;

		if (size < PERF_SAMPLE_HDR)
			return evbpf__err(-EINVAL, "perfbuf: cpu %d: sample of %u bytes",
			                  pb->cur_cpu, size);
		memcpy(&raw, rec + sizeof(struct perf_event_header), sizeof(raw));
		if (raw > size - PERF_SAMPLE_HDR)
			return evbpf__err(-EINVAL,
			                  "perfbuf: cpu %d: sample of %u bytes in a record of %u",
			                  pb->cur_cpu, raw, size);
		/* The kernel writes header.size = 12 + raw size for a raw-only
		 * sample (the raw size includes the padding). When it does,
		 * records with this header word take the fast path, which
		 * takes the size from the header. */
		if (raw == size - PERF_SAMPLE_HDR)
			pb->prev = w;
		*sample = true;
		d->n++;
		d->bytes += raw;
		return pb->fn(pb->ctx, pb->cur_cpu, rec + PERF_SAMPLE_HDR, raw);
	}
	case PERF_RECORD_LOST: {
		struct perf_lost l;

		if (size < sizeof(l))
			return evbpf__err(-EINVAL, "perfbuf: cpu %d: short lost record",
			                  pb->cur_cpu);
		memcpy(&l, rec, sizeof(l));
		pb->c.stats.lost += l.lost;
		if (pb->lost_fn)
			pb->lost_fn(pb->ctx, pb->cur_cpu, l.lost);
		return 0;
	}
	default:
		return 0; /* nothing else is expected from a BPF output event */
	}
}

/* A record's header word. A plain load: data_head's acquire load ordered
 * every record before head. */
static inline uint64_t load_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Records of size stride in [run, p), delivered by the fast path. */
static inline void count_run(struct perf_drain *d, const uint8_t *run, const uint8_t *p,
                             uint64_t stride)
{
	uint64_t k;

	if (p == run)
		return;
	k = (uint64_t)(p - run) / stride;
	d->n += k;
	d->bytes += k * (stride - PERF_SAMPLE_HDR);
}

/*
 * One pass over the records in [p, end), p < end: a part of one CPU's ring
 * that is contiguous in memory (up to the producer's head, or up to the
 * ring's end when the data wraps). Returns where it stopped: at end, at a
 * record that runs past end (*wrap set; the caller tells a wrapped record
 * from a corrupt one), or after the record that ended the drain.
 *
 * The fast path is the ring buffer's (ringbuf.c): a record whose 8-byte
 * header word (type, misc, size) equals that of the previous well-formed
 * sample is a sample of the same size. One compare then stands for the
 * type, size and raw-size checks, the callback's size comes from the
 * stride, and the next header's address does not wait for this header's
 * load. Only the record pointer, the guess (word and stride), the start of
 * the run and the consumer stay live across the callback; records and
 * bytes are counted per run of equal words when the run ends (n = run
 * length / stride), not per record. The bound check is one compare of the
 * record's start with the consumer's drain_cap, set per run to end -
 * stride, which stop() and free() clear from a callback: a record at or
 * past it goes to the tail, which tells the last record of the pass from
 * a stop and from a record that runs past the end. The header word is
 * compared in memory and loaded again on the slow path, and the pointer
 * advances after the call: each saves an instruction per record that the
 * compiler would otherwise spend on a register copy.
 *
 * `limited` is a constant at each call site: only a pass that may deliver
 * more records than the limit allows counts them one by one.
 */
static __attribute__((always_inline)) inline const uint8_t *
perf_pass(struct evbpf_perfbuf *pb, struct perf_drain *d, const uint8_t *p, const uint8_t *end,
          bool *wrap, const bool limited)
{
	uint64_t prev = pb->prev, stride = PERF_HDR_SIZE(prev), left = d->left, n0 = d->n, w;
	const uint8_t *run = p; /* the fast path's records are in [run, p) */
	bool sample;
	uint32_t size;
	int err;

	for (;;) {
		/* The cap for this run: a record at or past it reaches end. */
		pb->c.drain_cap = pb->c.end_req ? 0 : (uintptr_t)end - stride;
		/* Rotated so that the next header's compare closes the loop. */
		while (__builtin_expect(load_word(p) == prev, 1)) {
			if (__builtin_expect((uintptr_t)p >= pb->c.drain_cap, 0))
				goto tail;
			err = pb->fn(pb->ctx, pb->cur_cpu, p + PERF_SAMPLE_HDR,
			             stride - PERF_SAMPLE_HDR);
			p += stride;
			if (__builtin_expect(err < 0, 0))
				goto failed;
			if (limited && __builtin_expect(--left == 0, 0)) {
				if (!pb->c.drain_all)
					goto limit;
				left = UINT64_MAX;
			}
		}
	slow:
		/* Loaded again rather than kept from the compare, which can
		 * then take its operand from memory. */
		w = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
		/* A new header word: close the run first. */
		count_run(d, run, p, stride);
		run = p;
		size = PERF_HDR_SIZE(w);
		if (size < sizeof(struct perf_event_header) || size % 8) {
			corrupt(pb, d, size, (uint64_t)(end - p));
			goto out;
		}
		if (size > (uint64_t)(end - p)) {
			*wrap = true;
			goto out;
		}
		p += size;
		run = p;
		sample = false;
		err = slow_record(pb, d, p - size, w, size, &sample);
		prev = pb->prev;
		stride = PERF_HDR_SIZE(prev);
		if (err < 0)
			goto failed;
		if (limited && sample && --left == 0) {
			if (!pb->c.drain_all)
				goto limit;
			left = UINT64_MAX;
		}
		if (pb->c.end_req) {
			d->stop = true;
			goto out;
		}
		if (p == end)
			goto out;
		continue;
	tail:
		/* A record that reaches the pass end: the last one of the
		 * pass; or the last callback stopped us (the cap was
		 * cleared); or it runs past the end, wrapped or corrupt,
		 * which the slow path tells. Only the first is taken here. */
		if (pb->c.end_req) {
			d->stop = true;
			goto out;
		}
		if ((uint64_t)(end - p) < stride)
			goto slow; /* where the word is the guess: not taken again */
		p += stride;
		err = pb->fn(pb->ctx, pb->cur_cpu, p - stride + PERF_SAMPLE_HDR,
		             stride - PERF_SAMPLE_HDR);
		if (err < 0)
			goto failed;
		if (limited && --left == 0 && !pb->c.drain_all)
			goto limit;
		if (pb->c.end_req)
			d->stop = true;
		goto out;
	}
failed:
	cb_failed(pb, d, err);
	goto out;
limit:
	d->stop = true;
	d->limit = true;
out:
	count_run(d, run, p, stride);
	if (limited)
		d->left = left;
	else if (d->left != UINT64_MAX)
		d->left -= d->n - n0;
	return p;
}

/* The record at tail runs past the ring's end: deliver it from a copy.
 * Its size; 0 when the drain must end (d->ret says why). */
static uint32_t wrapped_record(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b,
                               struct perf_drain *d, uint64_t tail, uint64_t head)
{
	uint64_t off = tail & (b->data_size - 1), w;
	size_t first = b->data_size - off;
	bool sample = false;
	uint32_t size;
	int err;

	memcpy(&w, b->data + off, sizeof(w)); /* 8-byte aligned: never split */
	size = PERF_HDR_SIZE(w);
	if (size > head - tail) {
		corrupt(pb, d, size, head - tail);
		return 0;
	}
	err = scratch_reserve(pb, size);
	if (err) {
		d->ret = err;
		d->stop = true;
		return 0;
	}
	memcpy(pb->scratch, b->data + off, first);
	memcpy(pb->scratch + first, b->data, size - first);
	/* Consumed from here on, even when the callback fails or stops us. */
	err = slow_record(pb, d, pb->scratch, w, size, &sample);
	if (err < 0)
		cb_failed(pb, d, err);
	else if (sample && d->left != UINT64_MAX && --d->left == 0 && !pb->c.drain_all)
		d->stop = d->limit = true;
	else if (pb->c.end_req)
		d->stop = true;
	return size;
}

/*
 * Drain one CPU's ring: data_head is read once (acquire: the records
 * before it are visible), data_tail written once at the end (release: we
 * are done with every record before it), both on the cache line the
 * kernel writes anyway.
 */
static void drain_cpu(struct evbpf_perfbuf *pb, struct perf_cpu_buf *b, struct perf_drain *d)
{
	uint64_t head = __atomic_load_n(&b->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail0 = __atomic_load_n(&b->meta->data_tail, __ATOMIC_RELAXED), tail = tail0;

	pb->cur_cpu = b->cpu;
	if (head - tail > b->data_size) {
		corrupt(pb, d, 0, head - tail);
		tail = head;
	}
	while (tail != head && !d->stop) {
		uint64_t off = tail & (b->data_size - 1), avail = head - tail;
		uint64_t lin = avail < b->data_size - off ? avail : b->data_size - off;
		const uint8_t *start = b->data + off, *p;
		bool wrap = false;

		if (!d->left) {
			if (!pb->c.drain_all) {
				d->stop = d->limit = true;
				break;
			}
			d->left = UINT64_MAX;
		}
		/* A sample takes at least 16 bytes. */
		if (d->left != UINT64_MAX && d->left < lin / 16)
			p = perf_pass(pb, d, start, start + lin, &wrap, true);
		else
			p = perf_pass(pb, d, start, start + lin, &wrap, false);
		tail += (uint64_t)(p - start);
		if (!wrap)
			continue;
		if (lin == avail) {
			/* Past what the kernel has written. */
			uint64_t w;

			memcpy(&w, p, sizeof(w));
			corrupt(pb, d, PERF_HDR_SIZE(w), head - tail);
			break;
		}
		tail += wrapped_record(pb, b, d, tail, head);
	}
	if (d->skip)
		tail = head;
	if (tail != tail0)
		__atomic_store_n(&b->meta->data_tail, tail, __ATOMIC_RELEASE);
}

/* After a drain that the limit ended: are records left anywhere? */
static bool records_left(const struct evbpf_perfbuf *pb)
{
	for (int i = 0; i < pb->nr_cpus; i++) {
		const struct perf_event_mmap_page *m = pb->cpus[i].meta;

		if (__atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE) !=
		    __atomic_load_n(&m->data_tail, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

static long perfbuf_drain(struct evbpf__consumer *c, uint64_t limit, bool *hit)
{
	struct evbpf_perfbuf *pb = (struct evbpf_perfbuf *)c;
	struct perf_drain d = {.left = limit};
	int k, i = pb->next_cpu;

	for (k = 0; k < pb->nr_cpus && !d.stop; k++) {
		i = (pb->next_cpu + k) % pb->nr_cpus;
		drain_cpu(pb, &pb->cpus[i], &d);
	}
	c->stats.records += d.n;
	c->stats.bytes += d.bytes;
	if (d.limit && records_left(pb)) {
		/* Carry on with this CPU next time. */
		*hit = true;
		pb->next_cpu = i;
	} else if (pb->nr_cpus) {
		pb->next_cpu = (pb->next_cpu + 1) % pb->nr_cpus;
	}
	return d.ret < 0 ? d.ret : (long)d.n;
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
	free(pb->cpu_fds);
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

/*
 * Default mode: the loop watches every CPU's event itself, as libbpf's
 * perf_buffer__poll() does with its epoll set, rather than the consumer's
 * epoll fd holding them (a nested epoll: every wakeup and every loop
 * iteration would go through two ready lists). The epoll fd stays for
 * evbpf_perfbuf_epoll_fd() and evbpf_perfbuf_poll(). Adaptive mode keeps
 * the epoll fd: its timerfd lives there.
 */
static int watch_cpus_directly(struct evbpf_perfbuf *pb)
{
	pb->cpu_fds = calloc((size_t)pb->nr_cpus, sizeof(*pb->cpu_fds));
	if (!pb->cpu_fds)
		return evbpf__err(-ENOMEM, "perfbuf: out of memory");
	for (int i = 0; i < pb->nr_cpus; i++)
		pb->cpu_fds[i] = pb->cpus[i].fd;
	pb->c.io_fds = pb->cpu_fds;
	pb->c.nr_io_fds = (size_t)pb->nr_cpus;
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
	pb->c.io_fd = pb->c.epfd;
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
	pb->prev = PERF_NO_WORD;
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
	if (!err && !o.max_delay_us)
		err = watch_cpus_directly(pb);
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
