/*
 * pyscan.c - the Python scanner: one file's bytes to its imports, the names
 * it defines at module scope and its path-like string literals, in one
 * linear pass (a small tokenizer that skips comments and strings, grouping
 * tokens into logical lines), plus the cache form of those facts.
 */
#include "scan_int.h"

#include <string.h>

#define PY_MAX_LINE_TOKENS 65536 /* tokens kept per logical line */
#define PY_MAX_DOTTED 4096       /* longest dotted module name kept */

enum py_tok_type { T_NAME, T_OP, T_STR, T_NUM };

/* Operators folded to one char: '==' '<=' etc. are 'C', ':=' is 'W', '+=' etc. 'A'. */
struct py_tok {
	const char *s;
	uint32_t len;
	uint8_t type;
	char op;
};

struct pyscan {
	const char *path;
	const char *p, *end, *line_begin;
	uint32_t line, stmt_line;
	int depth;          /* bracket depth */
	uint32_t open_line; /* line of the outermost open bracket */
	int bol;            /* at the beginning of a logical line */
	int pending_indent; /* indent measured at the last line start */
	int indent;         /* indent of the current logical line */
	int scope_indent;   /* indent of the enclosing top def/class, or -1 */
	struct py_tok *toks;
	size_t ntoks, atoks;
	struct gi_buf dotted;
	struct lineage_pyfacts *out;
	int rc;
};

void lineage_pyfacts_init(struct lineage_pyfacts *f)
{
	memset(f, 0, sizeof(*f));
}

void lineage_pyfacts_release(struct lineage_pyfacts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nimports; i++) {
		free(f->imports[i].module);
		free(f->imports[i].name);
		free(f->imports[i].asname);
	}
	free(f->imports);
	gi_strvec_clear(&f->defs);
	for (size_t i = 0; i < f->npaths; i++)
		free(f->paths[i].text);
	free(f->paths);
	lineage_pyfacts_init(f);
}

int lineage_pyfacts_defines(const struct lineage_pyfacts *f, const char *name)
{
	return gi_strvec_find_sorted(&f->defs, name) >= 0;
}

/* Record the first warning: its code and message; later ones only set flags. */
static void py_warn(struct pyscan *s, int code, unsigned flag, const char *why)
{
	s->out->flags |= flag;
	if (s->rc)
		return;
	s->rc = gi_error_setc(code, "cannot parse '%s' at line %u: %s", s->path, s->line, why);
}

static int py_room(struct pyscan *s, size_t nr)
{
	if (nr < LINEAGE_SCAN_MAX_FACTS)
		return 1;
	py_warn(s, GI_ELIMIT, LINEAGE_SCAN_TOO_MANY, "too many imports, names or paths");
	return 0;
}

/* ---- facts ---------------------------------------------------------------- */

static char *tok_dup(const struct py_tok *t)
{
	return gi_xstrndup(t->s, t->len);
}

static void add_import(struct pyscan *s, const char *module, const struct py_tok *name,
		       const struct py_tok *asname, unsigned level)
{
	struct lineage_pyfacts *f = s->out;
	struct lineage_pyimport *imp;

	if (!py_room(s, f->nimports))
		return;
	GI_ALLOC_GROW(f->imports, f->nimports + 1, f->aimports);
	imp = &f->imports[f->nimports++];
	imp->module = gi_xstrdup(module);
	imp->name = name ? tok_dup(name) : NULL;
	imp->asname = asname ? tok_dup(asname) : NULL;
	imp->line = s->stmt_line;
	imp->level = level > UINT16_MAX ? UINT16_MAX : (uint16_t)level;
	imp->toplevel = s->scope_indent < 0;
	imp->pad = 0;
}

static void add_def(struct pyscan *s, const struct py_tok *t)
{
	char *name;

	if (s->scope_indent >= 0 || !py_room(s, s->out->defs.nr))
		return;
	name = tok_dup(t);
	gi_strvec_push(&s->out->defs, name);
	free(name);
}

