/*
 * cscan.c - the C/C++ scanner: one file's bytes to its #include directives
 * ("x.h" and <x.h>) in one linear pass that skips comments, string and
 * character literals (C++ raw strings too) and follows backslash-newline
 * continuations; plus the cache form of those facts.
 */
#include "scan_int.h"

#include <string.h>

struct cscan {
	const char *path;
	const char *buf, *p, *end, *line_begin;
	uint32_t line;
	struct lineage_cfacts *out;
	int rc;
};

void lineage_cfacts_init(struct lineage_cfacts *f)
{
	memset(f, 0, sizeof(*f));
}

void lineage_cfacts_release(struct lineage_cfacts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nincludes; i++)
		free(f->includes[i].path);
	free(f->includes);
	lineage_cfacts_init(f);
}

static void c_warn(struct cscan *s, int code, unsigned flag, const char *why)
{
	s->out->flags |= flag;
	if (!s->rc)
		s->rc = gi_error_setc(code, "cannot parse '%s' at line %u: %s", s->path, s->line,
				      why);
}

static void c_newline(struct cscan *s, const char *nl)
{
	if ((size_t)(nl - s->line_begin) > LINEAGE_SCAN_MAX_LINE)
		c_warn(s, GI_ELIMIT, LINEAGE_SCAN_LONG_LINE, "line longer than 1 MiB");
	s->line++;
	s->line_begin = nl + 1;
}

/* A backslash-newline (or backslash-CR-LF) at p: its length, else 0. */
static size_t splice_len(const char *p, const char *end)
{
	if (*p != '\\' || p + 1 >= end)
		return 0;
	if (p[1] == '\n')
		return 2;
	return p[1] == '\r' && p + 2 < end && p[2] == '\n' ? 3 : 0;
}

static void skip_splice(struct cscan *s, size_t n)
{
	c_newline(s, s->p + n - 1);
	s->p += n;
}

/* A block comment starting at s->p. */
static void skip_block_comment(struct cscan *s)
{
	const char *p = s->p + 2;

	for (; p < s->end; p++) {
		if (*p == '\n')
			c_newline(s, p);
		else if (*p == '*' && p + 1 < s->end && p[1] == '/') {
			s->p = p + 2;
			return;
		}
	}
	s->p = s->end;
}

/* // ... up to (not including) the newline that ends it, following splices. */
static void skip_line_comment(struct cscan *s)
{
	s->p += 2;
	while (s->p < s->end && *s->p != '\n') {
		size_t n = splice_len(s->p, s->end);

		if (n)
			skip_splice(s, n);
		else
			s->p++;
	}
}

/* Spaces, comments and splices inside a directive; stops at a newline. */
static void skip_ws(struct cscan *s)
{
	while (s->p < s->end) {
		size_t n = splice_len(s->p, s->end);

		if (n)
			skip_splice(s, n);
		else if (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\f' ||
			 *s->p == '\v')
			s->p++;
		else if (*s->p == '/' && s->p + 1 < s->end && s->p[1] == '*')
			skip_block_comment(s);
		else
			return;
	}
}

/* "..." or '...' at s->p; an unterminated one ends at the newline. */
static void skip_quoted(struct cscan *s)
{
	char q = *s->p++;

	while (s->p < s->end && *s->p != q && *s->p != '\n') {
		size_t n = splice_len(s->p, s->end);

		if (n)
			skip_splice(s, n);
		else
			s->p += *s->p == '\\' && s->p + 1 < s->end && s->p[1] != '\n' ? 2 : 1;
	}
	if (s->p < s->end && *s->p == q)
		s->p++;
}

/* R"delim( ... )delim" with s->p at the quote. */
static void skip_raw_string(struct cscan *s)
{
	const char *d = s->p + 1, *open = d;
	char close[20];
	size_t n;

	while (open < s->end && open - d < 16 && *open != '(' && *open != '\n')
		open++;
	if (open >= s->end || *open != '(') {
		skip_quoted(s); /* not a raw string after all */
		return;
	}
	n = (size_t)(open - d);
	close[0] = ')';
	memcpy(close + 1, d, n);
	close[n + 1] = '"';
	for (s->p = open + 1; s->p < s->end; s->p++) {
		if (*s->p == '\n')
			c_newline(s, s->p);
		else if ((size_t)(s->end - s->p) >= n + 2 && !memcmp(s->p, close, n + 2)) {
			s->p += n + 2;
			return;
		}
	}
}

static int ident_char(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       c >= 0x80;
}

/* An identifier or number at s->p; a raw-string prefix goes on to the string. */
static void skip_word(struct cscan *s)
{
	const char *w = s->p;
	size_t n;

	while (s->p < s->end && (ident_char((unsigned char)*s->p) ||
				 ((*w >= '0' && *w <= '9') && (*s->p == '.' || *s->p == '\''))))
		s->p++;
	n = (size_t)(s->p - w);
	if (s->p < s->end && *s->p == '"' && w[n - 1] == 'R' &&
	    (n == 1 || (n == 2 && strchr("uUL", w[0])) || (n == 3 && !memcmp(w, "u8", 2))))
		skip_raw_string(s);
}

static void add_include(struct cscan *s, const char *p, size_t n, int angle, uint32_t line)
{
	struct lineage_cfacts *f = s->out;

	if (n == 0)
		return;
	if (f->nincludes >= LINEAGE_SCAN_MAX_FACTS) {
		c_warn(s, GI_ELIMIT, LINEAGE_SCAN_TOO_MANY, "too many includes");
		return;
	}
	GI_ALLOC_GROW(f->includes, f->nincludes + 1, f->aincludes);
	f->includes[f->nincludes].path = gi_xstrndup(p, n);
	f->includes[f->nincludes].line = line;
	f->includes[f->nincludes].angle = (uint8_t)angle;
	f->nincludes++;
}

