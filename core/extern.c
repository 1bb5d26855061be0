/* SPDX-License-Identifier: MIT */
/*
 * Externs: symbols an object declares but does not define, resolved by the
 * loader from the running kernel.
 *
 *   extern int CONFIG_HZ __kconfig;       .kconfig: values from the kernel
 *                                         config, kept in a read-only array
 *                                         map the program reads like .rodata;
 *   extern const int cpu_number __ksym;   typed .ksyms: the variable's BTF id
 *                                         (ld_imm64 BPF_PSEUDO_BTF_ID);
 *   extern const void init_task __ksym;   typeless .ksyms: the address, from
 *                                         /proc/kallsyms;
 *   extern void bpf_rcu_read_lock(void) __ksym;  kfuncs: a call with the
 *                                         function's BTF id.
 *
 * A weak extern (__weak) that cannot be resolved reads as zero; a kfunc
 * that is missing becomes a call the verifier rejects only if reached, so
 * bpf_ksym_exists() can guard it.
 *
 * The kernel does not accept everything clang writes for these in BTF:
 * extern variables and functions inside DATASECs, DATASECs of size zero.
 * At open the .kconfig DATASEC gets the map's layout and the .ksyms one
 * integer-typed placeholder variables, as libbpf does, so the object's BTF
 * still loads (and with it func_info for the programs).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "btf_obj.h"

#define KCFG_SEC                    ".kconfig"
#define INFO_ENC(kind, kflag, vlen) ((uint32_t)(kflag) << 31 | (uint32_t)(kind) << 24 | (vlen))
#define KSYMS_SEC                   ".ksyms"

/* ------------------------------------------------------------ collection */

static struct evbpf_extern *find_ext(struct evbpf_object_btfx *x, size_t sym_idx)
{
	for (size_t i = 0; i < x->nr_exts; i++)
		if (x->exts[i].sym_idx == sym_idx)
			return &x->exts[i];
	return NULL;
}

/* The DATASEC entry of name in section sec_name: BTF id of the VAR/FUNC. */
static int find_in_datasec(const struct evbpf_btf *btf, const char *sec_name, const char *name)
{
	int ds = evbpf__btf_find(btf, sec_name, BTF_KIND_DATASEC);
	const struct btf_type *t;
	const struct btf_var_secinfo *v;

	if (ds < 0)
		return -ENOENT;
	t = evbpf__btf_type(btf, (uint32_t)ds);
	v = (const struct btf_var_secinfo *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if (!strcmp(evbpf__btf_name(btf, v[i].type), name))
			return (int)v[i].type;
	return -ENOENT;
}

static int kcfg_classify(struct evbpf_object *obj, struct evbpf_extern *e, uint32_t type_id)
{
	const struct evbpf_btf *btf = obj->btf;
	const struct btf_type *t;
	int id = evbpf__btf_skip_mods(btf, type_id);
	int64_t size = evbpf__btf_resolve_size(btf, type_id);

	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || size <= 0 || size > 4096)
		return evbpf__err(-EINVAL,
		                  "object '%s': kconfig extern '%s' has an unsupported "
		                  "type",
		                  obj->name, e->name);
	e->kcfg_size = (uint32_t)size;
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = BTF_INT_ENCODING(*(const uint32_t *)(t + 1));

		e->kcfg_signed = enc & BTF_INT_SIGNED;
		if (enc & BTF_INT_BOOL) {
			e->kcfg_type = EVBPF_KCFG_BOOL;
		} else if (t->size == 1) {
			/* Any 1-byte integer: 'y'/'n'/'m' as a character, or a
			 * number. */
			e->kcfg_type = EVBPF_KCFG_CHAR;
		} else {
			e->kcfg_type = EVBPF_KCFG_INT;
			e->kcfg_signed = enc & BTF_INT_SIGNED;
			if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
				return evbpf__err(-EINVAL,
				                  "object '%s': kconfig extern '%s': int "
				                  "of %u bytes",
				                  obj->name, e->name, t->size);
		}
		return 0;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!strcmp(evbpf__btf_name(btf, (uint32_t)id), "libbpf_tristate")) {
			e->kcfg_type = EVBPF_KCFG_TRISTATE;
			return 0;
		}
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const struct btf_array *)(t + 1);
		int el = evbpf__btf_skip_mods(btf, a->type);
		const struct btf_type *et = el > 0 ? evbpf__btf_type(btf, (uint32_t)el) : NULL;

		if (et && evbpf__btf_kind(et) == BTF_KIND_INT && et->size == 1) {
			e->kcfg_type = EVBPF_KCFG_CHAR_ARR;
			return 0;
		}
		break;
	}
	default:
		break;
	}
	return evbpf__err(-EINVAL,
	                  "object '%s': kconfig extern '%s': type is not bool, "
	                  "tristate, char, an integer or a char array",
	                  obj->name, e->name);
}

