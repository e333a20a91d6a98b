/*
 * coverage.c - per-test coverage reports: streaming readers of coverage.py
 * JSON (test contexts) and lcov tracefiles that hand over (test, path)
 * pairs with memory bounded by limits, not by the file; and recording them
 * into the store in one transaction, paths made repository-relative.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "history.h"
#include "store.h"

#define CHUNK ((size_t)64 << 10)

/* ---- a set of 64-bit hashes (open addressing; 0 marks an empty slot) ---- */

struct u64set {
	uint64_t *v;
	size_t nr, alloc; /* alloc: a power of two, or 0 */
};

static void u64set_release(struct u64set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void u64set_clear(struct u64set *s)
{
	if (s->nr)
		memset(s->v, 0, s->alloc * sizeof(*s->v));
	s->nr = 0;
}

static void u64set_put(uint64_t *v, size_t alloc, uint64_t k)
{
	size_t i = (size_t)k & (alloc - 1);

	while (v[i] && v[i] != k)
		i = (i + 1) & (alloc - 1);
	v[i] = k;
}

/* 1 if k was added, 0 if present, GI_ELIMIT past HISTORY_COVERAGE_MAX_TESTS. */
static int u64set_add(struct u64set *s, uint64_t k)
{
	size_t i;

	k = k ? k : 1;
	if (s->nr * 2 >= s->alloc) {
		size_t n = s->alloc ? s->alloc * 2 : 64;
		uint64_t *v;

		if (s->nr >= HISTORY_COVERAGE_MAX_TESTS)
			return GI_ELIMIT;
		v = gi_xcalloc(n, sizeof(*v));
		for (i = 0; i < s->alloc; i++)
			if (s->v[i])
				u64set_put(v, n, s->v[i]);
		free(s->v);
		s->v = v;
		s->alloc = n;
	}
	for (i = (size_t)k & (s->alloc - 1); s->v[i]; i = (i + 1) & (s->alloc - 1))
		if (s->v[i] == k)
			return 0;
	s->v[i] = k;
	s->nr++;
	return 1;
}

/* ---- test ids from coverage contexts -------------------------------------- */

/*
 * The test id of a context into `out`: 0 with out empty for no test (the
 * empty context), 0 with the id, or GI_ELIMIT.
 */
static int context_test(const char *ctx, size_t len, struct gi_buf *out)
{
	static const char *const phases[] = { "|run", "|setup", "|teardown" };
	const char *dot;
	char *cls, *name;
	int err;

	gi_buf_reset(out);
	for (size_t i = 0; i < GI_ARRAY_SIZE(phases); i++) {
		size_t n = strlen(phases[i]);

		if (len > n && !memcmp(ctx + len - n, phases[i], n)) {
			len -= n;
			break;
		}
	}
	if (!len)
		return 0;
	if ((err = gi_buf_add(out, ctx, len)))
		return err;
	dot = strrchr(out->ptr, '.');
	if (strstr(out->ptr, "::") || strchr(out->ptr, '/') || !dot || dot == out->ptr || !dot[1])
		return 0;
	/* coverage's own dynamic_context = test_function: "tests.test_m.test_a" */
	cls = gi_xstrndup(out->ptr, (size_t)(dot - out->ptr));
	name = gi_xstrdup(dot + 1);
	err = history_test_id(out, NULL, cls, name, 0);
	free(cls);
	free(name);
	return err;
}

/* ---- the JSON tokenizer (coverage.py) ------------------------------------- */

enum jstate {
	J_VALUE,         /* a value must follow */
	J_VALUE_OR_END,  /* just after '[' */
	J_KEY_OR_END,    /* just after '{' */
	J_KEY,           /* after ',' in an object */
	J_COLON,
	J_NEXT,          /* after a value: ',' or a close */
	J_STRING,
	J_ESCAPE,
	J_UNICODE,
	J_LITERAL,       /* a number, true, false or null */
	J_DONE,
};

struct jreader {
	const char *name;
	unsigned long line, col;
	enum jstate state;
	int depth, is_key, err;
	char stack[HISTORY_COVERAGE_MAX_DEPTH]; /* '{' or '[' per open container */
	struct gi_buf tok;
	unsigned code, ndigits, high;           /* \uXXXX being read; a pending high surrogate */
	/* coverage.py's layout: files -> PATH -> contexts -> LINE -> [context] */
	int in_files, in_contexts, saw_files, saw_contexts;
	size_t nfiles;
	struct gi_buf path, id;
	struct u64set seen;                     /* tests already given for `path` */
	history_coverage_fn fn;
	void *data;
};

GI_PRINTF(3, 4)
static int jfail(struct jreader *j, int code, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (j->err)
		return j->err;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	j->err = gi_error_setc(code, "cannot parse '%s' at line %lu column %lu: %s",
			       j->name, j->line, j->col, why);
	return j->err;
}

/* A key was read at the current depth. */
static void on_key(struct jreader *j)
{
	const char *k = gi_buf_cstr(&j->tok);

	if (j->depth == 1)
		j->in_files = !strcmp(k, "files"), j->saw_files |= j->in_files;
	else if (j->depth == 2 && j->in_files) {
		gi_buf_reset(&j->path);
		gi_buf_add(&j->path, j->tok.ptr ? j->tok.ptr : "", j->tok.len);
		u64set_clear(&j->seen);
		j->nfiles++;
	} else if (j->depth == 3)
		j->in_contexts = !strcmp(k, "contexts"), j->saw_contexts |= j->in_contexts;
}

/* A string value was read: a context when it sits in files.PATH.contexts.LINE[]. */
static int on_string(struct jreader *j)
{
	int r;

	if (j->depth != 5 || !j->in_files || !j->in_contexts || j->stack[4] != '[' ||
	    j->stack[3] != '{' || j->stack[2] != '{' || j->stack[1] != '{')
		return 0;
	if (context_test(j->tok.ptr ? j->tok.ptr : "", j->tok.len, &j->id))
		return jfail(j, GI_ELIMIT, "a test id is longer than %zu bytes", HISTORY_MAX_NAME);
	if (!j->id.len)
		return 0;
	r = u64set_add(&j->seen, gi_hash64(j->id.ptr, j->id.len));
	if (r < 0)
		return jfail(j, r, "more than %zu tests cover '%s'", HISTORY_COVERAGE_MAX_TESTS,
			     gi_buf_cstr(&j->path));
	if (!r || !j->fn)
		return 0;
	if ((r = j->fn(j->data, j->id.ptr, gi_buf_cstr(&j->path))))
		j->err = r;
	return r;
}

static int open_container(struct jreader *j, char c)
{
	if (!j->depth && c != '{')
		return jfail(j, GI_EINPUT, "not a coverage.py JSON report (no top-level object)");
	if (j->depth == HISTORY_COVERAGE_MAX_DEPTH)
		return jfail(j, GI_ELIMIT, "nested deeper than %d", HISTORY_COVERAGE_MAX_DEPTH);
	j->stack[j->depth++] = c;
	j->state = c == '{' ? J_KEY_OR_END : J_VALUE_OR_END;
	return 0;
}

static int close_container(struct jreader *j, char c)
{
	if (!j->depth || j->stack[j->depth - 1] != (c == '}' ? '{' : '['))
		return jfail(j, GI_EINPUT, "unexpected '%c'", c);
	j->depth--;
	j->state = j->depth ? J_NEXT : J_DONE;
	return 0;
}

/* The end of a value: a string, literal or container just finished. */
static int end_value(struct jreader *j)
{
	j->state = j->depth ? J_NEXT : J_DONE;
	if (!j->depth)
		return jfail(j, GI_EINPUT, "not a coverage.py JSON report (no top-level object)");
	return 0;
}

static int start_value(struct jreader *j, char c)
{
	if (c == '{' || c == '[')
		return open_container(j, c);
	if (c == '"') {
		gi_buf_reset(&j->tok);
		j->is_key = 0;
		j->state = J_STRING;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
		gi_buf_reset(&j->tok);
		gi_buf_addch(&j->tok, c);
		j->state = J_LITERAL;
		return 0;
	}
	return jfail(j, GI_EINPUT, "expected a value, found '%c'", c);
}

static int end_literal(struct jreader *j)
{
	const char *t = gi_buf_cstr(&j->tok);
	double d;

	if (strcmp(t, "true") && strcmp(t, "false") && strcmp(t, "null") &&
	    (!(*t == '-' || (*t >= '0' && *t <= '9')) || gi_parse_double(t, &d)))
		return jfail(j, GI_EINPUT, "bad literal '%.40s'", t);
	return end_value(j);
}

static int end_string(struct jreader *j)
{
	if (j->high)
		gi_buf_adds(&j->tok, "\xef\xbf\xbd"); /* a lone high surrogate */
	j->high = 0;
	if (j->is_key) {
		on_key(j);
		j->state = J_COLON;
		return 0;
	}
	if (on_string(j))
		return j->err;
	return end_value(j);
}

/* Append code point u as UTF-8 (surrogate pairs joined, lone ones replaced). */
static int add_code(struct jreader *j, unsigned u)
{
	char b[4];
	size_t n;

	if (u >= 0xd800 && u < 0xdc00) {
		if (j->high)
			gi_buf_adds(&j->tok, "\xef\xbf\xbd");
		j->high = u;
		return 0;
	}
	if (u >= 0xdc00 && u < 0xe000)
		u = j->high ? 0x10000 + ((j->high - 0xd800) << 10) + (u - 0xdc00) : 0xfffd;
	else if (j->high)
		gi_buf_adds(&j->tok, "\xef\xbf\xbd");
	j->high = 0;
	if (u < 0x80)
		b[0] = (char)u, n = 1;
	else if (u < 0x800)
		b[0] = (char)(0xc0 | (u >> 6)), b[1] = (char)(0x80 | (u & 0x3f)), n = 2;
	else if (u < 0x10000)
		b[0] = (char)(0xe0 | (u >> 12)), b[1] = (char)(0x80 | ((u >> 6) & 0x3f)),
		b[2] = (char)(0x80 | (u & 0x3f)), n = 3;
	else
		b[0] = (char)(0xf0 | (u >> 18)), b[1] = (char)(0x80 | ((u >> 12) & 0x3f)),
		b[2] = (char)(0x80 | ((u >> 6) & 0x3f)), b[3] = (char)(0x80 | (u & 0x3f)), n = 4;
	return gi_buf_add(&j->tok, b, n);
}

static int string_byte(struct jreader *j, unsigned char c)
{
	if (c == '"')
		return end_string(j);
	if (c == '\\') {
		j->state = J_ESCAPE;
		return 0;
	}
	if (c < 0x20)
		return jfail(j, GI_EINPUT, "control character in a string");
	if (j->high) {
		j->high = 0;
		gi_buf_adds(&j->tok, "\xef\xbf\xbd"); /* a lone high surrogate */
	}
	if (gi_buf_addch(&j->tok, (char)c))
		return jfail(j, GI_ELIMIT, "a string is longer than %zu bytes", j->tok.max);
	return 0;
}

static int escape_byte(struct jreader *j, char c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p = c ? strchr(from, c) : NULL;

	j->state = J_STRING;
	if (c == 'u') {
		j->state = J_UNICODE;
		j->code = j->ndigits = 0;
		return 0;
	}
	if (!p)
		return jfail(j, GI_EINPUT, "bad escape '\\%c' in a string", c);
	if (gi_buf_addch(&j->tok, to[p - from]))
		return jfail(j, GI_ELIMIT, "a string is longer than %zu bytes", j->tok.max);
	return 0;
}

static int unicode_byte(struct jreader *j, char c)
{
	int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

	if (v < 0)
		return jfail(j, GI_EINPUT, "bad \\u escape in a string");
	j->code = j->code * 16 + (unsigned)v;
	if (++j->ndigits < 4)
		return 0;
	j->state = J_STRING;
	if (add_code(j, j->code))
		return jfail(j, GI_ELIMIT, "a string is longer than %zu bytes", j->tok.max);
	return 0;
}

/* Between tokens: whitespace, or the structural character the state allows. */
static int structural_byte(struct jreader *j, char c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return 0;
	switch (j->state) {
	case J_VALUE_OR_END:
		if (c == ']')
			return close_container(j, c);
		/* fall through */
	case J_VALUE:
		return start_value(j, c);
	case J_KEY_OR_END:
		if (c == '}')
			return close_container(j, c);
		/* fall through */
	case J_KEY:
		if (c != '"')
			return jfail(j, GI_EINPUT, "expected a key in double quotes, found '%c'", c);
		gi_buf_reset(&j->tok);
		j->is_key = 1;
		j->state = J_STRING;
		return 0;
	case J_COLON:
		if (c != ':')
			return jfail(j, GI_EINPUT, "expected ':', found '%c'", c);
		j->state = J_VALUE;
		return 0;
	case J_NEXT:
		if (c == ',') {
			j->state = j->stack[j->depth - 1] == '{' ? J_KEY : J_VALUE;
			return 0;
		}
		if (c == '}' || c == ']')
			return close_container(j, c);
		return jfail(j, GI_EINPUT, "expected ',' or a closing bracket, found '%c'", c);
	default:
		return jfail(j, GI_EINPUT, "unexpected '%c' after the end of the report", c);
	}
}

static int literal_byte(struct jreader *j, char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' ||
	    c == '+' || c == 'E') {
		if (j->tok.len > 64)
			return jfail(j, GI_EINPUT, "bad literal '%.40s'", j->tok.ptr);
		return gi_buf_addch(&j->tok, c);
	}
	if (end_literal(j))
		return j->err;
	return structural_byte(j, c);
}

