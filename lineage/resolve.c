/*
 * resolve.c - from what a scanner found to the tracked file it names: a hash
 * set of one tree's paths, Python modules under import roots (with the
 * `__init__.py` re-export chain followed through the caller's cached facts),
 * C includes against the includer's folder and include dirs, path literals.
 */
#include "scan_int.h"

#include <string.h>

#define RESOLVE_MAX_CHAIN 64  /* re-export hops followed */

/* ---- the path set -------------------------------------------------------------- */

/* The tag kept in a slot: the hash's high half, compared before the string. */
static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/*
 * The slot holding `p` (len bytes), or the empty one where it would go.
 * A slot is 8 bytes (tag, index + 1 into strs), so a probe is one cache
 * miss and the string is read only when the tags agree.
 */
static size_t slot_of(const struct lineage_pathset *s, const char *p, size_t len)
{
	uint64_t h = gi_hash64(p, len);
	uint32_t tag = tag_of(h);
	size_t i = (size_t)h & s->mask;
	const struct lineage_pathslot *sl;

	while ((sl = &s->slots[i])->idx) {
		const char *q = s->strs[sl->idx - 1];

		if (sl->tag == tag && !strncmp(q, p, len) && !q[len])
			break;
		i = (i + 1) & s->mask;
	}
	return i;
}

/* Put strs[k] into slot i (found empty by slot_of). */
static void fill_slot(struct lineage_pathset *s, size_t i, size_t k, size_t len)
{
	s->slots[i].tag = tag_of(gi_hash64(s->strs[k], len));
	s->slots[i].idx = (uint32_t)k + 1;
}

static void pathset_grow(struct lineage_pathset *s)
{
	size_t n = s->slots ? (s->mask + 1) * 2 : 64;

	free(s->slots);
	s->slots = gi_xcalloc(n, sizeof(*s->slots));
	s->mask = n - 1;
	for (size_t k = 0; k < s->nr; k++) {
		size_t len = strlen(s->strs[k]);

		fill_slot(s, slot_of(s, s->strs[k], len), k, len);
	}
}

void lineage_pathset_add(struct lineage_pathset *s, const char *path)
{
	size_t i, len = strlen(path);

	if (!s->slots || (s->nr + 1) * 2 > s->mask + 1)
		pathset_grow(s);
	i = slot_of(s, path, len);
	if (s->slots[i].idx)
		return;
	if (s->nr >= UINT32_MAX - 1)
		gi_die("too many paths");
	GI_ALLOC_GROW(s->strs, s->nr + 1, s->astrs);
	s->strs[s->nr] = path;
	fill_slot(s, i, s->nr, len);
	s->nr++;
}

void lineage_pathset_init(struct lineage_pathset *s, const char *const *paths, size_t n)
{
	size_t want = 64;

	memset(s, 0, sizeof(*s));
	while (want < gi_st_mult(n, 2) + 2)
		want *= 2;
	s->slots = gi_xcalloc(want, sizeof(*s->slots));
	s->mask = want - 1;
	s->strs = gi_xmallocarray(n ? n : 1, sizeof(*s->strs));
	s->astrs = n ? n : 1;
	for (size_t i = 0; i < n; i++)
		lineage_pathset_add(s, paths[i]);
}

int lineage_pathset_has(const struct lineage_pathset *s, const char *path, size_t len)
{
	return s->slots && s->slots[slot_of(s, path, len)].idx != 0;
}

void lineage_pathset_release(struct lineage_pathset *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->strs);
	memset(s, 0, sizeof(*s));
}

/* ---- paths ----------------------------------------------------------------------- */

/* Length of the folder part of `path` ("a/b/c.py" -> 3, "c.py" -> 0). */
static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

/*
 * Append `n` bytes of `p` to `out` as normalised segments: "" and "."
 * dropped, ".." removes the last segment.  -1 when ".." would leave the
 * top or the result is too long.
 */
static int add_segments(struct gi_buf *out, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		size_t m = (size_t)((q ? q : end) - p);

		if (m == 2 && p[0] == '.' && p[1] == '.') {
			size_t d;

			if (out->len == 0)
				return -1;
			d = out->len;
			while (d > 0 && out->ptr[d - 1] != '/')
				d--;
			out->len = d ? d - 1 : 0;
			out->ptr[out->len] = '\0';
		} else if (m && !(m == 1 && p[0] == '.')) {
			if ((out->len && gi_buf_addch(out, '/')) || gi_buf_add(out, p, m))
				return -1;
		}
		p += m + (q != NULL);
	}
	return 0;
}

static int found(const struct lineage_resolver *r, const struct gi_buf *b)
{
	if (!b->len)
		return 0;
	return r->paths ? lineage_pathset_has(r->paths, b->ptr, b->len) : r->has_path(r->data, b->ptr);
}

