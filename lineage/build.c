/*
 * build.c - building the lineage graph of a commit from its tree: file and
 * test nodes, conftest.py scoping, manifests (DVC, params, MLflow,
 * impact.yaml declarations), source facts (cached per blob in the store),
 * and lineage_graph_for_commit(): load, else update the parent's graph,
 * else build from scratch, then save.  A parser failure is a warning that
 * marks its file BROKEN; the rest of the graph is still built.
 */
#include "graph_int.h"
#include "manifest_int.h"
#include "scan_int.h"
#include "store.h"
#include "treediff_int.h"

#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct build_file {
	char *path;
	git_oid oid;
	int link;
	uint32_t node; /* its builder node */
};

/* One build: the commit's tracked files (file i is builder node i) and the graph under way. */
struct lineage_build {
	struct lineage_repo *repo;
	struct store *store; /* NULL or inside a transaction: facts are cached */
	git_tree *tree;
	struct build_file *files;
	size_t nfiles, afiles;
	long config_file;             /* index of impact.yaml, or -1 */
	int config_broken;
	struct lineage_config *cfg;   /* NULL without a (valid) impact.yaml */
	struct lineage_builder b;
	struct build_params *params;  /* params files parsed so far */
	size_t nparams, aparams;
	struct lineage_mlflow_version **versions; /* registry versions */
	size_t nversions, aversions;
	struct lineage_pyfacts *py;   /* per file, loaded on demand */
	uint8_t *py_state;            /* per file: 0 not loaded, 1 loaded (py or cf) */
	size_t apy;                   /* allocated entries of py and py_state */
	struct lineage_cfacts *cf;    /* per file (a full build): C facts loaded in bulk */
	char **warn;                  /* per file (a full build): its scan's warning, not yet given */
	int update;                   /* 1: files[] holds only what an update needs */
	struct lineage_pathset set;   /* the tracked paths */
	const char **paths;
	struct lineage_resolver res;
	struct store *cov;            /* where to read coverage (covers edges), or NULL */
	/* an update: the parent's graph, the nodes it changes, their new edges */
	const struct lineage_graph *pg;
	struct upd_node *upd;
	size_t nupd, aupd;
	struct lineage_bedge *uedges; /* by node index of pg */
	size_t nuedges, auedges;
	int new_warnings;
};

/* An update's changed node: its new hash and flags; its source edges redone or not. */
struct upd_node {
	uint32_t node;
	uint64_t hash;
	uint8_t flags;
	uint8_t resolved;
};

/* A parsed params file (p NULL when it failed or is not tracked). */
struct build_params {
	char *file;
	struct lineage_params *p;
};

static const char *const default_tests[] = {
	"test_*.py", "*_test.py", "tests/**/*.py", "**/*_test.c", "test/**/*.c",
};
static const char *const default_ignore[] = {
	"*.md", "docs/**", "LICENSE*", ".gitignore",
};

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return gi_error_set("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

/* An update's entry for node n of the parent graph (added unchanged if new). */
static struct upd_node *upd_of(struct lineage_build *bd, uint32_t n)
{
	struct upd_node *u;

	for (size_t i = 0; i < bd->nupd; i++)
		if (bd->upd[i].node == n)
			return &bd->upd[i];
	GI_ALLOC_GROW(bd->upd, bd->nupd + 1, bd->aupd);
	u = &bd->upd[bd->nupd++];
	u->node = n;
	u->hash = lineage_node_hash(bd->pg, n);
	u->flags = (uint8_t)(lineage_node_flags(bd->pg, n) & ~LINEAGE_NODE_UNPLACED);
	u->resolved = 0;
	return u;
}

/* Record a warning (the last error message) against file node `n`. */
static void build_warn(struct lineage_build *bd, uint32_t n)
{
	const char *msg = gi_error_last();

	gi_warn("%s", *msg ? msg : "cannot parse a manifest");
	gi_strvec_push(&bd->b.warnings, *msg ? msg : "cannot parse a manifest");
	bd->new_warnings = 1;
	if (n != LINEAGE_NONE && bd->pg)
		upd_of(bd, n)->flags |= LINEAGE_NODE_BROKEN;
	else if (n != LINEAGE_NONE)
		bd->b.nodes[n].flags |= LINEAGE_NODE_BROKEN;
	gi_error_clear();
}

/* Node (kind, name) of the graph under way (the parent's in an update), or LINEAGE_NONE. */
static uint32_t find_node(const struct lineage_build *bd, int kind, const char *name)
{
	return bd->pg ? lineage_graph_find(bd->pg, kind, name) : lineage_builder_find(&bd->b, kind, name);
}

static const char *node_name(const struct lineage_build *bd, uint32_t n)
{
	return bd->pg ? lineage_node_name(bd->pg, n) : bd->b.nodes[n].name;
}

/* The edge "from depends on to" (an update collects it apart). */
static void add_edge(struct lineage_build *bd, uint32_t from, uint32_t to, int kind)
{
	if (!bd->pg) {
		lineage_builder_edge(&bd->b, from, to, kind);
		return;
	}
	if (from == to)
		return;
	GI_ALLOC_GROW(bd->uedges, bd->nuedges + 1, bd->auedges);
	bd->uedges[bd->nuedges].from = from;
	bd->uedges[bd->nuedges].to = to;
	bd->uedges[bd->nuedges].kind = (uint32_t)kind;
	bd->nuedges++;
}

/* root + name, allocated (one per tracked file: no printf). */
static char *join_path(const char *root, const char *name)
{
	size_t a = strlen(root), b = strlen(name);
	char *p = gi_xmalloc(gi_st_add(gi_st_add(a, b), 1));

	memcpy(p, root, a);
	memcpy(p + a, name, b + 1);
	return p;
}

static int add_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct lineage_build *bd = payload;
	git_filemode_t mode = git_tree_entry_filemode(e);

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE &&
	    mode != GIT_FILEMODE_LINK)
		return 0;
	GI_ALLOC_GROW(bd->files, bd->nfiles + 1, bd->afiles);
	bd->files[bd->nfiles].path = join_path(root, git_tree_entry_name(e));
	git_oid_cpy(&bd->files[bd->nfiles].oid, git_tree_entry_id(e));
	bd->files[bd->nfiles].link = mode == GIT_FILEMODE_LINK;
	bd->nfiles++;
	return 0;
}

static int list_tree(struct lineage_build *bd, const char *oid)
{
	git_repository *git = lineage_repo_git(bd->repo);
	git_oid id;
	git_commit *c = NULL;
	int err = 0;

	if (git_oid_fromstr(&id, oid) || git_commit_lookup(&c, git, &id)) {
		err = gi_error_setc(GI_ENOTFOUND, "unknown commit '%s'", oid);
		goto done;
	}
	if (git_commit_tree(&bd->tree, c) ||
	    git_tree_walk(bd->tree, GIT_TREEWALK_PRE, add_entry, bd))
		err = git_fail("cannot list the tree");
done:
	git_commit_free(c);
	return err;
}

static int read_file(struct lineage_build *bd, uint32_t n, struct gi_buf *out)
{
	git_blob *blob = NULL;
	int err = 0;

	if (git_blob_lookup(&blob, lineage_repo_git(bd->repo), &bd->files[n].oid))
		return git_fail("cannot read a blob");
	err = gi_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	if (err)
		gi_error_setc(err, "'%s' is larger than %zu bytes", bd->files[n].path, out->max);
	git_blob_free(blob);
	return err;
}

/* The node of a tracked path (a file or a test file), or LINEAGE_NONE. */
static uint32_t node_of(const struct lineage_build *bd, const char *path)
{
	uint32_t n = find_node(bd, LINEAGE_NODE_FILE, path);

	return n != LINEAGE_NONE ? n : find_node(bd, LINEAGE_NODE_TEST, path);
}

/* Grow the per-file facts arrays to bd->nfiles entries. */
static void grow_py(struct lineage_build *bd)
{
	size_t old = bd->apy;

	if (bd->nfiles <= bd->apy)
		return;
	bd->apy = bd->nfiles + bd->nfiles / 2 + 8;
	bd->py = gi_xreallocarray(bd->py, bd->apy, sizeof(*bd->py));
	bd->py_state = gi_xreallocarray(bd->py_state, bd->apy, 1);
	memset(bd->py + old, 0, (bd->apy - old) * sizeof(*bd->py));
	memset(bd->py_state + old, 0, bd->apy - old);
}

/* Update mode: add a files[] entry for node n at `path` from the commit's tree. */
static uint32_t add_update_file(struct lineage_build *bd, const char *path, uint32_t n)
{
	git_tree_entry *e = NULL;

	if (git_tree_entry_bypath(&e, bd->tree, path)) {
		git_error_clear();
		return LINEAGE_NONE;
	}
	GI_ALLOC_GROW(bd->files, bd->nfiles + 1, bd->afiles);
	bd->files[bd->nfiles].path = gi_xstrdup(path);
	git_oid_cpy(&bd->files[bd->nfiles].oid, git_tree_entry_id(e));
	bd->files[bd->nfiles].link = git_tree_entry_filemode(e) == GIT_FILEMODE_LINK;
	bd->files[bd->nfiles].node = n;
	git_tree_entry_free(e);
	bd->nfiles++;
	grow_py(bd);
	return (uint32_t)(bd->nfiles - 1);
}

/* The file index of a tracked path, or LINEAGE_NONE. */
static uint32_t file_of(struct lineage_build *bd, const char *path)
{
	uint32_t n = node_of(bd, path);

	if (!bd->update)
		return n < bd->nfiles ? n : LINEAGE_NONE;
	if (n == LINEAGE_NONE)
		return LINEAGE_NONE;
	for (size_t i = 0; i < bd->nfiles; i++)
		if (bd->files[i].node == n)
			return (uint32_t)i;
	return add_update_file(bd, path, n);
}

