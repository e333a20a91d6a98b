/*
 * yamltree.c - a small bounded YAML/JSON-to-tree loader for the manifest
 * parsers.  YAML goes through libyaml's event parser (never its document
 * loader, which expands aliases without limit); the tree keeps lines for
 * messages.  Aliases are copied against a node and byte budget, merge keys
 * applied, duplicate keys refused.  JSON goes through jansson.
 */
#include "manifest_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YTREE_MAX_TEXT ((size_t)64 << 20) /* scalar bytes, alias copies included */

struct yframe {
	struct lineage_ynode *node;
	char *anchor;    /* the anchor to register when the node ends */
	char *key;       /* LINEAGE_YMAP: a key waiting for its value */
	int key_line;
	int key_plain;   /* the pending key was a plain scalar (for "<<") */
	size_t alloc;
};

struct yanchor {
	char *name;
	struct lineage_ynode *node;
};

struct yloader {
	const char *path;
	struct yframe stack[LINEAGE_YAML_MAX_DEPTH + 1];
	int depth;
	size_t nodes, text;
	struct yanchor *anchors;
	size_t anchors_nr, anchors_alloc;
	struct lineage_ynode **merged; /* out of the tree, anchors may point in:
					  spent "<<" values, anchored keys */
	size_t merged_nr, merged_alloc;
	struct lineage_ynode *root;
};

void lineage_ynode_free(struct lineage_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nr; i++) {
		lineage_ynode_free(n->items[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->key_lines);
	free(n->text);
	free(n);
}

static int count_lines(const char *data, size_t len)
{
	int line = 1;

	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n' && line < INT32_MAX)
			line++;
	return line;
}

static int check_size(const char *path, const char *data, size_t len)
{
	if (len <= LINEAGE_MANIFEST_MAX_BYTES)
		return 0;
	return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line %d: larger than the %zu byte limit",
			     path, count_lines(data, LINEAGE_MANIFEST_MAX_BYTES),
			     LINEAGE_MANIFEST_MAX_BYTES);
}

/* Count one more node and `bytes` of text against the budgets. */
static int budget(struct yloader *l, size_t bytes, int line)
{
	l->nodes++;
	l->text += bytes;
	if (l->nodes > LINEAGE_YAML_MAX_NODES)
		return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line %d: more than %d nodes "
				     "(alias expansion?)", l->path, line, LINEAGE_YAML_MAX_NODES);
	if (l->text > YTREE_MAX_TEXT)
		return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line %d: more than %zu bytes "
				     "of text (alias expansion?)", l->path, line, YTREE_MAX_TEXT);
	return 0;
}

static struct lineage_ynode *node_new(enum lineage_ynode_kind kind, int line)
{
	struct lineage_ynode *n = gi_xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	return n;
}

/* Append an item (and key, for mappings); `alloc` tracks capacity. */
static void node_push(struct lineage_ynode *n, size_t *alloc, char *key, int key_line,
		      struct lineage_ynode *item)
{
	size_t old = *alloc;

	GI_ALLOC_GROW(n->items, n->nr + 1, *alloc);
	if (n->kind == LINEAGE_YMAP && *alloc != old) {
		n->keys = gi_xreallocarray(n->keys, *alloc, sizeof(*n->keys));
		n->key_lines = gi_xreallocarray(n->key_lines, *alloc, sizeof(*n->key_lines));
	}
	if (n->kind == LINEAGE_YMAP) {
		n->keys[n->nr] = key;
		n->key_lines[n->nr] = key_line;
	}
	n->items[n->nr++] = item;
}

/* Deep copy for an alias, within the budgets and the depth limit. */
static int node_copy(struct yloader *l, const struct lineage_ynode *src, int depth, int line,
		     struct lineage_ynode **out)
{
	struct lineage_ynode *n = NULL;
	size_t alloc = 0;
	int err;

