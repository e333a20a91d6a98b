/*
 * dvc.c - DVC manifests: dvc.yaml stages (with vars, foreach and ${...}
 * interpolation), dvc.lock content hashes and locked params, *.dvc
 * dataset files, and the stage order (cycle detection).  Pure: other files
 * (vars files, params.yaml) come through the caller's read callback.
 */
#include "manifest_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DVC_MAX_STAGES 100000

/* One source of ${...} values: a vars mapping, from a file or inline. */
struct dvc_vars {
	const struct lineage_ynode *node; /* borrowed */
	char *file;                       /* params file it came from, or NULL */
};

/* The foreach scope: ${item}, ${key}. */
struct dvc_scope {
	const struct lineage_ynode *item;
	const char *key;
};

struct dvc_ctx {
	const char *path;    /* the dvc.yaml */
	char *dir;           /* its folder */
	lineage_read_fn read;
	void *rctx;
	struct dvc_vars *vars;
	size_t vars_nr, vars_alloc;
	struct lineage_ynode **owned; /* trees loaded from vars files */
	size_t owned_nr, owned_alloc;
	struct lineage_dvc_file *f;
	struct lineage_dvc_stage *st; /* the stage being built */
	const struct dvc_scope *scope;
};

static int bad(const struct dvc_ctx *c, int line, const char *fmt, ...) GI_PRINTF(3, 4);

/* Set "cannot parse '<file>' at line N: <why>"; returns GI_EINPUT. */
static int bad(const struct dvc_ctx *c, int line, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: %s", c->path, line ? line : 1,
			     why);
}

static int want(const struct dvc_ctx *c, const struct lineage_ynode *n,
		enum lineage_ynode_kind kind, const char *what, const char *stage)
{
	static const char *const names[] = { "a string", "a list", "a mapping" };

	if (n->kind == kind)
		return 0;
	return bad(c, n->line, "'%s' of stage '%s' must be %s", what, stage ? stage : "?",
		   names[kind]);
}

/* ---- ${...} interpolation -------------------------------------------- */

/* Follow a dotted name ("a.b.0", "a[0]") into `n`; NULL when absent. */
static const struct lineage_ynode *lookup_path(const struct lineage_ynode *n, const char *name)
{
	char *copy = gi_xstrdup(name), *save = NULL;

	for (char *p = copy; *p; p++)
		if (*p == '[' || *p == ']')
			*p = '.';
	for (char *seg = strtok_r(copy, ".", &save); seg && n; seg = strtok_r(NULL, ".", &save)) {
		long i;

		if (n->kind == LINEAGE_YMAP)
			n = lineage_ynode_get(n, seg);
		else if (n->kind == LINEAGE_YSEQ && !gi_parse_long(seg, &i) && i >= 0 &&
			 (size_t)i < n->nr)
			n = n->items[i];
		else
			n = NULL;
	}
	free(copy);
	return n;
}

/* Record that the stage reads `file`:`key` (a ${...} from a params file). */
static void add_param(struct lineage_dvc_stage *st, const char *file, const char *key, int line)
{
	for (size_t i = 0; i < st->params_nr; i++)
		if (!strcmp(st->params[i].file, file) && !strcmp(st->params[i].key, key))
			return;
	st->params = gi_xreallocarray(st->params, st->params_nr + 1, sizeof(*st->params));
	st->params[st->params_nr].file = gi_xstrdup(file);
	st->params[st->params_nr].key = gi_xstrdup(key);
	st->params[st->params_nr++].line = line;
}

/* Resolve one ${name}: the foreach scope first, then vars (last wins). */
static const struct lineage_ynode *resolve(struct dvc_ctx *c, const char *name, int line,
					   const char **keyval)
{
	const struct dvc_scope *s = c->scope;

	*keyval = NULL;
	if (s && !strcmp(name, "key") && s->key) {
		*keyval = s->key;
		return NULL;
	}
	if (s && s->item && (!strcmp(name, "item") || gi_starts_with(name, "item.")))
		return name[4] ? lookup_path(s->item, name + 5) : s->item;
	for (size_t i = c->vars_nr; i-- > 0;) {
		const struct lineage_ynode *n = lookup_path(c->vars[i].node, name);

		if (!n)
			continue;
		if (c->vars[i].file && c->st)
			add_param(c->st, c->vars[i].file, name, line);
		return n;
	}
	return NULL;
}

