/* SPDX-License-Identifier: MIT */
/*
 * The event loop under `evbpf run`: the same few things on libuv and on
 * libev. A loop owns its reactor, a timer for --duration, SIGINT and
 * SIGTERM watchers, and a watcher that flushes stdout each time the loop
 * is about to wait, so JSON lines go out as soon as a drain is over
 * without a write() per record.
 */
#ifndef EVBPF_TOOL_RUN_LOOP_H
#define EVBPF_TOOL_RUN_LOOP_H

#include <evbpf/async.h>

struct run_loop;

/* Why the loop wants to stop, handed to the stop callback with a signal
 * number (RUN_STOP_SIGNAL) or an errno (RUN_STOP_OUTPUT: flushing stdout
 * failed, e.g. EPIPE when the reader went away). */
enum run_stop_reason {
	RUN_STOP_DURATION,
	RUN_STOP_SIGNAL,
	RUN_STOP_OUTPUT,
};

typedef void (*run_stop_fn)(void *ctx, enum run_stop_reason why, int arg);

struct run_loop_ops {
	const char *name;
	/* A new loop and its reactor (the caller frees the reactor with
	 * evbpf_reactor_free() before destroy). duration_ms 0: no timer. */
	int (*create)(uint64_t duration_ms, run_stop_fn on_stop, void *ctx, struct run_loop **lp,
	              struct evbpf_reactor **reactorp);
	/* Run until stop() or a stop condition. */
	int (*run)(struct run_loop *l);
	/* Make run() return; callable from any callback on the loop. */
	void (*stop)(struct run_loop *l);
	/* Close the loop's own watchers, let closing handles finish (the
	 * consumers must be freed first), and free everything. */
	void (*destroy)(struct run_loop *l);
};

#ifdef EVBPF_TOOL_HAVE_UV
extern const struct run_loop_ops run_loop_uv;
#endif
#ifdef EVBPF_TOOL_HAVE_EV
extern const struct run_loop_ops run_loop_ev;
#endif

#endif