/* libbpf's order of .kconfig variables in the map: largest alignment
 * first, then smallest size, then by name. Following it keeps the
 * offsets in the instructions and the map's size the same as libbpf's. */
struct kcfg_slot {
	struct evbpf_extern *e;
	int align;
};

static int cmp_kcfg_slot(const void *pa, const void *pb)
{
	const struct kcfg_slot *a = pa, *b = pb;

	if (a->align != b->align)
		return a->align > b->align ? -1 : 1;
	if (a->e->kcfg_size != b->e->kcfg_size)
		return a->e->kcfg_size < b->e->kcfg_size ? -1 : 1;
	return strcmp(a->e->name, b->e->name);
}

/* Give every .kconfig extern its offset; *sizep is where the last ends. */
static int layout_kconfig(struct evbpf_object *obj, uint32_t *sizep)
{
	struct evbpf_object_btfx *x = obj->btfx;
	struct kcfg_slot *slots;
	size_t n = 0;
	uint32_t off = 0;

	slots = calloc(x->nr_exts + 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];
		int align;

		if (e->type != EVBPF_EXT_KCFG)
			continue;
		align = evbpf__btf_align(obj->btf, evbpf__btf_type(obj->btf, e->btf_id)->type);
		slots[n++] = (struct kcfg_slot){e, align > 0 ? align : 1};
	}
	qsort(slots, n, sizeof(*slots), cmp_kcfg_slot);
	for (size_t i = 0; i < n; i++) {
		off = (uint32_t)evbpf__roundup(off, (size_t)slots[i].align);
		slots[i].e->kcfg_off = off;
		off += slots[i].e->kcfg_size;
	}
	free(slots);
	*sizep = off;
	return 0;
}

static int cmp_secinfo_off(const void *pa, const void *pb)
{
	const struct btf_var_secinfo *a = pa, *b = pb;

	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static int add_kconfig_map(struct evbpf_object *obj, uint32_t size)
{
	/* No ELF section: externs have none. */
	if (!evbpf__object_add_data_map(obj, KCFG_SEC, EVBPF_MAP_KCONFIG, SIZE_MAX, size,
					BPF_F_RDONLY_PROG))
		return -ENOMEM;
	obj->btfx->kconfig_map = (int)obj->nr_maps - 1;
	return 0;
}

/* A 4-byte int in the object's BTF for placeholder variables, added if
 * the object has none. */
static int int_type_id(struct evbpf_btf *btf)
{
	uint32_t cnt = evbpf__btf_type_cnt(btf);
	struct {
		struct btf_type t;
		uint32_t enc;
	} rec;
	int name;

	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (evbpf__btf_kind(t) == BTF_KIND_INT && t->size == 4)
			return (int)id;
	}
	name = evbpf__btf_add_str(btf, "int");
	if (name < 0)
		return name;
	memset(&rec, 0, sizeof(rec));
	rec.t.name_off = (uint32_t)name;
	rec.t.info = INFO_ENC(BTF_KIND_INT, 0, 0);
	rec.t.size = 4;
	rec.enc = (uint32_t)BTF_INT_SIGNED << 24 | 32;
	return evbpf__btf_add_type(btf, &rec, sizeof(rec));
}

/*
 * Rewrite .kconfig and .ksyms for BPF_BTF_LOAD. .kconfig: offsets and
 * sizes of the map layout, variables allocated. .ksyms: each variable
 * becomes an allocated int at its own 4-byte slot and each function entry
 * a placeholder variable; extern functions get global linkage and named
 * parameters, which the kernel requires of non-static functions.
 */
