/*
 * mlflow.c - MLflow manifests: MLmodel files (flavors, run, uuid,
 * signature) and the file-store model registry (models/<name>/version-<n>/
 * meta.yaml, aliases), giving each registered version an identity whose
 * change marks a new model, and the run that produced it.
 */
#include "manifest_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ML_MAX_SEGS 64

static int ml_bad(const char *path, int line, const char *why, const char *what)
{
	return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: %s%s%s%s", path,
			     line ? line : 1, why, what ? " '" : "", what ? what : "", what ? "'" : "");
}

/* A scalar value as a new string, NULL when absent or null. */
static char *opt_string(const struct lineage_ynode *m, const char *key)
{
	const struct lineage_ynode *v = lineage_ynode_get(m, key);

	if (!v || v->kind != LINEAGE_YSCALAR || lineage_ynode_type(v) == LINEAGE_YNULL || !*v->text)
		return NULL;
	return gi_xstrdup(v->text);
}

static uint64_t hash_parts(const char *a, const char *b, const char *c, const char *d)
{
	struct gi_hasher *h = gi_hasher_new();
	const char *parts[] = { a, b, c, d };
	uint64_t v;

	for (size_t i = 0; i < GI_ARRAY_SIZE(parts); i++)
		gi_hasher_update(h, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
	v = gi_hasher_digest(h);
	gi_hasher_free(h);
	return v;
}

/* Column names of a signature schema (a JSON string) into `out`. */
static int signature_names(const char *path, const struct lineage_ynode *n, struct gi_strvec *out)
{
	json_error_t jerr;
	json_t *j, *col;
	size_t i;

	if (!n || n->kind != LINEAGE_YSCALAR || lineage_ynode_type(n) == LINEAGE_YNULL)
		return 0;
	j = json_loads(n->text, JSON_DECODE_ANY, &jerr);
	if (!j || !json_is_array(j)) {
		json_decref(j);
		return ml_bad(path, n->line, "the signature is not a JSON list", NULL);
	}
	json_array_foreach(j, i, col) {
		const char *name = json_string_value(json_object_get(col, "name"));

		gi_strvec_pushf(out, "%s", name ? name : "");
	}
	json_decref(j);
	return 0;
}

void lineage_mlmodel_free(struct lineage_mlmodel *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->dir);
	free(m->run_id);
	free(m->model_uuid);
	free(m->artifact_path);
	free(m->utc_time_created);
	gi_strvec_clear(&m->flavors);
	gi_strvec_clear(&m->inputs);
	gi_strvec_clear(&m->outputs);
	free(m);
}

static int mlmodel_fields(const char *path, const struct lineage_ynode *root,
			  struct lineage_mlmodel *m)
{
	const struct lineage_ynode *fl = lineage_ynode_get(root, "flavors");
	const struct lineage_ynode *sig = lineage_ynode_get(root, "signature");
	int err = 0;

	m->run_id = opt_string(root, "run_id");
	m->model_uuid = opt_string(root, "model_uuid");
	m->artifact_path = opt_string(root, "artifact_path");
	m->utc_time_created = opt_string(root, "utc_time_created");
	if (!fl || fl->kind != LINEAGE_YMAP)
		return ml_bad(path, fl ? fl->line : root->line, "'flavors' must be a mapping", NULL);
	for (size_t i = 0; i < fl->nr; i++)
		gi_strvec_push(&m->flavors, fl->keys[i]);
	gi_strvec_sort_uniq(&m->flavors);
	if (sig && sig->kind == LINEAGE_YMAP) {
		err = signature_names(path, lineage_ynode_get(sig, "inputs"), &m->inputs);
		if (!err)
			err = signature_names(path, lineage_ynode_get(sig, "outputs"), &m->outputs);
		m->signature_hash = lineage_ynode_hash(sig);
	} else if (sig && !(sig->kind == LINEAGE_YSCALAR && lineage_ynode_type(sig) == LINEAGE_YNULL)) {
		err = ml_bad(path, sig->line, "'signature' must be a mapping", NULL);
	}
	if (m->model_uuid)
		m->identity = hash_parts("uuid", m->model_uuid, NULL, NULL);
	else if (m->run_id)
		m->identity = hash_parts("run", m->run_id, m->artifact_path, NULL);
	else
		m->identity = lineage_ynode_hash(root);
	return err;
}

int lineage_mlmodel_parse(const char *path, const char *data, size_t len,
			  struct lineage_mlmodel **out)
{
	struct lineage_mlmodel *m = gi_xcalloc(1, sizeof(*m));
	struct lineage_ynode *root = NULL;
	int err;

	*out = NULL;
	m->path = gi_xstrdup(path);
	m->dir = lineage_path_dir(path);
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind != LINEAGE_YMAP) {
		err = ml_bad(path, root->line, "the top level must be a mapping", NULL);
		goto done;
	}
	err = mlmodel_fields(path, root, m);