/* Interpolate every ${...} in `s`; *out is the caller's. */
static int interp(struct dvc_ctx *c, const char *s, int line, char **out)
{
	struct gi_buf b;
	int err = 0;

	gi_buf_init(&b, LINEAGE_MANIFEST_MAX_BYTES);
	gi_buf_add(&b, "", 0);
	while (!err && *s) {
		const char *open = strstr(s, "${"), *close, *kv;
		const struct lineage_ynode *n;
		char *name;

		if (!open) {
			err = gi_buf_adds(&b, s);
			break;
		}
		if (!(close = strchr(open, '}'))) {
			err = bad(c, line, "unterminated '${' in '%s'", s);
			break;
		}
		gi_buf_add(&b, s, (size_t)(open - s));
		name = gi_xstrndup(open + 2, (size_t)(close - open - 2));
		n = resolve(c, name, line, &kv);
		if (kv)
			err = gi_buf_adds(&b, kv);
		else if (!n)
			err = bad(c, line, "unknown variable '%s'", name);
		else if (n->kind != LINEAGE_YSCALAR)
			err = bad(c, line, "variable '%s' is not a scalar", name);
		else
			err = gi_buf_adds(&b, n->text);
		free(name);
		s = close + 1;
	}
	if (err < 0) {
		if (err == GI_ELIMIT)
			bad(c, line, "interpolation of '%s' is too long", s);
		gi_buf_release(&b);
		return err;
	}
	*out = gi_buf_detach(&b, NULL);
	return 0;
}

/* A scalar node interpolated and resolved against the stage folder. */
static int stage_path(struct dvc_ctx *c, const struct lineage_ynode *n, const char *what,
		      char **out)
{
	char *raw = NULL;
	int err = want(c, n, LINEAGE_YSCALAR, what, c->st->name);

	if (!err)
		err = interp(c, n->text, n->line, &raw);
	if (!err && !(*out = lineage_path_join(c->st->wdir, raw)))
		err = bad(c, n->line, "path '%s' leaves the repository", raw);
	free(raw);
	return err;
}

/* ---- vars ---------------------------------------------------------------- */

static void vars_push(struct dvc_ctx *c, const struct lineage_ynode *n, const char *file)
{
	GI_ALLOC_GROW(c->vars, c->vars_nr + 1, c->vars_alloc);
	c->vars[c->vars_nr].node = n;
	c->vars[c->vars_nr++].file = file ? gi_xstrdup(file) : NULL;
}

/*
 * Load a params/vars file (relative to `base`) as a ${...} source.  A
 * missing file is an error when `required`, else silently skipped.
 */
static int vars_file(struct dvc_ctx *c, const char *base, const char *name, int line,
		     int required)
{
	struct gi_buf b = GI_BUF_INIT;
	struct lineage_ynode *t = NULL;
	char *file = lineage_path_join(base, name);
	int err;

	if (!file)
		return bad(c, line, "vars file '%s' leaves the repository", name);
	if (!c->read) {
		err = required ? bad(c, line, "vars file '%s' cannot be read here", file) : 0;
		goto done;
	}
	err = c->read(c->rctx, file, &b);
	if (err == GI_ENOTFOUND) {
		err = required ? bad(c, line, "vars file '%s' does not exist", file) : 0;
		goto done;
	}
	if (!err && !(err = lineage_tree_load(file, b.ptr ? b.ptr : "", b.len, &t))) {
		GI_ALLOC_GROW(c->owned, c->owned_nr + 1, c->owned_alloc);
		c->owned[c->owned_nr++] = t;
		vars_push(c, t, file);
	}
done:
	gi_buf_release(&b);
	free(file);
	return err;
}

/* `vars:` - a list of file names ("f.yaml", "f.yaml:a,b") and mappings. */
static int load_vars(struct dvc_ctx *c, const struct lineage_ynode *v, const char *base)
{
	int err = 0;

	if (v->kind != LINEAGE_YSEQ)
		return bad(c, v->line, "'vars' must be a list");
	for (size_t i = 0; i < v->nr && !err; i++) {
		const struct lineage_ynode *e = v->items[i];

		if (e->kind == LINEAGE_YMAP) {
			vars_push(c, e, NULL);
		} else if (e->kind == LINEAGE_YSCALAR) {
			char *name = gi_xstrndup(e->text, strcspn(e->text, ":"));

			err = vars_file(c, base, name, e->line, 1);
			free(name);
		} else {
			err = bad(c, e->line, "a 'vars' entry must be a file name or a mapping");
		}
	}
	return err;
}

/* ---- stage fields ----------------------------------------------------------- */