/* A lineage_read_fn over the commit's tree. */
static int read_path(void *ctx, const char *path, struct gi_buf *out)
{
	struct lineage_build *bd = ctx;
	uint32_t n = file_of(bd, path);

	if (n == LINEAGE_NONE)
		return gi_error_setc(GI_ENOTFOUND, "'%s' is not tracked", path);
	return read_file(bd, n, out);
}

/* Read and parse impact.yaml into bd->cfg (before any node exists); a bad one is a warning. */
static void load_config(struct lineage_build *bd)
{
	struct gi_buf buf = GI_BUF_INIT;
	git_blob *blob = NULL;

	bd->config_file = -1;
	for (size_t i = 0; i < bd->nfiles; i++)
		if (!strcmp(bd->files[i].path, "impact.yaml"))
			bd->config_file = (long)i;
	if (bd->config_file < 0)
		return;
	if (git_blob_lookup(&blob, lineage_repo_git(bd->repo), &bd->files[bd->config_file].oid)) {
		git_fail("cannot read 'impact.yaml'");
		bd->config_broken = 1;
	} else if (lineage_config_parse("impact.yaml", git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob), &bd->cfg)) {
		bd->config_broken = 1;
	}
	if (bd->config_broken) {
		gi_warn("%s", gi_error_last());
		gi_strvec_push(&bd->b.warnings, gi_error_last());
		gi_error_clear();
	}
	git_blob_free(blob);
	gi_buf_release(&buf);
}

static void copy_or_default(struct gi_strvec *to, const struct gi_strvec *from,
			    const char *const *def, size_t ndef)
{
	if (from && from->nr)
		for (size_t i = 0; i < from->nr; i++)
			gi_strvec_push(to, from->v[i]);
	else
		for (size_t i = 0; i < ndef; i++)
			gi_strvec_push(to, def[i]);
}

static int matches_any(const struct gi_strvec *pats, const char *path)
{
	for (size_t i = 0; i < pats->nr; i++)
		if (gi_glob_match(pats->v[i], path))
			return 1;
	return 0;
}

/* File and test nodes, in tree order: node index == file index. */
static void add_files(struct lineage_build *bd)
{
	struct gi_strvec tests = GI_STRVEC_INIT;

	copy_or_default(&tests, bd->cfg ? &bd->cfg->test_patterns : NULL,
			default_tests, GI_ARRAY_SIZE(default_tests));
	copy_or_default(&bd->b.ignore, bd->cfg ? &bd->cfg->ignore : NULL,
			default_ignore, GI_ARRAY_SIZE(default_ignore));
	if (bd->cfg)
		for (size_t i = 0; i < bd->cfg->always_run.nr; i++)
			gi_strvec_push(&bd->b.always_run, bd->cfg->always_run.v[i]);
	for (size_t i = 0; i < bd->nfiles; i++) {
		const char *p = bd->files[i].path;
		int test = !bd->files[i].link && matches_any(&tests, p) &&
			   strcmp(strrchr(p, '/') ? strrchr(p, '/') + 1 : p, "conftest.py");
		uint32_t n = lineage_builder_node(&bd->b, test ? LINEAGE_NODE_TEST : LINEAGE_NODE_FILE, p);
		uint64_t h;

		bd->files[i].node = n;
		memcpy(&h, bd->files[i].oid.id, sizeof(h));
		bd->b.nodes[n].hash = h;
		if (!test && matches_any(&bd->b.ignore, p))
			bd->b.nodes[n].flags |= LINEAGE_NODE_IGNORED;
	}
	gi_strvec_clear(&tests);
}

/* A test depends on the conftest.py files in its folder and above. */
static void add_conftest(struct lineage_build *bd, uint32_t t)
{
	char *dir = gi_xstrdup(node_name(bd, t));
	char *slash;

	for (;;) {
		char *p;
		uint32_t c;

		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		p = slash ? gi_xstrfmt("%s/conftest.py", dir) : gi_xstrdup("conftest.py");
		c = find_node(bd, LINEAGE_NODE_FILE, p);
		if (c != LINEAGE_NONE)
			add_edge(bd, t, c, LINEAGE_EDGE_IMPORTS);
		free(p);
		if (!slash)
			break;
	}
	free(dir);
}

static void build_release(struct lineage_build *bd)
{
	for (size_t i = 0; i < bd->nfiles; i++)
		free(bd->files[i].path);
	free(bd->files);
	git_tree_free(bd->tree);
	lineage_config_free(bd->cfg);
	lineage_builder_release(&bd->b);
	for (size_t i = 0; i < bd->nparams; i++) {
		free(bd->params[i].file);
		lineage_params_free(bd->params[i].p);
	}
	free(bd->params);
	for (size_t i = 0; i < bd->nversions; i++)
		lineage_mlflow_version_free(bd->versions[i]);
	free(bd->versions);
	for (size_t i = 0; bd->py && i < bd->nfiles; i++)
		lineage_pyfacts_release(&bd->py[i]);
	free(bd->py);
	free(bd->py_state);
	for (size_t i = 0; bd->cf && i < bd->nfiles; i++)
		lineage_cfacts_release(&bd->cf[i]);
	free(bd->cf);
	for (size_t i = 0; bd->warn && i < bd->nfiles; i++)
		free(bd->warn[i]);
	free(bd->warn);
	lineage_pathset_release(&bd->set);
	free(bd->paths);
	free(bd->upd);
	free(bd->uedges);
	memset(bd, 0, sizeof(*bd));
}

/* ---- manifests ------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void mark_manifest(struct lineage_build *bd, uint32_t n)
{
	if (n != LINEAGE_NONE)
		bd->b.nodes[n].flags |= LINEAGE_NODE_MANIFEST;
}

/* Read tracked file n and hand it to a parser; 0 or a warning already given. */
static int load_text(struct lineage_build *bd, uint32_t n, struct gi_buf *buf)
{
	gi_buf_init(buf, LINEAGE_MANIFEST_MAX_BYTES);
	if (read_file(bd, n, buf)) {
		build_warn(bd, n);
		return GI_ERROR;
	}
	if (!buf->ptr)
		gi_buf_addch(buf, '\0'), buf->len = 0;
	return 0;
}

/* The parsed params file `file` (parsed once, its key nodes added); NULL if unusable. */
static const struct lineage_params *params_of(struct lineage_build *bd, const char *file)
{
	struct gi_buf buf;
	struct build_params *bp;
	uint32_t n;

	for (size_t i = 0; i < bd->nparams; i++)
		if (!strcmp(bd->params[i].file, file))
			return bd->params[i].p;
	GI_ALLOC_GROW(bd->params, bd->nparams + 1, bd->aparams);
	bp = &bd->params[bd->nparams++];
	bp->file = gi_xstrdup(file);
	bp->p = NULL;
	if ((n = file_of(bd, file)) == LINEAGE_NONE || load_text(bd, n, &buf))
		return NULL;
	if (lineage_params_parse(file, buf.ptr, buf.len, &bp->p))
		build_warn(bd, n);
	mark_manifest(bd, n);
	for (size_t i = 0; bp->p && i < bp->p->nr; i++) {
		char *name = gi_xstrfmt("%s:%s", file, bp->p->v[i].key);
		uint32_t k = lineage_builder_node(&bd->b, LINEAGE_NODE_PARAM, name);

		bd->b.nodes[k].hash = bp->p->v[i].hash;
		free(name);
	}
	gi_buf_release(&buf);
	return bp->p;
}

/*
 * Edges from `from` to the nodes a path names: a tracked file, else a
 * dataset or model of that name, else every tracked file under it as a
 * folder, else a new dataset node (data DVC or others keep out of git).
 */
static void edges_to_path(struct lineage_build *bd, uint32_t from, const char *path, int kind)
{
	size_t len = strlen(path);
	uint32_t n = file_of(bd, path);
	int found = 0;

	if (n == LINEAGE_NONE)
		n = lineage_builder_find(&bd->b, LINEAGE_NODE_MODEL, path);
	if (n == LINEAGE_NONE)
		n = lineage_builder_find(&bd->b, LINEAGE_NODE_DATASET, path);
	if (n != LINEAGE_NONE) {
		lineage_builder_edge(&bd->b, from, n, kind);
		return;
	}
	while (len && path[len - 1] == '/')
		len--;
	for (uint32_t i = 0; len && i < bd->nfiles; i++)
		if (!strncmp(bd->files[i].path, path, len) && bd->files[i].path[len] == '/') {
			lineage_builder_edge(&bd->b, from, i, kind);
			found = 1;
		}
	if (!found)
		lineage_builder_edge(&bd->b, from,
				     lineage_builder_node(&bd->b, LINEAGE_NODE_DATASET, path), kind);
}

/* Edges from `from` to the param keys `key` covers in `file` (the file if none). */
static void edges_to_params(struct lineage_build *bd, uint32_t from, const char *file,
			    const char *key, int kind)
{
	const struct lineage_params *p = params_of(bd, file);
	struct gi_strvec keys = GI_STRVEC_INIT;

	if (p && lineage_params_expand(p, key, &keys)) {
		for (size_t i = 0; i < keys.nr; i++) {
			char *name = gi_xstrfmt("%s:%s", file, keys.v[i]);

			lineage_builder_edge(&bd->b, from,
					     lineage_builder_node(&bd->b, LINEAGE_NODE_PARAM, name), kind);
			free(name);
		}
	} else {
		edges_to_path(bd, from, file, kind == LINEAGE_EDGE_PARAM ? LINEAGE_EDGE_READS : kind);
	}
	gi_strvec_clear(&keys);
}