/* Bytes never seen in a path literal we keep (quotes, escapes, globs, ...). */
static const unsigned char path_bad[128] = {
	['"'] = 1, ['\''] = 1, ['\\'] = 1, ['<'] = 1, ['>'] = 1, ['|'] = 1, ['*'] = 1,
	['?'] = 1, ['{'] = 1, ['}'] = 1, ['$'] = 1, ['%'] = 1, ['`'] = 1, [','] = 1,
	[';'] = 1, [':'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1, ['='] = 1,
	['&'] = 1, ['#'] = 1, ['!'] = 1, ['^'] = 1,
};

static int path_char_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && !path_bad[c];
}

/* 1 if s[0..n) ends in a known data, model or config extension. */
static int has_data_ext(const char *s, size_t n)
{
	static const char *const exts[] = {
		"csv", "json", "yaml", "yml", "pkl", "pickle", "parquet", "txt", "xml", "tsv",
		"npy", "npz", "pt", "pth", "onnx", "h5", "hdf5", "joblib", "toml", "ini", "cfg",
		"jsonl", "feather", "arrow", "bin", "ckpt", "safetensors", "zip", "gz", "tar",
		"sql", "db", "sqlite", "png", "jpg", "wav", "tfrecord", "avro", "orc", NULL,
	};
	const char *dot = NULL;
	size_t m;

	for (size_t i = n; i > 1 && n - i < 12; i--)
		if (s[i - 1] == '.') {
			dot = s + i;
			break;
		}
	if (!dot)
		return 0;
	m = (size_t)(s + n - dot);
	for (const char *const *e = exts; *e; e++)
		if (!strncmp(*e, dot, m) && !(*e)[m])
			return 1;
	return 0;
}

/*
 * 1 if a literal's contents may name a repository path: printable, no
 * spaces, quotes, escapes, globs or scheme, not absolute, with a '/' or a
 * known data/config extension, and at least one word character.
 */
static int looks_like_path(const char *s, size_t n)
{
	int slash = 0, word = 0;

	if (n == 0 || n > LINEAGE_SCAN_MAX_PATHLIT || s[0] == '/' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!path_char_ok(c))
			return 0;
		slash |= c == '/';
		word |= (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	}
	return word && (slash || has_data_ext(s, n));
}

static void add_pathlit(struct pyscan *s, const char *text, size_t n, uint32_t line)
{
	struct lineage_pyfacts *f = s->out;

	if (!looks_like_path(text, n) || !py_room(s, f->npaths))
		return;
	GI_ALLOC_GROW(f->paths, f->npaths + 1, f->apaths);
	f->paths[f->npaths].text = gi_xstrndup(text, n);
	f->paths[f->npaths].line = line;
	f->npaths++;
}

/* ---- statements ------------------------------------------------------------ */

static int is_name(const struct py_tok *t, const char *kw)
{
	size_t n = strlen(kw);

	return t->type == T_NAME && t->len == n && !memcmp(t->s, kw, n);
}

static int is_op(const struct py_tok *t, char op)
{
	return t->type == T_OP && t->op == op;
}

static int is_open(const struct py_tok *t)
{
	return t->type == T_OP && (t->op == '(' || t->op == '[' || t->op == '{');
}

static int is_close(const struct py_tok *t)
{
	return t->type == T_OP && (t->op == ')' || t->op == ']' || t->op == '}');
}

/* Read NAME ('.' NAME)* at t[*i] into s->dotted; 0 if there is none. */
static int read_dotted(struct pyscan *s, const struct py_tok *t, size_t n, size_t *i)
{
	gi_buf_reset(&s->dotted);
	gi_buf_adds(&s->dotted, "");
	while (*i < n && t[*i].type == T_NAME && !is_name(&t[*i], "import")) {
		if (gi_buf_add(&s->dotted, t[*i].s, t[*i].len))
			return 0;
		(*i)++;
		if (*i + 1 < n && is_op(&t[*i], '.') && t[*i + 1].type == T_NAME) {
			gi_buf_addch(&s->dotted, '.');
			(*i)++;
			continue;
		}
		break;
	}
	return s->dotted.len > 0;
}

