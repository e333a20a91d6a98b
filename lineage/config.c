/*
 * config.c - impact.yaml, the optional tracked settings of a repository:
 * import roots, include dirs, test patterns, ignored paths, always-run
 * tests, extra params files and declared dependencies per test pattern.
 * Strict: an unknown key or a wrong type is an error naming key and line.
 */
#include "manifest_int.h"

#include <stdlib.h>
#include <string.h>

struct config_list {
	const char *key;
	size_t offset; /* of the gi_strvec in struct lineage_config */
};

static const struct config_list config_lists[] = {
	{ "roots", offsetof(struct lineage_config, roots) },
	{ "include_dirs", offsetof(struct lineage_config, include_dirs) },
	{ "test_patterns", offsetof(struct lineage_config, test_patterns) },
	{ "ignore", offsetof(struct lineage_config, ignore) },
	{ "always_run", offsetof(struct lineage_config, always_run) },
	{ "params_files", offsetof(struct lineage_config, params_files) },
};

static int config_bad(const char *path, int line, const char *key, const char *why)
{
	return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: '%s' %s", path,
			     line ? line : 1, key, why);
}

/* A list of strings (or one string) into `out`. */
static int string_list(const char *path, const char *key, const struct lineage_ynode *n,
		       int line, struct gi_strvec *out)
{
	if (n->kind == LINEAGE_YSCALAR && lineage_ynode_type(n) != LINEAGE_YNULL) {
		gi_strvec_push(out, n->text);
		return 0;
	}
	if (n->kind == LINEAGE_YSCALAR)
		return 0; /* `key:` with nothing: an empty list */
	if (n->kind != LINEAGE_YSEQ)
		return config_bad(path, line, key, "must be a list of strings");
	for (size_t i = 0; i < n->nr; i++) {
		if (n->items[i]->kind != LINEAGE_YSCALAR)
			return config_bad(path, n->items[i]->line, key, "must be a list of strings");
		gi_strvec_push(out, n->items[i]->text);
	}
	return 0;
}

static int is_params_file(const char *s, size_t n)
{
	static const char *const exts[] = { ".yaml", ".yml", ".json", ".toml", NULL };

	for (const char *const *e = exts; *e; e++) {
		size_t m = strlen(*e);

		if (n > m && !strncmp(s + n - m, *e, m))
			return 1;
	}
	return 0;
}

int lineage_config_dep_parse(const char *s, struct lineage_config_dep *dep)
{
	const char *colon = strchr(s, ':');

	memset(dep, 0, sizeof(*dep));
	if (gi_starts_with(s, "models:/") && s[8]) {
		size_t n = strcspn(s + 8, "/@");

		dep->kind = LINEAGE_DEP_MODEL;
		dep->target = gi_xstrndup(s + 8, n);
		dep->key = gi_xstrdup(s[8 + n] == '/' ? s + 9 + n : s + 8 + n);
	} else if (gi_starts_with(s, "stage:") && s[6]) {
		dep->kind = LINEAGE_DEP_STAGE;
		dep->target = gi_xstrdup(s + 6);
	} else if (colon && is_params_file(s, (size_t)(colon - s))) {
		char *file = gi_xstrndup(s, (size_t)(colon - s));

		dep->kind = LINEAGE_DEP_PARAM;
		dep->target = lineage_path_join("", file);
		dep->key = gi_xstrdup(colon + 1);
		free(file);
	} else if (strpbrk(s, "*?[")) {
		dep->kind = LINEAGE_DEP_GLOB;
		dep->target = gi_xstrdup(s[0] == '/' ? s + 1 : s);
	} else {
		dep->kind = LINEAGE_DEP_PATH;
		dep->target = lineage_path_join("", s[0] == '/' ? s + 1 : s);
	}
	if (!dep->target || !*dep->target) {
		free(dep->target);
		free(dep->key);
		memset(dep, 0, sizeof(*dep));
		return gi_error_setc(GI_EINPUT, "'%s' is not a dependency (empty or outside the "
				     "repository)", s);
	}
	return 0;
}

void lineage_config_free(struct lineage_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < GI_ARRAY_SIZE(config_lists); i++)
		gi_strvec_clear((struct gi_strvec *)((char *)c + config_lists[i].offset));
	for (size_t i = 0; i < c->tests_nr; i++) {
		struct lineage_config_test *t = &c->tests[i];

		for (size_t j = 0; j < t->deps_nr; j++) {
			free(t->deps[j].target);
			free(t->deps[j].key);
		}
		free(t->deps);
		free(t->pattern);
	}
	free(c->tests);
	free(c->path);
	free(c);
}

