/* SPDX-License-Identifier: MIT */
/*
 * Who owns a ring. A BPF ring buffer has one consumer position in shared
 * memory; two consumers in a process would both start from it, both read
 * every record, and publish positions over each other's, so the kernel
 * could overwrite records one of them is still reading. A user ring
 * buffer has one producer position, which the producer keeps a private
 * copy of, and two producers would hand out the same space twice. So the
 * process keeps a set of claimed rings, by the map's kernel id (two fds,
 * or a pin opened twice, are still one ring), and the second claim is
 * refused with a message. The set is process-wide state behind a mutex:
 * consumers live on loops on many threads. Another process reading the
 * same ring cannot be seen from here.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring_claim.h"

struct claim {
	uint32_t id;
	const char *role;
};

static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;
static struct claim *claims;
static size_t nr_claims, claims_cap;

static int map_id(int fd, uint32_t *idp)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = evbpf__bpf_obj_info(fd, &info, &len);
	if (!err)
		*idp = info.id;
	return err;
}

int evbpf__ring_claim(int map_fd, const char *kind, const char *map_name, const char *role,
                      uint32_t *idp)
{
	const char *holder = NULL;
	uint32_t id;
	int err;

	err = map_id(map_fd, &id);
	if (err)
		return evbpf__err(err, "%s: map '%s': reading its id: %s", kind, map_name,
		                  evbpf_strerror(err));
	pthread_mutex_lock(&claims_lock);
	for (size_t i = 0; i < nr_claims; i++)
		if (claims[i].id == id)
			holder = claims[i].role;
	if (!holder && nr_claims == claims_cap) {
		size_t cap = claims_cap ? claims_cap * 2 : 8;
		struct claim *n = realloc(claims, cap * sizeof(*n));

		if (n) {
			claims = n;
			claims_cap = cap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!holder && !err)
		claims[nr_claims++] = (struct claim){.id = id, .role = role};
	pthread_mutex_unlock(&claims_lock);
	if (holder)
		return evbpf__err(-EBUSY,
		                  "%s: map '%s' (id %u) has a %s in this process already; a "
		                  "ring has one %s position, so a second %s would corrupt it: "
		                  "free the first one before creating another",
		                  kind, map_name, id, holder, role, role);
	if (err)
		return evbpf__err(err, "%s: out of memory", kind);
	*idp = id;
	return 0;
}

void evbpf__ring_release(uint32_t id)
{
	if (!id)
		return;
	pthread_mutex_lock(&claims_lock);
	for (size_t i = 0; i < nr_claims; i++) {
		if (claims[i].id == id) {
			claims[i] = claims[--nr_claims];
			break;
		}
	}
	if (!nr_claims) {
		free(claims);
		claims = NULL;
		claims_cap = 0;
	}
	pthread_mutex_unlock(&claims_lock);
}