static int parse_cmd(struct dvc_ctx *c, const struct lineage_ynode *n)
{
	struct gi_buf b;
	int err = 0;

	gi_buf_init(&b, LINEAGE_MANIFEST_MAX_BYTES);
	gi_buf_add(&b, "", 0);
	if (n->kind == LINEAGE_YSEQ) {
		for (size_t i = 0; i < n->nr && !err; i++) {
			char *s = NULL;

			if (!(err = want(c, n->items[i], LINEAGE_YSCALAR, "cmd", c->st->name)) &&
			    !(err = interp(c, n->items[i]->text, n->items[i]->line, &s)))
				err = gi_buf_printf(&b, "%s%s", i ? "\n" : "", s);
			free(s);
		}
	} else if (!(err = want(c, n, LINEAGE_YSCALAR, "cmd", c->st->name))) {
		char *s = NULL;

		if (!(err = interp(c, n->text, n->line, &s)))
			err = gi_buf_adds(&b, s);
		free(s);
	}
	if (err) {
		gi_buf_release(&b);
		return err;
	}
	c->st->cmd = gi_buf_detach(&b, NULL);
	c->st->cmd_hash = gi_hash64(c->st->cmd, strlen(c->st->cmd));
	return 0;
}

static int parse_deps(struct dvc_ctx *c, const struct lineage_ynode *n)
{
	struct lineage_dvc_stage *st = c->st;
	int err = want(c, n, LINEAGE_YSEQ, "deps", st->name);

	for (size_t i = 0; !err && i < n->nr; i++) {
		char *p = NULL;

		if ((err = stage_path(c, n->items[i], "deps", &p)) < 0)
			break;
		st->deps = gi_xreallocarray(st->deps, st->deps_nr + 1, sizeof(*st->deps));
		st->dep_lines = gi_xreallocarray(st->dep_lines, st->deps_nr + 1, sizeof(int));
		st->dep_lines[st->deps_nr] = n->items[i]->line;
		st->deps[st->deps_nr++] = p;
	}
	return err;
}

/* An option of an out: `cache: false`, `persist: true`. */
static void out_options(struct lineage_dvc_out *o, const struct lineage_ynode *opts)
{
	const struct lineage_ynode *v;

	if (!opts || opts->kind != LINEAGE_YMAP)
		return;
	if ((v = lineage_ynode_get(opts, "cache")) && v->kind == LINEAGE_YSCALAR)
		o->cache = strcmp(v->text, "false") && strcmp(v->text, "False");
	if ((v = lineage_ynode_get(opts, "persist")) && v->kind == LINEAGE_YSCALAR)
		o->persist = !strcmp(v->text, "true") || !strcmp(v->text, "True");
}

/* outs/metrics/plots: strings, or one-key mappings {path: {options}}. */
static int parse_outs(struct dvc_ctx *c, const struct lineage_ynode *n, const char *what,
		      enum lineage_dvc_out_kind kind)
{
	struct lineage_dvc_stage *st = c->st;
	int err = want(c, n, LINEAGE_YSEQ, what, st->name);

	for (size_t i = 0; !err && i < n->nr; i++) {
		const struct lineage_ynode *e = n->items[i], *opts = NULL;
		struct lineage_ynode key = { .kind = LINEAGE_YSCALAR, .line = e->line };
		struct lineage_dvc_out *o;

		if (e->kind == LINEAGE_YMAP && e->nr == 1) {
			key.text = e->keys[0];
			opts = e->items[0];
			e = &key;
		}
		st->outs = gi_xreallocarray(st->outs, st->outs_nr + 1, sizeof(*st->outs));
		o = &st->outs[st->outs_nr];
		memset(o, 0, sizeof(*o));
		o->kind = kind;
		o->cache = kind == LINEAGE_DVC_OUT;
		o->line = e->line;
		if ((err = stage_path(c, e, what, &o->path)) < 0)
			break;
		out_options(o, opts);
		st->outs_nr++;
	}
	return err;
}

/* One `params:` entry of a file mapping: {file: [keys]} or {file: null}. */
static int params_file_entry(struct dvc_ctx *c, const char *file, const struct lineage_ynode *v,
			     int line)
{
	char *path = lineage_path_join(c->st->wdir, file);
	int err = 0;

	if (!path)
		return bad(c, line, "params file '%s' leaves the repository", file);
	if (v->kind == LINEAGE_YSCALAR && lineage_ynode_type(v) == LINEAGE_YNULL)
		add_param(c->st, path, "", line);
	else if (!(err = want(c, v, LINEAGE_YSEQ, "params", c->st->name)))
		for (size_t i = 0; i < v->nr && !err; i++)
			if (!(err = want(c, v->items[i], LINEAGE_YSCALAR, "params", c->st->name)))
				add_param(c->st, path, v->items[i]->text, v->items[i]->line);
	free(path);
	return err;
}