	if (depth > LINEAGE_YAML_MAX_DEPTH)
		return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line %d: nested deeper than %d levels",
				     l->path, line, LINEAGE_YAML_MAX_DEPTH);
	if ((err = budget(l, src->text ? strlen(src->text) : 0, line)) < 0)
		return err;
	n = node_new(src->kind, src->line);
	n->quoted = src->quoted;
	n->text = src->text ? gi_xstrdup(src->text) : NULL;
	for (size_t i = 0; i < src->nr; i++) {
		struct lineage_ynode *c = NULL;

		if ((err = node_copy(l, src->items[i], depth + 1, line, &c)) < 0)
			goto done;
		node_push(n, &alloc, src->keys ? gi_xstrdup(src->keys[i]) : NULL,
			  src->key_lines ? src->key_lines[i] : 0, c);
	}
done:
	if (err < 0) {
		lineage_ynode_free(n);
		return err;
	}
	*out = n;
	return 0;
}

long lineage_ynode_find(const struct lineage_ynode *n, const char *key)
{
	if (!n || n->kind != LINEAGE_YMAP)
		return -1;
	for (size_t i = 0; i < n->nr; i++)
		if (!strcmp(n->keys[i], key))
			return (long)i;
	return -1;
}

struct lineage_ynode *lineage_ynode_get(const struct lineage_ynode *n, const char *key)
{
	long i = lineage_ynode_find(n, key);

	return i < 0 ? NULL : n->items[i];
}

static const char *const *sort_keys_base;

static int cmp_key_idx(const void *a, const void *b)
{
	return strcmp(sort_keys_base[*(const size_t *)a], sort_keys_base[*(const size_t *)b]);
}

/* Refuse duplicate keys: n log n, so a huge mapping stays cheap. */
static int check_duplicates(struct yloader *l, const struct lineage_ynode *n)
{
	size_t *idx = gi_xmallocarray(n->nr ? n->nr : 1, sizeof(*idx));
	int err = 0;

	for (size_t i = 0; i < n->nr; i++)
		idx[i] = i;
	sort_keys_base = (const char *const *)n->keys;
	gi_qsort(idx, n->nr, sizeof(*idx), cmp_key_idx);
	for (size_t i = 1; i < n->nr && !err; i++) {
		size_t a = idx[i - 1], b = idx[i], later = a > b ? a : b;

		if (!strcmp(n->keys[a], n->keys[b]))
			err = gi_error_setc(GI_EINPUT, "cannot load '%s' at line %d: duplicate key '%s'",
					    l->path, n->key_lines[later], n->keys[later]);
	}
	free(idx);
	return err;
}

/* Copy the entries of merge source `m` whose keys `n` lacks. */
static int merge_from(struct yloader *l, struct lineage_ynode *n, size_t *alloc,
		      const struct lineage_ynode *m, int line)
{
	int err;

	if (m->kind != LINEAGE_YMAP)
		return gi_error_setc(GI_EINPUT, "cannot load '%s' at line %d: '<<' needs a mapping",
				     l->path, line);
	for (size_t i = 0; i < m->nr; i++) {
		struct lineage_ynode *c = NULL;

		if (lineage_ynode_find(n, m->keys[i]) >= 0)
			continue;
		if ((err = node_copy(l, m->items[i], l->depth, line, &c)) < 0)
			return err;
		node_push(n, alloc, gi_xstrdup(m->keys[i]), line, c);
	}
	return 0;
}

