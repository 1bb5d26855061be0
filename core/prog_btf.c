/* SPDX-License-Identifier: MIT */
/*
 * The BTF side of a program load: CO-RE relocations, func_info and
 * line_info from .BTF.ext. evbpf__program_prepare() runs after linking
 * (prog->insns holds the program followed by the subprograms it calls, and
 * prog->pieces says which section range landed where), so every .BTF.ext
 * record is remapped through the pieces: a record at byte offset B of
 * section S applies to linked instruction dst_off + (B / 8 - src_off) of
 * each piece of S that covers it. Subprograms appended to a program thus
 * bring their own func_info, line_info and CO-RE records along.
 *
 * Objects without .BTF.ext need none of this: plain programs and BPF-to-BPF
 * calls load without func_info (the verifier then treats every subprogram
 * as static).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "btf_obj.h"

/* ------------------------------------------------------------ modules */

static pthread_once_t modules_once = PTHREAD_ONCE_INIT;
static struct evbpf_btf **module_btfs;
static size_t nr_module_btfs;

static void modules_load(void)
{
	const struct evbpf_btf *vmlinux;
	struct dirent *e;
	DIR *d;

	if (evbpf__vmlinux_btf(&vmlinux))
		return;
	d = opendir("/sys/kernel/btf");
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512];
		struct evbpf_btf *btf, **n;
		uint8_t *buf;
		size_t size;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", e->d_name);
		if (evbpf__read_file(path, &buf, &size))
			continue;
		if (evbpf__btf_parse_kernel(buf, size, vmlinux, &btf)) {
			evbpf__debug("module BTF %s: %s", path, evbpf_errmsg());
			continue;
		}
		n = realloc(module_btfs, (nr_module_btfs + 1) * sizeof(*n));
		if (!n) {
			evbpf__btf_free(btf);
			break;
		}
		module_btfs = n;
		module_btfs[nr_module_btfs++] = btf;
	}
	closedir(d);
}

int evbpf__module_btfs(const struct evbpf_btf *const **btfs, size_t *nr)
{
	pthread_once(&modules_once, modules_load);
	*btfs = (const struct evbpf_btf *const *)module_btfs;
	*nr = nr_module_btfs;
	return 0;
}

/* ------------------------------------------------------------ open/close */

int evbpf__object_btfx_open(struct evbpf_object *obj)
{
	struct evbpf_object_btfx *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return -ENOMEM;
	x->kconfig_map = -1;
	obj->btfx = x;
	/* Externs first: their BTF fixups may append strings, which moves the
	 * string section that parsed .BTF.ext section names point into. */
	err = evbpf__externs_collect(obj);
	if (err || !obj->btf_ext || !obj->btf)
		return err;
	err = evbpf__btf_ext_parse(obj->btf_ext, obj->btf_ext_size, obj->btf, &x->ext);
	if (err) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		return evbpf__err(err, "object '%s': %s", obj->name, detail);
	}
	return 0;
}

void evbpf__object_btfx_close(struct evbpf_object *obj)
{
	struct evbpf_object_btfx *x = obj->btfx;

	if (!x)
		return;
	evbpf__btf_ext_free(x->ext);
	evbpf__externs_free(x);
	evbpf__externs_free_kmods(x);
	evbpf__btf_free(x->override_btf);
	free(x->poisons);
	free(x->func_info);
	free(x->line_info);
	free(x);
	obj->btfx = NULL;
}

/* ------------------------------------------------------------ CO-RE */

/* The CO-RE target: btf_path's BTF, or the kernel's. Module BTFs are
 * added by apply_core() only for relocations vmlinux has no candidate for. */
static int core_target(struct evbpf_object *obj, const struct evbpf_btf **target)
{
	struct evbpf_object_btfx *x = obj->btfx;
	int err;

	if (obj->btf_path) {
		if (!x->override_btf) {
			err = evbpf__btf_parse_file(obj->btf_path, NULL, &x->override_btf);
			if (err)
				return err;
		}
		*target = x->override_btf;
		return 0;
	}
	return evbpf__vmlinux_btf(target);
}

/* vmlinux followed by every module's BTF (parsed once per process). */
static size_t with_modules(const struct evbpf_btf **targets, size_t max)
{
	const struct evbpf_btf *const *mods;
	size_t nr_mods, n = 1;

	evbpf__module_btfs(&mods, &nr_mods);
	for (size_t i = 0; i < nr_mods && n < max; i++)
		targets[n++] = mods[i];
	return n;
}

