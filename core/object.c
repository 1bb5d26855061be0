/* SPDX-License-Identifier: MIT */
/*
 * The object: from ELF bytes to a set of programs and maps ready to load.
 *
 * Open does everything that needs no kernel: ELF and BTF parsing, the
 * program list (one program per global function in an executable section
 * other than .text), the map list (.maps, legacy maps, global data) and
 * the relocation list. Load creates the maps, then links and loads each
 * program (program.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool is_code_sec(const struct evbpf_elf_sec *s)
{
	return s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR) && s->size > 0;
}

static int read_license_version(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;
	size_t idx;

	idx = evbpf__elf_find_sec(elf, "license");
	if (idx) {
		const struct evbpf_elf_sec *s = &elf->secs[idx];

		if (!s->data || !memchr(s->data, '\0', s->size))
			return evbpf__err(-EINVAL, "object '%s': license section is not a "
						   "NUL-terminated string",
					  obj->name);
		if (strlen((const char *)s->data) >= sizeof(obj->license))
			return evbpf__err(-EINVAL, "object '%s': license string is too long",
					  obj->name);
		strcpy(obj->license, (const char *)s->data);
	}
	idx = evbpf__elf_find_sec(elf, "version");
	if (idx) {
		const struct evbpf_elf_sec *s = &elf->secs[idx];

		if (s->size != sizeof(uint32_t) || !s->data)
			return evbpf__err(-EINVAL, "object '%s': version section has %llu bytes, "
						   "expected 4",
					  obj->name, (unsigned long long)s->size);
		memcpy(&obj->kversion, s->data, sizeof(uint32_t));
	}
	return 0;
}

/*
 * clang leaves DATASEC sizes and variable offsets to the linker (they are
 * relocations against .BTF), so in a .o they are 0. Fill them in from the
 * ELF sections and symbols, which the kernel and our map parser need.
 */
static int fixup_datasecs(struct evbpf_object *obj)
{
	struct evbpf_btf *btf = obj->btf;
	uint32_t cnt = evbpf__btf_type_cnt(btf);

	for (uint32_t id = 1; id < cnt; id++) {
		struct btf_type *t = evbpf__btf_type_mut(btf, id);
		struct btf_var_secinfo *v;
		const char *sec_name;
		size_t sec_idx;

		if (evbpf__btf_kind(t) != BTF_KIND_DATASEC)
			continue;
		sec_name = evbpf__btf_name(btf, id);
		sec_idx = evbpf__elf_find_sec(&obj->elf, sec_name);
		if (!sec_idx) {
			/* .kconfig and .ksyms have no section: externs. */
			continue;
		}
		if (obj->elf.secs[sec_idx].size > UINT32_MAX)
			return evbpf__err(-E2BIG, "object '%s': section '%s' is too large",
					  obj->name, sec_name);
		t->size = (uint32_t)obj->elf.secs[sec_idx].size;
		v = (struct btf_var_secinfo *)(t + 1);
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			const struct btf_type *var = evbpf__btf_type(btf, v[i].type);
			const char *var_name;
			const Elf64_Sym *sym;

			if (!var || evbpf__btf_kind(var) != BTF_KIND_VAR)
				continue; /* FUNC entries in .ksyms and such */
			var_name = evbpf__btf_name(btf, v[i].type);
			sym = evbpf__elf_find_sym(&obj->elf, var_name, sec_idx);
			if (!sym)
				return evbpf__err(-EINVAL, "object '%s': BTF variable '%s' in '%s' "
							   "has no ELF symbol",
						  obj->name, var_name, sec_name);
			if (sym->st_value > UINT32_MAX)
				return evbpf__err(-EINVAL, "object '%s': variable '%s' offset is "
							   "out of range",
						  obj->name, var_name);
			v[i].offset = (uint32_t)sym->st_value;
			if ((uint64_t)v[i].offset + v[i].size > t->size)
				return evbpf__err(-EINVAL, "object '%s': variable '%s' lies "
							   "outside section '%s'",
						  obj->name, var_name, sec_name);
		}
	}
	return 0;
}

