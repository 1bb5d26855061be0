/* SPDX-License-Identifier: MIT */
/*
 * USDT: a uprobe on every site of a <sys/sdt.h> probe, for BPF programs
 * written against libbpf's <bpf/usdt.bpf.h>, which must work unchanged.
 *
 * What the BPF side expects (usdt.bpf.h):
 *  - an array map __bpf_usdt_specs of struct __bpf_usdt_spec (how to read
 *    each argument, the user's cookie, the argument count), indexed by a
 *    "spec id" that we allocate;
 *  - the spec id of the site that fired: the BPF cookie where the kernel
 *    has cookies (LINUX_HAS_BPF_COOKIE), otherwise a lookup of the
 *    uprobe's instruction pointer in the hash map __bpf_usdt_ip_to_spec_id.
 *    That second way needs the site's address in the traced process: the
 *    note's address in a fixed-address executable, but for a shared
 *    library (or a PIE) the address the process mapped it at, from
 *    /proc/PID/maps, so it needs a pid (as with libbpf).
 *
 * Semaphores: a probe with a semaphore (a counter in the file's data,
 * which the program tests before building expensive arguments) is
 * enabled by the kernel's uprobe reference counter (ref_ctr_offset, Linux
 * 4.20): while the uprobe exists, the kernel keeps the counter raised in
 * every process that maps the file.
 *
 * Spec ids belong to the object (its __bpf_usdt_specs map); an allocator
 * shared by the object and its USDT links, with a reference count, gives
 * them out and takes them back, so a link can outlive its object (links
 * never point back at the object) and may be destroyed on any thread.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

#define SPECS_MAP "__bpf_usdt_specs"
#define IP_MAP    "__bpf_usdt_ip_to_spec_id"

bool evbpf__has_bpf_cookie(void)
{
	int cookie = evbpf_probe_feature(EVBPF_FEATURE_BPF_COOKIE);
	int link = evbpf_probe_feature(EVBPF_FEATURE_PERF_LINK);
	struct utsname u;
	unsigned a = 0, b = 0;

	evbpf__errmsg_clear();
	if (cookie >= 0 && link >= 0)
		return cookie == 1 && link == 1;
	/* The probes cannot tell (no privileges yet): both arrived in 5.15. */
	if (uname(&u) || sscanf(u.release, "%u.%u", &a, &b) < 2)
		return false;
	return a > 5 || (a == 5 && b >= 15);
}

/* ------------------------------------------------------- spec id allocator */

struct evbpf_usdt_ids {
	pthread_mutex_t lock;
	int refs;
	uint32_t cap;
	bool *used;
};

static struct evbpf_usdt_ids *ids_get(struct evbpf_object *obj, uint32_t cap)
{
	struct evbpf_usdt_ids *ids = obj->usdt_ids;

	if (!ids) {
		ids = calloc(1, sizeof(*ids));
		if (ids)
			ids->used = calloc(cap ? cap : 1, sizeof(bool));
		if (!ids || !ids->used) {
			free(ids);
			return NULL;
		}
		pthread_mutex_init(&ids->lock, NULL);
		ids->cap = cap;
		ids->refs = 1; /* the object's */
		obj->usdt_ids = ids;
	}
	pthread_mutex_lock(&ids->lock);
	ids->refs++;
	pthread_mutex_unlock(&ids->lock);
	return ids;
}

void evbpf__usdt_ids_put(struct evbpf_usdt_ids *ids)
{
	int refs;

	if (!ids)
		return;
	pthread_mutex_lock(&ids->lock);
	refs = --ids->refs;
	pthread_mutex_unlock(&ids->lock);
	if (refs)
		return;
	pthread_mutex_destroy(&ids->lock);
	free(ids->used);
	free(ids);
}