static int json_feed(struct jreader *j, const char *buf, size_t len)
{
	for (size_t i = 0; i < len && !j->err; i++) {
		unsigned char c = (unsigned char)buf[i];

		switch (j->state) {
		case J_STRING: string_byte(j, c); break;
		case J_ESCAPE: escape_byte(j, (char)c); break;
		case J_UNICODE: unicode_byte(j, (char)c); break;
		case J_LITERAL: literal_byte(j, (char)c); break;
		default: structural_byte(j, (char)c); break;
		}
		if (c == '\n')
			j->line++, j->col = 0;
		j->col++;
	}
	return j->err;
}

static int json_finish(struct jreader *j)
{
	if (!j->err && j->state == J_LITERAL)
		end_literal(j);
	if (j->err)
		return j->err;
	if (j->state != J_DONE)
		return jfail(j, GI_EINPUT, "unexpected end of file");
	if (!j->saw_files)
		return jfail(j, GI_EINPUT, "no \"files\" object: not a coverage.py JSON report");
	if (j->nfiles && !j->saw_contexts)
		return jfail(j, GI_EINPUT, "no test contexts: write the report with "
			     "'coverage json --show-contexts' after a run with contexts "
			     "(pytest --cov-context=test)");
	return 0;
}

/* ---- the lcov reader -------------------------------------------------------- */

