/*
 * params.c - parameter files at key level.  A YAML or JSON file becomes one
 * entry per key path ("train.lr") with the hash of the value's canonical
 * form, so reformatting changes nothing and a changed value changes only
 * its key.  Also maps a reference ("train" section or "train.lr") to keys.
 */
#include "manifest_int.h"

#include <stdlib.h>
#include <string.h>

void lineage_params_free(struct lineage_params *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr; i++)
		free(p->v[i].key);
	free(p->v);
	free(p->path);
	free(p);
}

static void params_add(struct lineage_params *p, const char *key, const struct lineage_ynode *n,
		       int line)
{
	GI_ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr].key = gi_xstrdup(key);
	p->v[p->nr].hash = lineage_ynode_hash(n);
	p->v[p->nr++].line = line;
}

/* Walk a mapping, adding leaves under `prefix` (a buffer restored on return). */
static int params_walk(struct lineage_params *p, const struct lineage_ynode *n,
		       struct gi_buf *prefix, int line)
{
	size_t keep = prefix->len;
	int err = 0;

	if (n->kind != LINEAGE_YMAP || !n->nr) {
		params_add(p, gi_buf_cstr(prefix), n, line);
		return 0;
	}
	for (size_t i = 0; i < n->nr && !err; i++) {
		if ((keep && gi_buf_addch(prefix, '.') < 0) || gi_buf_adds(prefix, n->keys[i]) < 0)
			return gi_error_setc(GI_ELIMIT, "cannot read '%s' at line %d: key path too long",
					     p->path, n->key_lines[i]);
		err = params_walk(p, n->items[i], prefix, n->key_lines[i]);
		prefix->len = keep;
		prefix->ptr[keep] = '\0';
	}
	return err;
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct lineage_param *)a)->key, ((const struct lineage_param *)b)->key);
}

/* Sort and check that flattening did not make two keys equal ("a.b" vs a: {b}). */
static int params_finish(struct lineage_params *p)
{
	gi_qsort(p->v, p->nr, sizeof(*p->v), cmp_param);
	for (size_t i = 1; i < p->nr; i++)
		if (!strcmp(p->v[i - 1].key, p->v[i].key))
			return gi_error_setc(GI_EINPUT, "cannot read '%s' at line %d: key path '%s' "
					     "appears twice", p->path, p->v[i].line, p->v[i].key);
	return 0;
}

int lineage_params_from_tree(const char *path, const struct lineage_ynode *root,
			     struct lineage_params **out)
{
	struct lineage_params *p = gi_xcalloc(1, sizeof(*p));
	struct gi_buf prefix;
	int err;

	*out = NULL;
	p->path = gi_xstrdup(path);
	gi_buf_init(&prefix, 64 * 1024);
	err = params_walk(p, root, &prefix, root->line);
	if (!err)
		err = params_finish(p);
	gi_buf_release(&prefix);
	if (err < 0) {
		lineage_params_free(p);
		return err;
	}
	*out = p;
	return 0;
}

int lineage_params_parse(const char *path, const char *data, size_t len,
			 struct lineage_params **out)
{
	struct lineage_ynode *root = NULL;
	int err;

	*out = NULL;
	err = lineage_tree_load(path, data, len, &root);
	if (!err)
		err = lineage_params_from_tree(path, root, out);
	lineage_ynode_free(root);
	return err;
}

/* Index of the first entry >= key (binary search). */
static size_t params_lower(const struct lineage_params *p, const char *key)
{
	size_t lo = 0, hi = p->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(p->v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct lineage_param *lineage_params_get(const struct lineage_params *p, const char *key)
{
	size_t i = params_lower(p, key);

	return i < p->nr && !strcmp(p->v[i].key, key) ? &p->v[i] : NULL;
}

size_t lineage_params_expand(const struct lineage_params *p, const char *ref,
			     struct gi_strvec *out)
{
	size_t n = 0, len;

	if (!ref || !*ref) {
		for (size_t i = 0; i < p->nr; i++)
			gi_strvec_push(out, p->v[i].key);
		return p->nr;
	}
	len = strlen(ref);
	/* keys under "ref." sort right after "ref" itself ('.' < most bytes
	   but not all: scan the range that starts with ref) */
	for (size_t i = params_lower(p, ref); i < p->nr; i++) {
		const char *k = p->v[i].key;

		if (strncmp(k, ref, len))
			break;
		if (k[len] == '\0' || k[len] == '.') {
			gi_strvec_push(out, k);
			n++;
		}
	}
	return n;
}