static int ids_alloc(struct evbpf_usdt_ids *ids)
{
	int id = -ENOSPC;

	pthread_mutex_lock(&ids->lock);
	for (uint32_t i = 0; i < ids->cap; i++) {
		if (!ids->used[i]) {
			ids->used[i] = true;
			id = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&ids->lock);
	return id;
}

static void ids_free(struct evbpf_usdt_ids *ids, uint32_t id)
{
	pthread_mutex_lock(&ids->lock);
	if (id < ids->cap)
		ids->used[id] = false;
	pthread_mutex_unlock(&ids->lock);
}

/* ------------------------------------------------------------- the link */

struct usdt_state {
	struct evbpf_link **subs; /* one uprobe per site */
	size_t nr_subs;
	struct evbpf_usdt_ids *ids;
	uint32_t *spec_ids;
	size_t nr_spec_ids;
	uint64_t *ips; /* keys this link put in the ip map */
	size_t nr_ips;
	int ip_map_fd; /* dup, to take the keys out again */
};

static void state_free(struct usdt_state *st)
{
	/* The uprobes go first, so no site fires on a spec being removed. */
	for (size_t i = 0; i < st->nr_subs; i++)
		evbpf_link_destroy(st->subs[i]);
	for (size_t i = 0; i < st->nr_ips; i++) {
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)st->ip_map_fd;
		attr.key = (uint64_t)(uintptr_t)&st->ips[i];
		evbpf__bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
	}
	for (size_t i = 0; i < st->nr_spec_ids && st->ids; i++)
		ids_free(st->ids, st->spec_ids[i]);
	evbpf__usdt_ids_put(st->ids);
	evbpf__close_fd(&st->ip_map_fd);
	free(st->subs);
	free(st->spec_ids);
	free(st->ips);
	free(st);
}

static int usdt_detach(struct evbpf_link *link)
{
	state_free(link->priv);
	link->priv = NULL;
	return 0;
}

/* ------------------------------------------------------------ the sites */

struct usdt_site {
	uint64_t file_off; /* of the probe site, for the uprobe */
	uint64_t sema_off; /* of the semaphore, 0 for none */
	uint64_t abs_ip;   /* where it runs in the process (ip-map kernels) */
	const char *args;
	int spec_id;
};

struct usdt_req {
	struct evbpf_program *prog;
	int pid;
	const char *path; /* resolved */
	const char *provider, *name;
	uint64_t cookie;
	enum evbpf_probe_attach_mode mode;
	bool use_cookie;
	const struct evbpf_map *specs, *ip_map;
};

static int check_maps(struct usdt_req *r)
{
	const struct evbpf_object *obj = r->prog->obj;
	const char *prog = r->prog->name;

	r->specs = obj ? evbpf_object_find_map(obj, SPECS_MAP) : NULL;
	r->ip_map = obj ? evbpf_object_find_map(obj, IP_MAP) : NULL;
	if (!r->specs || !r->ip_map)
		return evbpf__err(-ENOENT,
		                  "prog '%s': USDT needs the maps " SPECS_MAP " and " IP_MAP
		                  " of <bpf/usdt.bpf.h> in the object",
		                  prog);
	if (r->specs->fd < 0 || r->ip_map->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': USDT maps are not created", prog);
	if (r->specs->type != BPF_MAP_TYPE_ARRAY || r->specs->key_size != 4 ||
	    r->specs->value_size != EVBPF_USDT_SPEC_SIZE)
		return evbpf__err(-EINVAL,
		                  "prog '%s': map " SPECS_MAP " is not an array of %d-byte "
		                  "struct __bpf_usdt_spec (value size %u)",
		                  prog, EVBPF_USDT_SPEC_SIZE, r->specs->value_size);
	if (r->ip_map->type != BPF_MAP_TYPE_HASH || r->ip_map->key_size != 8 ||
	    r->ip_map->value_size != 4)
		return evbpf__err(-EINVAL, "prog '%s': map " IP_MAP " is not a hash of long to u32",
		                  prog);
	return 0;
}

/* Whether a /proc/PID/maps line (its device, inode and path) is the
 * file f. The device and inode say it for most file systems; overlayfs
 * shows the underlying file's instead of the ones stat() gives us, so
 * the (canonical) path is the second way, as libbpf compares. */
static bool maps_line_is(const char *line, unsigned maj, unsigned min, unsigned long long ino,
                         const struct evbpf_uelf *f, const char *real)
{
	const char *p = strchr(line, '/');
	size_t len;

	if (ino == f->ino && makedev(maj, min) == f->dev)
		return true;
	if (!p || !real)
		return false;
	len = strcspn(p, "\n");
	return len == strlen(real) && !strncmp(p, real, len);
}

/* Where the process maps file offset off of f, from /proc/PID/maps. */
static int abs_ip_in(int pid, const struct evbpf_uelf *f, uint64_t off, uint64_t *ipp)
{
	char path[64], line[4400], *real = realpath(f->path, NULL);
	FILE *maps;
	int err = -ESRCH;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "re");
	if (!maps) {
		err = -errno;
		free(real);
		return evbpf__err(err, "USDT: cannot read %s: %s", path, evbpf_strerror(err));
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, pgoff, ino;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &pgoff, &maj,
		           &min, &ino) != 7)
			continue;
		if (perms[2] != 'x' || !maps_line_is(line, maj, min, ino, f, real))
			continue;
		if (off >= pgoff && off - pgoff < end - start) {
			*ipp = start + (off - pgoff);
			err = 0;
			break;
		}
	}
	fclose(maps);
	free(real);
	if (err)
		return evbpf__err(err,
		                  "USDT: process %d does not map '%s' (file offset %#llx) "
		                  "executable",
		                  pid, f->path, (unsigned long long)off);
	return 0;
}