/* ---- Python modules ------------------------------------------------------------------- */

/* Under folder base[0..blen): the module `module` as a.py or a/__init__.py. */
static int try_module(const struct lineage_resolver *r, const char *base, size_t blen,
		      const char *module, struct gi_buf *out)
{
	size_t stem;

	gi_buf_reset(out);
	gi_buf_adds(out, "");
	if (add_segments(out, base, blen))
		return 0;
	if (*module) {
		if (out->len)
			gi_buf_addch(out, '/');
		for (const char *m = module; *m; m++)
			if (gi_buf_addch(out, *m == '.' ? '/' : *m))
				return 0;
		stem = out->len;
		if (!gi_buf_adds(out, ".py") && found(r, out))
			return 1;
		out->len = stem;
		out->ptr[stem] = '\0';
	}
	if (!gi_buf_adds(out, out->len ? "/__init__.py" : "__init__.py") && found(r, out))
		return 1;
	gi_buf_reset(out);
	return 0;
}

static int resolve_relative(const struct lineage_resolver *r, const char *importer,
			    unsigned level, const char *module, struct gi_buf *out)
{
	size_t d = dir_len(importer);

	for (unsigned up = 1; up < level; up++) {
		if (d == 0)
			return 0; /* above the top */
		while (d > 0 && importer[d - 1] != '/')
			d--;
		d = d ? d - 1 : 0;
	}
	return try_module(r, importer, d, module, out);
}

static int resolve_absolute(const struct lineage_resolver *r, const char *importer,
			    const char *module, struct gi_buf *out)
{
	static const char *const defaults[] = { ".", "src" };
	size_t nroots = r->roots && r->roots->nr ? r->roots->nr : GI_ARRAY_SIZE(defaults);

	if (!*module)
		return 0;
	for (size_t i = 0; i < nroots; i++) {
		const char *root = r->roots && r->roots->nr ? r->roots->v[i] : defaults[i];

		if (try_module(r, root, strlen(root), module, out))
			return 1;
	}
	return importer && try_module(r, importer, dir_len(importer), module, out);
}

int lineage_resolve_pymodule(const struct lineage_resolver *r, const char *importer,
			     unsigned level, const char *module, struct gi_buf *out)
{
	int ok = level ? resolve_relative(r, importer, level, module, out)
		       : resolve_absolute(r, importer, module, out);

	if (!ok)
		gi_buf_reset(out);
	return ok ? 0 : GI_ENOTFOUND;
}

/* The module "module.name" (or "name" when module is ""). */
static int resolve_submodule(const struct lineage_resolver *r, const char *importer,
			     unsigned level, const char *module, const char *name,
			     struct gi_buf *out)
{
	char *full = *module ? gi_xstrfmt("%s.%s", module, name) : gi_xstrdup(name);
	int rc = lineage_resolve_pymodule(r, importer, level, full, out);

	free(full);
	return rc;
}

/* ---- the re-export chain ---------------------------------------------------------------- */

struct chain {
	const struct lineage_resolver *r;
	struct gi_strvec seen;
};

static int definer(struct chain *c, const char *file, const char *name, int strict,
		   struct gi_buf *out);

/* The name an import binds in its module: asname, name, or the first part of module. */
static int binds(const struct lineage_pyimport *imp, const char *name)
{
	const char *b = imp->asname ? imp->asname : imp->name;
	size_t n;

	if (b)
		return !strcmp(b, name);
	n = strcspn(imp->module, ".");
	return strlen(name) == n && !strncmp(imp->module, name, n);
}

/* Follow one import of `file` that binds `name`. 1 with the definer in `out`. */
static int follow(struct chain *c, const char *file, const struct lineage_pyimport *imp,
		  struct gi_buf *out)
{
	struct gi_buf b = GI_BUF_INIT;
	int ok = 0;

	if (!imp->name) { /* import x.y as name: the module itself */
		const char *m = imp->asname ? imp->module : "";
		char *top = gi_xstrndup(imp->module, strcspn(imp->module, "."));

		ok = !lineage_resolve_pymodule(c->r, file, imp->level, *m ? m : top, out);
		free(top);
	} else if (!resolve_submodule(c->r, file, imp->level, imp->module, imp->name, out)) {
		ok = 1;
	} else if (!lineage_resolve_pymodule(c->r, file, imp->level, imp->module, &b)) {
		ok = definer(c, b.ptr, imp->name, 0, out);
	}
	gi_buf_release(&b);
	return ok;
}

/* 1 if `f` defines `name` or binds it by an import at module scope. */
static int provides(const struct lineage_pyfacts *f, const char *name)
{
	if (lineage_pyfacts_defines(f, name))
		return 1;
	for (size_t i = 0; i < f->nimports; i++)
		if (f->imports[i].toplevel && binds(&f->imports[i], name))
			return 1;
	return 0;
}