/* Optional "as NAME" at t[*i]; the alias token or NULL. */
static const struct py_tok *read_as(const struct py_tok *t, size_t n, size_t *i)
{
	if (*i + 1 < n && is_name(&t[*i], "as") && t[*i + 1].type == T_NAME) {
		*i += 2;
		return &t[*i - 1];
	}
	return NULL;
}

/* import a.b [as c] (, d [as e])* */
static void stmt_import(struct pyscan *s, const struct py_tok *t, size_t n)
{
	size_t i = 1;

	while (i < n && read_dotted(s, t, n, &i)) {
		const struct py_tok *as = read_as(t, n, &i);

		add_import(s, s->dotted.ptr, NULL, as, 0);
		if (i >= n || !is_op(&t[i], ','))
			break;
		i++;
	}
}

/* from .* [a.b] import ( * | [(] x [as y] (, ...)* [,] [)] ) */
static void stmt_from(struct pyscan *s, const struct py_tok *t, size_t n)
{
	size_t i = 1;
	unsigned level = 0;

	for (; i < n && is_op(&t[i], '.'); i++)
		level++;
	if (!read_dotted(s, t, n, &i) && level == 0)
		return;
	if (i >= n || !is_name(&t[i], "import"))
		return;
	for (i++; i < n; i++) {
		if (is_op(&t[i], '(') || is_op(&t[i], ',') || is_op(&t[i], ')'))
			continue;
		if (is_op(&t[i], '*')) {
			static const struct py_tok star = { "*", 1, T_OP, '*' };

			add_import(s, s->dotted.ptr, &star, NULL, level);
		} else if (t[i].type == T_NAME) {
			const struct py_tok *name = &t[i++];
			const struct py_tok *as = read_as(t, n, &i);

			add_import(s, s->dotted.ptr, name, as, level);
			i--;
		} else {
			break;
		}
	}
}

/* A target list "a", "a, b", "(a, b)", "[a, b]", "*a, b": its names are defined. */
static void assign_targets(struct pyscan *s, const struct py_tok *t, size_t n)
{
	int list = n && is_op(&t[0], '['); /* not "d[k]": that binds nothing */

	for (size_t i = 0; i < n; i++)
		if (t[i].type != T_NAME && !is_op(&t[i], ',') && !is_op(&t[i], '(') &&
		    !is_op(&t[i], ')') && !is_op(&t[i], '*') &&
		    !(list && (is_op(&t[i], '[') || is_op(&t[i], ']'))))
			return;
	for (size_t i = 0; i < n; i++)
		if (t[i].type == T_NAME)
			add_def(s, &t[i]);
}

/* `a = b = value`, `x: int = 3`: the names bound at module scope. */
static void stmt_assign(struct pyscan *s, const struct py_tok *t, size_t n)
{
	size_t start = 0;
	int depth = 0;

	if (n >= 3 && t[0].type == T_NAME && is_op(&t[1], ':')) {
		for (size_t i = 2; i < n; i++)
			if (is_op(&t[i], '='))
				add_def(s, &t[0]);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_open(&t[i]))
			depth++;
		else if (is_close(&t[i]))
			depth--;
		else if (depth == 0 && is_op(&t[i], '=')) {
			assign_targets(s, t + start, i - start);
			start = i + 1;
		}
	}
}

/* Index just past the first ':' at bracket depth 0, or n. */
static size_t after_colon(const struct py_tok *t, size_t n)
{
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_open(&t[i]))
			depth++;
		else if (is_close(&t[i]))
			depth--;
		else if (depth == 0 && is_op(&t[i], ':'))
			return i + 1;
	}
	return n;
}