/* The sites of provider:name in f, with file offsets (and process
 * addresses where the kernel has no cookies). */
static int collect_sites(const struct usdt_req *r, const struct evbpf_uelf *f,
                         struct usdt_site **sitesp, size_t *nrp)
{
	struct evbpf_usdt_note *notes;
	struct usdt_site *sites = NULL;
	size_t nr_notes, nr = 0;
	int err;

	err = evbpf__usdt_notes(f, &notes, &nr_notes);
	if (err)
		return err;
	if (nr_notes)
		sites = calloc(nr_notes, sizeof(*sites));
	if (nr_notes && !sites) {
		free(notes);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr_notes; i++) {
		const struct evbpf_usdt_note *n = &notes[i];
		struct usdt_site *s = &sites[nr];
		bool dup = false;

		if (strcmp(n->provider, r->provider) != 0 || strcmp(n->name, r->name) != 0)
			continue;
		err = evbpf__uelf_vaddr_to_off(f, n->pc, true, &s->file_off);
		if (!err && n->sema)
			err = evbpf__uelf_vaddr_to_off(f, n->sema, false, &s->sema_off);
		if (err)
			goto err;
		for (size_t j = 0; j < nr; j++)
			dup |= sites[j].file_off == s->file_off;
		if (dup)
			continue;
		s->args = n->args; /* in the mapping, which outlives the sites */
		s->abs_ip = n->pc;
		s->spec_id = -1;
		if (!r->use_cookie && f->eh->e_type == ET_DYN) {
			err = abs_ip_in(r->pid, f, s->file_off, &s->abs_ip);
			if (err)
				goto err;
		}
		nr++;
	}
	free(notes);
	if (!nr) {
		free(sites);
		return evbpf__err(-ENOENT, "no USDT probe %s:%s in '%s'", r->provider, r->name,
		                  r->path);
	}
	*sitesp = sites;
	*nrp = nr;
	return 0;
err:
	free(notes);
	free(sites);
	return err;
}

/* A spec id per distinct argument spec, its spec written to the map. */
static int assign_specs(const struct usdt_req *r, struct usdt_site *sites, size_t nr,
                        struct usdt_state *st)
{
	uint8_t value[EVBPF_USDT_SPEC_SIZE];