static int parse_params(struct dvc_ctx *c, const struct lineage_ynode *n)
{
	char *deflt = lineage_path_join(c->st->wdir, "params.yaml");
	int err = want(c, n, LINEAGE_YSEQ, "params", c->st->name);

	for (size_t i = 0; !err && i < n->nr; i++) {
		const struct lineage_ynode *e = n->items[i];
		char *key = NULL;

		if (e->kind == LINEAGE_YMAP) {
			for (size_t j = 0; j < e->nr && !err; j++)
				err = params_file_entry(c, e->keys[j], e->items[j], e->key_lines[j]);
		} else if (!(err = want(c, e, LINEAGE_YSCALAR, "params", c->st->name)) &&
			   !(err = interp(c, e->text, e->line, &key))) {
			add_param(c->st, deflt ? deflt : "params.yaml", key, e->line);
		}
		free(key);
	}
	free(deflt);
	return err;
}

static const char *const stage_keys[] = { "cmd", "wdir", "deps", "params", "outs", "metrics",
					  "plots", "frozen", "desc", "meta", "always_changed",
					  "vars", NULL };

/* Parse the body of one (already expanded) stage into c->st. */
static int parse_body(struct dvc_ctx *c, const struct lineage_ynode *body)
{
	const struct lineage_ynode *v;
	char *wdir = NULL;
	int err = want(c, body, LINEAGE_YMAP, "body", c->st->name);

	for (size_t i = 0; !err && i < body->nr; i++) {
		int known = 0;

		for (const char *const *k = stage_keys; *k; k++)
			known |= !strcmp(*k, body->keys[i]);
		if (!known)
			err = bad(c, body->key_lines[i], "unknown key '%s' in stage '%s'",
				  body->keys[i], c->st->name);
	}
	if (!err && (v = lineage_ynode_get(body, "wdir")) &&
	    !(err = want(c, v, LINEAGE_YSCALAR, "wdir", c->st->name)) &&
	    !(err = interp(c, v->text, v->line, &wdir)) &&
	    !(c->st->wdir = lineage_path_join(c->dir, wdir)))
		err = bad(c, v->line, "wdir '%s' leaves the repository", wdir);
	free(wdir);
	if (!err && !c->st->wdir)
		c->st->wdir = gi_xstrdup(c->dir);
	if (!err && (v = lineage_ynode_get(body, "vars")))
		err = load_vars(c, v, c->st->wdir);
	if (!err && !(v = lineage_ynode_get(body, "cmd")))
		err = bad(c, body->line, "stage '%s' has no 'cmd'", c->st->name);
	if (!err)
		err = parse_cmd(c, v);
	if (!err && (v = lineage_ynode_get(body, "deps")))
		err = parse_deps(c, v);
	if (!err && (v = lineage_ynode_get(body, "params")))
		err = parse_params(c, v);
	if (!err && (v = lineage_ynode_get(body, "outs")))
		err = parse_outs(c, v, "outs", LINEAGE_DVC_OUT);
	if (!err && (v = lineage_ynode_get(body, "metrics")))
		err = parse_outs(c, v, "metrics", LINEAGE_DVC_METRIC);
	if (!err && (v = lineage_ynode_get(body, "plots")))
		err = parse_outs(c, v, "plots", LINEAGE_DVC_PLOT);
	if (!err && (v = lineage_ynode_get(body, "frozen")))
		c->st->frozen = lineage_ynode_type(v) == LINEAGE_YBOOL && (v->text[0] | 32) == 't';
	return err;
}

static void stage_release(struct lineage_dvc_stage *st)
{
	free(st->name);
	free(st->cmd);
	free(st->wdir);
	for (size_t i = 0; i < st->deps_nr; i++)
		free(st->deps[i]);
	free(st->deps);
	free(st->dep_lines);
	for (size_t i = 0; i < st->outs_nr; i++)
		free(st->outs[i].path);
	free(st->outs);
	for (size_t i = 0; i < st->params_nr; i++) {
		free(st->params[i].file);
		free(st->params[i].key);
	}
	free(st->params);
}

/* Build one stage named `name` from `body` in the current scope. */
static int add_stage(struct dvc_ctx *c, const char *name, const struct lineage_ynode *body,
		     int line)
{
	struct lineage_dvc_file *f = c->f;
	size_t vars_nr = c->vars_nr;
	int err;

	if (f->nr >= DVC_MAX_STAGES)
		return gi_error_setc(GI_ELIMIT, "cannot parse '%s' at line %d: more than %d stages",
				     c->path, line, DVC_MAX_STAGES);
	f->stages = gi_xreallocarray(f->stages, f->nr + 1, sizeof(*f->stages));
	c->st = &f->stages[f->nr];
	memset(c->st, 0, sizeof(*c->st));
	c->st->name = gi_xstrdup(name);
	c->st->line = line;
	err = parse_body(c, body);
	while (c->vars_nr > vars_nr) /* stage-local vars end with the stage */
		free(c->vars[--c->vars_nr].file);
	if (err < 0)
		stage_release(c->st);
	else
		f->nr++;
	c->st = NULL;
	return err;
}