static int is_compound(const struct py_tok *t)
{
	static const char *const kws[] = { "if", "elif", "else", "try", "except", "finally",
					   "while", "for", "with", NULL };

	for (const char *const *k = kws; *k; k++)
		if (is_name(t, *k))
			return 1;
	return 0;
}

static void stmt(struct pyscan *s, const struct py_tok *t, size_t n);

/* def / class NAME ...: the name at module scope, then the body as nested. */
static void stmt_def(struct pyscan *s, const struct py_tok *t, size_t n)
{
	size_t body;

	if (n >= 2 && t[1].type == T_NAME)
		add_def(s, &t[1]);
	if (s->scope_indent < 0)
		s->scope_indent = s->indent;
	body = after_colon(t, n);
	stmt(s, t + body, n - body);
}

static void stmt(struct pyscan *s, const struct py_tok *t, size_t n)
{
	if (n == 0)
		return;
	if (t[0].type != T_NAME) {
		if (s->scope_indent < 0 && is_open(&t[0]))
			stmt_assign(s, t, n); /* (a, b) = ... */
		return;
	}
	if (is_name(&t[0], "import"))
		stmt_import(s, t, n);
	else if (is_name(&t[0], "from"))
		stmt_from(s, t, n);
	else if (is_name(&t[0], "def") || is_name(&t[0], "class"))
		stmt_def(s, t, n);
	else if (n > 1 && is_name(&t[0], "async") && is_name(&t[1], "def"))
		stmt_def(s, t + 1, n - 1);
	else if (is_compound(&t[0])) {
		size_t body = after_colon(t, n);

		stmt(s, t + body, n - body);
	} else if (s->scope_indent < 0)
		stmt_assign(s, t, n); /* names bound inside a def/class are not kept */
}

/* One logical line: leave a def/class when dedented, then each `;` part. */
static void logical_line(struct pyscan *s)
{
	size_t start = 0;
	int depth = 0;

	if (s->ntoks == 0)
		return;
	if (s->scope_indent >= 0 && s->indent <= s->scope_indent)
		s->scope_indent = -1;
	for (size_t i = 0; i <= s->ntoks; i++) {
		const struct py_tok *t = &s->toks[i];

		if (i < s->ntoks && is_open(t))
			depth++;
		else if (i < s->ntoks && is_close(t))
			depth--;
		if (i == s->ntoks || (depth <= 0 && is_op(t, ';'))) {
			stmt(s, s->toks + start, i - start);
			start = i + 1;
		}
	}
	s->ntoks = 0;
}

/* ---- tokenizer ----------------------------------------------------------------- */

static void push_tok(struct pyscan *s, const char *p, size_t len, int type, char op)
{
	struct py_tok *t;

	if (s->ntoks == 0) {
		s->indent = s->pending_indent;
		s->stmt_line = s->line;
	}
	if (s->ntoks >= PY_MAX_LINE_TOKENS)
		return;
	GI_ALLOC_GROW(s->toks, s->ntoks + 1, s->atoks);
	t = &s->toks[s->ntoks++];
	t->s = p;
	t->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	t->type = (uint8_t)type;
	t->op = op;
}

static void check_line(struct pyscan *s, const char *nl)
{
	if ((size_t)(nl - s->line_begin) > LINEAGE_SCAN_MAX_LINE)
		py_warn(s, GI_ELIMIT, LINEAGE_SCAN_LONG_LINE, "line longer than 1 MiB");
}

/* Count the newline at `nl`: the next line begins after it. */
static void newline(struct pyscan *s, const char *nl)
{
	check_line(s, nl);
	s->line++;
	s->line_begin = nl + 1;
}

static int is_quote(const char *p, const char *end)
{
	return p < end && (*p == '"' || *p == '\'');
}

static int is_prefix(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("rRbBuUfF", p[i]))
			return 0;
	return n <= 2;
}

