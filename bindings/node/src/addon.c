/* SPDX-License-Identifier: MIT */
/*
 * Module setup, errors, objects, programs and maps (see addon.h).
 *
 * The functions exported here are the private interface of lib/evbpf.js,
 * which gives them the shape the package documents; they take the wrapped
 * native handle as their first argument. Handles are type-tagged so that a
 * stray object passed from JavaScript is rejected instead of unwrapped.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "addon.h"
#include "internal.h"

static const napi_type_tag object_tag = {0x6576627066306f62ULL, 0x6a6563742e6e6f64ULL};

/* ------------------------------------------------------------ errors */

static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	return name ? name : "EUNKNOWN";
}

napi_value throw_errno(napi_env env, int err, bool use_errmsg, const char *fmt, ...)
{
	char msg[2048];
	const char *detail = use_errmsg ? evbpf_errmsg() : "";
	napi_value e, code, text, num;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		         *detail ? detail : evbpf_strerror(err));
	napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
	napi_create_error(env, code, text, &e);
	napi_create_int32(env, err < 0 ? err : -err, &num);
	napi_set_named_property(env, e, "errno", num);
	napi_throw(env, e);
	return NULL;
}

napi_value throw_type(napi_env env, const char *msg)
{
	napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
	return NULL;
}

/* ------------------------------------------------------------ arguments */

bool is_nullish(napi_env env, napi_value v)
{
	napi_valuetype t = napi_undefined;

	if (!v)
		return true;
	napi_typeof(env, v, &t);
	return t == napi_undefined || t == napi_null;
}

napi_value opt_get(napi_env env, napi_value opts, const char *name)
{
	napi_value v = NULL;
	napi_valuetype t;

	if (is_nullish(env, opts) || napi_typeof(env, opts, &t) != napi_ok || t != napi_object)
		return NULL;
	if (napi_get_named_property(env, opts, name, &v) != napi_ok)
		return NULL;
	return is_nullish(env, v) ? NULL : v;
}

bool arg_string(napi_env env, napi_value v, char *buf, size_t size, const char *what)
{
	size_t len;
	char msg[128];

	if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) {
		snprintf(msg, sizeof(msg), "%s must be a string", what);
		throw_type(env, msg);
		return false;
	}
	if (len + 1 >= size) {
		throw_errno(env, -ENAMETOOLONG, false, "%s is too long", what);
		return false;
	}
	return true;
}

bool arg_uint32(napi_env env, napi_value v, uint32_t def, uint32_t *out, const char *what)
{
	double d;
	char msg[128];

	if (is_nullish(env, v)) {
		*out = def;
		return true;
	}
	if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 4294967295.0 ||
	    d != (double)(uint32_t)d) {
		snprintf(msg, sizeof(msg), "%s must be an integer from 0 to 2^32-1", what);
		throw_type(env, msg);
		return false;
	}
	*out = (uint32_t)d;
	return true;
}

bool arg_bool(napi_env env, napi_value v, bool def, bool *out)
{
	if (is_nullish(env, v)) {
		*out = def;
		return true;
	}
	return napi_coerce_to_bool(env, v, &v) == napi_ok &&
	       napi_get_value_bool(env, v, out) == napi_ok;
}

bool bytes_of(napi_env env, napi_value v, void **data, size_t *size)
{
	bool yes = false;
	napi_typedarray_type type;
	size_t length, offset;
	napi_value ab;

	if (!v)
		return false;
	if (napi_is_buffer(env, v, &yes) == napi_ok && yes)
		return napi_get_buffer_info(env, v, data, size) == napi_ok;
	if (napi_is_typedarray(env, v, &yes) == napi_ok && yes) {
		if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok)
			return false;
		switch (type) {
		case napi_int8_array:
		case napi_uint8_array:
		case napi_uint8_clamped_array:
			*size = length;
			break;
		case napi_int16_array:
		case napi_uint16_array:
			*size = length * 2;
			break;
		case napi_int32_array:
		case napi_uint32_array:
		case napi_float32_array:
			*size = length * 4;
			break;
		default:
			*size = length * 8;
			break;
		}
		return true;
	}
	return false;
}