done:
	if (err < 0)
		lineage_mlmodel_free(m);
	else
		*out = m;
	lineage_ynode_free(root);
	return err;
}

/* ---- registry ---------------------------------------------------------------- */

/* Split `path` into at most ML_MAX_SEGS segments (pointers into `copy`). */
static size_t split_segs(char *copy, char **segs)
{
	size_t n = 0;
	char *save = NULL;

	for (char *s = strtok_r(copy, "/", &save); s && n < ML_MAX_SEGS; s = strtok_r(NULL, "/", &save))
		segs[n++] = s;
	return n;
}

int lineage_mlflow_is_version_file(const char *path)
{
	char *copy = gi_xstrdup(path), *segs[ML_MAX_SEGS];
	size_t n = split_segs(copy, segs);
	int ok = n >= 4 && !strcmp(segs[n - 1], "meta.yaml") &&
		 gi_starts_with(segs[n - 2], "version-") && !strcmp(segs[n - 4], "models");

	free(copy);
	return ok;
}

/*
 * The registry root ("mlruns") and model folder name of a registry file,
 * where `up` is how many segments sit below models/<name>/.
 */
static int registry_parts(const char *path, size_t up, char **root, char **name)
{
	char *copy = gi_xstrdup(path), *segs[ML_MAX_SEGS];
	size_t n = split_segs(copy, segs);
	int ok = n >= up + 2 && !strcmp(segs[n - up - 2], "models");

	if (ok) {
		*name = gi_xstrdup(segs[n - up - 1]);
		*root = gi_xstrndup(path, (size_t)(segs[n - up - 2] - copy));
		if (**root && (*root)[strlen(*root) - 1] == '/')
			(*root)[strlen(*root) - 1] = '\0';
	}
	free(copy);
	return ok;
}

/* `source` as a repository-relative folder, when it lies in this store. */
static char *source_in_repo(const char *source, const char *root)
{
	const char *base = strrchr(root, '/') ? strrchr(root, '/') + 1 : root;
	char *needle, *hit, *rel;

	if (!source || !*base)
		return NULL;
	if (!strstr(source, ":") && source[0] != '/')
		return lineage_path_join("", source);
	if (!gi_starts_with(source, "file:"))
		return NULL; /* runs:/, mlflow-artifacts:, s3://: outside the repository */
	needle = gi_xstrfmt("/%s/", base);
	hit = strstr(source, needle);
	rel = hit ? lineage_path_join(root, hit + strlen(needle)) : NULL;
	free(needle);
	return rel;
}

void lineage_mlflow_version_free(struct lineage_mlflow_version *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->source);
	free(v->source_path);
	free(v->run_id);
	free(v->stage);
	gi_strvec_clear(&v->aliases);
	free(v);
}

static int version_fields(const char *path, const struct lineage_ynode *root,
			  struct lineage_mlflow_version *v)
{
	const struct lineage_ynode *ver = lineage_ynode_get(root, "version");
	const struct lineage_ynode *al = lineage_ynode_get(root, "aliases");

	v->name = opt_string(root, "name");
	if (!v->name)
		return ml_bad(path, root->line, "a model version needs a 'name'", NULL);
	if (!ver || ver->kind != LINEAGE_YSCALAR || gi_parse_long(ver->text, &v->version))
		return ml_bad(path, ver ? ver->line : root->line, "'version' must be a number", NULL);
	v->source = opt_string(root, "source");
	v->run_id = opt_string(root, "run_id");
	v->stage = opt_string(root, "current_stage");
	if (v->stage && !strcmp(v->stage, "None")) {
		free(v->stage);
		v->stage = NULL;
	}
	for (size_t i = 0; al && al->kind == LINEAGE_YSEQ && i < al->nr; i++)
		if (al->items[i]->kind == LINEAGE_YSCALAR)
			gi_strvec_push(&v->aliases, al->items[i]->text);
	v->line = root->line;
	return 0;
}

/* The folder names must agree with the file: models/<name>/version-<n>/. */
static int version_check_path(const char *path, struct lineage_mlflow_version *v)
{
	char *root = NULL, *name = NULL, *want = NULL;
	int err = 0;

	if (!registry_parts(path, 2, &root, &name))
		return 0; /* not in a registry layout: nothing to check */
	want = gi_xstrfmt("/version-%ld/", v->version);
	if (strcmp(name, v->name))
		err = ml_bad(path, 1, "'name' does not match its folder", name);
	else if (!strstr(path, want))
		err = ml_bad(path, 1, "'version' does not match its folder", want + 1);
	else
		v->source_path = source_in_repo(v->source, root);
	free(root);
	free(name);
	free(want);
	return err;
}