/* `foreach:` items (a list, a mapping or a ${var} naming one) x `do:`. */
static int add_foreach(struct dvc_ctx *c, const char *name, const struct lineage_ynode *spec,
		       int line)
{
	const struct lineage_ynode *items = lineage_ynode_get(spec, "foreach");
	const struct lineage_ynode *body = lineage_ynode_get(spec, "do");
	const char *kv;
	int err = 0;

	if (!body)
		return bad(c, spec->line, "foreach stage '%s' has no 'do'", name);
	if (spec->nr != 2)
		return bad(c, spec->line, "foreach stage '%s' takes only 'foreach' and 'do'", name);
	if (items->kind == LINEAGE_YSCALAR && gi_starts_with(items->text, "${") &&
	    gi_ends_with(items->text, "}")) {
		char *var = gi_xstrndup(items->text + 2, strlen(items->text) - 3);
		const struct lineage_ynode *r = resolve(c, var, items->line, &kv);

		if (!r)
			err = bad(c, items->line, "unknown variable '%s'", var);
		free(var);
		items = r;
	}
	if (!err && items->kind == LINEAGE_YSCALAR)
		err = bad(c, items->line, "'foreach' of stage '%s' must be a list or a mapping", name);
	for (size_t i = 0; !err && i < items->nr; i++) {
		char idx[32];
		const struct lineage_ynode *it = items->items[i];
		struct dvc_scope scope = { it, items->keys ? items->keys[i] : idx };
		char *full;

		snprintf(idx, sizeof(idx), "%zu", i);
		full = gi_xstrfmt("%s@%s", name, items->keys ? items->keys[i] :
				  it->kind == LINEAGE_YSCALAR ? it->text : idx);
		c->scope = &scope;
		err = add_stage(c, full, body, line);
		c->scope = NULL;
		free(full);
	}
	return err;
}

static int parse_stages(struct dvc_ctx *c, const struct lineage_ynode *stages)
{
	int err = 0;

	if (stages->kind != LINEAGE_YMAP)
		return bad(c, stages->line, "'stages' must be a mapping");
	for (size_t i = 0; i < stages->nr && !err; i++) {
		const struct lineage_ynode *s = stages->items[i];

		if (s->kind == LINEAGE_YMAP && lineage_ynode_get(s, "matrix"))
			err = bad(c, stages->key_lines[i], "'matrix' stage '%s' is not supported",
				  stages->keys[i]);
		else if (s->kind == LINEAGE_YMAP && lineage_ynode_get(s, "foreach"))
			err = add_foreach(c, stages->keys[i], s, stages->key_lines[i]);
		else
			err = add_stage(c, stages->keys[i], s, stages->key_lines[i]);
	}
	return err;
}

void lineage_dvc_file_free(struct lineage_dvc_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nr; i++)
		stage_release(&f->stages[i]);
	free(f->stages);
	free(f->path);
	gi_strvec_clear(&f->warnings);
	free(f);
}

static void ctx_release(struct dvc_ctx *c)
{
	for (size_t i = 0; i < c->vars_nr; i++)
		free(c->vars[i].file);
	free(c->vars);
	for (size_t i = 0; i < c->owned_nr; i++)
		lineage_ynode_free(c->owned[i]);
	free(c->owned);
	free(c->dir);
}

int lineage_dvc_parse(const char *path, const char *data, size_t len,
		      lineage_read_fn read, void *ctx, struct lineage_dvc_file **out)
{
	struct dvc_ctx c = { .path = path, .read = read, .rctx = ctx };
	struct lineage_ynode *root = NULL;
	const struct lineage_ynode *v;
	int err;

	*out = NULL;
	c.dir = lineage_path_dir(path);
	c.f = gi_xcalloc(1, sizeof(*c.f));
	c.f->path = gi_xstrdup(path);
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind != LINEAGE_YMAP) {
		err = bad(&c, root->line, "the top level must be a mapping");
		goto done;
	}
	if ((err = vars_file(&c, c.dir, "params.yaml", 1, 0)) < 0)
		goto done;
	if ((v = lineage_ynode_get(root, "vars")) && (err = load_vars(&c, v, c.dir)) < 0)
		goto done;
	if ((v = lineage_ynode_get(root, "stages")))
		err = parse_stages(&c, v);
done:
	if (!err)
		*out = c.f;
	else
		lineage_dvc_file_free(c.f);
	ctx_release(&c);
	lineage_ynode_free(root);
	return err;
}

/* ---- stage order ------------------------------------------------------------ */

/* 1 if dep `d` reads out `o`: the same path, or one inside the other. */
static int path_overlaps(const char *d, const char *o)
{
	size_t nd = strlen(d), no = strlen(o);

	if (nd == no)
		return !strcmp(d, o);
	if (nd > no)
		return !strncmp(d, o, no) && d[no] == '/';
	return !strncmp(o, d, nd) && o[nd] == '/';
}