/* A string literal starting at the quote s->p; leaves s->p past its end. */
static void scan_string(struct pyscan *s)
{
	const char *p = s->p, *end = s->end, *body;
	char q = *p;
	int triple = end - p >= 3 && p[1] == q && p[2] == q;
	uint32_t line = s->line;

	p += triple ? 3 : 1;
	body = p;
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			if (*++p == '\n')
				newline(s, p);
		} else if (*p == '\n') {
			if (!triple)
				break; /* unterminated: stop at the line end */
			newline(s, p);
		} else if (*p == q && (!triple || (end - p >= 3 && p[1] == q && p[2] == q))) {
			break;
		}
	}
	push_tok(s, body, (size_t)(p - body), T_STR, 0);
	if (p < end && *p == q) {
		if (!triple) /* docstrings and text blocks are not paths */
			add_pathlit(s, body, (size_t)(p - body), line);
		p += triple ? 3 : 1;
	}
	s->p = p;
}

static int name_char(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       c >= 0x80;
}

static void scan_name(struct pyscan *s)
{
	const char *p = s->p;

	while (p < s->end && name_char((unsigned char)*p))
		p++;
	if (is_quote(p, s->end) && is_prefix(s->p, (size_t)(p - s->p))) {
		s->p = p;
		scan_string(s);
		return;
	}
	push_tok(s, s->p, (size_t)(p - s->p), T_NAME, 0);
	s->p = p;
}

/* An operator at s->p, folded as struct py_tok says. */
static void scan_op(struct pyscan *s)
{
	const char *p = s->p, *end = s->end;
	char c = *p++, op = c;
	int doubled = 0;

	if (c == '(' || c == '[' || c == '{') {
		if (s->depth++ == 0)
			s->open_line = s->line;
	} else if (c == ')' || c == ']' || c == '}') {
		s->depth -= s->depth > 0;
	} else if ((c == '=' || c == ':') && p < end && *p == '=') {
		op = c == '=' ? 'C' : 'W';
		p++;
	} else if (c && strchr("<>!+-*/%&|^@", c)) {
		if (strchr("*/<>", c) && p < end && *p == c) {
			doubled = 1;
			p++;
		}
		if (p < end && *p == '=') {
			op = !doubled && strchr("<>!", c) ? 'C' : 'A';
			p++;
		} else if (doubled) {
			op = 'x'; /* ** // << >> */
		}
	}
	push_tok(s, s->p, (size_t)(p - s->p), T_OP, op);
	s->p = p;
}

/* Measure the indentation at a line start; blank and comment lines don't count. */
static void line_start(struct pyscan *s)
{
	int col = 0;

	for (; s->p < s->end; s->p++) {
		if (*s->p == ' ')
			col++;
		else if (*s->p == '\t')
			col = (col / 8 + 1) * 8;
		else if (*s->p != '\f')
			break;
	}
	s->bol = 0;
	if (s->ntoks == 0)
		s->pending_indent = col;
}

static void scan_one(struct pyscan *s)
{
	char c = *s->p;

	if (c == '\n') {
		newline(s, s->p++);
		if (s->depth == 0) {
			logical_line(s);
			s->bol = 1;
		}
	} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
		while (++s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
			;
	} else if (c == '\\' && s->p + 1 < s->end && (s->p[1] == '\n' || s->p[1] == '\r')) {
		s->p += s->p[1] == '\r' && s->p + 2 < s->end && s->p[2] == '\n' ? 2 : 1;
		newline(s, s->p++);
	} else if (c == '#') {
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));

		s->p = nl ? nl : s->end;
	} else if (c == '"' || c == '\'') {
		scan_string(s);
	} else if (c >= '0' && c <= '9') {
		const char *p = s->p;

		while (p < s->end && (name_char((unsigned char)*p) || *p == '.'))
			p++;
		push_tok(s, s->p, (size_t)(p - s->p), T_NUM, 0);
		s->p = p;
	} else if (name_char((unsigned char)c)) {
		scan_name(s);
	} else {
		scan_op(s);
	}
}