/* A stage's version: its cmd and its whole definition (deps, params, outs). */
static uint64_t stage_hash(const struct lineage_dvc_stage *st)
{
	struct gi_hasher *h = gi_hasher_new();
	uint64_t v;

	gi_hasher_update(h, &st->cmd_hash, sizeof(st->cmd_hash));
	for (size_t i = 0; i < st->deps_nr; i++)
		gi_hasher_update(h, st->deps[i], strlen(st->deps[i]) + 1);
	gi_hasher_update(h, "\1", 2);
	for (size_t i = 0; i < st->params_nr; i++) {
		gi_hasher_update(h, st->params[i].file, strlen(st->params[i].file) + 1);
		gi_hasher_update(h, st->params[i].key, strlen(st->params[i].key) + 1);
	}
	gi_hasher_update(h, "\2", 2);
	for (size_t i = 0; i < st->outs_nr; i++)
		gi_hasher_update(h, st->outs[i].path, strlen(st->outs[i].path) + 1);
	v = gi_hasher_digest(h);
	gi_hasher_free(h);
	return v;
}

static void add_stage(struct lineage_build *bd, const char *file, const struct lineage_dvc_stage *st)
{
	char *name = gi_xstrfmt("%s:%s", file, st->name);
	uint32_t sn = lineage_builder_node(&bd->b, LINEAGE_NODE_STAGE, name);

	bd->b.nodes[sn].hash = stage_hash(st);
	for (size_t i = 0; i < st->deps_nr; i++)
		edges_to_path(bd, sn, st->deps[i], LINEAGE_EDGE_READS);
	for (size_t i = 0; i < st->params_nr; i++)
		edges_to_params(bd, sn, st->params[i].file, st->params[i].key, LINEAGE_EDGE_PARAM);
	for (size_t i = 0; i < st->outs_nr; i++) {
		const char *o = st->outs[i].path;
		uint32_t n = file_of(bd, o);

		if (n == LINEAGE_NONE)
			n = lineage_builder_find(&bd->b, LINEAGE_NODE_MODEL, o);
		if (n == LINEAGE_NONE)
			n = lineage_builder_node(&bd->b, LINEAGE_NODE_DATASET, o);
		lineage_builder_edge(&bd->b, n, sn, LINEAGE_EDGE_PRODUCES);
	}
	free(name);
}

static void add_dvc_yaml(struct lineage_build *bd, uint32_t n)
{
	struct lineage_dvc_file *f = NULL;
	struct gi_buf buf;
	const char *path = bd->files[n].path;

	mark_manifest(bd, n);
	if (load_text(bd, n, &buf))
		return;
	if (lineage_dvc_parse(path, buf.ptr, buf.len, read_path, bd, &f)) {
		build_warn(bd, n);
	} else {
		size_t *order = gi_xmallocarray(f->nr ? f->nr : 1, sizeof(*order));

		for (size_t i = 0; i < f->warnings.nr; i++)
			gi_warn("%s", f->warnings.v[i]), gi_strvec_push(&bd->b.warnings, f->warnings.v[i]);
		if (lineage_dvc_order(f->stages, f->nr, path, order))
			build_warn(bd, n); /* a cycle: still add every stage */
		for (size_t i = 0; i < f->nr; i++)
			add_stage(bd, path, &f->stages[i]);
		free(order);
	}
	lineage_dvc_file_free(f);
	gi_buf_release(&buf);
}

/* A dataset version: its hash string's hash on the dataset node (never on a tracked file). */
static void dataset_version(struct lineage_build *bd, const struct lineage_dvc_hash *h)
{
	uint32_t d;

	if (file_of(bd, h->path) != LINEAGE_NONE)
		return;
	d = lineage_builder_node(&bd->b, LINEAGE_NODE_DATASET, h->path);
	bd->b.nodes[d].hash = h->hash ? gi_hash64(h->hash, strlen(h->hash)) : 1;
}

static void add_dvc_lock(struct lineage_build *bd, uint32_t n)
{
	struct lineage_dvc_lock *l = NULL;
	struct gi_buf buf;

	mark_manifest(bd, n);
	if (load_text(bd, n, &buf))
		return;
	if (lineage_dvc_lock_parse(bd->files[n].path, buf.ptr, buf.len, &l))
		build_warn(bd, n);
	for (size_t i = 0; l && i < l->nr; i++)
		for (size_t j = 0; j < l->stages[i].nr; j++)
			dataset_version(bd, &l->stages[i].v[j]);
	lineage_dvc_lock_free(l);
	gi_buf_release(&buf);
}

static void add_dvc_file(struct lineage_build *bd, uint32_t n)
{
	struct lineage_dvc_hash *v = NULL;
	size_t nv = 0;
	struct gi_buf buf;

	mark_manifest(bd, n);
	if (load_text(bd, n, &buf))
		return;
	if (lineage_dvc_file_parse(bd->files[n].path, buf.ptr, buf.len, &v, &nv, NULL))
		build_warn(bd, n);
	/* the data depends on nothing in git but its .dvc file's hash */
	for (size_t i = 0; i < nv; i++)
		dataset_version(bd, &v[i]);
	lineage_dvc_hashes_free(v, nv);
	gi_buf_release(&buf);
}

static void add_mlmodel(struct lineage_build *bd, uint32_t n)
{
	struct lineage_mlmodel *m = NULL;
	struct gi_buf buf;

	mark_manifest(bd, n);
	if (load_text(bd, n, &buf))
		return;
	if (lineage_mlmodel_parse(bd->files[n].path, buf.ptr, buf.len, &m)) {
		build_warn(bd, n);
	} else {
		uint32_t k = lineage_builder_node(&bd->b, LINEAGE_NODE_MODEL, *m->dir ? m->dir : ".");

		bd->b.nodes[k].hash = m->identity;
	}
	lineage_mlmodel_free(m);
	gi_buf_release(&buf);
}

static void add_mlflow_version(struct lineage_build *bd, uint32_t n)
{
	struct lineage_mlflow_version *v = NULL;
	struct gi_buf buf;

	mark_manifest(bd, n);
	if (load_text(bd, n, &buf))
		return;
	if (lineage_mlflow_version_parse(bd->files[n].path, buf.ptr, buf.len, &v)) {
		build_warn(bd, n);
	} else {
		char *name = gi_xstrfmt("models:/%s/%ld", v->name, v->version);
		uint32_t k = lineage_builder_node(&bd->b, LINEAGE_NODE_MODEL, name);

		bd->b.nodes[k].hash = v->identity;
		if (v->source_path)
			edges_to_path(bd, k, v->source_path, LINEAGE_EDGE_READS);
		GI_ALLOC_GROW(bd->versions, bd->nversions + 1, bd->aversions);
		bd->versions[bd->nversions++] = v;
		v = NULL;
		free(name);
	}
	lineage_mlflow_version_free(v);
	gi_buf_release(&buf);
}

static int in_mlruns(const char *path)
{
	return gi_starts_with(path, "mlruns/") || strstr(path, "/mlruns/") != NULL;
}

/* Every manifest of the tree, models and params first (stages refer to them). */
static void add_manifests(struct lineage_build *bd)
{
	for (uint32_t i = 0; i < bd->nfiles; i++) {
		const char *p = bd->files[i].path, *base = base_name(p);

		if (bd->files[i].link)
			continue;
		if (!strcmp(base, "MLmodel"))
			add_mlmodel(bd, i);
		else if (lineage_mlflow_is_version_file(p))
			add_mlflow_version(bd, i);
		else if (in_mlruns(p))
			mark_manifest(bd, i); /* run records: the model nodes stand for them */
		else if (!strcmp(base, "params.yaml"))
			params_of(bd, p);
	}
	for (size_t i = 0; bd->cfg && i < bd->cfg->params_files.nr; i++)
		params_of(bd, bd->cfg->params_files.v[i]);
	for (uint32_t i = 0; i < bd->nfiles; i++) {
		const char *p = bd->files[i].path, *base = base_name(p);

		if (bd->files[i].link)
			continue;
		if (!strcmp(base, "dvc.lock"))
			add_dvc_lock(bd, i);
		else if (gi_ends_with(p, ".dvc") && strcmp(base, ".dvc"))
			add_dvc_file(bd, i);
	}
	for (uint32_t i = 0; i < bd->nfiles; i++)
		if (!bd->files[i].link && !strcmp(base_name(bd->files[i].path), "dvc.yaml"))
			add_dvc_yaml(bd, i);
}

/* ---- source facts (Python imports, C includes) ---------------------------------- */

#define PYSCAN_KEY "pyscan/" GI_STR(LINEAGE_SCAN_VERSION)
#define CSCAN_KEY "cscan/" GI_STR(LINEAGE_SCAN_VERSION)
#define GI_STR(x) GI_STR_(x)
#define GI_STR_(x) #x

static int is_c_source(const char *p)
{
	static const char *const ext[] = { ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx" };

	for (size_t i = 0; i < GI_ARRAY_SIZE(ext); i++)
		if (gi_ends_with(p, ext[i]))
			return 1;
	return 0;
}

/* Cached facts of file i under `key` into `buf`; 0 or GI_ENOTFOUND. */
static int cached(struct lineage_build *bd, uint32_t i, const char *key, struct gi_buf *buf)
{
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	if (!bd->store)
		return GI_ENOTFOUND;
	git_oid_tostr(hex, sizeof(hex), &bd->files[i].oid);
	err = store_facts_get(bd->store, hex, key, buf);
	gi_error_clear();
	return err ? GI_ENOTFOUND : 0;
}

static void cache(struct lineage_build *bd, uint32_t i, const char *key, const struct gi_buf *buf)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (!bd->store)
		return;
	git_oid_tostr(hex, sizeof(hex), &bd->files[i].oid);
	if (store_facts_put(bd->store, hex, key, buf->ptr, buf->len))
		gi_error_clear();
}

/* Scan file i's Python facts (a failure warns and marks it BROKEN; facts kept). */
static void scan_py(struct lineage_build *bd, uint32_t i, struct lineage_pyfacts *f)
{
	struct gi_buf text = GI_BUF_INIT, enc = GI_BUF_INIT;

	if (read_file(bd, i, &text)) {
		lineage_pyfacts_init(f);
		build_warn(bd, bd->files[i].node);
		goto done;
	}
	if (lineage_pyscan(bd->files[i].path, text.ptr ? text.ptr : "", text.len, f))
		build_warn(bd, bd->files[i].node);
	if (!lineage_pyfacts_encode(f, &enc))
		cache(bd, i, PYSCAN_KEY, &enc);
done:
	gi_buf_release(&text);
	gi_buf_release(&enc);
}