/* 1 if stage b consumes something stage a produces. */
static int stage_feeds(const struct lineage_dvc_stage *a, const struct lineage_dvc_stage *b)
{
	for (size_t i = 0; i < a->outs_nr; i++)
		for (size_t j = 0; j < b->deps_nr; j++)
			if (path_overlaps(b->deps[j], a->outs[i].path))
				return 1;
	return 0;
}

static int check_duplicate_outs(const struct lineage_dvc_stage *s, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].outs_nr; k++)
			for (size_t j = i + 1; j < n; j++)
				for (size_t l = 0; l < s[j].outs_nr; l++)
					if (!strcmp(s[i].outs[k].path, s[j].outs[l].path))
						return gi_error_setc(GI_EINPUT, "cannot order '%s' at line %d: "
							"'%s' is an output of both '%s' and '%s'", path,
							s[j].outs[l].line, s[j].outs[l].path, s[i].name, s[j].name);
	return 0;
}

struct order_walk {
	const struct lineage_dvc_stage *s;
	size_t n, done;
	char *mark;      /* 0 new, 1 on the path, 2 finished */
	size_t *path;    /* the current path of stages, for the message */
	size_t depth;
	size_t *order;
	const char *file;
};

static int cycle_error(const struct order_walk *w, size_t back)
{
	struct gi_buf b;
	size_t from = 0;
	int err;

	gi_buf_init(&b, 4096);
	while (w->path[from] != back)
		from++;
	for (size_t i = from; i < w->depth; i++)
		gi_buf_printf(&b, "'%s' -> ", w->s[w->path[i]].name);
	gi_buf_printf(&b, "'%s'", w->s[back].name);
	err = gi_error_setc(GI_EINPUT, "cannot order '%s' at line %d: cyclic stages %s", w->file,
			    w->s[back].line, gi_buf_cstr(&b));
	gi_buf_release(&b);
	return err;
}

/* Depth-first: emit every producer of stage i, then i. */
static int order_visit(struct order_walk *w, size_t i)
{
	int err = 0;

	if (w->mark[i] == 2)
		return 0;
	if (w->mark[i] == 1)
		return cycle_error(w, i);
	w->mark[i] = 1;
	w->path[w->depth++] = i;
	for (size_t j = 0; j < w->n && !err; j++)
		if (stage_feeds(&w->s[j], &w->s[i]))
			err = order_visit(w, j);
	w->depth--;
	w->mark[i] = 2;
	w->order[w->done++] = i;
	return err;
}

int lineage_dvc_order(const struct lineage_dvc_stage *stages, size_t n, const char *path,
		      size_t *order)
{
	struct order_walk w = { stages, n, 0, NULL, NULL, 0, order, path };
	int err = check_duplicate_outs(stages, n, path);

	w.mark = gi_xcalloc(n ? n : 1, 1);
	w.path = gi_xmallocarray(n ? n : 1, sizeof(*w.path));
	for (size_t i = 0; i < n && !err; i++)
		err = order_visit(&w, i);
	free(w.mark);
	free(w.path);
	return err;
}

/* ---- dvc.lock and *.dvc ------------------------------------------------------- */

static const char *scalar_of(const struct lineage_ynode *m, const char *key)
{
	const struct lineage_ynode *v = lineage_ynode_get(m, key);

	return v && v->kind == LINEAGE_YSCALAR ? v->text : NULL;
}

static int64_t number_of(const struct lineage_ynode *m, const char *key)
{
	const char *s = scalar_of(m, key);
	long v;

	return s && !gi_parse_long(s, &v) ? (int64_t)v : -1;
}

void lineage_dvc_hashes_free(struct lineage_dvc_hash *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].path);
		free(v[i].hash);
	}
	free(v);
}

/*
 * One {path, md5|etag|checksum, size, nfiles} entry, path relative to `dir`.
 * Remote paths (URLs: a scheme, then "://") are kept as written.
 */
/*
 * 1 if `p` is a URL: a scheme (a letter, then letters, digits, '+', '-',
 * '.') followed by "://".  "/x/https://y" is an absolute path, not a URL.
 */
static int is_url(const char *p)
{
	size_t n;

	if (!isalpha((unsigned char)p[0]))
		return 0;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	return !strncmp(p + n, "://", 3);
}

