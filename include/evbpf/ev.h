/* SPDX-License-Identifier: MIT */
/* The libev reactor: evbpf consumers as watchers on a struct ev_loop. */
#ifndef EVBPF_EV_H
#define EVBPF_EV_H

#include <ev.h>
#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A reactor on a libev loop: consumers started on it become ev_io and
 * ev_timer watchers; off-loop work runs on one worker thread and completes
 * on the loop through an ev_async. The loop must outlive the reactor; free
 * it with evbpf_reactor_free() on the loop thread.
 */
EVBPF_API int evbpf_ev_reactor_new(struct ev_loop *loop, struct evbpf_reactor **reactorp);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_EV_H */