static size_t get_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv)
{
	size_t argc = max;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	for (size_t i = argc; i < max; i++)
		napi_get_undefined(env, &argv[i]);
	return argc;
}

/* ------------------------------------------------------------ per environment */

void addon_unref(struct addon *a)
{
	if (--a->refs == 0)
		free(a);
}

/* The environment is going away (process exit, worker exit): release every
 * fd and libuv handle now, while the loop can still run the close
 * callbacks. Memory is released by the finalizers that follow. */
static void addon_cleanup(void *arg)
{
	struct addon *a = arg;

	a->torn_down = true;
	consumers_close_all(a);
	while (a->objects.next != &a->objects)
		nobject_close(container_of(a->objects.next, struct nobject, node));
}

static void addon_finalize(napi_env env, void *data, void *hint)
{
	struct addon *a = data;

	(void)env;
	(void)hint;
	addon_unref(a);
}

static struct addon *addon_of(napi_env env)
{
	struct addon *a = NULL;

	napi_get_instance_data(env, (void **)&a);
	return a;
}

/* ------------------------------------------------------------ objects */

const struct evbpf_btf *nobject_btf(const struct nobject *o)
{
	return o->obj ? o->obj->btf : NULL;
}

uint32_t map_btf_key(const struct evbpf_map *map)
{
	return map->btf_key_type_id;
}

uint32_t map_btf_value(const struct evbpf_map *map)
{
	return map->btf_value_type_id;
}

void nobject_close(struct nobject *o)
{
	if (o->closed)
		return;
	consumers_close_for(o->a, o);
	for (size_t i = 0; i < o->nr_links; i++) {
		evbpf_link_destroy(o->links[i]);
		free(o->link_names[i]);
	}
	free(o->links);
	free(o->link_names);
	o->links = NULL;
	o->link_names = NULL;
	o->nr_links = 0;
	evbpf_object_close(o->obj);
	o->obj = NULL;
	o->closed = true;
	list_del(&o->node);
}

static void nobject_finalize(napi_env env, void *data, void *hint)
{
	struct nobject *o = data;
	struct addon *a = o->a;

	(void)env;
	(void)hint;
	nobject_close(o);
	free(o);
	addon_unref(a);
}

struct nobject *nobject_of(napi_env env, napi_value v, bool open_required)
{
	struct nobject *o = NULL;
	bool ok = false;

	if (!v || napi_check_object_type_tag(env, v, &object_tag, &ok) != napi_ok || !ok ||
	    napi_unwrap(env, v, (void **)&o) != napi_ok || !o) {
		throw_type(env, "not an evbpf object handle");
		return NULL;
	}
	if (open_required && o->closed) {
		throw_errno(env, -EBADF, false, "the object is closed");
		return NULL;
	}
	return o;
}

struct evbpf_map *map_of(napi_env env, struct nobject *o, napi_value name)
{
	char buf[256];
	struct evbpf_map *map;

	if (!arg_string(env, name, buf, sizeof(buf), "map name"))
		return NULL;
	map = evbpf_object_find_map(o->obj, buf);
	if (!map)
		throw_errno(env, -ENOENT, false, "no map named '%s'", buf);
	return map;
}

static struct evbpf_program *prog_of(napi_env env, struct nobject *o, napi_value name)
{
	char buf[256];
	struct evbpf_program *prog;

	if (!arg_string(env, name, buf, sizeof(buf), "program name"))
		return NULL;
	prog = evbpf_object_find_program(o->obj, buf);
	if (!prog)
		throw_errno(env, -ENOENT, false, "no program named '%s'", buf);
	return prog;
}