static int remember_poison(struct evbpf_object_btfx *x, uint32_t insn, int relo_idx,
                           const char *spec)
{
	struct evbpf_poison *n = realloc(x->poisons, (x->nr_poisons + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	x->poisons = n;
	n[x->nr_poisons].insn = insn;
	n[x->nr_poisons].relo_idx = relo_idx;
	snprintf(n[x->nr_poisons].spec, sizeof(n->spec), "%s", spec);
	x->nr_poisons++;
	return 0;
}

/*
 * The verifier rejects a reachable poisoned instruction as a call to an
 * unknown helper ("123: (85) call unknown#195896080"). Say which CO-RE
 * relocation that was and what it tried to access.
 */
static void explain_poison(struct evbpf_program *prog)
{
	struct evbpf_object_btfx *x = prog->obj->btfx;
	char marker[32];
	const char *p;

	if (prog->fd >= 0 || !prog->log || !x->nr_poisons)
		return;
	snprintf(marker, sizeof(marker), "unknown#%d", EVBPF_CORE_POISON_IMM);
	p = strstr(prog->log, marker);
	if (!p)
		return;
	/* The instruction index starts the line. */
	while (p > prog->log && p[-1] != '\n')
		p--;
	for (size_t i = 0; i < x->nr_poisons; i++) {
		char msg[512];

		if ((uint32_t)strtoul(p, NULL, 10) != x->poisons[i].insn)
			continue;
		snprintf(msg, sizeof(msg),
		         "\nprog '%s': insn %u is CO-RE relo #%d %s, which the kernel's BTF cannot "
		         "satisfy; guard it with bpf_core_field_exists()/bpf_core_type_exists()",
		         prog->name, x->poisons[i].insn, x->poisons[i].relo_idx,
		         x->poisons[i].spec);
		evbpf__errmsg_append(msg);
		return;
	}
}

static int apply_core(struct evbpf_program *prog)
{
	struct evbpf_object *obj = prog->obj;
	const struct evbpf_btf *targets[256];
	size_t nr_targets = 0;
	bool have_targets = false;
	int err;

	for (size_t p = 0; p < prog->nr_pieces; p++) {
		const struct evbpf_prog_piece *pc = &prog->pieces[p];
		const struct evbpf_code_sec *cs = &obj->code_secs[pc->code_sec];
		const struct evbpf_btf_ext_sec *sec;
		uint32_t rec_size = obj->btfx->ext->tables[EVBPF_BTF_EXT_CORE].rec_size;

		sec = evbpf__btf_ext_sec(obj->btfx->ext, EVBPF_BTF_EXT_CORE, cs->name);
		if (!sec)
			continue;
		for (uint32_t i = 0; i < sec->nr; i++) {
			struct evbpf_core_relo relo;
			struct evbpf_core_res res;
			uint32_t idx;

			memcpy(&relo, sec->recs + (size_t)i * rec_size, sizeof(relo));
			idx = relo.insn_off / EVBPF_INSN_SZ;
			if (idx < pc->src_off || idx >= pc->src_off + pc->insn_cnt)
				continue;
			if (!have_targets && relo.kind != EVBPF_CORE_TYPE_ID_LOCAL) {
				err = core_target(obj, &targets[0]);
				nr_targets = 1;
				if (err) {
					char detail[512];

					snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
					return evbpf__err(err,
					                  "prog '%s': CO-RE needs target BTF: %s",
					                  prog->name, detail);
				}
				have_targets = true;
			}
			err = evbpf__core_calc(prog->name, (int)i, obj->btf, &relo, targets,
			                       nr_targets, &res);
			if (!err && !res.nr_cands && nr_targets == 1 && !obj->btf_path &&
			    relo.kind != EVBPF_CORE_TYPE_ID_LOCAL) {
				/* Not a vmlinux type: perhaps a module's. */
				nr_targets = with_modules(targets, EVBPF_ARRAY_SIZE(targets));
				if (nr_targets > 1)
					err = evbpf__core_calc(prog->name, (int)i, obj->btf, &relo,
					                       targets, nr_targets, &res);
			}
			if (err)
				return err;
			err = evbpf__core_patch(prog->name, (int)i, prog->insns, prog->insn_cnt,
			                        pc->dst_off + (idx - pc->src_off), &res);
			if (err)
				return err;
			if (res.poison) {
				err = remember_poison(obj->btfx, pc->dst_off + (idx - pc->src_off),
				                      (int)i, res.spec);
				if (err)
					return err;
			}
			evbpf__debug("prog '%s': relo #%d (%s) %s: %llu -> %llu%s", prog->name,
			             (int)i, evbpf__core_kind_name(relo.kind), res.spec,
			             (unsigned long long)res.orig_val,
			             (unsigned long long)res.new_val,
			             res.poison ? " (poisoned)" : "");
		}
	}
	return 0;
}

/* ------------------------------------------------------------ func/line info */

/* Copy the records of one table that fall in the program's pieces, with
 * insn_off rewritten to the linked instruction index. */
static int remap_table(struct evbpf_program *prog, enum evbpf_btf_ext_table which, void **bufp,
                       uint32_t *cntp, uint32_t *rec_sizep)
{
	struct evbpf_object *obj = prog->obj;
	const struct evbpf_btf_ext_table_info *tab = &obj->btfx->ext->tables[which];
	size_t cap = 0, n = 0;
	uint8_t *buf = NULL;

	*bufp = NULL;
	*cntp = 0;
	*rec_sizep = tab->rec_size;
	for (size_t p = 0; p < prog->nr_pieces; p++) {
		const struct evbpf_prog_piece *pc = &prog->pieces[p];
		const struct evbpf_btf_ext_sec *sec;

		sec = evbpf__btf_ext_sec(obj->btfx->ext, which, obj->code_secs[pc->code_sec].name);
		if (!sec)
			continue;
		for (uint32_t i = 0; i < sec->nr; i++) {
			const uint8_t *rec = sec->recs + (size_t)i * tab->rec_size;
			uint32_t off, idx;

			memcpy(&off, rec, sizeof(off));
			idx = off / EVBPF_INSN_SZ;
			if (idx < pc->src_off || idx >= pc->src_off + pc->insn_cnt)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint8_t *nb = realloc(buf, ncap * tab->rec_size);

				if (!nb) {
					free(buf);
					return -ENOMEM;
				}
				buf = nb;
				cap = ncap;
			}
			memcpy(buf + n * tab->rec_size, rec, tab->rec_size);
			idx = pc->dst_off + (idx - pc->src_off);
			memcpy(buf + n * tab->rec_size, &idx, sizeof(idx));
			n++;
		}
	}
	if (which == EVBPF_BTF_EXT_FUNC && n) {
		uint32_t first;

		memcpy(&first, buf, sizeof(first));
		if (first != 0) {
			free(buf);
			return evbpf__err(-EINVAL,
			                  "prog '%s': .BTF.ext func_info does not start "
			                  "at the program's first instruction",
			                  prog->name);
		}
	}
	*bufp = buf;
	*cntp = (uint32_t)n;
	return 0;
}

int evbpf__program_prepare(struct evbpf_program *prog, union bpf_attr *attr)
{
	struct evbpf_object *obj = prog->obj;
	struct evbpf_object_btfx *x = obj->btfx;
	uint32_t cnt, rec_size;
	void *buf;
	int err;

	if (!x)
		return 0;
	/* Calls into module kfuncs name their BTF through fd_array. */
	if (x->fd_array_cnt)
		attr->fd_array = (uint64_t)(uintptr_t)x->fd_array;
	if (!x->ext)
		return 0;
	if (x->ext->tables[EVBPF_BTF_EXT_CORE].nr_secs) {
		err = apply_core(prog);
		if (err)
			return err;
	}
	/* func_info and line_info describe the object's BTF, which must be
	 * in the kernel, with its FUNC types, for them to mean anything. */
	if (obj->btf_fd < 0 || !obj->btf_func_info)
		return 0;
	err = remap_table(prog, EVBPF_BTF_EXT_FUNC, &buf, &cnt, &rec_size);
	if (err)
		return err;
	if (cnt) {
		x->func_info = buf;
		attr->func_info = (uint64_t)(uintptr_t)buf;
		attr->func_info_cnt = cnt;
		attr->func_info_rec_size = rec_size;
	} else {
		free(buf);
	}
	err = remap_table(prog, EVBPF_BTF_EXT_LINE, &buf, &cnt, &rec_size);
	if (err)
		return err;
	if (cnt && attr->func_info_cnt) {
		x->line_info = buf;
		attr->line_info = (uint64_t)(uintptr_t)buf;
		attr->line_info_cnt = cnt;
		attr->line_info_rec_size = rec_size;
	} else {
		free(buf);
	}
	if (attr->func_info_cnt)
		attr->prog_btf_fd = (uint32_t)obj->btf_fd;
	return 0;
}

void evbpf__program_unprepare(struct evbpf_program *prog)
{
	struct evbpf_object_btfx *x = prog->obj->btfx;

	if (!x)
		return;
	explain_poison(prog);
	free(x->poisons);
	x->poisons = NULL;
	x->nr_poisons = 0;
	free(x->func_info);
	free(x->line_info);
	x->func_info = NULL;
	x->line_info = NULL;
}