/* After '#' at a line start: #include / #include_next / #import with a header name. */
static void directive(struct cscan *s)
{
	uint32_t line = s->line;
	const char *w, *name;
	char close;

	s->p++;
	skip_ws(s);
	for (w = s->p; s->p < s->end && ident_char((unsigned char)*s->p); s->p++)
		;
	if (!((s->p - w == 7 && !memcmp(w, "include", 7)) ||
	      (s->p - w == 12 && !memcmp(w, "include_next", 12)) ||
	      (s->p - w == 6 && !memcmp(w, "import", 6))))
		return;
	skip_ws(s);
	if (s->p >= s->end || (*s->p != '"' && *s->p != '<'))
		return; /* a macro include: cannot be known statically */
	close = *s->p == '"' ? '"' : '>';
	name = ++s->p;
	while (s->p < s->end && *s->p != close && *s->p != '\n')
		s->p++;
	if (s->p < s->end && *s->p == close)
		add_include(s, name, (size_t)(s->p++ - name), close == '>', line);
}

/* One step of the main loop; *bol says only blanks came since the line start. */
static void c_step(struct cscan *s, int *bol)
{
	char c = *s->p;
	size_t n = splice_len(s->p, s->end);

	if (c == '\n') {
		c_newline(s, s->p++);
		*bol = 1;
	} else if (n) {
		skip_splice(s, n);
	} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
		s->p++;
	} else if (c == '/' && s->p + 1 < s->end && (s->p[1] == '*' || s->p[1] == '/')) {
		if (s->p[1] == '*')
			skip_block_comment(s);
		else
			skip_line_comment(s);
	} else if (c == '#' && *bol) {
		*bol = 0;
		directive(s);
	} else {
		*bol = 0;
		if (c == '"' || c == '\'')
			skip_quoted(s);
		else if (ident_char((unsigned char)c))
			skip_word(s);
		else
			s->p++;
	}
}

int lineage_cscan(const char *path, const char *buf, size_t len, struct lineage_cfacts *out)
{
	struct cscan s = { 0 };
	const char *nul = memchr(buf, '\0', len);
	int bol = 1;

	lineage_cfacts_init(out);
	s.path = path;
	s.out = out;
	s.buf = s.p = s.line_begin = buf;
	s.end = buf + len;
	s.line = 1;
	if (nul) {
		for (const char *q = buf; q < nul; q++)
			s.line += *q == '\n';
		c_warn(&s, GI_EINPUT, LINEAGE_SCAN_BINARY, "NUL byte (a binary file?)");
		return s.rc;
	}
	while (s.p < s.end)
		c_step(&s, &bol);
	if ((size_t)(s.end - s.line_begin) > LINEAGE_SCAN_MAX_LINE)
		c_warn(&s, GI_ELIMIT, LINEAGE_SCAN_LONG_LINE, "line longer than 1 MiB");
	out->includes = lineage_scan_shrink(out->includes, out->nincludes, &out->aincludes,
					    sizeof(*out->includes));
	return s.rc;
}

/* ---- cache form ------------------------------------------------------------------ */

#define C_MAGIC "GICC"

int lineage_cfacts_encode(const struct lineage_cfacts *f, struct gi_buf *out)
{
	int rc = gi_buf_add(out, C_MAGIC, 4);

	rc = rc ? rc : lineage_scan_put_uint(out, LINEAGE_SCAN_VERSION);
	rc = rc ? rc : lineage_scan_put_uint(out, f->flags);
	rc = rc ? rc : lineage_scan_put_uint(out, f->nincludes);
	for (size_t i = 0; !rc && i < f->nincludes; i++) {
		rc = lineage_scan_put_uint(out, (uint64_t)f->includes[i].line << 1 |
							f->includes[i].angle);
		rc = rc ? rc : lineage_scan_put_str(out, f->includes[i].path);
	}
	if (rc)
		gi_error_setc(rc, "cached include facts larger than %zu bytes", out->max);
	return rc;
}

int lineage_cfacts_decode(const void *buf, size_t len, struct lineage_cfacts *out)
{
	struct lineage_scan_reader r = { (const unsigned char *)buf,
					 (const unsigned char *)buf + len, 0 };
	size_t n;

	lineage_cfacts_init(out);
	if (len < 4 || memcmp(buf, C_MAGIC, 4))
		goto bad;
	r.p += 4;
	if (lineage_scan_get_uint(&r) != LINEAGE_SCAN_VERSION)
		goto bad;
	out->flags = (unsigned)lineage_scan_get_uint(&r);
	n = lineage_scan_get_count(&r, 2);
	out->includes = n ? gi_xcalloc(n, sizeof(*out->includes)) : NULL;
	out->aincludes = n;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct lineage_cinclude *inc = &out->includes[out->nincludes++];
		uint64_t la = lineage_scan_get_uint(&r);

		inc->line = (uint32_t)(la >> 1);
		inc->angle = la & 1;
		inc->path = lineage_scan_get_str(&r);
		r.bad |= !inc->path || la >> 33 || !(la >> 1); /* lines count from 1 */
	}
	if (!r.bad && r.p == r.end)
		return 0;
bad:
	lineage_cfacts_release(out);
	return gi_error_setc(GI_ECORRUPT, "cached include facts are damaged or of another version");
}
