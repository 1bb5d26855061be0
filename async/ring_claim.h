/* SPDX-License-Identifier: MIT */
/*
 * One reader per ring buffer, one writer per user ring buffer, within a
 * process (async/ring_claim.c).
 */
#ifndef EVBPF_ASYNC_RING_CLAIM_H
#define EVBPF_ASYNC_RING_CLAIM_H

#include <stdint.h>

#include "internal.h"

/*
 * Claim the ring of map_fd for role ("consumer", "producer"): 0 and the
 * map's kernel id in *idp, or -EBUSY with a message naming the map when
 * this process has a claim on it already.
 */
EVBPF_HIDDEN int evbpf__ring_claim(int map_fd, const char *kind, const char *map_name,
                                   const char *role, uint32_t *idp);
/* Give a claim back (id 0: none). */
EVBPF_HIDDEN void evbpf__ring_release(uint32_t id);

#endif /* EVBPF_ASYNC_RING_CLAIM_H */
