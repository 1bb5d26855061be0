/* SPDX-License-Identifier: MIT */
/*
 * The C side of bench/node.sh: the same work as node_consumer.js, so that
 * the difference is what Node adds. BPF_PROG_TEST_RUN writes CHUNK records
 * of tests/bpf/node_events.bpf.c into the ring, a libuv loop drains them
 * through evbpf_ringbuf (one callback per record, reading the sequence
 * number), and the next chunk follows once the last was consumed.
 * Prints one JSON line: records, wall ns, CPU ns (user + sys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <evbpf/uv.h>

#define CHUNK 50000

static struct evbpf_program *prog;
static struct evbpf_ringbuf *rb;
static uint64_t total, got, produced, bad;
static unsigned char packet[64];

static void produce(void)
{
	struct evbpf_test_run_opts o = {
	    .sz = sizeof(o), .data_in = packet, .data_size_in = sizeof(packet), .repeat = CHUNK};

	if (evbpf_program_test_run(prog, &o)) {
		fprintf(stderr, "test run: %s\n", evbpf_errmsg());
		exit(1);
	}
	produced += CHUNK;
}

static int on_record(void *ctx, const void *data, size_t size)
{
	uint64_t seq;

	(void)ctx;
	memcpy(&seq, data, sizeof(seq));
	if (seq != got || size != 32)
		bad++;
	if (++got == total) {
		evbpf_ringbuf_free(rb);
		return -1;
	}
	if (got == produced)
		produce();
	return 0;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct evbpf_object *obj;
	struct evbpf_reactor *r;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s node_events.bpf.o RECORDS\n", argv[0]);
		return 2;
	}
	total = strtoull(argv[2], NULL, 10);
	if (evbpf_object_open_file(argv[1], NULL, &obj) || evbpf_object_load(obj)) {
		fprintf(stderr, "load: %s\n", evbpf_errmsg());
		return 1;
	}
	prog = evbpf_object_find_program(obj, "ring_emit");
	if (evbpf_uv_reactor_new(uv_default_loop(), &r) ||
	    evbpf_ringbuf_new(evbpf_object_find_map(obj, "events"), on_record, NULL, &rb) ||
	    evbpf_ringbuf_start(rb, r)) {
		fprintf(stderr, "consumer: %s\n", evbpf_errmsg());
		return 1;
	}
	evbpf_reactor_free(r);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	produce();
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	printf("{\"records\":%llu,\"bad\":%llu,\"wallNs\":%llu,\"cpuNs\":%llu}\n",
	       (unsigned long long)got, (unsigned long long)bad,
	       (unsigned long long)(now_ns(CLOCK_MONOTONIC) - t0),
	       (unsigned long long)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	evbpf_object_close(obj);
	return bad || got != total;
}