static int test_depends(const char *path, const struct lineage_ynode *n, int line,
			struct lineage_config_test *t)
{
	struct gi_strvec v = GI_STRVEC_INIT;
	int err = string_list(path, "depends", n, line, &v);

	t->deps = gi_xcalloc(v.nr ? v.nr : 1, sizeof(*t->deps));
	for (size_t i = 0; i < v.nr && !err; i++) {
		int l = n->kind == LINEAGE_YSEQ ? n->items[i]->line : n->line;

		if (lineage_config_dep_parse(v.v[i], &t->deps[t->deps_nr]) < 0)
			err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: 'depends' entry "
					    "'%s' is empty or outside the repository", path, l, v.v[i]);
		else
			t->deps[t->deps_nr++].line = l;
	}
	gi_strvec_clear(&v);
	return err;
}

/* One `tests:` entry: {depends: [...], always_run: bool}, or just a list. */
static int test_entry(const char *path, const struct lineage_ynode *n, int line,
		      struct lineage_config_test *t)
{
	int err = 0;

	if (n->kind != LINEAGE_YMAP)
		return test_depends(path, n, line, t);
	for (size_t i = 0; i < n->nr && !err; i++) {
		const struct lineage_ynode *v = n->items[i];
		const char *k = n->keys[i];

		if (!strcmp(k, "depends"))
			err = test_depends(path, v, n->key_lines[i], t);
		else if (!strcmp(k, "always_run") && lineage_ynode_type(v) == LINEAGE_YBOOL)
			t->always_run = (v->text[0] | 32) == 't';
		else if (!strcmp(k, "always_run"))
			err = config_bad(path, n->key_lines[i], k, "must be true or false");
		else
			err = config_bad(path, n->key_lines[i], k, "is not a known key of a test entry "
					 "(depends, always_run)");
	}
	return err;
}

static int parse_tests(const char *path, const struct lineage_ynode *n, int line,
		       struct lineage_config *c)
{
	int err = 0;

	if (n->kind == LINEAGE_YSCALAR && lineage_ynode_type(n) == LINEAGE_YNULL)
		return 0;
	if (n->kind != LINEAGE_YMAP)
		return config_bad(path, line, "tests", "must be a mapping of test patterns");
	c->tests = gi_xcalloc(n->nr ? n->nr : 1, sizeof(*c->tests));
	for (size_t i = 0; i < n->nr && !err; i++) {
		struct lineage_config_test *t = &c->tests[c->tests_nr++];

		t->pattern = gi_xstrdup(n->keys[i]);
		t->line = n->key_lines[i];
		err = test_entry(path, n->items[i], n->key_lines[i], t);
	}
	return err;
}

static int parse_key(const char *path, const char *k, const struct lineage_ynode *v, int line,
		     struct lineage_config *c)
{
	for (size_t i = 0; i < GI_ARRAY_SIZE(config_lists); i++)
		if (!strcmp(k, config_lists[i].key))
			return string_list(path, k, v, line,
					   (struct gi_strvec *)((char *)c + config_lists[i].offset));
	if (!strcmp(k, "tests"))
		return parse_tests(path, v, line, c);
	if (!strcmp(k, "version")) {
		if (lineage_ynode_type(v) != LINEAGE_YINT || gi_parse_long(v->text, &c->version) ||
		    c->version != 1)
			return config_bad(path, line, k, "must be 1");
		return 0;
	}
	return config_bad(path, line, k, "is not a known key (roots, include_dirs, test_patterns, "
			  "ignore, always_run, params_files, tests, version)");
}

int lineage_config_parse(const char *path, const char *data, size_t len,
			 struct lineage_config **out)
{
	struct lineage_config *c = gi_xcalloc(1, sizeof(*c));
	struct lineage_ynode *root = NULL;
	int err;

	*out = NULL;
	c->path = gi_xstrdup(path);
	c->version = 1;
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind == LINEAGE_YSCALAR && lineage_ynode_type(root) == LINEAGE_YNULL)
		goto done; /* an empty file: all defaults */
	if (root->kind != LINEAGE_YMAP) {
		err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: the top level must be a "
				    "mapping", path, root->line ? root->line : 1);
		goto done;
	}
	for (size_t i = 0; i < root->nr && !err; i++)
		err = parse_key(path, root->keys[i], root->items[i], root->key_lines[i], c);
done:
	if (!err && !c->roots.nr)
		gi_strvec_push(&c->roots, ".");
	if (err < 0)
		lineage_config_free(c);
	else
		*out = c;
	lineage_ynode_free(root);
	return err;
}