static int read_btf(struct evbpf_object *obj)
{
	size_t idx = evbpf__elf_find_sec(&obj->elf, ".BTF");
	const struct evbpf_elf_sec *s;
	int err;

	if (!idx)
		return 0;
	s = &obj->elf.secs[idx];
	if (!s->data)
		return evbpf__err(-EINVAL, "object '%s': .BTF section is empty", obj->name);
	err = evbpf__btf_parse(s->data, s->size, NULL, &obj->btf);
	if (err) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		return evbpf__err(err, "object '%s': section .BTF: %s", obj->name, detail);
	}
	idx = evbpf__elf_find_sec(&obj->elf, ".BTF.ext");
	if (idx && obj->elf.secs[idx].data) {
		obj->btf_ext = obj->elf.secs[idx].data;
		obj->btf_ext_size = obj->elf.secs[idx].size;
	}
	return fixup_datasecs(obj);
}

static int collect_code_secs(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;
	size_t n = 0;

	for (size_t i = 1; i < elf->nr_secs; i++)
		if (is_code_sec(&elf->secs[i]))
			n++;
	obj->text_code_sec = -1;
	if (!n)
		return 0;
	obj->code_secs = calloc(n, sizeof(*obj->code_secs));
	if (!obj->code_secs)
		return -ENOMEM;
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct evbpf_elf_sec *s = &elf->secs[i];
		struct evbpf_code_sec *cs;

		if (!is_code_sec(s))
			continue;
		if (s->size % EVBPF_INSN_SZ)
			return evbpf__err(-EINVAL, "object '%s': section '%s': size %llu is not a "
						   "multiple of the instruction size",
					  obj->name, s->name, (unsigned long long)s->size);
		cs = &obj->code_secs[obj->nr_code_secs];
		cs->sec_idx = i;
		cs->name = s->name;
		cs->insn_cnt = s->size / EVBPF_INSN_SZ;
		cs->insns = malloc(s->size);
		if (!cs->insns)
			return -ENOMEM;
		memcpy(cs->insns, s->data, s->size);
		if (!strcmp(s->name, ".text"))
			obj->text_code_sec = (int)obj->nr_code_secs;
		obj->nr_code_secs++;
	}
	return 0;
}


static int add_program(struct evbpf_object *obj, int code_sec, const char *name,
		       uint64_t off, uint64_t size)
{
	struct evbpf_code_sec *cs = &obj->code_secs[code_sec];
	struct evbpf_program *prog = &obj->progs[obj->nr_progs];

	if (off % EVBPF_INSN_SZ || size % EVBPF_INSN_SZ || size == 0)
		return evbpf__err(-EINVAL, "object '%s': program '%s' in '%s' is not aligned to "
					   "instructions",
				  obj->name, name, cs->name);
	for (size_t i = 0; i < obj->nr_progs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return evbpf__err(-EINVAL, "object '%s': two programs named '%s'",
					  obj->name, name);
	prog->obj = obj;
	prog->fd = -1;
	prog->attach_btf_obj_fd = -1;
	prog->attach_prog_fd = -1;
	prog->autoload = true;
	prog->code_sec = code_sec;
	prog->sec_insn_off = (uint32_t)(off / EVBPF_INSN_SZ);
	prog->sec_insn_cnt = (uint32_t)(size / EVBPF_INSN_SZ);
	prog->name = strdup(name);
	prog->sec_name = strdup(cs->name);
	if (!prog->name || !prog->sec_name)
		return -ENOMEM;
	prog->sec_def = evbpf__sec_def_find(cs->name);
	if (prog->sec_def) {
		prog->prog_type = prog->sec_def->prog_type;
		prog->expected_attach_type =
			prog->sec_def->set_expected ? prog->sec_def->attach_type : 0;
		if (prog->sec_def->flags & EVBPF_SEC_SLEEPABLE)
			prog->prog_flags |= BPF_F_SLEEPABLE;
		if (!strncmp(cs->name, "xdp.frags", 9))
			prog->prog_flags |= 1U << 5; /* BPF_F_XDP_HAS_FRAGS */
	}
	obj->nr_progs++;
	return 0;
}

static int collect_programs(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;
	size_t cap = 0;
	int err;

	/* An upper bound: every function symbol, plus a program per code
	 * section without symbols (hand-assembled objects). */
	for (size_t i = 0; i < elf->nr_syms; i++)
		if (ELF64_ST_TYPE(elf->syms[i].st_info) == STT_FUNC)
			cap++;
	cap += obj->nr_code_secs;
	if (!cap)
		return 0;
	obj->progs = calloc(cap, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;

	for (size_t c = 0; c < obj->nr_code_secs; c++) {
		struct evbpf_code_sec *cs = &obj->code_secs[c];
		size_t found = 0;

		if ((int)c == obj->text_code_sec)
			continue;
		for (size_t i = 0; i < elf->nr_syms; i++) {
			const Elf64_Sym *sym = &elf->syms[i];
			int bind = ELF64_ST_BIND(sym->st_info);

			if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx != cs->sec_idx)
				continue;
			if (bind != STB_GLOBAL && bind != STB_WEAK)
				return evbpf__err(-ENOTSUP,
						  "object '%s': program '%s' in '%s' is static; "
						  "programs must be global functions",
						  obj->name, evbpf__elf_sym_name(elf, sym), cs->name);
			err = add_program(obj, (int)c, evbpf__elf_sym_name(elf, sym),
					  sym->st_value, sym->st_size);
			if (err)
				return err;
			found++;
		}
		if (!found) {
			char name[BPF_OBJ_NAME_LEN];

			evbpf__kernel_name(name, NULL, cs->name);
			err = add_program(obj, (int)c, name, 0, cs->insn_cnt * EVBPF_INSN_SZ);
			if (err)
				return err;
		}
	}
	return 0;
}

static const char *base_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	char *dot;

	snprintf(buf, size, "%s", slash ? slash + 1 : path);
	dot = strchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
	return buf;
}