struct lreader {
	const char *name;
	unsigned long line;
	struct gi_buf text;   /* the current line being assembled */
	struct gi_buf test;   /* the last TN, or the default name */
	struct gi_buf path;   /* SF of the open record */
	struct gi_buf dflt;   /* the file name without its extension */
	int in_record, hit, err;
	history_coverage_fn fn;
	void *data;
};

GI_PRINTF(3, 4)
static int lfail(struct lreader *l, int code, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (l->err)
		return l->err;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	l->err = gi_error_setc(code, "cannot parse '%s' at line %lu: %s", l->name, l->line, why);
	return l->err;
}

/* "DA:<line>,<count>[,<checksum>]": 1 if executed, 0 if not, or an error. */
static int parse_da(struct lreader *l, const char *v)
{
	const char *p = v;
	int any = 0;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == v || *p != ',')
		return lfail(l, GI_EINPUT, "expected 'DA:<line>,<count>'");
	v = ++p;
	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		any |= *p != '0';
	if (p == v || (*v == '-' && p == v + 1) || (*p && *p != ','))
		return lfail(l, GI_EINPUT, "expected 'DA:<line>,<count>'");
	return any && *v != '-';
}

static int end_record(struct lreader *l)
{
	const char *test = l->test.len ? l->test.ptr : gi_buf_cstr(&l->dflt);
	int err = 0;

	if (!l->in_record)
		return lfail(l, GI_EINPUT, "end_of_record without SF");
	if (l->hit && l->fn && (err = l->fn(l->data, test, gi_buf_cstr(&l->path))))
		l->err = err;
	l->in_record = l->hit = 0;
	return err;
}