/* open(pathOrBuffer, {btfPath, pinRoot, objectName, logLevel}) -> handle */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	struct addon *a = addon_of(env);
	napi_value argv[2], handle, v;
	struct evbpf_open_opts opts = {.sz = sizeof(opts)};
	char path[4096], btf_path[4096], pin_root[4096], name[256];
	struct evbpf_object *obj = NULL;
	struct nobject *o;
	void *data;
	size_t size;
	int err;

	get_args(env, info, 2, argv);
	if ((v = opt_get(env, argv[1], "btfPath"))) {
		if (!arg_string(env, v, btf_path, sizeof(btf_path), "opts.btfPath"))
			return NULL;
		opts.btf_path = btf_path;
	}
	if ((v = opt_get(env, argv[1], "pinRoot"))) {
		if (!arg_string(env, v, pin_root, sizeof(pin_root), "opts.pinRoot"))
			return NULL;
		opts.pin_root = pin_root;
	}
	if ((v = opt_get(env, argv[1], "objectName"))) {
		if (!arg_string(env, v, name, sizeof(name), "opts.objectName"))
			return NULL;
		opts.object_name = name;
	}
	if (!arg_uint32(env, opt_get(env, argv[1], "logLevel"), 0, &opts.log_level,
	                "opts.logLevel"))
		return NULL;
	if (bytes_of(env, argv[0], &data, &size)) {
		err = evbpf_object_open_mem(data, size, &opts, &obj);
		if (err)
			return throw_errno(env, err, true, "open: %zu-byte object", size);
	} else {
		if (!arg_string(env, argv[0], path, sizeof(path), "pathOrBuffer"))
			return NULL;
		err = evbpf_object_open_file(path, &opts, &obj);
		if (err)
			return throw_errno(env, err, true, "open '%s'", path);
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		evbpf_object_close(obj);
		return throw_errno(env, -ENOMEM, false, "open");
	}
	o->a = a;
	o->obj = obj;
	list_init(&o->node);
	napi_create_object(env, &handle);
	if (napi_wrap(env, handle, o, nobject_finalize, NULL, NULL) != napi_ok) {
		evbpf_object_close(obj);
		free(o);
		return throw_errno(env, -ENOMEM, false, "open: wrapping the object");
	}
	a->refs++;
	list_add(&a->objects, &o->node);
	napi_type_tag_object(env, handle, &object_tag);
	return handle;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *s)
{
	napi_value v;

	napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
	napi_set_named_property(env, obj, key, v);
}

static void set_u32(napi_env env, napi_value obj, const char *key, uint32_t n)
{
	napi_value v;

	napi_create_uint32(env, n, &v);
	napi_set_named_property(env, obj, key, v);
}

static void set_bool(napi_env env, napi_value obj, const char *key, bool b)
{
	napi_value v;

	napi_get_boolean(env, b, &v);
	napi_set_named_property(env, obj, key, v);
}

/* info(handle) -> {name, programs: [...], maps: [...]} */
static napi_value js_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], out, progs, maps, item;
	struct nobject *o;
	struct evbpf_program *p = NULL;
	struct evbpf_map *m = NULL;
	uint32_t i = 0;

	get_args(env, info, 1, argv);
	if (!(o = nobject_of(env, argv[0], true)))
		return NULL;
	napi_create_object(env, &out);
	set_str(env, out, "name", evbpf_object_name(o->obj));
	set_str(env, out, "license", evbpf_object_license(o->obj));
	napi_create_array(env, &progs);
	while ((p = evbpf_object_next_program(o->obj, p))) {
		napi_create_object(env, &item);
		set_str(env, item, "name", evbpf_program_name(p));
		set_str(env, item, "section", evbpf_program_section(p));
		set_str(env, item, "type", evbpf_prog_type_name(evbpf_program_type(p)));
		napi_set_element(env, progs, i++, item);
	}
	napi_set_named_property(env, out, "programs", progs);
	napi_create_array(env, &maps);
	i = 0;
	while ((m = evbpf_object_next_map(o->obj, m))) {
		napi_create_object(env, &item);
		set_str(env, item, "name", evbpf_map_name(m));
		set_str(env, item, "type", evbpf_map_type_name(evbpf_map_type(m)));
		set_u32(env, item, "keySize", evbpf_map_key_size(m));
		set_u32(env, item, "valueSize", evbpf_map_value_size(m));
		set_u32(env, item, "maxEntries", evbpf_map_max_entries(m));
		set_bool(env, item, "keyBtf", nobject_btf(o) && map_btf_key(m));
		set_bool(env, item, "valueBtf", nobject_btf(o) && map_btf_value(m));
		napi_set_element(env, maps, i++, item);
	}
	napi_set_named_property(env, out, "maps", maps);
	return out;
}

