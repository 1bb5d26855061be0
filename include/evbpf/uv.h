/* SPDX-License-Identifier: MIT */
/* The libuv reactor: evbpf consumers as handles on a uv_loop_t. */
#ifndef EVBPF_UV_H
#define EVBPF_UV_H

#include <uv.h>
#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A reactor on a libuv loop: consumers started on it become uv_poll_t and
 * uv_timer_t handles, and off-loop work goes to uv_queue_work. The loop
 * must outlive the reactor. Free it with evbpf_reactor_free() on the loop
 * thread; handle memory is released in libuv close callbacks, so run the
 * loop once more before uv_loop_close(), which then returns 0.
 */
EVBPF_API int evbpf_uv_reactor_new(uv_loop_t *loop, struct evbpf_reactor **reactorp);

/*
 * Whether the reactor's handles keep the loop alive (ref != 0, the default)
 * or not (uv_unref): with ref 0, uv_run(UV_RUN_DEFAULT) returns once
 * nothing else is active, even while consumers are started on this
 * reactor, as Node.js does for an unref()'d timer or socket. The setting
 * applies to the handles open now and to those opened later. A stopped
 * consumer has no handles, so it never keeps the loop alive either way.
 * Off-loop work (map dumps in flight) always keeps it alive until it
 * completes. -EINVAL when reactor is not a libuv reactor.
 */
EVBPF_API int evbpf_uv_reactor_set_ref(struct evbpf_reactor *reactor, int ref);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_UV_H */