/* Give the warning file i's bulk scan left for its first use (the order of a lazy build). */
static void pending_warn(struct lineage_build *bd, uint32_t i)
{
	if (!bd->warn || !bd->warn[i])
		return;
	gi_error_set("%s", bd->warn[i]);
	free(bd->warn[i]);
	bd->warn[i] = NULL;
	build_warn(bd, bd->files[i].node);
}

/* The Python facts of file i, from the cache or scanned; borrowed. */
static const struct lineage_pyfacts *pyfacts(struct lineage_build *bd, uint32_t i)
{
	struct gi_buf buf = GI_BUF_INIT;
	struct lineage_pyfacts *f = &bd->py[i];

	if (bd->py_state[i]) {
		pending_warn(bd, i);
		return f;
	}
	bd->py_state[i] = 1;
	if (!cached(bd, i, PYSCAN_KEY, &buf) && !lineage_pyfacts_decode(buf.ptr, buf.len, f) &&
	    !f->flags) {
		gi_buf_release(&buf);
		return f;
	}
	gi_error_clear();
	lineage_pyfacts_release(f);
	scan_py(bd, i, f); /* a miss, or flagged facts: rescan for the message */
	gi_buf_release(&buf);
	return f;
}

static const struct lineage_pyfacts *facts_of(void *data, const char *path)
{
	struct lineage_build *bd = data;
	uint32_t i = file_of(bd, path);

	return i == LINEAGE_NONE || !gi_ends_with(path, ".py") ? NULL : pyfacts(bd, i);
}

/* Edge from file i to the tracked file (or dataset/model) `path` names. */
static void edge_to(struct lineage_build *bd, uint32_t i, const char *path, int kind)
{
	uint32_t n = node_of(bd, path);

	if (n == LINEAGE_NONE)
		n = find_node(bd, LINEAGE_NODE_DATASET, path);
	if (n == LINEAGE_NONE)
		n = find_node(bd, LINEAGE_NODE_MODEL, path);
	if (n != LINEAGE_NONE)
		add_edge(bd, bd->files[i].node, n, kind);
}

static void resolve_py(struct lineage_build *bd, uint32_t i)
{
	const struct lineage_pyfacts *f = pyfacts(bd, i);
	const char *path = bd->files[i].path;
	struct gi_buf out = GI_BUF_INIT;

	for (size_t k = 0; k < f->nimports; k++)
		if (!lineage_resolve_pyimport(&bd->res, path, &f->imports[k], &out))
			edge_to(bd, i, gi_buf_cstr(&out), LINEAGE_EDGE_IMPORTS);
	for (size_t k = 0; k < f->npaths; k++) {
		if (!lineage_resolve_pathlit(&bd->res, path, f->paths[k].text, &out))
			edge_to(bd, i, gi_buf_cstr(&out), LINEAGE_EDGE_READS);
		else
			edge_to(bd, i, f->paths[k].text, LINEAGE_EDGE_READS); /* a DVC dataset */
	}
	gi_error_clear();
	gi_buf_release(&out);
}

static void cfacts(struct lineage_build *bd, uint32_t i, struct lineage_cfacts *f)
{
	struct gi_buf buf = GI_BUF_INIT, text = GI_BUF_INIT;

	if (bd->cf && bd->py_state[i]) {
		*f = bd->cf[i];
		lineage_cfacts_init(&bd->cf[i]);
		pending_warn(bd, i);
		goto done;
	}
	if (!cached(bd, i, CSCAN_KEY, &buf) && !lineage_cfacts_decode(buf.ptr, buf.len, f) && !f->flags)
		goto done;
	gi_error_clear();
	lineage_cfacts_release(f);
	lineage_cfacts_init(f);
	if (read_file(bd, i, &text)) {
		build_warn(bd, bd->files[i].node);
		goto done;
	}
	if (lineage_cscan(bd->files[i].path, text.ptr ? text.ptr : "", text.len, f))
		build_warn(bd, bd->files[i].node);
	gi_buf_reset(&buf);
	if (!lineage_cfacts_encode(f, &buf))
		cache(bd, i, CSCAN_KEY, &buf);
done:
	gi_buf_release(&buf);
	gi_buf_release(&text);
}

static void resolve_c(struct lineage_build *bd, uint32_t i)
{
	struct lineage_cfacts f;
	struct gi_buf out = GI_BUF_INIT;

	lineage_cfacts_init(&f);
	cfacts(bd, i, &f);
	for (size_t k = 0; k < f.nincludes; k++)
		if (!lineage_resolve_cinclude(&bd->res, bd->files[i].path, &f.includes[k], &out))
			edge_to(bd, i, gi_buf_cstr(&out), LINEAGE_EDGE_INCLUDES);
	gi_error_clear();
	lineage_cfacts_release(&f);
	gi_buf_release(&out);
}

/* ---- source facts in bulk (a full build) ---------------------------------------- */

/*
 * A full build needs the facts of every source file: the cached ones are
 * read in one pass in blob order, the others scanned in file order, and
 * what was scanned is cached in one pass in blob order (random-order point
 * lookups and inserts were a third of a full build).  Warnings wait in
 * bd->warn for the file's first use, so they come in the same order as
 * when each file was loaded on demand.
 *
 * With two threads the main thread reads the blobs and a worker scans them,
 * in file order, at most BULK_WINDOW blobs behind.  libgit2 reads through
 * one object database one at a time (git_odb holds its lock across a pack
 * read), so reading on both threads only made them wait for each other.
 * Only the worker scans and encodes, in the order one thread would, so
 * the graph, the warnings and the cache do not depend on the thread count.
 */
#define BULK_MIN_THREADED 256 /* fewer blobs to scan: one thread */
#define BULK_WINDOW 1024      /* blobs read and not yet scanned, at most */
#define BULK_CHUNK 64         /* blobs read between two hand-overs */

struct bulk {
	struct lineage_build *bd;
	int c;                 /* 1: C sources (CSCAN_KEY), 0: Python */
	uint32_t *files;       /* the source files of this kind, by index */
	char (*hex)[GIT_OID_HEXSZ + 1];
	const char **blobs;    /* hex[k], for the store */
	size_t n;
	size_t *todo, ntodo;   /* the bulk files the cache did not have */
	struct gi_buf enc;     /* scanned facts, encoded back to back */
	size_t *off, *len;     /* per file: where in enc (len 0: not to cache) */
};

/* The hand-over between the reading main thread and the scanning worker. */
struct bulk_pipe {
	struct bulk *b;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t nread, nscanned;                /* of todo[], under lock */
	git_odb_object *ring[BULK_WINDOW];     /* todo[j]'s blob at j % BULK_WINDOW */
};

/* A store_facts_fn: decode cached facts of bulk file k (damaged or flagged ones stay unloaded). */
static int bulk_got(void *data, size_t k, const void *facts, size_t len)
{
	struct bulk *b = data;
	struct lineage_build *bd = b->bd;
	uint32_t i = b->files[k];
	int bad;

	if (b->c)
		bad = lineage_cfacts_decode(facts, len, &bd->cf[i]) || bd->cf[i].flags;
	else
		bad = lineage_pyfacts_decode(facts, len, &bd->py[i]) || bd->py[i].flags;
	if (bad && b->c) {
		lineage_cfacts_release(&bd->cf[i]);
		lineage_cfacts_init(&bd->cf[i]);
	} else if (bad) {
		lineage_pyfacts_release(&bd->py[i]);
		lineage_pyfacts_init(&bd->py[i]);
	}
	bd->py_state[i] = !bad;
	gi_error_clear();
	return 0;
}

/* The blob of file i, through the object database (no object cache); the caller frees it. */
static int read_blob(struct lineage_build *bd, git_odb *odb, uint32_t i, git_odb_object **out)
{
	git_odb_object *o = NULL;

	if (git_odb_read(&o, odb, &bd->files[i].oid) || git_odb_object_type(o) != GIT_OBJECT_BLOB) {
		git_odb_object_free(o);
		return git_fail("cannot read a blob");
	}
	if (git_odb_object_size(o) > GI_BUF_MAX_DEFAULT) { /* as read_file's buffer */
		git_odb_object_free(o);
		return gi_error_setc(GI_ELIMIT, "'%s' is larger than %zu bytes", bd->files[i].path,
				     GI_BUF_MAX_DEFAULT);
	}
	*out = o;
	return 0;
}

/* The blob of bulk file k, marked loaded; NULL when it cannot be read (its warning kept). */
static git_odb_object *bulk_read(struct bulk *b, git_odb *odb, size_t k)
{
	struct lineage_build *bd = b->bd;
	uint32_t i = b->files[k];
	git_odb_object *o = NULL;

	bd->py_state[i] = 1;
	if (read_blob(bd, odb, i, &o)) {
		bd->warn[i] = gi_xstrdup(gi_error_last());
		gi_error_clear();
		return NULL;
	}
	return o;
}

/* Scan bulk file k's blob `o` into bd's facts; its warning kept, its facts encoded into b->enc. */
static void bulk_scan(struct bulk *b, size_t k, git_odb_object *o, struct gi_buf *one)
{
	struct lineage_build *bd = b->bd;
	uint32_t i = b->files[k];
	const char *path = bd->files[i].path, *text;
	size_t len = git_odb_object_size(o);
	int err;

	gi_buf_reset(one);
	text = len ? git_odb_object_data(o) : "";
	if (b->c)
		err = lineage_cscan(path, text, len, &bd->cf[i]);
	else
		err = lineage_pyscan(path, text, len, &bd->py[i]);
	if (err)
		bd->warn[i] = gi_xstrdup(gi_error_last());
	gi_error_clear();
	err = b->c ? lineage_cfacts_encode(&bd->cf[i], one) : lineage_pyfacts_encode(&bd->py[i], one);
	if (!err && one->len) {
		b->off[k] = b->enc.len;
		b->len[k] = one->len;
		gi_buf_add(&b->enc, one->ptr, one->len);
	}
	gi_error_clear();
}