static int hash_entry(const char *file, const struct lineage_ynode *e, const char *dir,
		      int is_out, struct lineage_dvc_hash *h)
{
	static const char *const hash_keys[] = { "md5", "etag", "checksum", "version_id", NULL };
	const char *p = e->kind == LINEAGE_YMAP ? scalar_of(e, "path") : NULL;

	memset(h, 0, sizeof(*h));
	if (!p)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: an entry needs a 'path'",
				     file, e->line ? e->line : 1);
	h->path = is_url(p) ? gi_xstrdup(p) : lineage_path_join(dir, p);
	if (!h->path)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: path '%s' leaves the "
				     "repository", file, e->line, p);
	for (const char *const *k = hash_keys; *k && !h->hash; k++)
		if (scalar_of(e, *k) && *scalar_of(e, *k))
			h->hash = gi_xstrdup(scalar_of(e, *k));
	h->size = number_of(e, "size");
	h->nfiles = number_of(e, "nfiles");
	h->is_out = is_out;
	h->line = e->line;
	return 0;
}

/* Append the entries of list `n` (may be NULL) to *v. */
static int hash_list(const char *file, const struct lineage_ynode *n, const char *dir, int is_out,
		     struct lineage_dvc_hash **v, size_t *nr)
{
	int err = 0;

	if (!n)
		return 0;
	if (n->kind != LINEAGE_YSEQ)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: '%s' must be a list",
				     file, n->line, is_out ? "outs" : "deps");
	for (size_t i = 0; i < n->nr && !err; i++) {
		*v = gi_xreallocarray(*v, *nr + 1, sizeof(**v));
		if (!(err = hash_entry(file, n->items[i], dir, is_out, &(*v)[*nr])))
			(*nr)++; /* on failure the entry holds nothing to free */
	}
	return err;
}

int lineage_dvc_file_parse(const char *path, const char *data, size_t len,
			   struct lineage_dvc_hash **out, size_t *n, int *frozen)
{
	struct lineage_ynode *root = NULL;
	struct lineage_dvc_hash *v = NULL;
	char *dir = lineage_path_dir(path), *base = NULL;
	const char *wdir;
	size_t nr = 0;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind != LINEAGE_YMAP || !lineage_ynode_get(root, "outs")) {
		err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: no 'outs' list", path,
				    root->line ? root->line : 1);
		goto done;
	}
	wdir = scalar_of(root, "wdir");
	if (!(base = lineage_path_join(dir, wdir ? wdir : "."))) {
		err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: wdir leaves the "
				    "repository", path, lineage_ynode_get(root, "wdir")->line);
		goto done;
	}
	err = hash_list(path, lineage_ynode_get(root, "deps"), base, 0, &v, &nr);
	if (!err)
		err = hash_list(path, lineage_ynode_get(root, "outs"), base, 1, &v, &nr);
	if (frozen)
		*frozen = scalar_of(root, "frozen") && (scalar_of(root, "frozen")[0] | 32) == 't';
done:
	if (err < 0) {
		lineage_dvc_hashes_free(v, nr);
	} else {
		*out = v;
		*n = nr;
	}
	lineage_ynode_free(root);
	free(dir);
	free(base);
	return err;
}

static void lock_stage_release(struct lineage_dvc_lock_stage *s)
{
	free(s->name);
	free(s->cmd);
	lineage_dvc_hashes_free(s->v, s->nr);
	for (size_t i = 0; i < s->params_nr; i++) {
		free(s->params[i].file);
		free(s->params[i].key);
	}
	free(s->params);
}

void lineage_dvc_lock_free(struct lineage_dvc_lock *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nr; i++)
		lock_stage_release(&l->stages[i]);
	free(l->stages);
	free(l->path);
	free(l);
}

/* `params: {file: {key: value}}`, values flattened to key paths. */
static int lock_params(const char *path, const struct lineage_ynode *n, const char *dir,
		       struct lineage_dvc_lock_stage *s)
{
	int err = 0;

	if (n->kind != LINEAGE_YMAP)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: 'params' must be a "
				     "mapping", path, n->line);
	for (size_t i = 0; i < n->nr && !err; i++) {
		struct lineage_params *p = NULL;
		char *file = lineage_path_join(dir, n->keys[i]);

		if (!file)
			return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: params file '%s' "
					     "leaves the repository", path, n->key_lines[i], n->keys[i]);
		if (!(err = lineage_params_from_tree(path, n->items[i], &p))) {
			s->params = gi_xreallocarray(s->params, gi_st_add(s->params_nr, p->nr),
						     sizeof(*s->params));
			for (size_t j = 0; j < p->nr; j++) {
				struct lineage_dvc_lock_param *lp = &s->params[s->params_nr++];

				lp->file = gi_xstrdup(file);
				lp->key = p->v[j].key;
				lp->hash = p->v[j].hash;
				lp->line = p->v[j].line;
				p->v[j].key = NULL;
			}
		}
		lineage_params_free(p);
		free(file);
	}
	return err;
}