int lineage_pyscan(const char *path, const char *buf, size_t len, struct lineage_pyfacts *out)
{
	struct pyscan s = { 0 };
	const char *nul = memchr(buf, '\0', len);

	lineage_pyfacts_init(out);
	s.path = path;
	s.out = out;
	s.p = s.line_begin = buf;
	s.end = buf + len;
	s.line = 1;
	s.bol = 1;
	s.scope_indent = -1;
	gi_buf_init(&s.dotted, PY_MAX_DOTTED);
	if (nul) {
		for (const char *q = buf; q < nul; q++)
			s.line += *q == '\n';
		py_warn(&s, GI_EINPUT, LINEAGE_SCAN_BINARY, "NUL byte (a binary file?)");
		goto done;
	}
	while (s.p < s.end) {
		if (s.bol)
			line_start(&s);
		if (s.p < s.end)
			scan_one(&s);
	}
	check_line(&s, s.end);
	logical_line(&s);
	if (s.depth > 0) {
		s.line = s.open_line;
		py_warn(&s, GI_EINPUT, LINEAGE_SCAN_UNCLOSED, "bracket never closed");
	}
	gi_strvec_sort_uniq(&out->defs);
done:
	out->imports = lineage_scan_shrink(out->imports, out->nimports, &out->aimports,
					   sizeof(*out->imports));
	out->paths = lineage_scan_shrink(out->paths, out->npaths, &out->apaths, sizeof(*out->paths));
	out->defs.v = lineage_scan_shrink(out->defs.v, out->defs.nr, &out->defs.alloc,
					  sizeof(*out->defs.v));
	free(s.toks);
	gi_buf_release(&s.dotted);
	return s.rc;
}

/* ---- cache form ------------------------------------------------------------------ */

void *lineage_scan_shrink(void *p, size_t nr, size_t *alloc, size_t size)
{
	if (*alloc <= nr)
		return p;
	*alloc = nr;
	if (!nr) {
		free(p);
		return NULL;
	}
	return gi_xreallocarray(p, nr, size);
}

#define PY_MAGIC "GIPY"

int lineage_scan_put_uint(struct gi_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return gi_buf_add(b, tmp, n);
}

int lineage_scan_put_str(struct gi_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int rc = lineage_scan_put_uint(b, s ? (uint64_t)n + 1 : 0);

	return rc ? rc : gi_buf_add(b, s, n);
}