/* Apply "<<" merge entries (stored under the key "\x01<<") at mapping end. */
static int apply_merges(struct yloader *l, struct lineage_ynode *n, size_t *alloc)
{
	struct lineage_ynode **merges = NULL;
	int *lines = NULL, err = 0;
	size_t nm = 0, keep = 0;

	for (size_t i = 0; i < n->nr; i++) {
		if (strcmp(n->keys[i], "\x01<<")) {
			n->keys[keep] = n->keys[i];
			n->key_lines[keep] = n->key_lines[i];
			n->items[keep++] = n->items[i];
			continue;
		}
		merges = gi_xreallocarray(merges, nm + 1, sizeof(*merges));
		lines = gi_xreallocarray(lines, nm + 1, sizeof(*lines));
		lines[nm] = n->key_lines[i];
		merges[nm++] = n->items[i];
		free(n->keys[i]);
	}
	n->nr = keep;
	for (size_t i = 0; i < nm && !err; i++) {
		const struct lineage_ynode *m = merges[i];

		if (m->kind == LINEAGE_YSEQ)
			for (size_t j = 0; j < m->nr && !err; j++)
				err = merge_from(l, n, alloc, m->items[j], lines[i]);
		else
			err = merge_from(l, n, alloc, m, lines[i]);
	}
	for (size_t i = 0; i < nm; i++) {
		GI_ALLOC_GROW(l->merged, l->merged_nr + 1, l->merged_alloc);
		l->merged[l->merged_nr++] = merges[i];
	}
	free(merges);
	free(lines);
	return err;
}

static void anchor_add(struct yloader *l, char *name, struct lineage_ynode *n)
{
	/* a later anchor of the same name shadows the earlier one */
	GI_ALLOC_GROW(l->anchors, l->anchors_nr + 1, l->anchors_alloc);
	l->anchors[l->anchors_nr].name = name;
	l->anchors[l->anchors_nr++].node = n;
}

static const struct lineage_ynode *anchor_find(const struct yloader *l, const char *name)
{
	for (size_t i = l->anchors_nr; i-- > 0;)
		if (!strcmp(l->anchors[i].name, name))
			return l->anchors[i].node;
	return NULL;
}

/*
 * Attach a finished node to the open collection (or make it the root).
 * In a mapping, a scalar with no pending key becomes the key.  Takes `n`.
 */
static int attach(struct yloader *l, struct lineage_ynode *n)
{
	struct yframe *f;

	if (!l->depth) {
		lineage_ynode_free(l->root);
		l->root = n;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	if (f->node->kind == LINEAGE_YMAP && !f->key) {
		if (n->kind != LINEAGE_YSCALAR) {
			int line = n->line;

			lineage_ynode_free(n);
			return gi_error_setc(GI_EINPUT, "cannot load '%s' at line %d: "
					     "a mapping key must be a scalar", l->path, line);
		}
		f->key = n->text;
		f->key_line = n->line;
		f->key_plain = !n->quoted;
		n->text = NULL;
		if (l->anchors_nr && l->anchors[l->anchors_nr - 1].node == n) {
			/* an anchored key ("&a k: v"): a later alias copies it */
			n->text = gi_xstrdup(f->key);
			GI_ALLOC_GROW(l->merged, l->merged_nr + 1, l->merged_alloc);
			l->merged[l->merged_nr++] = n;
		} else {
			lineage_ynode_free(n);
		}
		return 0;
	}
	if (f->node->kind == LINEAGE_YMAP && f->key_plain && !strcmp(f->key, "<<")) {
		free(f->key);
		f->key = gi_xstrdup("\x01<<");
	}
	node_push(f->node, &f->alloc, f->key, f->key_line, n);
	f->key = NULL;
	return 0;
}

static int on_scalar(struct yloader *l, const yaml_event_t *ev, int line)
{
	struct lineage_ynode *n;
	size_t len = ev->data.scalar.length;
	int err = budget(l, len, line);

	if (err < 0)
		return err;
	n = node_new(LINEAGE_YSCALAR, line);
	n->text = gi_xstrndup((const char *)ev->data.scalar.value, len);
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
		    (ev->data.scalar.tag && !strcmp((const char *)ev->data.scalar.tag,
						    "tag:yaml.org,2002:str"));
	if (ev->data.scalar.anchor)
		anchor_add(l, gi_xstrdup((const char *)ev->data.scalar.anchor), n);
	return attach(l, n);
}

static int on_start(struct yloader *l, enum lineage_ynode_kind kind, const yaml_char_t *anchor,
		    int line)
{
	struct yframe *f;
	int err;

	if (l->depth >= LINEAGE_YAML_MAX_DEPTH)
		return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line %d: nested deeper than %d levels",
				     l->path, line, LINEAGE_YAML_MAX_DEPTH);
	if ((err = budget(l, 0, line)) < 0)
		return err;
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node_new(kind, line);
	f->anchor = anchor ? gi_xstrdup((const char *)anchor) : NULL;
	return 0;
}