/* setGlobal(handle, name, value): a Buffer of the variable's size, or a
 * value encoded through the variable's BTF type. */
static napi_value js_set_global(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	struct nobject *o;
	char name[256], what[300];
	uint32_t type_id = 0;
	size_t size = 0;
	void *data;
	uint8_t *buf;
	int err;

	get_args(env, info, 3, argv);
	if (!(o = nobject_of(env, argv[0], true)) ||
	    !arg_string(env, argv[1], name, sizeof(name), "name"))
		return NULL;
	if (bytes_of(env, argv[2], &data, &size)) {
		err = evbpf_object_set_global(o->obj, name, data, size);
		if (err)
			return throw_errno(env, err, true, "setGlobal '%s'", name);
		return NULL;
	}
	err = codec_global_type(nobject_btf(o), name, &type_id, &size);
	if (err)
		return throw_errno(
		    env, err, false,
		    "setGlobal '%s': no such global in the object's BTF (pass a Buffer "
		    "for objects without BTF)",
		    name);
	buf = calloc(1, size);
	if (!buf)
		return throw_errno(env, -ENOMEM, false, "setGlobal '%s'", name);
	snprintf(what, sizeof(what), "setGlobal '%s'", name);
	if (codec_encode(env, nobject_btf(o), type_id, argv[2], buf, size, what)) {
		err = evbpf_object_set_global(o->obj, name, buf, size);
		if (err)
			throw_errno(env, err, true, "setGlobal '%s'", name);
	}
	free(buf);
	return NULL;
}

/* getGlobal(handle, name, decode) -> Buffer | JSON text */
static napi_value js_get_global(napi_env env, napi_callback_info info)
{
	napi_value argv[3], out = NULL;
	struct nobject *o;
	char name[256];
	uint32_t type_id;
	size_t size;
	bool decode;
	void *buf;
	int err;

	get_args(env, info, 3, argv);
	if (!(o = nobject_of(env, argv[0], true)) ||
	    !arg_string(env, argv[1], name, sizeof(name), "name") ||
	    !arg_bool(env, argv[2], true, &decode))
		return NULL;
	err = codec_global_type(nobject_btf(o), name, &type_id, &size);
	if (err)
		return throw_errno(env, err, false, "getGlobal '%s': no such global in the BTF",
		                   name);
	buf = calloc(1, size);
	if (!buf)
		return throw_errno(env, -ENOMEM, false, "getGlobal '%s'", name);
	err = evbpf_object_get_global(o->obj, name, buf, size);
	if (err)
		throw_errno(env, err, true, "getGlobal '%s'", name);
	else if (decode)
		out = codec_decode(env, nobject_btf(o), type_id, buf, size, 0, 0);
	else
		napi_create_buffer_copy(env, size, buf, NULL, &out);
	free(buf);
	return out;
}

static napi_value js_load(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct nobject *o;
	int err;

	get_args(env, info, 1, argv);
	if (!(o = nobject_of(env, argv[0], true)))
		return NULL;
	err = evbpf_object_load(o->obj);
	if (err)
		return throw_errno(env, err, true, "load '%s'", evbpf_object_name(o->obj));
	return NULL;
}