static int fixup_btf(struct evbpf_object *obj, uint32_t kcfg_size)
{
	struct evbpf_object_btfx *x = obj->btfx;
	struct evbpf_btf *btf = obj->btf;
	int ds, int_id = -1, dummy_id = -1;
	struct btf_type *t;

	ds = evbpf__btf_find(btf, KCFG_SEC, BTF_KIND_DATASEC);
	if (ds > 0) {
		struct btf_var_secinfo *v;

		t = evbpf__btf_type_mut(btf, (uint32_t)ds);
		t->size = kcfg_size;
		v = (struct btf_var_secinfo *)(t + 1);
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			struct btf_type *var = evbpf__btf_type_mut(btf, v[i].type);

			for (size_t e = 0; e < x->nr_exts; e++) {
				if (x->exts[e].btf_id != v[i].type)
					continue;
				v[i].offset = x->exts[e].kcfg_off;
				v[i].size = x->exts[e].kcfg_size;
			}
			if (var && evbpf__btf_kind(var) == BTF_KIND_VAR)
				((struct btf_var *)(var + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
		}
		/* The kernel wants a DATASEC's variables in offset order. */
		qsort(v, evbpf__btf_vlen(t), sizeof(*v), cmp_secinfo_off);
	}
	ds = evbpf__btf_find(btf, KSYMS_SEC, BTF_KIND_DATASEC);
	if (ds < 0)
		return 0;
	int_id = int_type_id(btf);
	if (int_id < 0)
		return int_id;
	t = evbpf__btf_type_mut(btf, (uint32_t)ds);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)(t + 1) + i;
		const struct btf_type *vt = evbpf__btf_type(btf, v->type);

		if (vt && evbpf__btf_kind(vt) == BTF_KIND_FUNC && dummy_id < 0) {
			struct {
				struct btf_type t;
				struct btf_var v;
			} rec;
			/* libbpf's name for it: the BTF stays byte-identical. */
			int name = evbpf__btf_add_str(btf, "dummy_ksym");

			if (name < 0)
				return name;
			memset(&rec, 0, sizeof(rec));
			rec.t.name_off = (uint32_t)name;
			rec.t.info = INFO_ENC(BTF_KIND_VAR, 0, 0);
			rec.t.type = (uint32_t)int_id;
			rec.v.linkage = BTF_VAR_GLOBAL_ALLOCATED;
			dummy_id = evbpf__btf_add_type(btf, &rec, sizeof(rec));
			if (dummy_id < 0)
				return dummy_id;
			t = evbpf__btf_type_mut(btf, (uint32_t)ds); /* the blob moved */
		}
	}
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		struct btf_var_secinfo *v = (struct btf_var_secinfo *)(t + 1) + i;
		struct btf_type *vt = evbpf__btf_type_mut(btf, v->type);

		if (!vt)
			continue;
		if (evbpf__btf_kind(vt) == BTF_KIND_FUNC) {
			struct btf_type *proto = evbpf__btf_type_mut(btf, vt->type);
			struct btf_param *p = (struct btf_param *)(proto + 1);

			vt->info = INFO_ENC(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL);
			for (uint16_t j = 0; j < evbpf__btf_vlen(proto); j++)
				if (!p[j].name_off && p[j].type)
					p[j].name_off =
					    evbpf__btf_type(btf, (uint32_t)dummy_id)->name_off;
			v->type = (uint32_t)dummy_id;
		} else if (evbpf__btf_kind(vt) == BTF_KIND_VAR) {
			((struct btf_var *)(vt + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
			vt->type = (uint32_t)int_id;
		}
		v->offset = (uint32_t)i * 4;
		v->size = 4;
	}
	t->size = (uint32_t)evbpf__btf_vlen(t) * 4;
	return 0;
}

static int read_kconfig(struct evbpf_object *obj, uint8_t *data);

/* What clang emits for an extern: an undefined global or weak symbol
 * without a type (STT_NOTYPE), as libbpf also requires. */
static bool is_extern_sym(const struct evbpf_elf *elf, const Elf64_Sym *s)
{
	int bind = ELF64_ST_BIND(s->st_info);
	const char *name = evbpf__elf_sym_name(elf, s);

	return s->st_shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
	       ELF64_ST_TYPE(s->st_info) == STT_NOTYPE && name && *name;
}

