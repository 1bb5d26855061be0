/* SPDX-License-Identifier: MIT */
/* The libev reactor: evbpf consumers as watchers on a struct ev_loop. */
#ifndef EVBPF_EV_H
#define EVBPF_EV_H

#include <ev.h>
#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

EVBPF_API int evbpf_ev_reactor_new(struct ev_loop *loop, struct evbpf_reactor **reactorp);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_EV_H */
