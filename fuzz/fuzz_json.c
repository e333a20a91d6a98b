/*
 * fuzz_json.c - JSON manifests (params.json and friends) through jansson
 * into our tree (lineage/yamltree.c), then the same checks as fuzz_yaml.c.
 */
#define FUZZ_JSON 1
#include "fuzz_yaml.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lineage_ynode *root = NULL;

	if (lineage_json_load("params.json", (const char *)data, len, &root) == 0)
		fuzz_tree("params.json", root);
	else
		FUZZ_CHECK(!root && gi_error_last()[0]);
	lineage_ynode_free(root);
	gi_error_clear();
	return 0;
}