static int object_open(const void *data, size_t size, const char *path,
		       const struct evbpf_open_opts *opts, struct evbpf_object **objp)
{
	struct evbpf_object *obj;
	char namebuf[256];
	const char *name;
	int err;

	if (!data || !objp)
		return evbpf__err(-EINVAL, "object open: NULL argument");
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "object open: opts->sz is not set");
	evbpf__errmsg_clear();

	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->btf_fd = -1;
	obj->text_code_sec = -1;
	name = opts && opts->sz > offsetof(struct evbpf_open_opts, object_name) &&
			       opts->object_name
		       ? opts->object_name
		       : base_name(path ? path : "mem", namebuf, sizeof(namebuf));
	obj->name = strdup(name);
	obj->path = xstrdup(path);
	if (opts && opts->sz > offsetof(struct evbpf_open_opts, btf_path))
		obj->btf_path = xstrdup(opts->btf_path);
	if (opts && opts->sz > offsetof(struct evbpf_open_opts, pin_root))
		obj->pin_root = xstrdup(opts->pin_root);
	if (opts && opts->sz > offsetof(struct evbpf_open_opts, log_level))
		obj->log_level = opts->log_level;
	/* malloc gives the 8-byte alignment the ELF structs need. */
	obj->buf = malloc(size ? size : 1);
	if (!obj->name || !obj->buf) {
		err = -ENOMEM;
		goto err;
	}
	memcpy(obj->buf, data, size);
	obj->size = size;

	err = evbpf__elf_parse(&obj->elf, obj->buf, obj->size);
	if (err)
		goto err;
	err = read_license_version(obj);
	if (!err)
		err = read_btf(obj);
	if (!err)
		err = collect_code_secs(obj);
	if (!err)
		err = collect_programs(obj);
	if (!err)
		err = evbpf__object_init_maps(obj);
	if (!err)
		err = evbpf__object_collect_relos(obj);
	if (!err)
		err = evbpf__object_btfx_open(obj);
	if (!err)
		err = evbpf__object_mark_hidden_static(obj);
	if (err)
		goto err;
	*objp = obj;
	return 0;
err:
	if (err == -ENOMEM && !evbpf_errmsg()[0])
		evbpf__err(err, "object '%s': out of memory", obj->name ? obj->name : "?");
	evbpf_object_close(obj);
	return err;
}

EVBPF_API int evbpf_object_open_mem(const void *data, size_t size,
				    const struct evbpf_open_opts *opts, struct evbpf_object **objp)
{
	return object_open(data, size, NULL, opts, objp);
}

EVBPF_API int evbpf_object_open_file(const char *path, const struct evbpf_open_opts *opts,
				     struct evbpf_object **objp)
{
	uint8_t *buf;
	size_t size;
	int err;

	if (!path || !objp)
		return evbpf__err(-EINVAL, "object open: NULL argument");
	err = evbpf__read_file(path, &buf, &size);
	if (err)
		return evbpf__err(err, "cannot read '%s': %s", path, evbpf_strerror(err));
	err = object_open(buf, size, path, opts, objp);
	free(buf);
	return err;
}