static int on_end(struct yloader *l)
{
	struct yframe *f = &l->stack[l->depth - 1];
	struct lineage_ynode *n = f->node;
	int err = 0;

	if (n->kind == LINEAGE_YMAP) {
		err = apply_merges(l, n, &f->alloc);
		if (!err)
			err = check_duplicates(l, n);
	}
	l->depth--;
	f->node = NULL;
	if (f->anchor && !err)
		anchor_add(l, f->anchor, n);
	else
		free(f->anchor);
	f->anchor = NULL;
	if (err < 0) {
		lineage_ynode_free(n);
		return err;
	}
	return attach(l, n);
}

static int on_alias(struct yloader *l, const yaml_event_t *ev, int line)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct lineage_ynode *src = anchor_find(l, name);
	struct lineage_ynode *n = NULL;
	int err;

	if (!src)
		return gi_error_setc(GI_EINPUT, "cannot load '%s' at line %d: unknown anchor '%s'",
				     l->path, line, name);
	if ((err = node_copy(l, src, l->depth, line, &n)) < 0)
		return err;
	n->line = line;
	return attach(l, n);
}

/* Handle one event; *done is set at the end of the first document. */
static int on_event(struct yloader *l, const yaml_event_t *ev, int *done)
{
	int line = (int)ev->start_mark.line + 1;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev, line);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(l, LINEAGE_YSEQ, ev->data.sequence_start.anchor, line);
	case YAML_MAPPING_START_EVENT:
		return on_start(l, LINEAGE_YMAP, ev->data.mapping_start.anchor, line);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(l);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev, line);
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
		*done = 1;
		return 0;
	default:
		return 0;
	}
}

static void loader_release(struct yloader *l)
{
	for (int i = 0; i < l->depth; i++) {
		lineage_ynode_free(l->stack[i].node);
		free(l->stack[i].anchor);
		free(l->stack[i].key);
	}
	for (size_t i = 0; i < l->anchors_nr; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	for (size_t i = 0; i < l->merged_nr; i++)
		lineage_ynode_free(l->merged[i]);
	free(l->merged);
	lineage_ynode_free(l->root);
}

static int parser_error(const char *path, const yaml_parser_t *p)
{
	int line = (int)(p->problem ? p->problem_mark.line : p->mark.line) + 1;

	return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: %s%s%s", path, line,
			     p->problem ? p->problem : "invalid YAML",
			     p->context ? " " : "", p->context ? p->context : "");
}

int lineage_yaml_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out)
{
	struct yloader l;
	yaml_parser_t parser;
	int err, done = 0;

	*out = NULL;
	if ((err = check_size(path, data, len)) < 0)
		return err;
	memset(&l, 0, sizeof(l));
	l.path = path;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = parser_error(path, &parser);
			goto done;
		}
		err = on_event(&l, &ev, &done);
		yaml_event_delete(&ev);
		if (err < 0)
			goto done;
	}
	*out = l.root ? l.root : node_new(LINEAGE_YSCALAR, 1);
	if (!(*out)->text && (*out)->kind == LINEAGE_YSCALAR)
		(*out)->text = gi_xstrdup("");
	l.root = NULL;
done:
	yaml_parser_delete(&parser);
	loader_release(&l);
	return err;
}

static int json_convert(const char *path, json_t *j, int depth, size_t *nodes,
			struct lineage_ynode **out);

