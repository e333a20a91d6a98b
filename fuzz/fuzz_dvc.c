/*
 * fuzz_dvc.c - dvc.yaml (lineage/dvc.c): stages, foreach, vars and
 * `${...}` interpolation, then stage ordering and the missing-deps check.
 * Files the manifest refers to (vars files, params.yaml) are served the
 * same input bytes.  Checks: no crash, no leak, every path a stage names
 * stays inside the repository, an order is a permutation.
 */
#include "fuzz.h"
#include "manifest_int.h"

struct fuzz_input {
	const char *data;
	size_t len;
};

static int fuzz_read(void *ctx, const char *path, struct gi_buf *out)
{
	const struct fuzz_input *in = ctx;

	FUZZ_CHECK_PATH(path);
	gi_buf_init(out, LINEAGE_MANIFEST_MAX_BYTES);
	return gi_buf_add(out, in->data, in->len);
}

static int fuzz_exists(void *ctx, const char *path)
{
	(void)ctx;
	FUZZ_CHECK_PATH(path);
	return strlen(path) % 2;
}

static void fuzz_stage(const struct lineage_dvc_stage *st)
{
	FUZZ_CHECK(st->name && st->cmd && st->wdir);
	FUZZ_CHECK_PATH(st->wdir);
	for (size_t i = 0; i < st->deps_nr; i++)
		FUZZ_CHECK_PATH(st->deps[i]);
	for (size_t i = 0; i < st->outs_nr; i++)
		FUZZ_CHECK_PATH(st->outs[i].path);
	for (size_t i = 0; i < st->params_nr; i++) {
		FUZZ_CHECK(st->params[i].key);
		FUZZ_CHECK_PATH(st->params[i].file);
	}
}

static void fuzz_order(struct lineage_dvc_file *f)
{
	size_t *order = gi_xcalloc(f->nr ? f->nr : 1, sizeof(*order));
	char *seen = gi_xcalloc(f->nr ? f->nr : 1, 1);

	if (lineage_dvc_order(f->stages, f->nr, f->path, order) == 0) {
		for (size_t i = 0; i < f->nr; i++) {
			FUZZ_CHECK(order[i] < f->nr && !seen[order[i]]);
			seen[order[i]] = 1;
		}
	}
	free(order);
	free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_input in = { (const char *)data, len };
	struct lineage_dvc_file *f = NULL;

	if (lineage_dvc_parse("sub/dvc.yaml", in.data, len, fuzz_read, &in, &f) == 0) {
		for (size_t i = 0; i < f->nr; i++)
			fuzz_stage(&f->stages[i]);
		fuzz_order(f);
		lineage_dvc_check_deps(f, fuzz_exists, NULL);
	} else {
		FUZZ_CHECK(!f && gi_error_last()[0]);
	}
	lineage_dvc_file_free(f);
	gi_error_clear();
	return 0;
}