/* The worker: scan the todo[] blobs as the main thread reads them. */
static void *bulk_scanner(void *arg)
{
	struct bulk_pipe *q = arg;
	struct bulk *b = q->b;
	struct gi_buf one = GI_BUF_INIT;
	size_t j = 0, avail;

	while (j < b->ntodo) {
		pthread_mutex_lock(&q->lock);
		q->nscanned = j;
		pthread_cond_signal(&q->cond);
		while (q->nread == j)
			pthread_cond_wait(&q->cond, &q->lock);
		avail = q->nread;
		pthread_mutex_unlock(&q->lock);
		for (; j < avail; j++)
			if (q->ring[j % BULK_WINDOW])
				bulk_scan(b, b->todo[j], q->ring[j % BULK_WINDOW], &one);
	}
	gi_buf_release(&one);
	return NULL;
}

/*
 * The main thread: read the todo[] blobs ahead of the worker, BULK_CHUNK at
 * a time.  It also frees them, as it reuses their slots: freed on the worker,
 * each blob took the lock of the main thread's malloc arena, that is one
 * futex call per blob.
 */
static void bulk_reader(struct bulk_pipe *q, git_odb *odb)
{
	struct bulk *b = q->b;
	size_t j = 0, end;

	while (j < b->ntodo) {
		pthread_mutex_lock(&q->lock);
		q->nread = j;
		pthread_cond_signal(&q->cond);
		while (j - q->nscanned >= BULK_WINDOW)
			pthread_cond_wait(&q->cond, &q->lock);
		end = q->nscanned + BULK_WINDOW;
		pthread_mutex_unlock(&q->lock);
		end = end - j > BULK_CHUNK ? j + BULK_CHUNK : end;
		end = end > b->ntodo ? b->ntodo : end;
		for (; j < end; j++) {
			git_odb_object_free(q->ring[j % BULK_WINDOW]);
			q->ring[j % BULK_WINDOW] = bulk_read(b, odb, b->todo[j]);
		}
	}
	pthread_mutex_lock(&q->lock);
	q->nread = j;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

int lineage_scan_threads(size_t nblobs)
{
	const char *env = getenv("GI_THREADS");
	char *end;
	long n = -1;

	if (nblobs < BULK_MIN_THREADED || !(git_libgit2_features() & GIT_FEATURE_THREADS))
		return 1;
	if (env && *env) {
		n = strtol(env, &end, 10);
		n = *end || n < 1 ? -1 : n;
	}
	if (n < 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 2 ? 2 : 1;
}

/* Read the todo[] files here and scan them on a worker: 0, or -1 when it cannot start. */
static int bulk_scan_two(struct bulk *b, git_odb *odb)
{
	struct bulk_pipe *q = gi_xcalloc(1, sizeof(*q));
	pthread_t tid;
	int err;

	q->b = b;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	err = pthread_create(&tid, NULL, bulk_scanner, q) ? -1 : 0;
	if (!err) {
		bulk_reader(q, odb);
		pthread_join(tid, NULL);
	}
	for (size_t j = 0; j < BULK_WINDOW; j++)
		git_odb_object_free(q->ring[j]);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
	return err;
}

/* Read and scan the todo[] files: on two threads when lineage_scan_threads() says so. */
static void bulk_scan_all(struct bulk *b, git_odb *odb)
{
	struct gi_buf one = GI_BUF_INIT;
	git_odb_object *o;

	if (lineage_scan_threads(b->ntodo) > 1 && !bulk_scan_two(b, odb))
		return;
	for (size_t j = 0; j < b->ntodo; j++) { /* one thread */
		if ((o = bulk_read(b, odb, b->todo[j])))
			bulk_scan(b, b->todo[j], o, &one);
		git_odb_object_free(o);
	}
	gi_buf_release(&one);
}

/* Scan what the cache did not have, then cache it (a failure to cache is silent). */
static void bulk_scan_missing(struct bulk *b, git_odb *odb)
{
	struct store_facts_row *rows = gi_xmallocarray(b->n ? b->n : 1, sizeof(*rows));
	size_t nrows = 0;

	b->todo = gi_xmallocarray(b->n ? b->n : 1, sizeof(*b->todo));
	for (size_t k = 0; k < b->n; k++)
		if (!b->bd->py_state[b->files[k]])
			b->todo[b->ntodo++] = k;
	bulk_scan_all(b, odb);
	for (size_t k = 0; k < b->n; k++) {
		if (!b->len[k])
			continue;
		rows[nrows].blob = b->blobs[k];
		rows[nrows].data = b->enc.ptr + b->off[k];
		rows[nrows].len = b->len[k];
		nrows++;
	}
	if (b->bd->store &&
	    store_facts_put_many(b->bd->store, b->c ? CSCAN_KEY : PYSCAN_KEY, rows, nrows))
		gi_error_clear();
	free(rows);
	free(b->todo);
}

/* Load the facts of every non-link source file of one kind (c: C, else Python). */
static void bulk_load(struct lineage_build *bd, git_odb *odb, int c)
{
	struct bulk b;

	memset(&b, 0, sizeof(b));
	b.bd = bd;
	b.c = c;
	gi_buf_init(&b.enc, SIZE_MAX);
	b.files = gi_xmallocarray(bd->nfiles ? bd->nfiles : 1, sizeof(*b.files));
	for (uint32_t i = 0; i < bd->nfiles; i++)
		if (!bd->files[i].link && (c ? is_c_source(bd->files[i].path)
					    : gi_ends_with(bd->files[i].path, ".py")))
			b.files[b.n++] = i;
	b.hex = gi_xmallocarray(b.n ? b.n : 1, sizeof(*b.hex));
	b.blobs = gi_xmallocarray(b.n ? b.n : 1, sizeof(*b.blobs));
	b.off = gi_xcalloc(b.n ? b.n : 1, sizeof(*b.off));
	b.len = gi_xcalloc(b.n ? b.n : 1, sizeof(*b.len));
	for (size_t k = 0; k < b.n; k++) {
		git_oid_tostr(b.hex[k], sizeof(b.hex[k]), &bd->files[b.files[k]].oid);
		b.blobs[k] = b.hex[k];
	}
	if (bd->store && store_facts_get_many(bd->store, c ? CSCAN_KEY : PYSCAN_KEY, b.blobs, b.n,
					      bulk_got, &b))
		gi_error_clear(); /* an unreadable cache: scan everything */
	bulk_scan_missing(&b, odb);
	free(b.files);
	free(b.hex);
	free(b.blobs);
	free(b.off);
	free(b.len);
	gi_buf_release(&b.enc);
}

/*
 * Facts of all source files before resolution.  Blobs are read with
 * libgit2's object cache and SHA-1 check off, as ingest does (each blob is
 * read once; zlib still checks every object); both are back on after.
 */
static void load_source_facts(struct lineage_build *bd)
{
	git_odb *odb = NULL;

	if (git_repository_odb(&odb, lineage_repo_git(bd->repo))) {
		git_error_clear();
		return; /* each file is then loaded on demand */
	}
	bd->cf = gi_xcalloc(bd->nfiles ? bd->nfiles : 1, sizeof(*bd->cf));
	bd->warn = gi_xcalloc(bd->nfiles ? bd->nfiles : 1, sizeof(*bd->warn));
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	bulk_load(bd, odb, 0);
	bulk_load(bd, odb, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_odb_free(odb);
}

/* The resolver over the tree's paths and impact.yaml's roots and include dirs. */
static void prepare_sources(struct lineage_build *bd)
{
	bd->paths = gi_xmallocarray(bd->nfiles ? bd->nfiles : 1, sizeof(*bd->paths));
	for (size_t i = 0; i < bd->nfiles; i++)
		bd->paths[i] = bd->files[i].path;
	lineage_pathset_init(&bd->set, bd->paths, bd->nfiles);
	grow_py(bd);
	bd->res.paths = &bd->set;
	bd->res.roots = bd->cfg ? &bd->cfg->roots : NULL;
	bd->res.include_dirs = bd->cfg ? &bd->cfg->include_dirs : NULL;
	bd->res.facts_of = facts_of;
	bd->res.data = bd;
}

static void add_sources(struct lineage_build *bd)
{
	prepare_sources(bd);
	load_source_facts(bd);
	for (uint32_t i = 0; i < bd->nfiles; i++) {
		if (bd->files[i].link)
			continue;
		if (gi_ends_with(bd->files[i].path, ".py"))
			resolve_py(bd, i);
		else if (is_c_source(bd->files[i].path))
			resolve_c(bd, i);
	}
}

/* ---- impact.yaml declarations ------------------------------------------------ */

/* 1 if history/test id pattern `pat` covers test file `path`. */
static int pattern_covers(const char *pat, const char *path)
{
	const char *sep = strstr(pat, "::");
	char *file = sep ? gi_xstrndup(pat, (size_t)(sep - pat)) : gi_xstrdup(pat);
	int m = gi_glob_match(file, path) || !strcmp(file, path);

	free(file);
	return m;
}

static int has_alias(const struct lineage_mlflow_version *v, const char *alias)
{
	for (size_t i = 0; i < v->aliases.nr; i++)
		if (!strcmp(v->aliases.v[i], alias))
			return 1;
	return v->stage && !strcmp(v->stage, alias);
}

static void model_edge(struct lineage_build *bd, uint32_t from, const struct lineage_mlflow_version *v)
{
	char *name = gi_xstrfmt("models:/%s/%ld", v->name, v->version);

	lineage_builder_edge(&bd->b, from, lineage_builder_node(&bd->b, LINEAGE_NODE_MODEL, name),
			     LINEAGE_EDGE_DECLARED);
	free(name);
}

/* Edges to the versions a MODEL dependency names (key NULL: all of them). */
static void edges_to_model(struct lineage_build *bd, uint32_t from,
			   const struct lineage_config_dep *d)
{
	const struct lineage_mlflow_version *best = NULL;
	long want = -1;

	if (d->key && *d->key && *d->key != '@' && gi_parse_long(d->key, &want))
		want = -2;
	for (size_t i = 0; i < bd->nversions; i++) {
		const struct lineage_mlflow_version *v = bd->versions[i];

		if (strcmp(v->name, d->target))
			continue;
		if (d->key && *d->key == '@' ? has_alias(v, d->key + 1)
		    : want >= 0 ? v->version == want : (!best || v->version > best->version))
			best = v;
	}
	if (best && !d->key) {
		/*
		 * The registered model as a whole: every version, and the
		 * registry's files (stages and aliases move which version a
		 * loader gets without changing any version's artefact).
		 */
		char *dir = gi_xstrfmt("models/%s/", d->target);

		for (size_t i = 0; i < bd->nversions; i++)
			if (!strcmp(bd->versions[i]->name, d->target))
				model_edge(bd, from, bd->versions[i]);
		for (uint32_t i = 0; i < bd->nfiles; i++) {
			const char *p = strstr(bd->files[i].path, dir);

			if (p && in_mlruns(bd->files[i].path) && (p == bd->files[i].path || p[-1] == '/'))
				lineage_builder_edge(&bd->b, from, i, LINEAGE_EDGE_DECLARED);
		}
		free(dir);
	} else if (best) {
		model_edge(bd, from, best);
	} else {
		gi_error_set("'impact.yaml' at line %d: no registered model '%s' matches", d->line, d->target);
		build_warn(bd, LINEAGE_NONE);
	}
}

/*
 * A declared path that names no tracked file or folder but a registered
 * MLflow model ("models/churn-model" or "churn-model", as the design's
 * impact.yaml writes it): the model's name, else NULL.
 */
static const char *registered_model(struct lineage_build *bd, const char *path)
{
	const char *name = gi_starts_with(path, "models/") ? path + 7 : path;
	size_t len = strlen(path);

	if (file_of(bd, path) != LINEAGE_NONE)
		return NULL;
	for (uint32_t i = 0; i < bd->nfiles; i++)
		if (!strncmp(bd->files[i].path, path, len) && bd->files[i].path[len] == '/')
			return NULL;
	for (size_t i = 0; i < bd->nversions; i++)
		if (!strcmp(bd->versions[i]->name, name) || !strcmp(bd->versions[i]->name, path))
			return bd->versions[i]->name;
	return NULL;
}

static void edges_to_stage(struct lineage_build *bd, uint32_t from, const char *stage)
{
	char *suffix = gi_xstrfmt(":%s", stage);

	for (size_t i = 0; i < bd->b.nr; i++)
		if (bd->b.nodes[i].kind == LINEAGE_NODE_STAGE && gi_ends_with(bd->b.nodes[i].name, suffix))
			lineage_builder_edge(&bd->b, from, (uint32_t)i, LINEAGE_EDGE_DECLARED);
	free(suffix);
}

static void add_declared_dep(struct lineage_build *bd, uint32_t t, const struct lineage_config_dep *d)
{
	const char *model;

	switch (d->kind) {
	case LINEAGE_DEP_PATH:
		if ((model = registered_model(bd, d->target))) {
			struct lineage_config_dep md = *d;

			md.target = (char *)model;
			md.key = NULL;
			edges_to_model(bd, t, &md);
		} else {
			edges_to_path(bd, t, d->target, LINEAGE_EDGE_DECLARED);
		}
		break;
	case LINEAGE_DEP_GLOB:
		for (uint32_t i = 0; i < bd->nfiles; i++)
			if (gi_glob_match(d->target, bd->files[i].path))
				lineage_builder_edge(&bd->b, t, i, LINEAGE_EDGE_DECLARED);
		break;
	case LINEAGE_DEP_PARAM:
		edges_to_params(bd, t, d->target, d->key, LINEAGE_EDGE_DECLARED);
		break;
	case LINEAGE_DEP_MODEL:
		edges_to_model(bd, t, d);
		break;
	case LINEAGE_DEP_STAGE:
		edges_to_stage(bd, t, d->target);
		break;
	}
}

static void add_declared(struct lineage_build *bd)
{
	for (size_t k = 0; bd->cfg && k < bd->cfg->tests_nr; k++) {
		const struct lineage_config_test *ct = &bd->cfg->tests[k];

		if (ct->always_run)
			gi_strvec_push(&bd->b.always_run, ct->pattern);
		for (uint32_t i = 0; i < bd->nfiles; i++) {
			if (bd->b.nodes[i].kind != LINEAGE_NODE_TEST ||
			    !pattern_covers(ct->pattern, bd->files[i].path))
				continue;
			for (size_t j = 0; j < ct->deps_nr; j++)
				add_declared_dep(bd, i, &ct->deps[j]);
		}
	}
}

/* ---- coverage (covers edges) ------------------------------------------------------ */

struct covers {
	struct lineage_builder *b;
	struct gi_buf test, path; /* the last row's test id, the row's path */
	uint32_t node;            /* the last test's node */
};

/* The test node of a coverage row's test: its id's path part, else its file, else the id. */
static uint32_t covering_test(struct covers *c, const struct store_coverage_row *row)
{
	const char *sep = strstr(row->test, "::");
	char *path;

	if (c->test.ptr && !strcmp(c->test.ptr, row->test))
		return c->node;
	gi_buf_reset(&c->test);
	if (gi_buf_adds(&c->test, row->test))
		return LINEAGE_NONE;
	path = sep ? gi_xstrndup(row->test, (size_t)(sep - row->test)) :
	       gi_xstrdup(row->file ? row->file : row->test);
	c->node = lineage_builder_find(c->b, LINEAGE_NODE_TEST, path);
	free(path);
	return c->node;
}

/* A stored coverage row as the edge "test covers path", when both are in the tree. */
static int cover_row(void *data, const struct store_coverage_row *row)
{
	struct covers *c = data;
	uint32_t t = covering_test(c, row), f;

	gi_buf_reset(&c->path);
	if (t == LINEAGE_NONE || gi_buf_add(&c->path, row->path, row->path_len))
		return 0;
	f = lineage_builder_find(c->b, LINEAGE_NODE_FILE, c->path.ptr);
	if (f == LINEAGE_NONE)
		f = lineage_builder_find(c->b, LINEAGE_NODE_TEST, c->path.ptr);
	if (f != LINEAGE_NONE && f != t)
		lineage_builder_edge(c->b, t, f, LINEAGE_EDGE_COVERS);
	return 0;
}

/*
 * Edges from test files to the files their tests executed (record-coverage).
 * An update keeps its parent's: recording coverage drops every stored graph.
 */
static int add_covers(struct lineage_build *bd)
{
	struct covers c = { &bd->b, GI_BUF_INIT, GI_BUF_INIT, LINEAGE_NONE };
	int err = bd->cov ? store_coverage_each(bd->cov, cover_row, &c) : 0;

	gi_buf_release(&c.test);
	gi_buf_release(&c.path);
	return err;
}

/* Build the graph of `oid` from scratch. */
static int build_full(struct lineage_build *bd, const char *oid, struct lineage_graph **out)
{
	int err;

	if ((err = list_tree(bd, oid)))
		return err;
	load_config(bd);
	add_files(bd);
	if (bd->config_broken)
		bd->b.nodes[bd->config_file].flags |= LINEAGE_NODE_BROKEN;
	for (uint32_t i = 0; i < bd->nfiles; i++)
		if (bd->b.nodes[i].kind == LINEAGE_NODE_TEST)
			add_conftest(bd, i);
	add_manifests(bd);
	add_sources(bd);
	add_declared(bd);
	if ((err = add_covers(bd)))
		return err;
	lineage_builder_finish(&bd->b, out);
	return 0;
}

/* ---- incremental update ------------------------------------------------------------ */

/*
 * An update is attempted only where it is known to equal a full build:
 * every change is a modification of a plain source file whose node exists
 * and is neither a manifest nor broken, no YAML/JSON/TOML/DVC/lock file or
 * impact.yaml changed, and no changed Python file changed what it defines
 * or re-exports (others' re-export chains).  Anything else: GI_ENOTFOUND,
 * and the caller builds from scratch.  The update works on the parent's
 * frozen graph and makes a delta: the changed nodes' hashes and flags and
 * their redone out-edge lists.
 */
static int plain_change(struct lineage_build *bd, const struct tchange *c, const char *p)
{
	static const char *const structured[] = {
		".yaml", ".yml", ".json", ".toml", ".dvc", ".lock", "MLmodel", ".cfg", ".ini",
	};
	uint32_t n;

	if (c->status != 'M' || c->old_mode != c->new_mode ||
	    (c->new_mode != GIT_FILEMODE_BLOB && c->new_mode != GIT_FILEMODE_BLOB_EXECUTABLE))
		return 0;
	for (size_t i = 0; i < GI_ARRAY_SIZE(structured); i++)
		if (gi_ends_with(p, structured[i]))
			return 0;
	n = node_of(bd, p);
	return n != LINEAGE_NONE && in_mlruns(p) == 0 &&
	       !(lineage_node_flags(bd->pg, n) & (LINEAGE_NODE_MANIFEST | LINEAGE_NODE_BROKEN));
}

/* What a Python file offers others: its definitions and top-level imports. */
static void py_shape(const struct lineage_pyfacts *f, struct gi_buf *out)
{
	for (size_t i = 0; i < f->defs.nr; i++)
		gi_buf_printf(out, "%s,", f->defs.v[i]);
	for (size_t i = 0; i < f->nimports; i++)
		if (f->imports[i].toplevel)
			gi_buf_printf(out, ";%u %s %s %s", f->imports[i].level, f->imports[i].module,
				      f->imports[i].name ? f->imports[i].name : "",
				      f->imports[i].asname ? f->imports[i].asname : "");
}

/* The facts of file i's old blob `old`: cached, else scanned quietly; 0 or -1. */
static int old_pyfacts(struct lineage_build *bd, uint32_t i, const git_oid *old,
		       struct lineage_pyfacts *f)
{
	struct gi_buf buf = GI_BUF_INIT;
	git_oid cur = bd->files[i].oid;
	int err = 0;

	bd->files[i].oid = *old;
	if (cached(bd, i, PYSCAN_KEY, &buf) || lineage_pyfacts_decode(buf.ptr, buf.len, f) || f->flags) {
		lineage_pyfacts_release(f);
		lineage_pyfacts_init(f);
		gi_buf_reset(&buf);
		err = read_file(bd, i, &buf) ||
		      lineage_pyscan(bd->files[i].path, buf.ptr ? buf.ptr : "", buf.len, f) ? -1 : 0;
	}
	bd->files[i].oid = cur;
	gi_error_clear();
	gi_buf_release(&buf);
	return err;
}

/* 1 if Python file i offers the same names as its old blob did. */
static int same_shape(struct lineage_build *bd, uint32_t i, const git_oid *old)
{
	struct lineage_pyfacts of;
	struct gi_buf a = GI_BUF_INIT, b = GI_BUF_INIT;
	int same = 0;

	lineage_pyfacts_init(&of);
	if (!old_pyfacts(bd, i, old, &of)) {
		py_shape(&of, &a);
		py_shape(pyfacts(bd, i), &b);
		same = a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
	}
	lineage_pyfacts_release(&of);
	gi_buf_release(&a);
	gi_buf_release(&b);
	return same;
}

/* 1 if `path` is tracked in the parent's tree: a file or test node of its graph. */
static int parent_has_path(void *data, const char *path)
{
	const struct lineage_build *bd = data;

	return lineage_graph_find(bd->pg, LINEAGE_NODE_FILE, path) != LINEAGE_NONE ||
	       lineage_graph_find(bd->pg, LINEAGE_NODE_TEST, path) != LINEAGE_NONE;
}

/*
 * The resolver over the parent graph's paths (the same set: only
 * modifications), looked up in the graph itself: a set of all its paths
 * cost more than the few lookups an update makes.
 */
static void prepare_update_sources(struct lineage_build *bd)
{
	grow_py(bd);
	bd->res.paths = NULL;
	bd->res.has_path = parent_has_path;
	bd->res.roots = bd->cfg ? &bd->cfg->roots : NULL;
	bd->res.include_dirs = bd->cfg ? &bd->cfg->include_dirs : NULL;
	bd->res.facts_of = facts_of;
	bd->res.data = bd;
}

/* impact.yaml of the tree, silently: GI_ENOTFOUND-like failure makes the caller rebuild. */
static int update_config(struct lineage_build *bd)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err = 0;

	if (git_tree_entry_bypath(&e, bd->tree, "impact.yaml")) {
		git_error_clear();
		return 0;
	}
	if (git_blob_lookup(&blob, lineage_repo_git(bd->repo), git_tree_entry_id(e)) ||
	    lineage_config_parse("impact.yaml", git_blob_rawcontent(blob),
				 (size_t)git_blob_rawsize(blob), &bd->cfg))
		err = GI_ENOTFOUND;
	gi_error_clear();
	git_blob_free(blob);
	git_tree_entry_free(e);
	return err;
}

/*
 * The first-parent diff of commit `oid` into td (tdiff_init'ed here; the
 * caller releases it), skipping identical folders; bd->tree set.
 * GI_ENOTFOUND when there is no parent or a tree cannot be read.
 */
static int diff_parent(struct lineage_build *bd, const char *oid, git_oid *id, struct tdiff *td)
{
	git_repository *git = lineage_repo_git(bd->repo);
	git_commit *c = NULL, *p = NULL;
	int err = GI_ENOTFOUND;

	tdiff_init(td, git, id);
	if (git_oid_fromstr(id, oid) || git_commit_lookup(&c, git, id) ||
	    git_commit_parentcount(c) < 1 || git_commit_parent(&p, c, 0) ||
	    git_commit_tree(&bd->tree, c))
		goto done;
	if (tdiff_run(td, git_commit_tree_id(p), git_commit_tree_id(c)))
		goto done;
	err = 0;
done:
	git_error_clear();
	gi_error_clear();
	git_commit_free(p);
	git_commit_free(c);
	return err;
}

/* Note each modification of the diff (new hash, edges to redo); GI_ENOTFOUND to give up. */
static int note_changes(struct lineage_build *bd, const struct tdiff *td)
{
	int err = 0;

	for (size_t k = 0; k < td->nr && !err; k++) {
		const struct tchange *c = &td->v[k];
		char *path = gi_xstrndup(td->names.ptr + c->path_off, c->path_len);
		uint32_t i = LINEAGE_NONE;
		struct upd_node *u;
		uint64_t h;

		if (!plain_change(bd, c, path) || (i = file_of(bd, path)) == LINEAGE_NONE ||
		    (gi_ends_with(path, ".py") && !same_shape(bd, i, &c->old_id))) {
			err = GI_ENOTFOUND;
		} else {
			u = upd_of(bd, bd->files[i].node);
			memcpy(&h, c->new_id.id, sizeof(h));
			u->hash = h;
			u->resolved = 1;
		}
		free(path);
	}
	return err;
}

/* Redo the source edges of every changed file (conftest, imports, includes, reads). */
static void redo_edges(struct lineage_build *bd)
{
	for (size_t k = 0; k < bd->nupd; k++) {
		uint32_t n = bd->upd[k].node, i;
		const char *path = lineage_node_name(bd->pg, n);

		if (!bd->upd[k].resolved || (i = file_of(bd, path)) == LINEAGE_NONE)
			continue;
		if (lineage_node_kind(bd->pg, n) == LINEAGE_NODE_TEST)
			add_conftest(bd, n);
		if (gi_ends_with(path, ".py"))
			resolve_py(bd, i);
		else if (is_c_source(path))
			resolve_c(bd, i);
	}
}

static int cmp_upd(const void *a, const void *b)
{
	uint32_t x = ((const struct upd_node *)a)->node, y = ((const struct upd_node *)b)->node;

	return x < y ? -1 : x > y;
}

static int cmp_dedge(const void *a, const void *b)
{
	const struct lineage_dedge *x = a, *y = b;

	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static int is_source_edge(uint32_t kind)
{
	return kind == LINEAGE_EDGE_IMPORTS || kind == LINEAGE_EDGE_INCLUDES || kind == LINEAGE_EDGE_READS;
}

/* Node n's new out-edges (its others kept, its source edges redone) into the delta if they differ. */
static void delta_list(struct lineage_build *bd, uint32_t n, struct lineage_delta *d)
{
	const struct lineage_graph *g = bd->pg;
	const struct lineage_edge *old;
	size_t nold = lineage_graph_deps(g, n, &old), ne = 0, k = 0;
	struct lineage_dedge *e = gi_xmallocarray(nold + bd->nuedges + 1, sizeof(*e));
	int same;

	for (size_t i = 0; i < nold; i++)
		if (!is_source_edge(old[i].kind))
			e[ne++] = (struct lineage_dedge){ g->nodes[old[i].node].id, old[i].kind, 0 };
	for (size_t i = 0; i < bd->nuedges; i++)
		if (bd->uedges[i].from == n)
			e[ne++] = (struct lineage_dedge){ g->nodes[bd->uedges[i].to].id, bd->uedges[i].kind, 0 };
	gi_qsort(e, ne, sizeof(*e), cmp_dedge);
	for (size_t i = 0; i < ne; i++)
		if (!k || cmp_dedge(&e[k - 1], &e[i]))
			e[k++] = e[i];
	same = k == nold;
	for (size_t i = 0; same && i < k; i++)
		same = e[i].to == g->nodes[old[i].node].id && e[i].kind == old[i].kind;
	if (!same)
		lineage_delta_list(d, g->nodes[n].id, e, k);
	free(e);
}

/* The delta of the update: changed nodes in id (= index) order, their lists, the warnings. */
static void make_delta(struct lineage_build *bd, struct lineage_delta *d)
{
	const struct lineage_graph *g = bd->pg;

	lineage_delta_init(d);
	gi_qsort(bd->upd, bd->nupd, sizeof(*bd->upd), cmp_upd);
	for (size_t k = 0; k < bd->nupd; k++) {
		const struct upd_node *u = &bd->upd[k];
		struct lineage_gnode n = g->nodes[u->node];

		if (n.hash != u->hash || (n.flags & ~LINEAGE_NODE_UNPLACED) != u->flags) {
			n.hash = u->hash;
			n.flags = u->flags;
			lineage_delta_node(d, &n, g->pool + n.name);
		}
	}
	for (size_t k = 0; k < bd->nupd; k++)
		if (bd->upd[k].resolved)
			delta_list(bd, bd->upd[k].node, d);
	if (bd->new_warnings) {
		d->strs = 1;
		for (size_t i = 0; i < g->ignore.nr; i++)
			gi_strvec_push(&d->ignore, g->ignore.v[i]);
		for (size_t i = 0; i < g->always_run.nr; i++)
			gi_strvec_push(&d->always_run, g->always_run.v[i]);
		for (size_t i = 0; i < bd->b.warnings.nr; i++)
			gi_strvec_push(&d->warnings, bd->b.warnings.v[i]);
	}
}

/*
 * Turn the parent's graph `pg` into the graph of `oid` by the commit's
 * diff (in place), and give the delta that did it; GI_ENOTFOUND (pg
 * unchanged) when an update cannot be known to equal a full build.
 */
static int build_update(struct lineage_build *bd, const char *oid, struct lineage_graph *pg,
			struct lineage_delta *d)
{
	struct tdiff td;
	git_oid id;
	int err;

	bd->update = 1;
	bd->pg = pg;
	lineage_delta_init(d);
	for (size_t i = 0; i < pg->warnings.nr; i++)
		gi_strvec_push(&bd->b.warnings, pg->warnings.v[i]);
	if ((err = diff_parent(bd, oid, &id, &td)) || (err = update_config(bd)))
		goto done;
	prepare_update_sources(bd);
	if ((err = note_changes(bd, &td)))
		goto done;
	redo_edges(bd);
	make_delta(bd, d);
	err = lineage_graph_patch(pg, d, "lineage graph update");
done:
	tdiff_release(&td);
	if (err)
		lineage_delta_release(d);
	return err;
}

/* The first parent's oid of `oid`, or "" when none. */
static void first_parent(struct lineage_repo *repo, const char *oid, char out[41])
{
	git_commit *c = NULL;
	git_oid id;

	out[0] = '\0';
	if (!git_oid_fromstr(&id, oid) && !git_commit_lookup(&c, lineage_repo_git(repo), &id) &&
	    git_commit_parentcount(c) > 0)
		git_oid_tostr(out, 41, git_commit_parent_id(c, 0));
	git_error_clear();
	git_commit_free(c);
}

/* ---- per commit: stored whole or as a delta ------------------------------------------ */

/*
 * A stored graph as loaded: the commit's graph and, when it was stored as
 * a delta, that delta and the whole graph's commit and checksum (else the
 * commit's own: it can be the base of its children's deltas).
 */
struct loaded {
	struct lineage_graph *g;
	struct lineage_delta d;
	int has_delta;
	char base_oid[41];
	uint64_t base_sum;
};

static void loaded_release(struct loaded *l)
{
	lineage_graph_free(l->g);
	lineage_delta_release(&l->d);
	memset(l, 0, sizeof(*l));
	lineage_delta_init(&l->d);
}

/* Read and decode the whole graph stored for `oid` (a delta there is damage). */
static int load_whole(struct store *store, const char *oid, const char *what,
		      struct lineage_graph **out)
{
	struct gi_buf buf;
	char base[41];
	int format, err;

	gi_buf_init(&buf, LINEAGE_GRAPH_MAX_BYTES);
	err = store_graph_read(store, oid, &format, base, &buf);
	if (!err && format != LINEAGE_GRAPH_FORMAT)
		err = gi_error_setc(GI_ECORRUPT, "stored %s is damaged (its base is not whole): "
				    "rebuild it", what);
	if (!err)
		err = lineage_graph_decode_take(&buf, what, out);
	gi_buf_release(&buf);
	return err;
}

/* The delta in `buf` applied to the whole graph of commit l->base_oid. */
static int load_delta(struct store *store, const struct gi_buf *buf, const char *what,
		      struct loaded *l)
{
	char *bwhat = gi_xstrfmt("base graph of commit '%.12s' (for the %s)", l->base_oid, what);
	int err = load_whole(store, l->base_oid, bwhat, &l->g);

	free(bwhat);
	if (err == GI_ENOTFOUND)
		err = gi_error_setc(GI_ECORRUPT, "stored %s is damaged (its base graph of commit "
				    "'%.12s' is missing): rebuild it", what, l->base_oid);
	if (err)
		return err;
	l->base_sum = l->g->sum;
	l->has_delta = 1;
	if ((err = lineage_delta_decode(buf->ptr, buf->len, l->base_sum, what, &l->d)))
		return err;
	return lineage_graph_patch(l->g, &l->d, what);
}

/* The stored graph of `oid`: 0, GI_ENOTFOUND, or a damaged one (warned, then rebuilt). */
static int load_stored(struct store *store, const char *oid, struct loaded *l)
{
	struct gi_buf buf;
	char *what = gi_xstrfmt("lineage graph of commit '%.12s'", oid);
	int format, err;

	memset(l, 0, sizeof(*l));
	lineage_delta_init(&l->d);
	gi_buf_init(&buf, LINEAGE_GRAPH_MAX_BYTES);
	err = store_graph_read(store, oid, &format, l->base_oid, &buf);
	if (!err && format == LINEAGE_GRAPH_FORMAT) {
		err = lineage_graph_decode_take(&buf, what, &l->g);
		memcpy(l->base_oid, oid, 41);
		l->base_sum = err ? 0 : l->g->sum;
	} else if (!err && format == LINEAGE_DELTA_FORMAT) {
		err = load_delta(store, &buf, what, l);
	} else if (!err) {
		err = gi_error_setc(GI_ECORRUPT, "stored %s has unknown format %d: rebuild it", what, format);
	}
	if (err && err != GI_ENOTFOUND) {
		gi_warn("%s", gi_error_last());
		err = GI_ENOTFOUND;
	}
	if (err)
		loaded_release(l);
	gi_error_clear();
	gi_buf_release(&buf);
	free(what);
	return err;
}

/* Rough bytes of g stored whole. */
static size_t whole_size(const struct lineage_graph *g)
{
	return (size_t)g->nnodes * 32 + g->nedges * 16 + g->pool_len + 64;
}

/*
 * Encode g for storage: as the delta `d` against the whole graph whose
 * checksum is base_sum (0: none) while that stays under
 * 1/LINEAGE_DELTA_RATIO of g stored whole (or is tiny), else whole.  *is_delta says which.
 */
static int encode_for_store(const struct lineage_graph *g, uint64_t base_sum,
			    const struct lineage_delta *d, struct gi_buf *buf, int *is_delta)
{
	int err;

	*is_delta = 0;
	if (base_sum && d) {
		err = lineage_delta_encode(d, base_sum, buf);
		*is_delta = !err && (buf->len <= whole_size(g) / LINEAGE_DELTA_RATIO ||
				     buf->len <= LINEAGE_DELTA_SMALL);
		gi_error_clear();
		if (*is_delta)
			return 0;
		gi_buf_reset(buf);
	}
	return lineage_graph_encode(g, buf);
}

/*
 * Save g for `oid` inside the open transaction, as the delta `d` against
 * the parent's base when given and small, else whole; a failure is a
 * warning (the graph is still good).
 */
static void save(struct store *store, const char *oid, const struct lineage_graph *g,
		 const struct loaded *parent, const struct lineage_delta *d)
{
	struct gi_buf buf;
	int is_delta;

	gi_buf_init(&buf, LINEAGE_GRAPH_MAX_BYTES);
	if (encode_for_store(g, parent ? parent->base_sum : 0, d, &buf, &is_delta) ||
	    store_graph_write(store, oid, is_delta ? LINEAGE_DELTA_FORMAT : LINEAGE_GRAPH_FORMAT,
			      is_delta ? parent->base_oid : NULL, buf.ptr, buf.len, LINEAGE_GRAPH_KEEP))
		gi_warn("lineage graph not saved: %s", gi_error_last());
	gi_error_clear();
	gi_buf_release(&buf);
}

/* Save g, a child of `parent` (dc: the delta from the parent's graph, or NULL: diff them). */
static void save_child(struct store *store, const char *oid, const struct lineage_graph *g,
		       const struct loaded *parent, const struct lineage_delta *dc)
{
	struct lineage_delta own, cum;

	lineage_delta_init(&own);
	lineage_delta_init(&cum);
	if (!dc) {
		lineage_graph_diff(parent->g, g, &own);
		dc = &own;
	}
	if (parent->has_delta)
		lineage_delta_compose(&parent->d, dc, &cum);
	save(store, oid, g, parent, parent->has_delta ? &cum : dc);
	lineage_delta_release(&own);
	lineage_delta_release(&cum);
}

/*
 * Update the parent's stored graph when that is safe, else build from
 * scratch; then save (as a delta against the parent's whole graph when
 * there is one and the delta is small).
 */
static int build_graph(struct lineage_build *bd, struct store *store, const char *oid,
		       struct lineage_graph **out)
{
	struct loaded parent;
	struct lineage_delta d;
	char poid[41];
	int err = GI_ENOTFOUND, have_parent = 0;

	memset(&parent, 0, sizeof(parent));
	lineage_delta_init(&parent.d);
	lineage_delta_init(&d);
	first_parent(bd->repo, oid, poid);
	if (store && bd->store && *poid && !load_stored(store, poid, &parent)) {
		have_parent = 1;
		err = build_update(bd, oid, parent.g, &d);
		have_parent = err != GI_ECORRUPT; /* else parent.g may be half patched */
	}
	if (!err) {
		*out = parent.g;
		parent.g = NULL;
		save_child(bd->store, oid, *out, &parent, &d);
	} else {
		struct lineage_repo *repo = bd->repo;
		struct store *st = bd->store;

		build_release(bd);
		bd->repo = repo;
		bd->store = st;
		bd->cov = store;
		err = build_full(bd, oid, out);
		if (!err && bd->store && have_parent)
			save_child(bd->store, oid, *out, &parent, NULL);
		else if (!err && bd->store)
			save(bd->store, oid, *out, NULL, NULL);
	}
	lineage_delta_release(&d);
	loaded_release(&parent);
	return err;
}

int lineage_graph_for_commit(struct lineage_repo *repo, struct store *store,
			     const char *oid, struct lineage_graph **out)
{
	struct lineage_build bd;
	struct loaded l;
	struct lineage_graph *g = NULL;
	int err = 0, tx = 0;

	memset(&bd, 0, sizeof(bd));
	bd.repo = repo;
	if (store && !load_stored(store, oid, &l)) {
		*out = l.g;
		l.g = NULL;
		loaded_release(&l);
		return 0;
	}
	if (store) {
		tx = !store_begin(store);
		gi_error_clear();
	}
	bd.store = tx ? store : NULL;
	bd.cov = store;
	if ((err = build_graph(&bd, store, oid, &g)))
		goto done;
done:
	if (tx && (err || store_commit(store))) {
		store_rollback(store);
		if (!err)
			gi_warn("lineage graph not saved: %s", gi_error_last()), gi_error_clear();
	}
	build_release(&bd);
	if (err) {
		lineage_graph_free(g);
		return err;
	}
	*out = g;
	return 0;
}