/* A JSON real as a YAML float: exact digits, always with a '.' or 'e'. */
static char *json_real_text(double v)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%.17g", v);
	if (!strpbrk(tmp, ".e"))
		return gi_xstrfmt("%s.0", tmp);
	return gi_xstrdup(tmp);
}

static int json_children(const char *path, json_t *j, struct lineage_ynode *n, int depth,
			 size_t *nodes)
{
	size_t alloc = 0, i;
	const char *k;
	json_t *v;
	int err = 0;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			struct lineage_ynode *c = NULL;

			if ((err = json_convert(path, v, depth + 1, nodes, &c)) < 0)
				return err;
			node_push(n, &alloc, NULL, 0, c);
		}
		return 0;
	}
	json_object_foreach(j, k, v) {
		struct lineage_ynode *c = NULL;

		if ((err = json_convert(path, v, depth + 1, nodes, &c)) < 0)
			return err;
		node_push(n, &alloc, gi_xstrdup(k), 0, c);
	}
	return 0;
}

static int json_convert(const char *path, json_t *j, int depth, size_t *nodes,
			struct lineage_ynode **out)
{
	struct lineage_ynode *n;
	int err = 0;

	if (depth > LINEAGE_YAML_MAX_DEPTH || ++*nodes > LINEAGE_YAML_MAX_NODES)
		return gi_error_setc(GI_ELIMIT, "cannot load '%s' at line 1: nested deeper than %d "
				     "levels or more than %d nodes", path, LINEAGE_YAML_MAX_DEPTH,
				     LINEAGE_YAML_MAX_NODES);
	if (json_is_object(j) || json_is_array(j)) {
		n = node_new(json_is_object(j) ? LINEAGE_YMAP : LINEAGE_YSEQ, 0);
		err = json_children(path, j, n, depth, nodes);
	} else {
		n = node_new(LINEAGE_YSCALAR, 0);
		if (json_is_string(j))
			n->quoted = 1, n->text = gi_xstrdup(json_string_value(j));
		else if (json_is_integer(j))
			n->text = gi_xstrfmt("%" JSON_INTEGER_FORMAT, json_integer_value(j));
		else if (json_is_real(j))
			n->text = json_real_text(json_real_value(j));
		else
			n->text = gi_xstrdup(json_is_null(j) ? "null" : json_is_true(j) ? "true" : "false");
	}
	if (err < 0) {
		lineage_ynode_free(n);
		return err;
	}
	*out = n;
	return 0;
}

int lineage_json_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out)
{
	json_error_t jerr;
	json_t *j = NULL;
	size_t nodes = 0;
	int err;

	*out = NULL;
	if ((err = check_size(path, data, len)) < 0)
		return err;
	j = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: %s", path,
				     jerr.line > 0 ? jerr.line : 1, jerr.text);
	err = json_convert(path, j, 0, &nodes, out);
	json_decref(j);
	return err;
}

int lineage_tree_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out)
{
	if (gi_ends_with(path, ".json"))
		return lineage_json_load(path, data, len, out);
	return lineage_yaml_load(path, data, len, out);
}

/* ---- scalar resolution and canonical form ---------------------------- */

static int all_of(const char *s, const char *set)
{
	return *s && s[strspn(s, set)] == '\0';
}