int evbpf__externs_collect(struct evbpf_object *obj)
{
	struct evbpf_object_btfx *x = obj->btfx;
	const struct evbpf_elf *elf = &obj->elf;
	uint32_t kcfg_off = 0;
	bool any_kcfg = false;
	size_t n = 0;
	int err;

	for (size_t i = 1; i < elf->nr_syms; i++)
		if (is_extern_sym(elf, &elf->syms[i]))
			n++;
	if (!n)
		return 0;
	if (!obj->btf)
		return evbpf__err(-EINVAL, "object '%s': externs need BTF (compile with -g)",
		                  obj->name);
	x->exts = calloc(n, sizeof(*x->exts));
	if (!x->exts)
		return -ENOMEM;
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const Elf64_Sym *s = &elf->syms[i];
		int bind = ELF64_ST_BIND(s->st_info);
		const char *name = evbpf__elf_sym_name(elf, s);
		struct evbpf_extern *e;
		const struct btf_type *t;
		int id;

		if (!is_extern_sym(elf, s))
			continue;
		e = &x->exts[x->nr_exts++];
		e->name = strdup(name);
		if (!e->name)
			return -ENOMEM;
		e->sym_idx = i;
		e->weak = bind == STB_WEAK;
		e->kmod = -1;
		id = find_in_datasec(obj->btf, KCFG_SEC, name);
		if (id > 0) {
			e->type = EVBPF_EXT_KCFG;
			e->btf_id = (uint32_t)id;
			err = kcfg_classify(obj, e, evbpf__btf_type(obj->btf, (uint32_t)id)->type);
			if (err)
				return err;
			any_kcfg = true;
			continue;
		}
		id = find_in_datasec(obj->btf, KSYMS_SEC, name);
		if (id < 0) { /* an extern function not in .ksyms (older clang) */
			id = evbpf__btf_find(obj->btf, name, BTF_KIND_FUNC);
			e->not_ksym = true;
		}
		if (id < 0)
			return evbpf__err(-EINVAL,
			                  "object '%s': extern '%s' is neither __kconfig "
			                  "nor __ksym",
			                  obj->name, name);
		e->btf_id = (uint32_t)id;
		t = evbpf__btf_type(obj->btf, (uint32_t)id);
		if (evbpf__btf_kind(t) == BTF_KIND_FUNC)
			e->type = EVBPF_EXT_KFUNC;
		else if (evbpf__btf_skip_mods(obj->btf, t->type) == 0)
			e->type = EVBPF_EXT_KSYM_ADDR;
		else
			e->type = EVBPF_EXT_KSYM_VAR;
	}

	if (any_kcfg) {
		err = layout_kconfig(obj, &kcfg_off);
		if (err)
			return err;
		err = add_kconfig_map(obj, kcfg_off);
		if (err)
			return err;
		err = read_kconfig(obj, obj->maps[x->kconfig_map].init_data);
		if (err)
			return err;
	}
	return fixup_btf(obj, kcfg_off);
}

void evbpf__externs_free(struct evbpf_object_btfx *x)
{
	for (size_t i = 0; i < x->nr_exts; i++)
		free(x->exts[i].name);
	free(x->exts);
	x->exts = NULL;
	x->nr_exts = 0;
}

/* ------------------------------------------------------------ kconfig */

static uint32_t kernel_version_code(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

/* Whether syscalls enter through arch wrappers (__x64_sys_*), which is
 * what kprobes on syscalls must name. */
static bool has_syscall_wrapper(void)
{
	static const char *const prefixes[] = {"__x64_sys_", "__arm64_sys_", "__s390x_sys_",
	                                       "__riscv_sys_", "__ia32_sys_"};
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *name = strrchr(line, ' ');

		if (!name)
			continue;
		name++;
		for (size_t i = 0; i < EVBPF_ARRAY_SIZE(prefixes); i++)
			if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
				found = true;
	}
	fclose(f);
	return found;
}

static int set_int(struct evbpf_extern *e, uint8_t *dst, uint64_t v, const char *what)
{
	bool fits;

	switch (e->kcfg_size) {
	case 1:
		fits = e->kcfg_signed ? (int64_t)v >= INT8_MIN && (int64_t)v <= INT8_MAX
		                      : v <= UINT8_MAX;
		break;
	case 2:
		fits = e->kcfg_signed ? (int64_t)v >= INT16_MIN && (int64_t)v <= INT16_MAX
		                      : v <= UINT16_MAX;
		break;
	case 4:
		fits = e->kcfg_signed ? (int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX
		                      : v <= UINT32_MAX;
		break;
	default:
		fits = true;
		break;
	}
	if (!fits)
		return evbpf__err(-ERANGE, "kconfig extern '%s': value %s does not fit %u bytes",
		                  e->name, what, e->kcfg_size);
	memcpy(dst, &v, e->kcfg_size); /* little-endian */
	return 0;
}

static int set_number(struct evbpf_extern *e, uint8_t *dst, const char *val)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = e->kcfg_signed ? (uint64_t)strtoll(val, &end, 0) : strtoull(val, &end, 0);
	if (errno || end == val || *end || (!e->kcfg_signed && val[0] == '-'))
		return evbpf__err(errno == ERANGE ? -ERANGE : -EINVAL,
		                  "kconfig extern '%s': value '%s' is not a number", e->name, val);
	return set_int(e, dst, v, val);
}