uint64_t lineage_scan_get_uint(struct lineage_scan_reader *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			break;
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

size_t lineage_scan_get_count(struct lineage_scan_reader *r, size_t min_size)
{
	uint64_t n = lineage_scan_get_uint(r);

	if (r->bad || n > LINEAGE_SCAN_MAX_FACTS || n * min_size > (size_t)(r->end - r->p)) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

char *lineage_scan_get_str(struct lineage_scan_reader *r)
{
	uint64_t n = lineage_scan_get_uint(r);

	if (r->bad || n == 0)
		return NULL;
	if (n - 1 > (uint64_t)(r->end - r->p) || memchr(r->p, '\0', (size_t)(n - 1))) {
		r->bad = 1;
		return NULL;
	}
	r->p += n - 1;
	return gi_xstrndup((const char *)r->p - (n - 1), (size_t)(n - 1));
}

int lineage_pyfacts_encode(const struct lineage_pyfacts *f, struct gi_buf *out)
{
	int rc = gi_buf_add(out, PY_MAGIC, 4);

	rc = rc ? rc : lineage_scan_put_uint(out, LINEAGE_SCAN_VERSION);
	rc = rc ? rc : lineage_scan_put_uint(out, f->flags);
	rc = rc ? rc : lineage_scan_put_uint(out, f->nimports);
	for (size_t i = 0; !rc && i < f->nimports; i++) {
		const struct lineage_pyimport *imp = &f->imports[i];

		rc = lineage_scan_put_uint(out, imp->line);
		rc = rc ? rc : lineage_scan_put_uint(out, (uint64_t)imp->level << 1 | imp->toplevel);
		rc = rc ? rc : lineage_scan_put_str(out, imp->module);
		rc = rc ? rc : lineage_scan_put_str(out, imp->name);
		rc = rc ? rc : lineage_scan_put_str(out, imp->asname);
	}
	rc = rc ? rc : lineage_scan_put_uint(out, f->defs.nr);
	for (size_t i = 0; !rc && i < f->defs.nr; i++)
		rc = lineage_scan_put_str(out, f->defs.v[i]);
	rc = rc ? rc : lineage_scan_put_uint(out, f->npaths);
	for (size_t i = 0; !rc && i < f->npaths; i++) {
		rc = lineage_scan_put_uint(out, f->paths[i].line);
		rc = rc ? rc : lineage_scan_put_str(out, f->paths[i].text);
	}
	if (rc)
		gi_error_setc(rc, "cached python facts larger than %zu bytes", out->max);
	return rc;
}

static void decode_imports(struct lineage_scan_reader *r, struct lineage_pyfacts *f)
{
	size_t n = lineage_scan_get_count(r, 5);

	f->imports = n ? gi_xcalloc(n, sizeof(*f->imports)) : NULL;
	f->aimports = n;
	for (size_t i = 0; i < n && !r->bad; i++) {
		struct lineage_pyimport *imp = &f->imports[f->nimports++];
		uint64_t line = lineage_scan_get_uint(r), lv;

		imp->line = (uint32_t)line;
		r->bad |= !line || line > UINT32_MAX; /* lines count from 1 */
		lv = lineage_scan_get_uint(r);
		imp->level = (uint16_t)(lv >> 1);
		imp->toplevel = lv & 1;
		imp->module = lineage_scan_get_str(r);
		imp->name = lineage_scan_get_str(r);
		imp->asname = lineage_scan_get_str(r);
		r->bad |= !imp->module || lv >> 17;
	}
}

static void decode_rest(struct lineage_scan_reader *r, struct lineage_pyfacts *f)
{
	size_t n = lineage_scan_get_count(r, 1);

	for (size_t i = 0; i < n && !r->bad; i++) {
		char *d = lineage_scan_get_str(r);

		if (!d || (i && strcmp(f->defs.v[i - 1], d) >= 0))
			r->bad = 1; /* defs must stay sorted and unique */
		if (d)
			gi_strvec_push(&f->defs, d);
		free(d);
	}
	n = r->bad ? 0 : lineage_scan_get_count(r, 2);
	f->paths = n ? gi_xcalloc(n, sizeof(*f->paths)) : NULL;
	f->apaths = n;
	for (size_t i = 0; i < n && !r->bad; i++) {
		struct lineage_pathlit *pl = &f->paths[f->npaths++];
		uint64_t line = lineage_scan_get_uint(r);

		pl->line = (uint32_t)line;
		pl->text = lineage_scan_get_str(r);
		r->bad |= !pl->text || !line || line > UINT32_MAX;
	}
}

int lineage_pyfacts_decode(const void *buf, size_t len, struct lineage_pyfacts *out)
{
	struct lineage_scan_reader r = { (const unsigned char *)buf,
					 (const unsigned char *)buf + len, 0 };

	lineage_pyfacts_init(out);
	if (len < 4 || memcmp(buf, PY_MAGIC, 4))
		goto bad;
	r.p += 4;
	if (lineage_scan_get_uint(&r) != LINEAGE_SCAN_VERSION)
		goto bad;
	out->flags = (unsigned)lineage_scan_get_uint(&r);
	decode_imports(&r, out);
	if (!r.bad)
		decode_rest(&r, out);
	if (!r.bad && r.p == r.end)
		return 0;
bad:
	lineage_pyfacts_release(out);
	return gi_error_setc(GI_ECORRUPT, "cached python facts are damaged or of another version");
}