static int set_field(struct lreader *l, struct gi_buf *b, const char *v, const char *what)
{
	gi_buf_reset(b);
	if (gi_buf_adds(b, v))
		return lfail(l, GI_ELIMIT, "%s is longer than %zu bytes", what, b->max);
	return 0;
}

static int lcov_line(struct lreader *l, char *s)
{
	int r;

	if (s[0] && s[strlen(s) - 1] == '\r')
		s[strlen(s) - 1] = '\0';
	if (!*s)
		return 0;
	if (!strcmp(s, "end_of_record"))
		return end_record(l);
	if (gi_starts_with(s, "TN:"))
		return l->in_record ? lfail(l, GI_EINPUT, "TN inside a record (missing end_of_record)") :
		       set_field(l, &l->test, s + 3, "the test name");
	if (gi_starts_with(s, "SF:")) {
		if (l->in_record || !s[3])
			return lfail(l, GI_EINPUT, l->in_record ? "SF inside a record (missing end_of_record)" :
				     "SF without a path");
		l->in_record = 1;
		return set_field(l, &l->path, s + 3, "the source path");
	}
	if (!strchr(s, ':') || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != (size_t)(strchr(s, ':') - s))
		return lfail(l, GI_EINPUT, "not an lcov line: '%.40s'", s);
	if (!gi_starts_with(s, "DA:"))
		return 0; /* FN, FNDA, BRDA, LF, LH, VER ...: not needed */
	if (!l->in_record)
		return lfail(l, GI_EINPUT, "DA outside a record (no SF)");
	if ((r = parse_da(l, s + 3)) < 0)
		return r;
	l->hit |= r;
	return 0;
}