/* Star imports of `file`: the first whose module defines `name`. */
static int follow_stars(struct chain *c, const char *file, const struct lineage_pyfacts *f,
			const char *name, struct gi_buf *out)
{
	struct gi_buf b = GI_BUF_INIT;
	int ok = 0;

	for (size_t i = 0; !ok && i < f->nimports; i++) {
		const struct lineage_pyimport *imp = &f->imports[i];

		if (!imp->toplevel || !imp->name || strcmp(imp->name, "*") ||
		    lineage_resolve_pymodule(c->r, file, imp->level, imp->module, &b))
			continue;
		ok = definer(c, b.ptr, name, 1, out);
	}
	gi_buf_release(&b);
	return ok;
}

/*
 * Where `name` of module `file` comes from.  A plain module is its own
 * definer (its imports are edges of their own); a package's __init__.py is
 * looked through: its definition, else the import that binds the name, else
 * a star import that provides it.  `strict` (behind a star import): a
 * plain module counts only if its facts show it provides the name.  1 and
 * the path in `out`; 0 when the chain reaches nothing better (a cycle,
 * unknown facts, an external module).
 */
static int definer(struct chain *c, const char *file, const char *name, int strict,
		   struct gi_buf *out)
{
	const struct lineage_pyfacts *f;

	if (strict && !gi_ends_with(file, "__init__.py") &&
	    !(c->r->facts_of && (f = c->r->facts_of(c->r->data, file)) && provides(f, name)))
		return 0;
	if (!gi_ends_with(file, "__init__.py") || !c->r->facts_of) {
		gi_buf_reset(out);
		return !gi_buf_adds(out, file);
	}
	for (size_t i = 0; i < c->seen.nr; i++)
		if (!strcmp(c->seen.v[i], file))
			return 0; /* a re-export cycle */
	if (c->seen.nr >= RESOLVE_MAX_CHAIN || !(f = c->r->facts_of(c->r->data, file)))
		return 0;
	gi_strvec_push(&c->seen, file);
	if (lineage_pyfacts_defines(f, name)) {
		gi_buf_reset(out);
		return !gi_buf_adds(out, file);
	}
	for (size_t i = 0; i < f->nimports; i++)
		if (f->imports[i].toplevel && binds(&f->imports[i], name))
			return follow(c, file, &f->imports[i], out);
	return follow_stars(c, file, f, name, out);
}

int lineage_resolve_pyimport(const struct lineage_resolver *r, const char *importer,
			     const struct lineage_pyimport *imp, struct gi_buf *out)
{
	struct chain c = { r, GI_STRVEC_INIT };
	struct gi_buf found_in = GI_BUF_INIT;
	int rc;

	if (!imp->name || !strcmp(imp->name, "*"))
		return lineage_resolve_pymodule(r, importer, imp->level, imp->module, out);
	if (!resolve_submodule(r, importer, imp->level, imp->module, imp->name, out))
		return 0;
	rc = lineage_resolve_pymodule(r, importer, imp->level, imp->module, out);
	if (rc)
		goto done;
	if (definer(&c, out->ptr, imp->name, 0, &found_in)) {
		gi_buf_reset(out);
		gi_buf_add(out, found_in.ptr, found_in.len);
	}
done:
	gi_strvec_clear(&c.seen);
	gi_buf_release(&found_in);
	return rc;
}

/* ---- C includes and path literals ------------------------------------------------------- */

/* folder base[0..blen) joined with rel, normalised; 1 if tracked. */
static int try_join(const struct lineage_resolver *r, const char *base, size_t blen,
		    const char *rel, struct gi_buf *out)
{
	gi_buf_reset(out);
	gi_buf_adds(out, "");
	if (!add_segments(out, base, blen) && !add_segments(out, rel, strlen(rel)) &&
	    found(r, out))
		return 1;
	gi_buf_reset(out);
	return 0;
}

int lineage_resolve_cinclude(const struct lineage_resolver *r, const char *includer,
			     const struct lineage_cinclude *inc, struct gi_buf *out)
{
	if (!inc->angle && try_join(r, includer, dir_len(includer), inc->path, out))
		return 0;
	for (size_t i = 0; r->include_dirs && i < r->include_dirs->nr; i++) {
		const char *d = r->include_dirs->v[i];

		if (try_join(r, d, strlen(d), inc->path, out))
			return 0;
	}
	return GI_ENOTFOUND;
}

int lineage_resolve_pathlit(const struct lineage_resolver *r, const char *file,
			    const char *text, struct gi_buf *out)
{
	if (try_join(r, "", 0, text, out) || try_join(r, file, dir_len(file), text, out))
		return 0;
	return GI_ENOTFOUND;
}