static int add_link(struct nobject *o, struct evbpf_link *link, const char *name)
{
	struct evbpf_link **links = realloc(o->links, (o->nr_links + 1) * sizeof(*links));
	char **names;

	if (!links)
		return -ENOMEM;
	o->links = links;
	names = realloc(o->link_names, (o->nr_links + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	o->link_names = names;
	names[o->nr_links] = strdup(name);
	if (!names[o->nr_links])
		return -ENOMEM;
	links[o->nr_links++] = link;
	return 0;
}

static bool is_attached(const struct nobject *o, const char *name)
{
	for (size_t i = 0; i < o->nr_links; i++)
		if (strcmp(o->link_names[i], name) == 0)
			return true;
	return false;
}

static int attach_one(napi_env env, struct nobject *o, struct evbpf_program *p, bool skip_unknown)
{
	struct evbpf_link *link = NULL;
	const char *name = evbpf_program_name(p);
	int err;

	if (is_attached(o, name))
		return 0;
	err = evbpf_program_attach(p, &link);
	if (err == -ENOTSUP && skip_unknown)
		return 0;
	if (err) {
		throw_errno(env, err, true, "attach '%s' (section %s)", name,
		            evbpf_program_section(p));
		return err;
	}
	err = add_link(o, link, name);
	if (err) {
		evbpf_link_destroy(link);
		throw_errno(env, err, false, "attach '%s'", name);
	}
	return err;
}

/* attach(handle[, programName]) -> names of the programs attached now.
 * Without a name: every loaded program whose section says where it goes;
 * the others (xdp, tc, socket filters...) are left for typed attachment. */
static napi_value js_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[2], out, v;
	struct evbpf_program *p = NULL;
	struct nobject *o;
	size_t before;
	uint32_t n = 0;

	get_args(env, info, 2, argv);
	if (!(o = nobject_of(env, argv[0], true)))
		return NULL;
	before = o->nr_links;
	if (!is_nullish(env, argv[1])) {
		if (!(p = prog_of(env, o, argv[1])) || attach_one(env, o, p, false))
			return NULL;
	} else {
		while ((p = evbpf_object_next_program(o->obj, p)))
			if (evbpf_program_fd(p) >= 0 && attach_one(env, o, p, true))
				return NULL;
	}
	napi_create_array(env, &out);
	for (size_t i = before; i < o->nr_links; i++) {
		napi_create_string_utf8(env, o->link_names[i], NAPI_AUTO_LENGTH, &v);
		napi_set_element(env, out, n++, v);
	}
	return out;
}

static napi_value js_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct nobject *o;

	get_args(env, info, 1, argv);
	if ((o = nobject_of(env, argv[0], false)))
		nobject_close(o);
	return NULL;
}

/* testRun(handle, program, data, repeat, ctx) -> {retval, durationNs} */
static napi_value js_test_run(napi_env env, napi_callback_info info)
{
	napi_value argv[5], out, v;
	struct evbpf_test_run_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *p;
	struct nobject *o;
	void *data;
	size_t size;
	int err;

	get_args(env, info, 5, argv);
	if (!(o = nobject_of(env, argv[0], true)) || !(p = prog_of(env, o, argv[1])))
		return NULL;
	if (bytes_of(env, argv[2], &data, &size)) {
		opts.data_in = data;
		opts.data_size_in = (uint32_t)size;
	} else if (!is_nullish(env, argv[2])) {
		return throw_type(env, "testRun: data must be a Buffer");
	}
	if (!arg_uint32(env, argv[3], 0, &opts.repeat, "testRun: repeat"))
		return NULL;
	if (bytes_of(env, argv[4], &data, &size)) {
		opts.ctx_in = data;
		opts.ctx_size_in = (uint32_t)size;
	} else if (!is_nullish(env, argv[4])) {
		return throw_type(env, "testRun: ctx must be a Buffer");
	}
	err = evbpf_program_test_run(p, &opts);
	if (err)
		return throw_errno(env, err, true, "testRun '%s'", evbpf_program_name(p));
	napi_create_object(env, &out);
	napi_create_uint32(env, opts.retval, &v);
	napi_set_named_property(env, out, "retval", v);
	napi_create_uint32(env, opts.duration_ns, &v);
	napi_set_named_property(env, out, "durationNs", v);
	return out;
}