int lineage_mlflow_version_parse(const char *path, const char *data, size_t len,
				 struct lineage_mlflow_version **out)
{
	struct lineage_mlflow_version *v = gi_xcalloc(1, sizeof(*v));
	struct lineage_ynode *root = NULL;
	int err;

	*out = NULL;
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind != LINEAGE_YMAP) {
		err = ml_bad(path, root->line, "the top level must be a mapping", NULL);
		goto done;
	}
	if (!(err = version_fields(path, root, v)))
		err = version_check_path(path, v);
	if (!err) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", v->version);
		v->identity = hash_parts(v->name, num, v->run_id, v->source);
	}
done:
	if (err < 0)
		lineage_mlflow_version_free(v);
	else
		*out = v;
	lineage_ynode_free(root);
	return err;
}

void lineage_mlflow_aliases_free(struct lineage_mlflow_alias *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].model);
		free(v[i].alias);
	}
	free(v);
}

static void alias_push(struct lineage_mlflow_alias **v, size_t *n, const char *model,
		       const char *alias, long version)
{
	*v = gi_xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].model = gi_xstrdup(model);
	(*v)[*n].alias = gi_xstrdup(alias);
	(*v)[(*n)++].version = version;
}

/* One `aliases:` entry: `alias: N`, or {alias: a, version: N} in a list. */
static int alias_entry(const char *path, const char *model, const char *alias,
		       const struct lineage_ynode *ver, int line,
		       struct lineage_mlflow_alias **v, size_t *n)
{
	long num;

	if (!alias || !ver || ver->kind != LINEAGE_YSCALAR || gi_parse_long(ver->text, &num))
		return ml_bad(path, line, "an alias needs a name and a version number", NULL);
	alias_push(v, n, model, alias, num);
	return 0;
}

/* models/<name>/meta.yaml: `aliases:` as a mapping or a list. */
static int aliases_from_meta(const char *path, const char *name, const char *data, size_t len,
			     struct lineage_mlflow_alias **v, size_t *n)
{
	struct lineage_ynode *root = NULL;
	const struct lineage_ynode *al;
	int err = lineage_yaml_load(path, data, len, &root);

	if (err < 0)
		return err;
	al = lineage_ynode_get(root, "aliases");
	for (size_t i = 0; al && al->kind == LINEAGE_YMAP && i < al->nr && !err; i++)
		err = alias_entry(path, name, al->keys[i], al->items[i], al->key_lines[i], v, n);
	for (size_t i = 0; al && al->kind == LINEAGE_YSEQ && i < al->nr && !err; i++) {
		const struct lineage_ynode *e = al->items[i];
		const struct lineage_ynode *a = lineage_ynode_get(e, "alias");

		err = alias_entry(path, name, a && a->kind == LINEAGE_YSCALAR ? a->text : NULL,
				  lineage_ynode_get(e, "version"), e->line, v, n);
	}
	if (!err && al && al->kind == LINEAGE_YSCALAR && lineage_ynode_type(al) != LINEAGE_YNULL)
		err = ml_bad(path, al->line, "'aliases' must be a mapping or a list", NULL);
	lineage_ynode_free(root);
	return err;
}

int lineage_mlflow_aliases_parse(const char *path, const char *data, size_t len,
				 struct lineage_mlflow_alias **out, size_t *n)
{
	char *root = NULL, *name = NULL, *text = NULL;
	struct lineage_mlflow_alias *v = NULL;
	size_t nr = 0;
	long num;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (gi_ends_with(path, "/meta.yaml") && registry_parts(path, 1, &root, &name)) {
		err = aliases_from_meta(path, name, data, len, &v, &nr);
	} else if (strstr(path, "/aliases/") && registry_parts(path, 2, &root, &name)) {
		text = gi_xstrndup(data, len > 64 ? 64 : len);
		text[strcspn(text, " \t\r\n")] = '\0';
		if (gi_parse_long(text, &num))
			err = ml_bad(path, 1, "an alias file must hold a version number", NULL);
		else
			alias_push(&v, &nr, name, strrchr(path, '/') + 1, num);
	} else {
		err = ml_bad(path, 1, "not a registry model or alias file", NULL);
	}
	free(root);
	free(name);
	free(text);
	if (err < 0) {
		lineage_mlflow_aliases_free(v, nr);
		return err;
	}
	*out = v;
	*n = nr;
	return 0;
}

void lineage_mlflow_apply_aliases(struct lineage_mlflow_version **versions, size_t nv,
				  const struct lineage_mlflow_alias *aliases, size_t na)
{
	for (size_t i = 0; i < nv; i++) {
		struct lineage_mlflow_version *v = versions[i];

		for (size_t j = 0; j < na; j++)
			if (aliases[j].version == v->version && !strcmp(aliases[j].model, v->name))
				gi_strvec_push(&v->aliases, aliases[j].alias);
		gi_strvec_sort_uniq(&v->aliases);
	}
}
