/* An out-of-tree consumer of an installed evbpf: opens an object (no kernel
 * needed) and, when built with a backend, creates a reactor on its loop. */
#include <stdio.h>
#include <string.h>

#include <evbpf/evbpf.h>
#include <evbpf/reactor.h> /* installed for custom loops */
#ifdef CONSUMER_WITH_UV
#include <evbpf/uv.h>
#endif

int main(int argc, char **argv)
{
	struct evbpf_object *obj;
	const struct evbpf_program *p = NULL;
	int n = 0, err;

	/* A custom loop's reactor is built from the installed contract. */
	if (sizeof(struct evbpf_reactor_ops) == 0)
		return 1;
	if (evbpf_version() != EVBPF_VERSION_HEX) {
		fprintf(stderr, "header/library version mismatch\n");
		return 1;
	}
	if (argc < 2)
		return 2;
	err = evbpf_object_open_file(argv[1], NULL, &obj);
	if (err) {
		fprintf(stderr, "open: %s\n", evbpf_errmsg());
		return 1;
	}
	while ((p = evbpf_object_next_program(obj, p)))
		n++;
	evbpf_object_close(obj);
#ifdef CONSUMER_WITH_UV
	{
		uv_loop_t loop;
		struct evbpf_reactor *r;

		uv_loop_init(&loop);
		if (evbpf_uv_reactor_new(&loop, &r) == 0)
			evbpf_reactor_free(r);
		uv_run(&loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&loop) != 0) {
			fprintf(stderr, "loop did not close\n");
			return 1;
		}
	}
#endif
	printf("evbpf %s: %d programs\n", evbpf_version_string(), n);
	return n > 0 ? 0 : 1;
}