static int lcov_feed(struct lreader *l, const char *buf, size_t len)
{
	while (len && !l->err) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (gi_buf_add(&l->text, buf, n))
			return lfail(l, GI_ELIMIT, "a line is longer than %zu bytes", l->text.max);
		if (!nl)
			break;
		l->line++;
		lcov_line(l, l->text.ptr ? l->text.ptr : (char *)"");
		gi_buf_reset(&l->text);
		buf += n + 1;
		len -= n + 1;
	}
	return l->err;
}

static int lcov_finish(struct lreader *l)
{
	if (!l->err && l->text.len) {
		l->line++;
		lcov_line(l, l->text.ptr);
	}
	if (!l->err && l->in_record)
		lfail(l, GI_EINPUT, "unexpected end of file: no end_of_record for '%s'",
		      gi_buf_cstr(&l->path));
	return l->err;
}

/* The test name of a tracefile without TN: its base name without the extension. */
static void lcov_default_name(struct lreader *l, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	const char *dot = strrchr(base, '.');

	gi_buf_add(&l->dflt, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

/* ---- reading a report --------------------------------------------------------- */

/* One report being read, in either format. */
struct creader {
	int format;
	struct jreader j;
	struct lreader l;
};

static void creader_init(struct creader *r, const char *name, int format,
			 history_coverage_fn fn, void *data)
{
	memset(r, 0, sizeof(*r));
	r->format = format;
	r->j.name = r->l.name = name;
	r->j.line = 1;
	r->j.col = 1;
	r->j.fn = r->l.fn = fn;
	r->j.data = r->l.data = data;
	gi_buf_init(&r->j.tok, HISTORY_MAX_NAME);
	gi_buf_init(&r->j.path, HISTORY_MAX_NAME);
	gi_buf_init(&r->j.id, HISTORY_MAX_NAME);
	gi_buf_init(&r->l.text, HISTORY_MAX_NAME);
	gi_buf_init(&r->l.test, HISTORY_MAX_NAME);
	gi_buf_init(&r->l.path, HISTORY_MAX_NAME);
	gi_buf_init(&r->l.dflt, HISTORY_MAX_NAME);
	lcov_default_name(&r->l, name);
}

static void creader_release(struct creader *r)
{
	gi_buf_release(&r->j.tok);
	gi_buf_release(&r->j.path);
	gi_buf_release(&r->j.id);
	u64set_release(&r->j.seen);
	gi_buf_release(&r->l.text);
	gi_buf_release(&r->l.test);
	gi_buf_release(&r->l.path);
	gi_buf_release(&r->l.dflt);
}

static int creader_feed(struct creader *r, const char *buf, size_t len)
{
	return r->format == HISTORY_COVERAGE_PY ? json_feed(&r->j, buf, len) :
	       lcov_feed(&r->l, buf, len);
}

static int creader_finish(struct creader *r)
{
	return r->format == HISTORY_COVERAGE_PY ? json_finish(&r->j) : lcov_finish(&r->l);
}

int history_coverage_format_parse(const char *name, int *out)
{
	if (!strcmp(name, "coveragepy") || !strcmp(name, "coverage.py"))
		*out = HISTORY_COVERAGE_PY;
	else if (!strcmp(name, "lcov"))
		*out = HISTORY_COVERAGE_LCOV;
	else
		return gi_error_setc(GI_EUSAGE, "unknown coverage format '%s' (coveragepy or lcov)", name);
	return 0;
}

int history_coverage_read_mem(const char *name, const char *buf, size_t len, int format,
			      history_coverage_fn fn, void *data)
{
	struct creader r;
	int err;

	creader_init(&r, name, format, fn, data);
	err = creader_feed(&r, buf, len);
	if (!err)
		err = creader_finish(&r);
	creader_release(&r);
	return err;
}

int history_coverage_read(const char *path, int format, history_coverage_fn fn, void *data)
{
	struct creader r;
	char *buf = NULL;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY), err = 0;

	creader_init(&r, path, format, fn, data);
	if (fd < 0) {
		err = gi_error_setc(errno == ENOENT ? GI_ENOTFOUND : GI_ERROR,
				    "cannot open '%s': %s", path, strerror(errno));
		goto done;
	}
	buf = gi_xmalloc(CHUNK);
	while (!err && (n = read(fd, buf, CHUNK)) > 0)
		err = creader_feed(&r, buf, (size_t)n);
	if (!err && n < 0)
		err = gi_error_set("cannot read '%s': %s", path, strerror(errno));
	if (!err)
		err = creader_finish(&r);
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	creader_release(&r);
	return err;
}

/* ---- repository-relative paths -------------------------------------------------- */

/* Append the absolute, normalised form of `path` ("." and ".." resolved) to `out`. */
static int normalise(const char *cwd, const char *path, struct gi_buf *out)
{
	char *all = path[0] == '/' ? gi_xstrdup(path) : gi_xstrfmt("%s/%s", cwd, path);
	char *save = NULL, *seg;
	int err = 0;

	gi_buf_reset(out);
	for (seg = strtok_r(all, "/", &save); seg && !err; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *slash = out->ptr ? strrchr(out->ptr, '/') : NULL;

			if (slash)
				out->len = (size_t)(slash - out->ptr), *slash = '\0';
			continue;
		}
		err = gi_buf_printf(out, "/%s", seg);
	}
	free(all);
	return err;
}