	for (size_t i = 0; i < nr; i++) {
		const char *args = sites[i].args;
		struct evbpf_usdt_spec spec;
		int id, err;

		for (size_t j = 0; j < i && sites[i].spec_id < 0; j++) {
			if (!strcmp(args, sites[j].args))
				sites[i].spec_id = sites[j].spec_id;
		}
		if (sites[i].spec_id >= 0)
			continue;
		err = evbpf__usdt_parse_args(args, &spec);
		if (err)
			return err;
		id = ids_alloc(st->ids);
		if (id < 0)
			return evbpf__err(id,
			                  "prog '%s': USDT %s:%s: all %u spec ids of " SPECS_MAP
			                  " are in use (raise BPF_USDT_MAX_SPEC_CNT)",
			                  r->prog->name, r->provider, r->name, st->ids->cap);
		st->spec_ids[st->nr_spec_ids++] = (uint32_t)id;
		sites[i].spec_id = id;
		evbpf__usdt_spec_encode(&spec, r->cookie, value);
		err =
		    evbpf__bpf_map_update(r->specs->fd, &(uint32_t){(uint32_t)id}, value, BPF_ANY);
		if (err)
			return evbpf__err(err,
			                  "prog '%s': USDT: writing spec %d to " SPECS_MAP ": %s",
			                  r->prog->name, id, evbpf_strerror(err));
	}
	return 0;
}

static int add_ips(const struct usdt_req *r, const struct usdt_site *sites, size_t nr,
                   struct usdt_state *st)
{
	for (size_t i = 0; i < nr; i++) {
		uint32_t id = (uint32_t)sites[i].spec_id;
		int err = evbpf__bpf_map_update(r->ip_map->fd, &sites[i].abs_ip, &id, BPF_NOEXIST);

		if (err)
			return evbpf__err(
			    err, "prog '%s': USDT %s:%s: address %#" PRIx64 " in " IP_MAP ": %s%s",
			    r->prog->name, r->provider, r->name, sites[i].abs_ip,
			    evbpf_strerror(err),
			    err == -EEXIST ? " (another USDT link of this object "
			                     "has that site)"
			                   : "");
		st->ips[st->nr_ips++] = sites[i].abs_ip;
	}
	return 0;
}

static int attach_sites(const struct usdt_req *r, struct usdt_site *sites, size_t nr,
                        struct usdt_state *st)
{
	for (size_t i = 0; i < nr; i++) {
		struct evbpf_probe_opts po = {
		    .sz = sizeof(po),
		    .offset = sites[i].file_off,
		    .ref_ctr_offset = sites[i].sema_off,
		    .cookie = r->use_cookie ? (uint64_t)sites[i].spec_id : 0,
		    .attach_mode = r->mode,
		};
		int err = evbpf_program_attach_uprobe(r->prog, 0, r->pid, r->path, NULL, &po,
		                                      &st->subs[st->nr_subs]);

		if (err)
			return err;
		st->nr_subs++;
	}
	return 0;
}

static int usdt_attach(struct usdt_req *r, struct evbpf_link **linkp)
{
	struct usdt_site *sites = NULL;
	struct usdt_state *st;
	struct evbpf_uelf f;
	struct evbpf_link *link;
	size_t nr = 0;
	int err;

	err = evbpf__uelf_open(r->path, &f);
	if (err)
		return err;
	if (!r->use_cookie && f.eh->e_type == ET_DYN && r->pid <= 0) {
		evbpf__uelf_close(&f);
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': USDT in '%s' (a shared library or PIE) without "
		                  "a pid: this kernel has no BPF cookies (Linux 5.15), so each "
		                  "site is found by its address in one process; give a pid",
		                  r->prog->name, r->path);
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		evbpf__uelf_close(&f);
		return -ENOMEM;
	}
	st->ip_map_fd = -1;
	err = collect_sites(r, &f, &sites, &nr);
	if (err)
		goto err;
	st->subs = calloc(nr, sizeof(*st->subs));
	st->spec_ids = calloc(nr, sizeof(*st->spec_ids));
	st->ips = calloc(nr, sizeof(*st->ips));
	st->ids = ids_get(r->prog->obj, r->specs->max_entries);
	if (!st->subs || !st->spec_ids || !st->ips || !st->ids) {
		err = -ENOMEM;
		goto err;
	}
	st->ip_map_fd = evbpf__dup_fd(r->ip_map->fd);
	if (st->ip_map_fd < 0) {
		err = st->ip_map_fd;
		goto err;
	}
	err = assign_specs(r, sites, nr, st);
	if (!err && !r->use_cookie)
		err = add_ips(r, sites, nr, st);
	if (!err)
		err = attach_sites(r, sites, nr, st);
	if (err)
		goto err;
	link =
	    evbpf__link_alloc("usdt", "prog '%s' on usdt %.60s:%s:%s (%zu site%s)", r->prog->name,
	                      r->path, r->provider, r->name, nr, nr == 1 ? "" : "s");
	if (!link) {
		err = -ENOMEM;
		goto err;
	}
	link->priv = st;
	link->detach = usdt_detach;
	free(sites);
	evbpf__uelf_close(&f);
	*linkp = link;
	return 0;