/* Store one config value ("y", "m", "n", a number or a quoted string). */
static int set_value(struct evbpf_extern *e, uint8_t *data, const char *val)
{
	uint8_t *dst = data + e->kcfg_off;
	char c = val[0];
	bool tri = (c == 'y' || c == 'n' || c == 'm') && val[1] == '\0';

	switch (e->kcfg_type) {
	case EVBPF_KCFG_BOOL:
		if (!tri || c == 'm')
			return evbpf__err(-EINVAL, "kconfig extern '%s': value '%s' is not a bool",
			                  e->name, val);
		*dst = c == 'y';
		break;
	case EVBPF_KCFG_TRISTATE: {
		uint32_t v = c == 'y' ? 1 : c == 'm' ? 2 : 0;

		if (!tri)
			return evbpf__err(-EINVAL,
			                  "kconfig extern '%s': value '%s' is not a "
			                  "tristate",
			                  e->name, val);
		memcpy(dst, &v, e->kcfg_size < 4 ? e->kcfg_size : 4);
		break;
	}
	case EVBPF_KCFG_CHAR:
		if (!tri)
			return set_number(e, dst, val);
		*dst = (uint8_t)c;
		break;
	case EVBPF_KCFG_CHAR_ARR: {
		size_t len = strlen(val);

		if (len < 2 || val[0] != '"' || val[len - 1] != '"')
			return evbpf__err(-EINVAL, "kconfig extern '%s': value %s is not a string",
			                  e->name, val);
		len -= 2;
		if (len >= e->kcfg_size)
			len = e->kcfg_size - 1; /* truncated, always terminated */
		memcpy(dst, val + 1, len);
		dst[len] = '\0';
		break;
	}
	case EVBPF_KCFG_INT:
		return set_number(e, dst, val);
	}
	return 0;
}

static int load_config_text(char **textp)
{
	struct utsname u;
	char path[300];
	uint8_t *buf, *out;
	size_t size, out_len;
	int err;

	if (uname(&u) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		if (evbpf__read_file(path, &buf, &size) == 0) {
			*textp = (char *)buf;
			return 0;
		}
	}
	err = evbpf__read_file("/proc/config.gz", &buf, &size);
	if (err)
		return evbpf__err(-ENOENT,
		                  "kconfig: neither /boot/config-%s nor /proc/config.gz "
		                  "is readable",
		                  u.release);
	err = evbpf__gunzip(buf, size, &out, &out_len);
	free(buf);
	if (err)
		return err;
	*textp = (char *)out;
	return 0;
}

/*
 * Apply a kernel config (the text of a .config; modified in place) to the
 * CONFIG_* externs, writing their values into data (the .kconfig map's
 * initial value). Non-weak externs the config does not set are an error.
 */