/* ------------------------------------------------------------ maps */

struct map_call {
	struct nobject *o;
	struct evbpf_map *map;
	const struct evbpf_btf *btf;
	const char *name;
	uint8_t *key;
	uint8_t *value;
	size_t key_size;
	size_t value_size;
};

static bool map_call_init(napi_env env, napi_value h, napi_value name, struct map_call *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->o = nobject_of(env, h, true)) || !(c->map = map_of(env, c->o, name)))
		return false;
	c->btf = nobject_btf(c->o);
	c->name = evbpf_map_name(c->map);
	c->key_size = evbpf_map_key_size(c->map);
	c->value_size = evbpf_map_value_buf_size(c->map);
	c->key = calloc(1, c->key_size ? c->key_size : 1);
	c->value = calloc(1, c->value_size ? c->value_size : 1);
	if (!c->key || !c->value) {
		free(c->key);
		free(c->value);
		throw_errno(env, -ENOMEM, false, "map '%s'", c->name);
		return false;
	}
	return true;
}

static void map_call_done(struct map_call *c)
{
	free(c->key);
	free(c->value);
}

/* mapGet(handle, map, key, decode) -> value | undefined */
static napi_value js_map_get(napi_env env, napi_callback_info info)
{
	napi_value argv[4], out = NULL;
	struct map_call c;
	bool decode;
	int err;

	get_args(env, info, 4, argv);
	if (!map_call_init(env, argv[0], argv[1], &c))
		return NULL;
	if (!arg_bool(env, argv[3], true, &decode) ||
	    !codec_map_bytes(env, c.btf, map_btf_key(c.map), argv[2], c.key, c.key_size, c.name,
	                     "key"))
		goto out;
	err = evbpf_map_lookup(c.map, c.key, c.value);
	if (err == -ENOENT)
		napi_get_undefined(env, &out);
	else if (err)
		throw_errno(env, err, true, "map '%s': lookup", c.name);
	else
		out = codec_map_value(env, c.map, c.btf, map_btf_value(c.map), c.value,
		                      c.value_size, decode, false);
out:
	map_call_done(&c);
	return out;
}

/* mapSet(handle, map, key, value, flags) */
static napi_value js_map_set(napi_env env, napi_callback_info info)
{
	napi_value argv[5];
	struct map_call c;
	uint32_t flags;
	int err;

	get_args(env, info, 5, argv);
	if (!map_call_init(env, argv[0], argv[1], &c))
		return NULL;
	if (arg_uint32(env, argv[4], 0, &flags, "flags") &&
	    codec_map_bytes(env, c.btf, map_btf_key(c.map), argv[2], c.key, c.key_size, c.name,
	                    "key") &&
	    codec_map_bytes(env, c.btf, map_btf_value(c.map), argv[3], c.value, c.value_size,
	                    c.name, "value")) {
		err = evbpf_map_update(c.map, c.key, c.value, flags);
		if (err)
			throw_errno(env, err, true, "map '%s': update", c.name);
	}
	map_call_done(&c);
	return NULL;
}

/* mapDelete(handle, map, key) -> whether the key was there */
static napi_value js_map_delete(napi_env env, napi_callback_info info)
{
	napi_value argv[3], out = NULL;
	struct map_call c;
	int err;

	get_args(env, info, 3, argv);
	if (!map_call_init(env, argv[0], argv[1], &c))
		return NULL;
	if (codec_map_bytes(env, c.btf, map_btf_key(c.map), argv[2], c.key, c.key_size, c.name,
	                    "key")) {
		err = evbpf_map_delete(c.map, c.key);
		if (err && err != -ENOENT)
			throw_errno(env, err, true, "map '%s': delete", c.name);
		else
			napi_get_boolean(env, err == 0, &out);
	}
	map_call_done(&c);
	return out;
}