/* 1 and `rel` set if `abs` lies strictly below `root` (both normalised). */
static int strip_root(const char *root, const char *abs, struct gi_buf *rel)
{
	size_t n = strlen(root);

	if (n && strncmp(abs, root, n))
		return 0;
	if (abs[n] != '/' || !abs[n + 1])
		return 0;
	gi_buf_reset(rel);
	return gi_buf_adds(rel, abs + n + 1) ? GI_ELIMIT : 1;
}

int history_coverage_path(const char *workdir, const char *cwd, const char *path,
			  struct gi_buf *out)
{
	struct gi_buf root = GI_BUF_INIT, abs = GI_BUF_INIT;
	char real[PATH_MAX];
	int r;

	gi_buf_reset(out);
	if ((r = normalise("/", workdir, &root)) || (r = normalise(cwd ? cwd : workdir, path, &abs)))
		goto done;
	r = strip_root(gi_buf_cstr(&root), gi_buf_cstr(&abs), out);
	if (!r && realpath(gi_buf_cstr(&abs), real))
		r = strip_root(gi_buf_cstr(&root), real, out);
done:
	if (r == GI_ELIMIT)
		gi_error_setc(r, "path '%.200s' is longer than %zu bytes", path, out->max);
	gi_buf_release(&root);
	gi_buf_release(&abs);
	return r;
}