int evbpf__kconfig_apply(struct evbpf_object *obj, uint8_t *data, char *text)
{
	struct evbpf_object_btfx *x = obj->btfx;
	char *line, *save = NULL;
	int err;

	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];

		if (e->type == EVBPF_EXT_KCFG && !strncmp(e->name, "CONFIG_", 7)) {
			e->resolved = false;
			memset(data + e->kcfg_off, 0, e->kcfg_size);
		}
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *name = line, *val;
		bool not_set = false;

		if (!strncmp(line, "# CONFIG_", 9) && strstr(line, " is not set")) {
			name = line + 2;
			*strchr(name, ' ') = '\0';
			val = "n";
			not_set = true;
		} else if (strncmp(line, "CONFIG_", 7) || !(eq = strchr(line, '='))) {
			continue;
		} else {
			*eq = '\0';
			val = eq + 1;
		}
		for (size_t i = 0; i < x->nr_exts; i++) {
			struct evbpf_extern *e = &x->exts[i];

			if (e->type != EVBPF_EXT_KCFG || e->resolved || strcmp(e->name, name))
				continue;
			/* "is not set" means n for y/n/m types, unset for others. */
			if (not_set &&
			    (e->kcfg_type == EVBPF_KCFG_INT || e->kcfg_type == EVBPF_KCFG_CHAR_ARR))
				continue;
			err = set_value(e, data, val);
			if (err)
				return err;
			e->resolved = true;
		}
	}
	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];

		if (e->type == EVBPF_EXT_KCFG && !e->resolved && !e->weak)
			return evbpf__err(-ESRCH,
			                  "object '%s': kconfig extern '%s' is not set in "
			                  "the kernel config (declare it __weak to read 0)",
			                  obj->name, e->name);
	}
	return 0;
}

static int read_kconfig(struct evbpf_object *obj, uint8_t *data)
{
	struct evbpf_object_btfx *x = obj->btfx;
	bool need_config = false;
	char *text = NULL;
	int err;

	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];

		if (e->type != EVBPF_EXT_KCFG)
			continue;
		if (!strcmp(e->name, "LINUX_KERNEL_VERSION")) {
			err = set_int(e, data + e->kcfg_off, kernel_version_code(), "version");
		} else if (!strcmp(e->name, "LINUX_HAS_SYSCALL_WRAPPER")) {
			err = set_value(e, data, has_syscall_wrapper() ? "y" : "n");
		} else if (!strcmp(e->name, "LINUX_HAS_BPF_COOKIE")) {
			err = set_value(e, data, evbpf__has_bpf_cookie() ? "y" : "n");
		} else if (!strncmp(e->name, "CONFIG_", 7)) {
			need_config = true;
			continue;
		} else if (e->weak) {
			err = 0;
		} else {
			return evbpf__err(-EINVAL, "object '%s': unknown kconfig extern '%s'",
			                  obj->name, e->name);
		}
		if (err)
			return err;
		e->resolved = true;
	}
	if (!need_config)
		return 0;
	err = load_config_text(&text);
	if (err) {
		/* Only fatal for an extern that is not weak. */
		for (size_t i = 0; i < x->nr_exts; i++)
			if (x->exts[i].type == EVBPF_EXT_KCFG && !x->exts[i].resolved &&
			    !x->exts[i].weak)
				return err;
		evbpf__errmsg_clear();
		return 0;
	}
	err = evbpf__kconfig_apply(obj, data, text);
	free(text);
	return err;
}

/* ------------------------------------------------------------ ksyms */

static int resolve_kallsyms(struct evbpf_object_btfx *x)
{
	FILE *f = NULL;
	char line[512];
	size_t want = 0;

	for (size_t i = 0; i < x->nr_exts; i++)
		if (x->exts[i].type == EVBPF_EXT_KSYM_ADDR)
			want++;
	if (!want)
		return 0;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return evbpf__err(-errno, "ksyms: cannot read /proc/kallsyms");
	while (want && fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		for (size_t i = 0; i < x->nr_exts; i++) {
			struct evbpf_extern *e = &x->exts[i];

			if (e->type != EVBPF_EXT_KSYM_ADDR || e->resolved || strcmp(e->name, name))
				continue;
			e->addr = addr;
			e->resolved = true;
			want--;
		}
	}
	fclose(f);
	return 0;
}

/*
 * Kernel module BTFs, with the fd of each BTF object (needed by the kernel
 * to find a module's variable or kfunc): walk the kernel's BTF objects
 * with BPF_BTF_GET_NEXT_ID, keep those that are module BTF, and parse each
 * as split BTF over vmlinux.
 */