/* mapKeys(handle, map, decode) -> [key] */
static napi_value js_map_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[3], out = NULL, v;
	struct map_call c;
	uint8_t *next;
	bool decode, first = true;
	uint32_t n = 0;
	int err;

	get_args(env, info, 3, argv);
	if (!map_call_init(env, argv[0], argv[1], &c))
		return NULL;
	next = calloc(1, c.key_size ? c.key_size : 1);
	if (!next || !arg_bool(env, argv[2], true, &decode)) {
		if (!next)
			throw_errno(env, -ENOMEM, false, "map '%s'", c.name);
		goto out;
	}
	napi_create_array(env, &out);
	for (;;) {
		err = evbpf_map_next_key(c.map, first ? NULL : c.key, next);
		if (err == -ENOENT)
			break;
		if (err) {
			out = throw_errno(env, err, true, "map '%s': next key", c.name);
			break;
		}
		first = false;
		memcpy(c.key, next, c.key_size);
		v = codec_map_value(env, c.map, c.btf, map_btf_key(c.map), c.key, c.key_size,
		                    decode, true);
		if (!v) {
			out = NULL;
			break;
		}
		napi_set_element(env, out, n++, v);
		if (n > evbpf_map_max_entries(c.map) + 1024u)
			break; /* keys deleted and re-added under us: enough */
	}
out:
	free(next);
	map_call_done(&c);
	return out;
}

/* ------------------------------------------------------------ module */

/*
 * Node unloads an addon (dlclose) when the last environment that loaded it
 * goes away, e.g. a worker that alone required evbpf. libuv runs the close
 * callbacks of the handles closed at teardown, and completions of off-loop
 * map dumps still in flight, after that: they would jump into unmapped
 * code. Loading ourselves once more with RTLD_NODELETE keeps the code
 * mapped for the life of the process.
 */
static void pin_addon(void)
{
	static int pinned;
	Dl_info info;

	if (pinned)
		return;
	if (dladdr((void *)pin_addon, &info) && info.dli_fname &&
	    dlopen(info.dli_fname, RTLD_LAZY | RTLD_NODELETE | RTLD_NOLOAD))
		pinned = 1;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
	static const struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
	    {"open", js_open},
	    {"info", js_info},
	    {"setGlobal", js_set_global},
	    {"getGlobal", js_get_global},
	    {"load", js_load},
	    {"attach", js_attach},
	    {"close", js_close},
	    {"testRun", js_test_run},
	    {"mapGet", js_map_get},
	    {"mapSet", js_map_set},
	    {"mapDelete", js_map_delete},
	    {"mapKeys", js_map_keys},
	    {"ringbuf", js_ringbuf},
	    {"perfbuf", js_perfbuf},
	    {"pollMap", js_poll_map},
	    {"pause", js_consumer_pause},
	    {"resume", js_consumer_resume},
	    {"consumerClose", js_consumer_close},
	    {"stats", js_consumer_stats},
	    {"setRef", js_consumer_ref},
	};
	struct addon *a = calloc(1, sizeof(*a));
	napi_value fn;

	if (!a) {
		throw_errno(env, -ENOMEM, false, "evbpf addon");
		return NULL;
	}
	a->env = env;
	a->refs = 1;
	list_init(&a->objects);
	list_init(&a->consumers);
	if (napi_get_uv_event_loop(env, &a->loop) != napi_ok ||
	    napi_set_instance_data(env, a, addon_finalize, NULL) != napi_ok) {
		free(a);
		throw_errno(env, -EINVAL, false, "evbpf addon: no libuv loop");
		return NULL;
	}
	napi_add_env_cleanup_hook(env, addon_cleanup, a);
	pin_addon();
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn);
		napi_set_named_property(env, exports, fns[i].name, fn);
	}
	return exports;
}