err:
	if (err == -ENOMEM)
		evbpf__err(err, "prog '%s': USDT attach: out of memory", r->prog->name);
	state_free(st);
	free(sites);
	evbpf__uelf_close(&f);
	return err;
}

EVBPF_API int evbpf_program_attach_usdt(struct evbpf_program *prog, int pid, const char *path,
                                        const char *provider, const char *name,
                                        const struct evbpf_usdt_opts *opts,
                                        struct evbpf_link **linkp)
{
	typedef struct evbpf_usdt_opts O;
	struct usdt_req r = {.prog = prog, .pid = pid > 0 ? pid : -1};
	char resolved[4096];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_usdt");
	if (err)
		return err;
	if (!path || !*path || !provider || !*provider || !name || !*name)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_usdt: path, provider and name are "
		                  "required",
		                  prog->name);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_usdt: opts->sz is not set",
		                  prog->name);
	r.cookie = EVBPF_OPTS_HAS(opts, O, cookie) ? opts->cookie : 0;
	r.mode =
	    EVBPF_OPTS_HAS(opts, O, attach_mode) ? opts->attach_mode : EVBPF_PROBE_ATTACH_DEFAULT;
	r.provider = provider;
	r.name = name;
	r.use_cookie = evbpf__has_bpf_cookie();
	if (r.use_cookie && r.mode == EVBPF_PROBE_ATTACH_PERF)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_usdt: EVBPF_PROBE_ATTACH_PERF cannot "
		                  "carry the BPF cookie that usdt.bpf.h reads on this kernel",
		                  prog->name);
	err = check_maps(&r);
	if (err)
		return err;
	err = evbpf__resolve_binary_path(path, resolved, sizeof(resolved));
	if (err)
		return evbpf__err(err, "prog '%s': USDT binary '%s' not found", prog->name, path);
	r.path = resolved;
	return usdt_attach(&r, linkp);
}

/* usdt/PATH:PROVIDER:NAME (PATH may itself hold colons). */
int evbpf__attach_usdt_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	const char *spec = strchr(prog->sec_name, '/');
	char buf[4096], *c1, *c2;

	if (!spec || strlen(spec + 1) >= sizeof(buf))
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': section '%s' does not say where to attach "
		                  "(usdt/PATH:PROVIDER:NAME); use evbpf_program_attach_usdt()",
		                  prog->name, prog->sec_name);
	strcpy(buf, spec + 1);
	c2 = strrchr(buf, ':');
	if (c2) {
		*c2 = '\0';
		c1 = strrchr(buf, ':');
		*c2 = ':';
	} else {
		c1 = NULL;
	}
	if (!c1 || c1 == buf || c2 == c1 + 1 || !c2[1])
		return evbpf__err(-EINVAL,
		                  "prog '%s': section '%s' should be usdt/PATH:PROVIDER:NAME",
		                  prog->name, prog->sec_name);
	*c1 = '\0';
	*c2 = '\0';
	return evbpf_program_attach_usdt(prog, -1, buf, c1 + 1, c2 + 1, NULL, linkp);
}