static int load_kmods(struct evbpf_object_btfx *x, const struct evbpf_btf *vmlinux)
{
	uint32_t id = 0;

	x->kmods_loaded = true;
	for (;;) {
		struct evbpf_kmod_btf *mods, *m;
		struct bpf_btf_info info;
		union bpf_attr attr;
		char name[64] = "";
		uint32_t len = sizeof(info), size;
		struct evbpf_btf *btf;
		uint8_t *raw;
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (evbpf__bpf(BPF_BTF_GET_NEXT_ID, &attr, sizeof(attr)))
			return 0; /* -ENOENT at the end, or no permission */
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.btf_id = id;
		fd = evbpf__bpf(BPF_BTF_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.name = (uint64_t)(uintptr_t)name;
		info.name_len = sizeof(name);
		if (evbpf__bpf_obj_info(fd, &info, &len) || !info.kernel_btf ||
		    !strcmp(name, "vmlinux") || !info.btf_size) {
			close(fd);
			continue;
		}
		size = info.btf_size;
		raw = malloc(size);
		mods = raw ? realloc(x->kmods, (x->nr_kmods + 1) * sizeof(*mods)) : NULL;
		if (!mods) {
			free(raw);
			close(fd);
			return -ENOMEM;
		}
		x->kmods = mods;
		memset(&info, 0, sizeof(info));
		info.btf = (uint64_t)(uintptr_t)raw;
		info.btf_size = size;
		len = sizeof(info);
		if (evbpf__bpf_obj_info(fd, &info, &len) || info.btf_size != size) {
			free(raw);
			close(fd);
			continue;
		}
		/* Takes raw, also on failure. */
		if (evbpf__btf_parse_kernel(raw, size, vmlinux, &btf)) {
			evbpf__debug("module BTF '%s': %s", name, evbpf_errmsg());
			close(fd);
			continue;
		}
		m = &x->kmods[x->nr_kmods++];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", name);
		m->fd = fd;
		m->btf = btf;
	}
}

static int kfunc_fd_index(struct evbpf_object_btfx *x, struct evbpf_kmod_btf *m)
{
	int *n;

	if (m->fd_array_idx)
		return m->fd_array_idx;
	if (x->fd_array_cnt >= INT16_MAX)
		return -E2BIG;
	n = realloc(x->fd_array, (x->fd_array_cnt ? x->fd_array_cnt + 1 : 2) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	x->fd_array = n;
	if (!x->fd_array_cnt)
		x->fd_array[x->fd_array_cnt++] = -1; /* offset 0 is vmlinux */
	x->fd_array[x->fd_array_cnt] = m->fd;
	m->fd_array_idx = (int)x->fd_array_cnt++;
	return m->fd_array_idx;
}

void evbpf__externs_free_kmods(struct evbpf_object_btfx *x)
{
	for (size_t i = 0; i < x->nr_kmods; i++) {
		evbpf__close_fd(&x->kmods[i].fd);
		evbpf__btf_free(x->kmods[i].btf);
	}
	free(x->kmods);
	free(x->fd_array);
	x->kmods = NULL;
	x->nr_kmods = 0;
	x->fd_array = NULL;
	x->fd_array_cnt = 0;
}

int evbpf__externs_resolve_ksyms(struct evbpf_object *obj)
{
	struct evbpf_object_btfx *x = obj->btfx;
	const struct evbpf_btf *vmlinux = NULL;
	int err;

	if (x->ksyms_resolved)
		return 0;
	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];
		int kind = e->type == EVBPF_EXT_KFUNC ? BTF_KIND_FUNC : BTF_KIND_VAR;
		int id;

		if (e->type != EVBPF_EXT_KSYM_VAR && e->type != EVBPF_EXT_KFUNC)
			continue;
		if (!vmlinux) {
			err = evbpf__vmlinux_btf(&vmlinux);
			if (err)
				return evbpf__err(err, "object '%s': extern '%s' needs kernel BTF",
				                  obj->name, e->name);
		}
		id = evbpf__btf_find(vmlinux, e->name, kind);
		if (id > 0) {
			e->kernel_btf_id = (uint32_t)id;
			e->resolved = true;
			continue;
		}
		/* Not in vmlinux: a module's, then. */
		if (!x->kmods_loaded) {
			err = load_kmods(x, vmlinux);
			if (err)
				return err;
		}
		for (size_t m = 0; m < x->nr_kmods && !e->resolved; m++) {
			id = evbpf__btf_find(x->kmods[m].btf, e->name, kind);
			if (id < (int)evbpf__btf_start_id(x->kmods[m].btf))
				continue;
			e->kernel_btf_id = (uint32_t)id;
			e->kmod = (int)m;
			e->resolved = true;
		}
	}
	err = resolve_kallsyms(x);
	if (err)
		return err;
	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *e = &x->exts[i];

		if (e->type == EVBPF_EXT_KFUNC && e->not_ksym && !e->resolved && !e->weak)
			return evbpf__err(-ESRCH,
			                  "object '%s': extern function '%s' is defined neither in "
			                  "this object nor in the kernel: a BPF function of another "
			                  "object must be linked into this one first (bpftool gen "
			                  "object out.o a.o b.o); a kfunc would be declared __ksym",
			                  obj->name, e->name);
		if (e->type != EVBPF_EXT_KCFG && !e->resolved && !e->weak)
			return evbpf__err(
			    -ESRCH, "object '%s': %s '%s' not found in the kernel%s", obj->name,
			    e->type == EVBPF_EXT_KFUNC ? "kfunc" : "ksym", e->name,
			    e->type == EVBPF_EXT_KSYM_ADDR ? " (/proc/kallsyms)" : "'s BTF");
	}
	x->ksyms_resolved = true;
	return 0;
}