EVBPF_API void evbpf_object_close(struct evbpf_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->nr_progs; i++) {
		struct evbpf_program *p = &obj->progs[i];

		evbpf__close_fd(&p->fd);
		evbpf__close_fd(&p->attach_btf_obj_fd);
		evbpf__close_fd(&p->attach_prog_fd);
		free(p->name);
		free(p->sec_name);
		free(p->insns);
		free(p->pieces);
		free(p->log);
	}
	free(obj->progs);
	for (size_t i = 0; i < obj->nr_maps; i++)
		evbpf__map_release(&obj->maps[i]);
	free(obj->maps);
	for (size_t i = 0; i < obj->nr_code_secs; i++) {
		free(obj->code_secs[i].insns);
		free(obj->code_secs[i].relos);
	}
	free(obj->code_secs);
	evbpf__close_fd(&obj->btf_fd);
	evbpf__usdt_ids_put(obj->usdt_ids);
	evbpf__object_btfx_close(obj);
	evbpf__btf_free(obj->btf);
	evbpf__elf_free(&obj->elf);
	free(obj->buf);
	free(obj->name);
	free(obj->path);
	free(obj->pin_root);
	free(obj->btf_path);
	free(obj);
}

EVBPF_API const char *evbpf_object_name(const struct evbpf_object *obj)
{
	return obj ? obj->name : NULL;
}

EVBPF_API const char *evbpf_object_license(const struct evbpf_object *obj)
{
	return obj ? obj->license : NULL;
}

EVBPF_API uint32_t evbpf_object_kversion(const struct evbpf_object *obj)
{
	return obj ? obj->kversion : 0;
}

EVBPF_API int evbpf_object_btf_fd(const struct evbpf_object *obj)
{
	if (!obj)
		return -EINVAL;
	return obj->btf_fd >= 0 ? obj->btf_fd : -ENOENT;
}

/*
 * A failed find names what the object does have, so that a typo is
 * reported where it is made ("no map 'event' in object 'x'; maps: events,
 * counts") rather than one call later as a NULL argument.
 */