static int is_word(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const bool_words[] = { "true", "True", "TRUE", "false", "False", "FALSE", NULL };
/* YAML 1.1 (PyYAML) reads these as booleans: a plain one is no plain string */
static const char *const yaml11_bools[] = { "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
					    "NO", "on", "On", "ON", "off", "Off", "OFF", NULL };

/* 1.2 core int: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static int is_core_int(const char *s)
{
	if (s[0] == '0' && s[1] == 'o')
		return all_of(s + 2, "01234567");
	if (s[0] == '0' && s[1] == 'x')
		return all_of(s + 2, "0123456789abcdefABCDEF");
	if (*s == '-' || *s == '+')
		s++;
	return all_of(s, "0123456789");
}

/* 1.2 core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? and inf/nan */
static int is_core_float(const char *s)
{
	size_t d = 0, f = 0;
	int sign = *s == '-' || *s == '+';

	s += sign;
	if (is_word(s, (const char *const[]){ ".inf", ".Inf", ".INF", NULL }))
		return 1;
	if (is_word(s, (const char *const[]){ ".nan", ".NaN", ".NAN", NULL }))
		return !sign; /* YAML 1.2: a NaN has no sign */
	d = strspn(s, "0123456789");
	s += d;
	if (*s == '.') {
		f = strspn(s + 1, "0123456789");
		s += 1 + f;
	}
	if (!d && !f)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		return all_of(s, "0123456789");
	}
	return !*s;
}

enum lineage_yscalar_type lineage_ynode_type(const struct lineage_ynode *n)
{
	const char *s = n->text ? n->text : "";

	if (n->kind != LINEAGE_YSCALAR || n->quoted)
		return LINEAGE_YSTR;
	if (is_word(s, null_words))
		return LINEAGE_YNULL;
	if (is_word(s, bool_words))
		return LINEAGE_YBOOL;
	if (is_core_int(s))
		return LINEAGE_YINT;
	if (is_core_float(s))
		return LINEAGE_YFLOAT;
	return LINEAGE_YSTR;
}

/* Length-prefixed piece: tag, length, ':', bytes. */
static int canon_piece(struct gi_buf *b, char tag, const char *s)
{
	return gi_buf_printf(b, "%c%zu:%s", tag, strlen(s), s);
}

/*
 * A number whose text PyYAML (YAML 1.1) would read differently (1e-3 is a
 * string there, 010 is octal) keeps its text: a change to it is a change.
 */
static int yaml11_agrees(const char *s, enum lineage_yscalar_type t)
{
	const char *p = (*s == '-' || *s == '+') ? s + 1 : s;

	if (t == LINEAGE_YINT)
		return all_of(p, "0123456789") && (p[0] != '0' || !p[1]);
	if (strchr(p, 'i') || strchr(p, 'a') || strchr(p, 'I') || strchr(p, 'A'))
		return 1; /* inf, nan */
	if (!strchr(p, '.'))
		return 0;
	p = strpbrk(p, "eE");
	return !p || p[1] == '-' || p[1] == '+';
}

static int canon_int(struct gi_buf *b, const char *s)
{
	int base = 10, neg = 0;
	const char *p = s;
	unsigned long long v;
	char *end;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
		base = p[1] == 'x' ? 16 : 8;
		p += 2;
	}
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno || *end)
		return canon_piece(b, 'I', s); /* out of range: the text itself */
	if (!v)
		neg = 0;
	return gi_buf_printf(b, "i%s%llu", neg ? "-" : "", v);
}

static int canon_float(struct gi_buf *b, const char *s)
{
	char tmp[64], *end;
	const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
	double v;

	if (p[0] == '.' && (p[1] == 'n' || p[1] == 'N'))
		return gi_buf_adds(b, "fnan");
	if (p[0] == '.' && (p[1] == 'i' || p[1] == 'I'))
		return gi_buf_adds(b, *s == '-' ? "f-inf" : "finf");
	v = strtod(s, &end);
	snprintf(tmp, sizeof(tmp), "%.17g", v); /* exact for every double: canonical */
	return gi_buf_printf(b, "f%s", tmp);
}