/* ------------------------------------------------------------ linking */

int evbpf__extern_apply(struct evbpf_program *prog, const struct evbpf_reloc *r, uint32_t dst)
{
	struct evbpf_object *obj = prog->obj;
	struct evbpf_object_btfx *x = obj->btfx;
	struct bpf_insn *insn = &prog->insns[dst];
	bool ldimm64 = insn->code == (BPF_LD | BPF_IMM | BPF_DW);
	struct evbpf_extern *e = x ? find_ext(x, (size_t)r->ext_idx) : NULL;
	int err;

	if (!e)
		return evbpf__err(-EINVAL, "prog '%s': insn %u: unknown extern symbol #%d",
		                  prog->name, dst, r->ext_idx);
	if (ldimm64 && dst + 1 >= prog->insn_cnt)
		return evbpf__err(-EINVAL, "prog '%s': insn %u: truncated ld_imm64", prog->name,
		                  dst);
	if (e->type == EVBPF_EXT_KCFG) {
		const struct evbpf_map *map = &obj->maps[x->kconfig_map];

		if (!ldimm64)
			return evbpf__err(-EINVAL,
			                  "prog '%s': insn %u: kconfig '%s' is not loaded "
			                  "with ld_imm64",
			                  prog->name, dst, e->name);
		if (map->fd < 0)
			return evbpf__err(-EINVAL, "prog '%s': kconfig map is not created",
			                  prog->name);
		insn[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		insn[1].imm = (int32_t)(e->kcfg_off + (uint32_t)insn[0].imm);
		insn[0].imm = map->fd;
		return 0;
	}
	err = evbpf__externs_resolve_ksyms(obj);
	if (err)
		return err;
	if (!ldimm64) {
		/* A call to a kfunc. */
		if (e->type != EVBPF_EXT_KFUNC)
			return evbpf__err(-EINVAL,
			                  "prog '%s': insn %u: call to '%s', which is not "
			                  "a function",
			                  prog->name, dst, e->name);
		insn->off = 0;
		if (!e->resolved) {
			/* Weak and missing: unreachable code may keep it. */
			insn->src_reg = 0;
			insn->imm = EVBPF_CORE_POISON_IMM + 1;
			return 0;
		}
		insn->src_reg = BPF_PSEUDO_KFUNC_CALL;
		insn->imm = (int32_t)e->kernel_btf_id;
		if (e->kmod >= 0) {
			int idx = kfunc_fd_index(x, &x->kmods[e->kmod]);

			if (idx < 0)
				return idx;
			insn->off = (int16_t)idx;
		}
		return 0;
	}
	switch (e->type) {
	case EVBPF_EXT_KSYM_ADDR:
		insn[0].src_reg = 0;
		insn[0].imm = (int32_t)(uint32_t)e->addr;
		insn[1].imm = (int32_t)(uint32_t)(e->addr >> 32);
		break;
	case EVBPF_EXT_KSYM_VAR:
	case EVBPF_EXT_KFUNC: /* &kfunc, as bpf_ksym_exists() takes */
		if (!e->resolved) {
			insn[0].src_reg = 0;
			insn[0].imm = 0;
			insn[1].imm = 0;
			break;
		}
		insn[0].src_reg = BPF_PSEUDO_BTF_ID;
		insn[0].imm = (int32_t)e->kernel_btf_id;
		/* The module's BTF object fd; 0 means vmlinux. */
		insn[1].imm = e->kmod >= 0 ? x->kmods[e->kmod].fd : 0;
		break;
	default:
		break;
	}
	return 0;
}