static void not_found(const struct evbpf_object *obj, const char *kind, const char *name)
{
	char list[1024];
	size_t n = obj->nr_maps, len = 0;

	list[0] = '\0';
	if (!strcmp(kind, "program"))
		n = obj->nr_progs;
	for (size_t i = 0; i < n && len < sizeof(list) - 1; i++) {
		const char *item = !strcmp(kind, "program") ? obj->progs[i].name : obj->maps[i].name;
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", item);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(list) - 1)
		strcpy(list + sizeof(list) - 5, "...");
	evbpf__err(-ENOENT, "no %s '%s' in object '%s'; %ss: %s", kind, name, obj->name, kind,
		   n ? list : "(none)");
}

EVBPF_API struct evbpf_program *evbpf_object_find_program(const struct evbpf_object *obj,
							  const char *name)
{
	if (!obj || !name) {
		evbpf__err(-EINVAL, "find_program: NULL %s", obj ? "name" : "object");
		return NULL;
	}
	for (size_t i = 0; i < obj->nr_progs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	not_found(obj, "program", name);
	return NULL;
}

EVBPF_API struct evbpf_map *evbpf_object_find_map(const struct evbpf_object *obj,
						  const char *name)
{
	if (!obj || !name) {
		evbpf__err(-EINVAL, "find_map: NULL %s", obj ? "name" : "object");
		return NULL;
	}
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (!strcmp(obj->maps[i].name, name) || !strcmp(obj->maps[i].kname, name))
			return &obj->maps[i];
	not_found(obj, "map", name);
	return NULL;
}

EVBPF_API struct evbpf_program *evbpf_object_next_program(const struct evbpf_object *obj,
							  const struct evbpf_program *prev)
{
	size_t i;

	if (!obj)
		return NULL;
	if (!prev)
		return obj->nr_progs ? &obj->progs[0] : NULL;
	if (prev->obj != obj)
		return NULL;
	i = (size_t)(prev - obj->progs) + 1;
	return i < obj->nr_progs ? &obj->progs[i] : NULL;
}

EVBPF_API struct evbpf_map *evbpf_object_next_map(const struct evbpf_object *obj,
						  const struct evbpf_map *prev)
{
	size_t i;

	if (!obj)
		return NULL;
	if (!prev)
		return obj->nr_maps ? &obj->maps[0] : NULL;
	if (prev->obj != obj)
		return NULL;
	i = (size_t)(prev - obj->maps) + 1;
	return i < obj->nr_maps ? &obj->maps[i] : NULL;
}

/* Globals: a variable is an ELF symbol in a global data section. */
static int find_global(const struct evbpf_object *obj, const char *name, struct evbpf_map **mapp,
		       const Elf64_Sym **symp)
{
	for (size_t i = 0; i < obj->nr_maps; i++) {
		struct evbpf_map *m = &obj->maps[i];
		const Elf64_Sym *sym;

		if (m->origin != EVBPF_MAP_DATA)
			continue;
		sym = evbpf__elf_find_sym(&obj->elf, name, m->sec_idx);
		if (!sym || ELF64_ST_TYPE(sym->st_info) != STT_OBJECT)
			continue;
		*mapp = m;
		*symp = sym;
		return 0;
	}
	return evbpf__err(-ENOENT, "object '%s': no global variable '%s'", obj->name, name);
}

EVBPF_API int evbpf_object_set_global(struct evbpf_object *obj, const char *name,
				      const void *value, size_t size)
{
	/* NULL: gcc -O3 cannot see that find_global() sets both on success. */
	const Elf64_Sym *sym = NULL;
	struct evbpf_map *map = NULL;
	int err;

	if (!obj || !name || (!value && size))
		return evbpf__err(-EINVAL, "set_global: NULL argument");
	err = find_global(obj, name, &map, &sym);
	if (err)
		return err;
	if (size != sym->st_size)
		return evbpf__err(-EINVAL, "object '%s': global '%s' has %llu bytes, not %zu",
				  obj->name, name, (unsigned long long)sym->st_size, size);
	if (map->fd >= 0)
		return evbpf__err(-EBUSY, "object '%s': global '%s': map '%s' is already "
					  "loaded",
				  obj->name, name, map->name);
	if (sym->st_value + size > map->init_size)
		return evbpf__err(-EINVAL, "object '%s': global '%s' lies outside '%s'", obj->name,
				  name, map->name);
	memcpy(map->init_data + sym->st_value, value, size);
	return 0;
}

EVBPF_API int evbpf_object_get_global(const struct evbpf_object *obj, const char *name,
				      void *value, size_t size)
{
	const Elf64_Sym *sym = NULL;
	struct evbpf_map *map = NULL;
	uint32_t zero = 0;
	uint8_t *tmp;
	int err;

	if (!obj || !name || !value)
		return evbpf__err(-EINVAL, "get_global: NULL argument");
	err = find_global(obj, name, &map, &sym);
	if (err)
		return err;
	if (size != sym->st_size)
		return evbpf__err(-EINVAL, "object '%s': global '%s' has %llu bytes, not %zu",
				  obj->name, name, (unsigned long long)sym->st_size, size);
	if (map->fd < 0) {
		memcpy(value, map->init_data + sym->st_value, size);
		return 0;
	}
	tmp = malloc(map->value_size);
	if (!tmp)
		return -ENOMEM;
	err = evbpf__bpf_map_lookup(map->fd, &zero, tmp, 0);
	if (!err)
		memcpy(value, tmp + sym->st_value, size);
	free(tmp);
	if (err)
		return evbpf__err(err, "object '%s': global '%s': lookup: %s", obj->name, name,
				  evbpf_strerror(err));
	return 0;
}

int evbpf__object_create_maps(struct evbpf_object *obj)
{
	bool btf_here = obj->btf_fd < 0;
	int err;

	if (obj->maps_created)
		return 0;
	err = evbpf__object_load_btf(obj);
	if (err)
		return err;
	for (size_t i = 0; i < obj->nr_maps; i++) {
		err = evbpf__map_create_kernel(&obj->maps[i]);
		if (err)
			goto err;
	}
	for (size_t i = 0; i < obj->nr_maps; i++) {
		if (obj->maps[i].type == BPF_MAP_TYPE_PROG_ARRAY)
			continue; /* filled once programs are loaded */
		err = evbpf__map_fill_slots(&obj->maps[i]);
		if (err)
			goto err;
	}
	obj->maps_created = true;
	return 0;
err:
	evbpf__object_unpin_new_maps(obj);
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (!obj->maps[i].reused)
			evbpf__close_fd(&obj->maps[i].fd);
	/* The BTF loaded for these maps goes with them. */
	if (btf_here)
		evbpf__close_fd(&obj->btf_fd);
	return err;
}

/* The object's BTF rewritten for a kernel with the kinds in have, loaded
 * (with a verifier log when log is set); the BTF fd or -errno. */
static int load_btf_as(struct evbpf_object *obj, uint32_t have, char *log, size_t log_size)
{
	struct evbpf_btf *clean;
	const void *raw;
	size_t size;
	int fd;

	fd = evbpf__btf_sanitize(obj->btf, have, &clean);
	if (fd < 0)
		return fd;
	raw = evbpf__btf_raw(clean ? clean : obj->btf, &size);
	fd = evbpf__bpf_btf_load(raw, size, log, log_size, log ? 1 : 0);
	evbpf__btf_free(clean);
	return fd;
}

/*
 * Load the object's BTF into the kernel, once, rewritten first for the
 * kinds the kernel's probes say it lacks (btf_sanitize.c). Should the
 * kernel refuse it still (a kind whose probe could not tell), it gets one
 * more try with every kind newer than FUNC and DATASEC rewritten. A
 * kernel that refuses even that costs map and program type information
 * but is not fatal, as with libbpf.
 */
int evbpf__object_load_btf(struct evbpf_object *obj)
{
	uint32_t have, oldest;
	char *log;
	int fd;

	if (!obj->btf || obj->btf_fd >= 0)
		return 0;
	have = evbpf__btf_kernel_kinds();
	fd = load_btf_as(obj, have, NULL, 0);
	oldest = have & (EVBPF_BTF_HAS_FUNC | EVBPF_BTF_HAS_DATASEC);
	if (fd < 0 && fd != -ENOMEM && oldest != have) {
		int fd2 = load_btf_as(obj, oldest, NULL, 0);

		if (fd2 >= 0) {
			evbpf__debug("object '%s': BTF loaded with only the kinds of Linux 5.2 "
				     "(refused with the probed ones: %s)",
				     obj->name, evbpf_strerror(fd));
			fd = fd2;
			have = oldest;
		}
	}
	if (fd == -ENOMEM)
		return evbpf__err(fd, "object '%s': out of memory loading BTF", obj->name);
	if (fd >= 0) {
		obj->btf_fd = fd;
		obj->btf_func_info = have & EVBPF_BTF_HAS_FUNC;
		return 0;
	}
	log = malloc(65536);
	if (log) {
		fd = load_btf_as(obj, have, log, 65536);
		if (fd >= 0)
			close(fd); /* refused once, accepted now: keep the first answer */
		evbpf__warn("object '%s': kernel rejected BTF (%s), continuing without: %s",
			    obj->name, evbpf_strerror(fd), log);
		free(log);
	}
	evbpf__errmsg_clear();
	return 0;
}

EVBPF_API int evbpf_object_load(struct evbpf_object *obj)
{
	bool maps_before, btf_before, *loaded_here;
	size_t i;
	int err;

	if (!obj)
		return evbpf__err(-EINVAL, "object load: NULL object");
	evbpf__errmsg_clear();
	loaded_here = calloc(obj->nr_progs + 1, sizeof(*loaded_here));
	if (!loaded_here)
		return -ENOMEM;
	maps_before = obj->maps_created;
	btf_before = obj->btf_fd >= 0;
	err = evbpf__object_create_maps(obj);
	if (err)
		goto out;
	for (i = 0; i < obj->nr_progs; i++) {
		struct evbpf_program *p = &obj->progs[i];

		if (!p->autoload || p->fd >= 0)
			continue;
		err = evbpf_program_load(p);
		if (err)
			goto err;
		loaded_here[i] = true;
	}
	for (i = 0; i < obj->nr_maps; i++) {
		if (obj->maps[i].type != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		err = evbpf__map_fill_slots(&obj->maps[i]);
		if (err)
			goto err;
	}
	goto out;
err:
	/* Leave nothing behind that this call created: the caller may fix
	 * the cause (set_global, set_type, ...) and load again. */
	for (i = 0; i < obj->nr_progs; i++)
		if (loaded_here[i])
			evbpf__close_fd(&obj->progs[i].fd);
	if (!maps_before) {
		evbpf__object_unpin_new_maps(obj);
		for (i = 0; i < obj->nr_maps; i++)
			if (!obj->maps[i].reused)
				evbpf__close_fd(&obj->maps[i].fd);
		obj->maps_created = false;
	}
	if (!btf_before)
		evbpf__close_fd(&obj->btf_fd);
out:
	free(loaded_here);
	return err;
}
