/*
 * fuzz_dvclock.c - dvc.lock and *.dvc files (lineage/dvc.c): content hashes
 * of datasets and locked params.  The first input byte picks the reader
 * (even: dvc.lock, odd: data.xml.dvc), the rest is the file.  Checks: no
 * crash, no leak, every path stays inside the repository.
 */
#include "fuzz.h"
#include "manifest_int.h"

static void fuzz_hashes(const struct lineage_dvc_hash *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(v[i].path && fuzz_path_inside(v[i].path));
}

static void fuzz_lock(const char *data, size_t len)
{
	struct lineage_dvc_lock *l = NULL;

	if (lineage_dvc_lock_parse("sub/dvc.lock", data, len, &l) == 0) {
		for (size_t i = 0; i < l->nr; i++) {
			const struct lineage_dvc_lock_stage *st = &l->stages[i];

			FUZZ_CHECK(st->name);
			fuzz_hashes(st->v, st->nr);
			for (size_t k = 0; k < st->params_nr; k++)
				FUZZ_CHECK(st->params[k].key && fuzz_path_inside(st->params[k].file));
		}
	} else {
		FUZZ_CHECK(!l && gi_error_last()[0]);
	}
	lineage_dvc_lock_free(l);
}

static void fuzz_dotdvc(const char *data, size_t len)
{
	struct lineage_dvc_hash *v = NULL;
	size_t n = 0;
	int frozen = 0;

	if (lineage_dvc_file_parse("sub/data.xml.dvc", data, len, &v, &n, &frozen) == 0)
		fuzz_hashes(v, n);
	else
		FUZZ_CHECK(!v && gi_error_last()[0]);
	lineage_dvc_hashes_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (!len)
		return 0;
	if (data[0] % 2)
		fuzz_dotdvc((const char *)data + 1, len - 1);
	else
		fuzz_lock((const char *)data + 1, len - 1);
	gi_error_clear();
	return 0;
}