static int lock_stage(const char *path, const char *dir, const char *name,
		      const struct lineage_ynode *n, int line, struct lineage_dvc_lock_stage *s)
{
	const struct lineage_ynode *v;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->name = gi_xstrdup(name);
	s->line = line;
	if (n->kind != LINEAGE_YMAP)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: stage '%s' must be a "
				     "mapping", path, line, name);
	if ((v = lineage_ynode_get(n, "cmd"))) {
		struct gi_buf b = GI_BUF_INIT;

		for (size_t i = 0; v->kind == LINEAGE_YSEQ && i < v->nr; i++)
			if (v->items[i]->kind == LINEAGE_YSCALAR)
				gi_buf_printf(&b, "%s%s", i ? "\n" : "", v->items[i]->text);
		if (v->kind == LINEAGE_YSCALAR)
			gi_buf_adds(&b, v->text);
		s->cmd = gi_buf_detach(&b, NULL);
		s->cmd_hash = gi_hash64(s->cmd, strlen(s->cmd));
	}
	err = hash_list(path, lineage_ynode_get(n, "deps"), dir, 0, &s->v, &s->nr);
	if (!err)
		err = hash_list(path, lineage_ynode_get(n, "outs"), dir, 1, &s->v, &s->nr);
	if (!err && (v = lineage_ynode_get(n, "params")))
		err = lock_params(path, v, dir, s);
	return err;
}

/* The stages mapping: `stages:` in schema 2.0, the top level in 1.0. */
static int lock_stages_node(const char *path, const struct lineage_ynode *root,
			    const struct lineage_ynode **out)
{
	const struct lineage_ynode *schema = lineage_ynode_get(root, "schema");

	if (!schema) {
		*out = root;
		return 0;
	}
	if (schema->kind != LINEAGE_YSCALAR || strcmp(schema->text, "2.0"))
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: unsupported schema '%s'",
				     path, schema->line, schema->kind == LINEAGE_YSCALAR ?
				     schema->text : "?");
	*out = lineage_ynode_get(root, "stages");
	if (*out && (*out)->kind != LINEAGE_YMAP)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: 'stages' must be a "
				     "mapping", path, (*out)->line);
	return 0;
}

int lineage_dvc_lock_parse(const char *path, const char *data, size_t len,
			   struct lineage_dvc_lock **out)
{
	struct lineage_ynode *root = NULL;
	const struct lineage_ynode *st = NULL;
	struct lineage_dvc_lock *l = gi_xcalloc(1, sizeof(*l));
	char *dir = lineage_path_dir(path);
	int err;

	*out = NULL;
	l->path = gi_xstrdup(path);
	if ((err = lineage_yaml_load(path, data, len, &root)) < 0)
		goto done;
	if (root->kind == LINEAGE_YSCALAR && lineage_ynode_type(root) == LINEAGE_YNULL)
		goto done; /* an empty lock */
	if (root->kind != LINEAGE_YMAP) {
		err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: the top level must be a "
				    "mapping", path, root->line ? root->line : 1);
		goto done;
	}
	if ((err = lock_stages_node(path, root, &st)) < 0 || !st)
		goto done;
	l->stages = gi_xcalloc(st->nr ? st->nr : 1, sizeof(*l->stages));
	for (size_t i = 0; i < st->nr && !err; i++) {
		err = lock_stage(path, dir, st->keys[i], st->items[i], st->key_lines[i],
				 &l->stages[l->nr]);
		l->nr++; /* a failed stage is released with the rest */
	}
done:
	if (err < 0)
		lineage_dvc_lock_free(l);
	else
		*out = l;
	lineage_ynode_free(root);
	free(dir);
	return err;
}

size_t lineage_dvc_check_deps(struct lineage_dvc_file *f, lineage_exists_fn exists, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nr; i++) {
		const struct lineage_dvc_stage *st = &f->stages[i];

		for (size_t d = 0; d < st->deps_nr; d++) {
			int produced = 0;

			for (size_t j = 0; j < f->nr && !produced; j++)
				for (size_t o = 0; o < f->stages[j].outs_nr && !produced; o++)
					produced = path_overlaps(st->deps[d], f->stages[j].outs[o].path);
			if (produced || exists(ctx, st->deps[d]))
				continue;
			gi_strvec_pushf(&f->warnings, "'%s' at line %d: stage '%s' depends on '%s', "
					"which does not exist", f->path, st->dep_lines[d], st->name,
					st->deps[d]);
			n++;
		}
		for (size_t p = 0; p < st->params_nr; p++) {
			if (exists(ctx, st->params[p].file) ||
			    (p && !strcmp(st->params[p].file, st->params[p - 1].file)))
				continue;
			gi_strvec_pushf(&f->warnings, "'%s' at line %d: stage '%s' reads params file "
					"'%s', which does not exist", f->path, st->params[p].line,
					st->name, st->params[p].file);
			n++;
		}
	}
	return n;
}
