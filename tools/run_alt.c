/* SPDX-License-Identifier: MIT */
/*
 * Alternative programs in one object: libbpf-tools objects often carry the
 * same probe twice, once for a newer mechanism and once for an older one
 * (`tp_btf/sched_wakeup` and `raw_tp/sched_wakeup`, `fentry/vfs_read` and
 * `kprobe/vfs_read`), and the tool's own loader turns one of them off
 * before the load. `evbpf run` does the same by what the kernel offers:
 * of programs that reach the same event by different mechanisms it keeps
 * the most capable one this kernel can attach (tp_btf, then raw_tp, then a
 * tracefs tracepoint; fentry/fexit, then kprobe/kretprobe) and leaves the
 * others out, saying so. Programs of the same mechanism on the same event
 * are never alternatives: the object wants both.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

enum alt_family { ALT_NONE, ALT_TRACEPOINT, ALT_ENTRY, ALT_EXIT };

struct alt_prog {
	struct evbpf_program *prog;
	enum alt_family family;
	const char *event; /* within the section name */
	size_t event_len;
	int rank;          /* 0 is the most capable mechanism */
	bool usable;       /* this kernel attaches this mechanism */
	const struct alt_prog *best; /* the alternative kept for this event */
};

static bool starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	*rest = s + n;
	return true;
}

/* The family, event and rank of a section name; ALT_NONE for the rest. */
static void classify(struct alt_prog *a, const char *sec)
{
	const char *rest, *slash;

	a->family = ALT_NONE;
	if (starts(sec, "tp_btf/", &rest)) {
		a->family = ALT_TRACEPOINT;
		a->rank = 0;
		a->usable = evbpf_probe_feature(EVBPF_FEATURE_TP_BTF) == 1;
	} else if (starts(sec, "raw_tp/", &rest) || starts(sec, "raw_tracepoint/", &rest)) {
		a->family = ALT_TRACEPOINT;
		a->rank = 1;
		a->usable = true;
	} else if (starts(sec, "tracepoint/", &rest) || starts(sec, "tp/", &rest)) {
		/* CATEGORY/NAME: the event is NAME. */
		slash = strchr(rest, '/');
		if (!slash)
			return;
		rest = slash + 1;
		a->family = ALT_TRACEPOINT;
		a->rank = 2;
		a->usable = evbpf_probe_feature(EVBPF_FEATURE_TRACEFS) == 1;
	} else if (starts(sec, "fentry/", &rest) || starts(sec, "fexit/", &rest)) {
		a->family = sec[1] == 'e' ? ALT_ENTRY : ALT_EXIT;
		a->rank = 0;
		a->usable = evbpf_probe_feature(EVBPF_FEATURE_TRAMPOLINE) == 1;
	} else if (starts(sec, "kprobe/", &rest) || starts(sec, "kretprobe/", &rest)) {
		a->family = sec[1] == 'p' ? ALT_ENTRY : ALT_EXIT;
		a->rank = 1;
		a->usable = evbpf_probe_feature(EVBPF_FEATURE_KPROBE) == 1;
	} else {
		return;
	}
	if (!*rest)
		a->family = ALT_NONE;
	a->event = rest;
	a->event_len = strlen(rest);
}

static bool same_event(const struct alt_prog *a, const struct alt_prog *b)
{
	return a->family != ALT_NONE && a->family == b->family && a->event_len == b->event_len &&
	       !memcmp(a->event, b->event, a->event_len);
}

/*
 * Whether a beats b: usable first, then the more capable. When neither can
 * attach here, the older mechanism stays: its program still loads (a
 * kprobe program does where fentry is refused at load), so the run goes
 * on and the attach is skipped with its reason.
 */
static bool better(const struct alt_prog *a, const struct alt_prog *b)
{
	if (a->usable != b->usable)
		return a->usable;
	return a->usable ? a->rank < b->rank : a->rank > b->rank;
}

int run_pick_alternatives(struct evbpf_object *obj)
{
	struct evbpf_program *p = NULL;
	struct alt_prog *progs = NULL, *grown;
	size_t n = 0, cap = 0;
	int left_out = 0;

	while ((p = evbpf_object_next_program(obj, p))) {
		const char *sec = evbpf_program_section(p);

		if (!evbpf_program_autoload(p) || !sec)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(progs, cap * sizeof(*progs));
			if (!grown) {
				free(progs);
				return -ENOMEM;
			}
			progs = grown;
		}
		memset(&progs[n], 0, sizeof(progs[n]));
		progs[n].prog = p;
		classify(&progs[n], sec);
		n++;
	}
	/* Each program's best alternative, decided before any is turned off. */
	for (size_t i = 0; i < n; i++) {
		progs[i].best = &progs[i];
		for (size_t j = 0; j < n && progs[i].family != ALT_NONE; j++)
			if (j != i && same_event(&progs[i], &progs[j]) &&
			    progs[i].rank != progs[j].rank && better(&progs[j], progs[i].best))
				progs[i].best = &progs[j];
	}
	for (size_t i = 0; i < n; i++) {
		const struct alt_prog *best = progs[i].best;

		if (best == &progs[i])
			continue;
		fprintf(stderr,
		        "evbpf: run: warning: leaving out program '%s' (%s): '%s' (%s) %s; --prog %s "
		        "picks it instead\n",
		        evbpf_program_name(progs[i].prog), evbpf_program_section(progs[i].prog),
		        evbpf_program_name(best->prog), evbpf_program_section(best->prog),
		        best->usable ? "attaches the same event on this kernel"
		                     : "is kept instead (neither mechanism attaches on this kernel; "
		                       "its program at least loads)",
		        evbpf_program_name(progs[i].prog));
		evbpf_program_set_autoload(progs[i].prog, 0);
		left_out++;
	}
	free(progs);
	return left_out;
}
