/* SPDX-License-Identifier: MIT */
/*
 * The async layer: ring buffers, perf event arrays and map polling as
 * watchers on an event loop. A reactor (see <evbpf/uv.h>, <evbpf/ev.h>) is
 * a loop plus the few operations the consumers need. Every callback runs on
 * the loop's thread.
 */
#ifndef EVBPF_ASYNC_H
#define EVBPF_ASYNC_H

#include <evbpf/evbpf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbpf_reactor;
struct evbpf_ringbuf;
struct evbpf_perfbuf;

/* Called once per record; data points into the ring (zero copy) and is
 * valid only during the call. A negative return stops the drain and is
 * returned by the call that drained. */
typedef int (*evbpf_ringbuf_fn)(void *ctx, const void *data, size_t size);
typedef int (*evbpf_perfbuf_fn)(void *ctx, int cpu, const void *data, size_t size);
typedef void (*evbpf_lost_fn)(void *ctx, int cpu, uint64_t lost);

EVBPF_API int evbpf_ringbuf_new(const struct evbpf_map *map, evbpf_ringbuf_fn fn, void *ctx,
				struct evbpf_ringbuf **rbp);
/* Drain now, without a loop: the number of records consumed or -errno. */
EVBPF_API int evbpf_ringbuf_consume(struct evbpf_ringbuf *rb);
EVBPF_API int evbpf_ringbuf_start(struct evbpf_ringbuf *rb, struct evbpf_reactor *reactor);
EVBPF_API int evbpf_ringbuf_stop(struct evbpf_ringbuf *rb);
EVBPF_API void evbpf_ringbuf_free(struct evbpf_ringbuf *rb);

EVBPF_API int evbpf_perfbuf_new(const struct evbpf_map *map, size_t pages_per_cpu,
				evbpf_perfbuf_fn fn, evbpf_lost_fn lost, void *ctx,
				struct evbpf_perfbuf **pbp);
EVBPF_API int evbpf_perfbuf_consume(struct evbpf_perfbuf *pb);
EVBPF_API int evbpf_perfbuf_start(struct evbpf_perfbuf *pb, struct evbpf_reactor *reactor);
EVBPF_API int evbpf_perfbuf_stop(struct evbpf_perfbuf *pb);
EVBPF_API void evbpf_perfbuf_free(struct evbpf_perfbuf *pb);

EVBPF_API void evbpf_reactor_free(struct evbpf_reactor *reactor);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_ASYNC_H */
