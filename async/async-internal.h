/* SPDX-License-Identifier: MIT */
/*
 * Hooks of the async layer for its own tests; not part of any API.
 */
#ifndef EVBPF_ASYNC_INTERNAL_H
#define EVBPF_ASYNC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <evbpf/async.h>

/*
 * A ring buffer consumer over memory laid out like a BPF ring buffer: the
 * consumer position at consumer_page, the producer position at
 * producer_page, and 2 * size bytes of data (the second half a copy of the
 * first, as the kernel's double mapping). For tests of the drain logic
 * (busy and discarded records, wrapping, corrupt lengths) without a
 * kernel. It has no fd: it cannot be started or polled.
 */
__attribute__((visibility("hidden"))) int
evbpf__ringbuf_new_mem(void *consumer_page, const void *producer_page, const void *data,
                       size_t size, evbpf_ringbuf_fn fn, void *ctx,
                       const struct evbpf_ringbuf_opts *opts, struct evbpf_ringbuf **rbp);

/* Adaptive wakeups' hold, set directly: for tests of what a drain
 * publishes in timer mode. */
__attribute__((visibility("hidden"))) void evbpf__ringbuf_set_hold(struct evbpf_ringbuf *rb,
                                                                   bool hold);

#endif /* EVBPF_ASYNC_INTERNAL_H */