/* ---- recording -------------------------------------------------------------------- */

struct cov_writer {
	struct store *s;
	const struct history_coverage_opts *o;
	struct history_coverage_result *res;
	struct gi_buf raw, rel; /* the last reported path and its relative form */
	int inside;             /* of that path */
	struct u64set cleared;  /* tests whose earlier coverage was dropped */
};

/* The test's source file: the part of its id before "::", or NULL. */
static char *test_file(const char *test)
{
	const char *sep = strstr(test, "::");

	return sep && sep != test ? gi_xstrndup(test, (size_t)(sep - test)) : NULL;
}

static int place_path(struct cov_writer *w, const char *path)
{
	int r;

	if (w->raw.ptr && !strcmp(w->raw.ptr, path))
		return 0;
	gi_buf_reset(&w->raw);
	if (gi_buf_adds(&w->raw, path))
		return gi_error_setc(GI_ELIMIT, "path '%.200s' is too long", path);
	r = history_coverage_path(w->o->workdir, w->o->cwd, path, &w->rel);
	if (r < 0)
		return r;
	w->inside = r;
	return 0;
}

static int write_pair(void *data, const char *test, const char *path)
{
	struct cov_writer *w = data;
	char *file = NULL;
	int64_t id;
	int err;

	if ((err = place_path(w, path)))
		return err;
	if (!w->inside) {
		if (!w->res->outside++)
			w->res->outside_example = gi_xstrdup(path);
		return 0;
	}
	file = test_file(test);
	err = store_test_ensure(w->s, test, file, w->o->time ? w->o->time : gi_unix_now(), &id);
	free(file);
	if (err)
		return err;
	if ((err = u64set_add(&w->cleared, (uint64_t)id)) < 0)
		return gi_error_setc(err, "more than %zu tests in coverage reports",
				     HISTORY_COVERAGE_MAX_TESTS);
	if (err && (err = store_coverage_clear_test(w->s, id)))
		return err;
	if ((err = store_coverage_add(w->s, id, w->rel.ptr, w->rel.len, w->o->commit)))
		return err;
	w->res->pairs++;
	return 0;
}

static int check_opts(const struct history_coverage_opts *o, int format, size_t nfiles)
{
	if (!o->commit || strlen(o->commit) != 40 || strspn(o->commit, "0123456789abcdef") != 40)
		return gi_error_setc(GI_EUSAGE, "internal error: record-coverage needs a resolved commit");
	if (!o->workdir || o->workdir[0] != '/')
		return gi_error_setc(GI_EUSAGE, "record-coverage needs a work tree (not a bare repository)");
	if (format != HISTORY_COVERAGE_PY && format != HISTORY_COVERAGE_LCOV)
		return gi_error_setc(GI_EUSAGE, "internal error: unknown coverage format %d", format);
	if (!nfiles)
		return gi_error_setc(GI_EUSAGE, "no coverage reports to record");
	return 0;
}

int history_coverage_record(struct store *s, const struct history_coverage_opts *opts,
			    int format, const char *const *files, size_t nfiles,
			    struct history_coverage_result *res)
{
	struct cov_writer w = { s, opts, res, GI_BUF_INIT, GI_BUF_INIT, 0, { NULL, 0, 0 } };
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = check_opts(opts, format, nfiles)) || (err = store_begin(s)))
		goto done;
	for (size_t i = 0; i < nfiles && !err; i++, res->reports++)
		err = history_coverage_read(files[i], format, write_pair, &w);
	res->tests = w.cleared.nr;
	if (!err && res->pairs)
		err = store_graph_drop_all(s);
	if (!err)
		err = store_commit(s);
done:
	if (err)
		store_rollback(s);
	gi_buf_release(&w.raw);
	gi_buf_release(&w.rel);
	u64set_release(&w.cleared);
	return err;
}

void history_coverage_result_release(struct history_coverage_result *res)
{
	if (!res)
		return;
	free(res->outside_example);
	res->outside_example = NULL;
}