static int canon_scalar(const struct lineage_ynode *n, struct gi_buf *b)
{
	const char *s = n->text ? n->text : "";
	enum lineage_yscalar_type t = lineage_ynode_type(n);
	int err;

	switch (t) {
	case LINEAGE_YNULL:
		return gi_buf_adds(b, "n");
	case LINEAGE_YBOOL:
		return gi_buf_adds(b, (s[0] == 't' || s[0] == 'T') ? "t" : "F");
	case LINEAGE_YINT:
	case LINEAGE_YFLOAT:
		err = t == LINEAGE_YINT ? canon_int(b, s) : canon_float(b, s);
		if (!err && !yaml11_agrees(s, t))
			err = canon_piece(b, '#', s);
		return err;
	default:
		if (!n->quoted && (is_word(s, yaml11_bools) || strchr("0123456789+-.", s[0])))
			return canon_piece(b, 'p', s); /* PyYAML may read it otherwise */
		return canon_piece(b, 's', s);
	}
}

static const struct lineage_ynode *canon_sort_node;

static int cmp_canon_key(const void *a, const void *b)
{
	return strcmp(canon_sort_node->keys[*(const size_t *)a],
		      canon_sort_node->keys[*(const size_t *)b]);
}

static int canon_map(const struct lineage_ynode *n, struct gi_buf *b)
{
	size_t *idx = gi_xmallocarray(n->nr ? n->nr : 1, sizeof(*idx));
	int err = gi_buf_addch(b, '{');

	for (size_t i = 0; i < n->nr; i++)
		idx[i] = i;
	canon_sort_node = n;
	gi_qsort(idx, n->nr, sizeof(*idx), cmp_canon_key);
	for (size_t i = 0; i < n->nr && !err; i++) {
		err = canon_piece(b, 'k', n->keys[idx[i]]);
		if (!err)
			err = lineage_ynode_canon(n->items[idx[i]], b);
	}
	free(idx);
	return err ? err : gi_buf_addch(b, '}');
}

int lineage_ynode_canon(const struct lineage_ynode *n, struct gi_buf *b)
{
	int err = 0;

	if (n->kind == LINEAGE_YSCALAR)
		return canon_scalar(n, b);
	if (n->kind == LINEAGE_YMAP)
		return canon_map(n, b);
	err = gi_buf_addch(b, '[');
	for (size_t i = 0; i < n->nr && !err; i++)
		err = lineage_ynode_canon(n->items[i], b);
	return err ? err : gi_buf_addch(b, ']');
}

uint64_t lineage_ynode_hash(const struct lineage_ynode *n)
{
	struct gi_buf b = GI_BUF_INIT;
	uint64_t h = 0;

	if (!lineage_ynode_canon(n, &b))
		h = gi_hash64(b.ptr, b.len);
	gi_buf_release(&b);
	return h;
}

/* ---- repository-relative paths ----------------------------------------- */

/* Push one segment of `s` (len n) onto `out`, applying "." and "..". */
static int path_push(struct gi_buf *out, const char *s, size_t n)
{
	if (!n || (n == 1 && s[0] == '.'))
		return 0;
	if (n == 2 && s[0] == '.' && s[1] == '.') {
		char *slash;

		if (!out->len)
			return -1;
		slash = strrchr(out->ptr, '/');
		out->len = slash ? (size_t)(slash - out->ptr) : 0;
		out->ptr[out->len] = '\0';
		return 0;
	}
	if (out->len && gi_buf_addch(out, '/') < 0)
		return -1;
	return gi_buf_add(out, s, n);
}

static int path_push_all(struct gi_buf *out, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "/");

		if (path_push(out, s, n) < 0)
			return -1;
		s += n;
		while (*s == '/')
			s++;
	}
	return 0;
}

char *lineage_path_join(const char *dir, const char *rel)
{
	struct gi_buf b;

	if (!rel || rel[0] == '/')
		return NULL;
	gi_buf_init(&b, 4096);
	gi_buf_add(&b, "", 0);
	if (path_push_all(&b, dir) < 0 || path_push_all(&b, rel) < 0) {
		gi_buf_release(&b);
		return NULL;
	}
	return gi_buf_detach(&b, NULL);
}

char *lineage_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? gi_xstrndup(path, (size_t)(slash - path)) : gi_xstrdup("");
}
