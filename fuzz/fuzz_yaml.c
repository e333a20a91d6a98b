/*
 * fuzz_yaml.c - the YAML tree loader (lineage/yamltree.c) and what every
 * manifest does with a tree: canonical form, hash, params at key level.
 * Checks: no crash, no leak, depth and node limits hold, a canonical form
 * is stable (hashing twice gives one value).
 */
#include "fuzz.h"
#include "manifest_int.h"

/* Depth of a tree, checked against the loader's limit on the way. */
static int fuzz_depth(const struct lineage_ynode *n)
{
	int d = 0;

	FUZZ_CHECK(n);
	if (n->kind == LINEAGE_YSCALAR) {
		FUZZ_CHECK(n->text);
		return 1;
	}
	for (size_t i = 0; i < n->nr; i++) {
		int c = fuzz_depth(n->items[i]);

		if (n->kind == LINEAGE_YMAP)
			FUZZ_CHECK(n->keys[i]);
		d = c > d ? c : d;
	}
	return d + 1;
}

/* Shared with fuzz_json.c: check a loaded tree and derive params from it. */
static void fuzz_tree(const char *path, const struct lineage_ynode *root)
{
	struct lineage_params *p = NULL;

	FUZZ_CHECK(fuzz_depth(root) <= LINEAGE_YAML_MAX_DEPTH + 2);
	FUZZ_CHECK(lineage_ynode_hash(root) == lineage_ynode_hash(root));
	if (lineage_params_from_tree(path, root, &p) == 0) {
		struct gi_strvec keys = GI_STRVEC_INIT;

		for (size_t i = 1; i < p->nr; i++)
			FUZZ_CHECK(strcmp(p->v[i - 1].key, p->v[i].key) < 0);
		FUZZ_CHECK(lineage_params_expand(p, NULL, &keys) == p->nr);
		if (p->nr)
			FUZZ_CHECK(lineage_params_get(p, p->v[0].key) == &p->v[0]);
		gi_strvec_clear(&keys);
	}
	lineage_params_free(p);
}

#ifndef FUZZ_JSON
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lineage_ynode *root = NULL;

	if (lineage_yaml_load("params.yaml", (const char *)data, len, &root) == 0)
		fuzz_tree("params.yaml", root);
	else
		FUZZ_CHECK(!root && gi_error_last()[0]);
	lineage_ynode_free(root);
	gi_error_clear();
	return 0;
}
#endif
