/*
 * junit.c - the streaming JUnit XML reader (expat, 64 KiB chunks).  It
 * keeps only the open <testcase> in memory, hands each finished testcase
 * to a callback, and refuses hostile input (size, token and depth limits,
 * entity declarations) with one message naming the file and line:column.
 */
#ifndef XML_DTD
#define XML_DTD 1 /* declares the billion-laughs protection (expat >= 2.4) */
#endif
#include <expat.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"

#define CHUNK ((size_t)64 << 10)

/* Children of a <testcase> seen so far. */
enum {
	SEEN_FAIL = 1 << 0,
	SEEN_ERROR = 1 << 1,
	SEEN_SKIP = 1 << 2,
	SEEN_FLAKY = 1 << 3,
	SEEN_RERUN_FAIL = 1 << 4,
	SEEN_RERUN_ERROR = 1 << 5,
};

struct reader {
	XML_Parser p;
	const char *path;
	history_case_fn fn;
	void *data;
	int err;
	int depth;
	int case_depth;   /* depth of the open <testcase>; 0 when none */
	int pytest_depth; /* depth of an open <testsuite name="pytest">; 0 when none */
	unsigned seen;    /* SEEN_* of the open testcase */
	int has_file;
	double duration;
	unsigned long case_line;
	struct gi_buf classname, name, file, id;
	XML_Index last_event; /* byte index of the last event expat reported */
	uint64_t fed;         /* bytes handed to expat */
	struct gi_hasher *hash;
	size_t cases;
};

static unsigned long cur_line(struct reader *r)
{
	return (unsigned long)XML_GetCurrentLineNumber(r->p);
}

static unsigned long cur_col(struct reader *r)
{
	return (unsigned long)XML_GetCurrentColumnNumber(r->p) + 1;
}

/* Record the first error (naming file and line:column) and stop the parser. */
GI_PRINTF(3, 4)
static void reader_fail(struct reader *r, int code, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (r->err)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->err = gi_error_setc(code, "cannot parse '%s' at %lu:%lu: %s",
			       r->path, cur_line(r), cur_col(r), why);
	XML_StopParser(r->p, XML_FALSE);
}

static const char *attr(const XML_Char **atts, const char *name)
{
	for (; atts[0]; atts += 2)
		if (!strcmp(atts[0], name))
			return atts[1];
	return NULL;
}

/* Seconds from a time attribute ("1.5", "1,234.5", "2s"); negative if unknown. */
static double parse_time(const char *s)
{
	char num[64];
	size_t n = 0;
	double v;

	if (!s)
		return -1;
	for (; *s && n + 1 < sizeof(num); s++)
		if (*s != ',' && *s != ' ')
			num[n++] = *s;
	if (*s)
		return -1;
	num[n] = '\0';
	if (gi_parse_double(num, &v) && gi_parse_duration(num, &v))
		return -1;
	return v >= 0 ? v : -1;
}

static int set_name(struct reader *r, struct gi_buf *b, const char *what, const char *val)
{
	gi_buf_reset(b);
	if (gi_buf_adds(b, val ? val : "")) {
		reader_fail(r, GI_ELIMIT, "<testcase> %s is longer than %zu bytes", what,
			    HISTORY_MAX_NAME);
		return GI_ELIMIT;
	}
	return 0;
}

static void start_case(struct reader *r, const XML_Char **atts)
{
	const char *name = attr(atts, "name"), *file = attr(atts, "file");

	if (!name || !*name) {
		reader_fail(r, GI_EINPUT, "<testcase> without a name attribute");
		return;
	}
	if (set_name(r, &r->name, "name", name) ||
	    set_name(r, &r->classname, "classname", attr(atts, "classname")) ||
	    set_name(r, &r->file, "file", file))
		return;
	r->has_file = file && *file;
	r->duration = parse_time(attr(atts, "time"));
	r->case_depth = r->depth;
	r->case_line = cur_line(r);
	r->seen = 0;
}

static unsigned child_flag(const char *el)
{
	static const struct { const char *name; unsigned flag; } kids[] = {
		{ "failure", SEEN_FAIL }, { "error", SEEN_ERROR }, { "skipped", SEEN_SKIP },
		{ "flakyFailure", SEEN_FLAKY }, { "flakyError", SEEN_FLAKY },
		{ "rerunFailure", SEEN_RERUN_FAIL }, { "rerunError", SEEN_RERUN_ERROR },
	};

	for (size_t i = 0; i < GI_ARRAY_SIZE(kids); i++)
		if (!strcmp(el, kids[i].name))
			return kids[i].flag;
	return 0;
}

/*
 * A testcase's outcome from its children.  Surefire writes <rerunFailure>
 * next to the <failure> when every rerun failed, and <flakyFailure> alone
 * when a rerun passed; a rerun without a final verdict counts as failed.
 */
static int case_outcome(unsigned seen)
{
	if (seen & (SEEN_ERROR | SEEN_RERUN_ERROR))
		return HISTORY_ERROR;
	if (seen & (SEEN_FAIL | SEEN_RERUN_FAIL))
		return HISTORY_FAIL;
	if (seen & SEEN_FLAKY)
		return HISTORY_FLAKY;
	if (seen & SEEN_SKIP)
		return HISTORY_SKIP;
	return HISTORY_PASS;
}

static void finish_case(struct reader *r)
{
	struct history_case c;
	const char *file = r->has_file ? gi_buf_cstr(&r->file) : NULL;
	int err;

	r->case_depth = 0;
	r->cases++;
	if (!r->fn)
		return;
	err = history_test_id(&r->id, file, gi_buf_cstr(&r->classname),
			      gi_buf_cstr(&r->name), r->pytest_depth > 0);
	if (err) {
		reader_fail(r, err, "%s", gi_error_last());
		return;
	}
	c.id = gi_buf_cstr(&r->id);
	c.classname = gi_buf_cstr(&r->classname);
	c.name = gi_buf_cstr(&r->name);
	c.file = file;
	c.outcome = case_outcome(r->seen);
	c.duration = r->duration;
	c.line = r->case_line;
	if ((err = r->fn(r->data, &c))) {
		r->err = err; /* the callback set the message */
		XML_StopParser(r->p, XML_FALSE);
	}
}

static void on_root(struct reader *r, const char *el)
{
	if (strcmp(el, "testsuites") && strcmp(el, "testsuite"))
		reader_fail(r, GI_EINPUT,
			    "unknown root element <%.100s> (expected <testsuites> or <testsuite>)", el);
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	struct reader *r = ud;

	r->last_event = XML_GetCurrentByteIndex(r->p);
	if (++r->depth > HISTORY_MAX_DEPTH) {
		reader_fail(r, GI_ELIMIT, "elements nested deeper than %d", HISTORY_MAX_DEPTH);
		return;
	}
	if (r->depth == 1)
		on_root(r, el);
	if (r->case_depth) {
		if (!strcmp(el, "testcase"))
			reader_fail(r, GI_EINPUT, "<testcase> inside another <testcase>");
		else if (r->depth == r->case_depth + 1)
			r->seen |= child_flag(el);
		return;
	}
	if (!strcmp(el, "testcase"))
		start_case(r, atts);
	else if (!strcmp(el, "testsuite") && !r->pytest_depth) {
		const char *name = attr(atts, "name");

		if (name && !strcmp(name, "pytest"))
			r->pytest_depth = r->depth;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
	struct reader *r = ud;

	(void)el;
	r->last_event = XML_GetCurrentByteIndex(r->p);
	if (r->case_depth == r->depth)
		finish_case(r);
	if (r->pytest_depth == r->depth)
		r->pytest_depth = 0;
	r->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct reader *r = ud;

	(void)s;
	(void)len;
	r->last_event = XML_GetCurrentByteIndex(r->p);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *system_id, const XML_Char *public_id,
			      const XML_Char *notation)
{
	(void)is_param, (void)value, (void)value_len, (void)base;
	(void)system_id, (void)public_id, (void)notation;
	reader_fail(ud, GI_EINPUT, "entity declaration '%.100s' refused (entity expansion is not allowed)",
		    name);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)pubid, (void)has_internal_subset;
	if (sysid)
		reader_fail(ud, GI_EINPUT, "external DTD '%.100s' for <%.100s> refused", sysid, name);
}

static void reader_init(struct reader *r, const char *path, history_case_fn fn, void *data)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fn = fn;
	r->data = data;
	gi_buf_init(&r->classname, HISTORY_MAX_NAME);
	gi_buf_init(&r->name, HISTORY_MAX_NAME);
	gi_buf_init(&r->file, HISTORY_MAX_NAME);
	gi_buf_init(&r->id, 4 * HISTORY_MAX_NAME);
	r->hash = gi_hasher_new();
	r->p = XML_ParserCreate(NULL);
	if (!r->p)
		abort(); /* out of memory */
	XML_SetUserData(r->p, r);
	XML_SetElementHandler(r->p, on_start, on_end);
	XML_SetCharacterDataHandler(r->p, on_text);
	XML_SetEntityDeclHandler(r->p, on_entity);
	XML_SetStartDoctypeDeclHandler(r->p, on_doctype);
	XML_SetParamEntityParsing(r->p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetBillionLaughsAttackProtectionMaximumAmplification(r->p, 10.0f);
	XML_SetBillionLaughsAttackProtectionActivationThreshold(r->p, (unsigned long long)1 << 20);
}

static void reader_release(struct reader *r)
{
	if (r->p)
		XML_ParserFree(r->p);
	gi_hasher_free(r->hash);
	gi_buf_release(&r->classname);
	gi_buf_release(&r->name);
	gi_buf_release(&r->file);
	gi_buf_release(&r->id);
}

/*
 * Hand the `len` bytes already in expat's buffer to the parser (final when
 * `last`), and check the limits.  Returns 0 or the error (message set).
 */
static int reader_feed(struct reader *r, const void *bytes, size_t len, int last)
{
	if (r->fed + len > HISTORY_MAX_FILE)
		return gi_error_setc(GI_ELIMIT, "cannot read '%s': over the %llu MiB limit for a result file",
				     r->path, (unsigned long long)(HISTORY_MAX_FILE >> 20));
	r->fed += len;
	gi_hasher_update(r->hash, bytes, len);
	if (last && r->fed == 0)
		return gi_error_setc(GI_EINPUT, "cannot parse '%s' at 1:1: the file is empty", r->path);
	if (XML_ParseBuffer(r->p, (int)len, last) != XML_STATUS_OK) {
		if (!r->err)
			reader_fail(r, GI_EINPUT, "%s", XML_ErrorString(XML_GetErrorCode(r->p)));
		return r->err;
	}
	if (r->err)
		return r->err;
	if (r->fed - (uint64_t)(r->last_event > 0 ? r->last_event : 0) > HISTORY_MAX_TOKEN) {
		reader_fail(r, GI_ELIMIT, "a single XML token is longer than %zu MiB",
			    HISTORY_MAX_TOKEN >> 20);
		return r->err;
	}
	return 0;
}

static void reader_info(struct reader *r, struct history_junit_info *info)
{
	if (!info)
		return;
	info->hash = gi_hasher_digest(r->hash);
	info->bytes = r->fed;
	info->cases = r->cases;
}

int history_junit_read_mem(const char *name, const char *buf, size_t len,
			   history_case_fn fn, void *data, struct history_junit_info *info)
{
	struct reader r;
	size_t off = 0;
	int err = 0;

	reader_init(&r, name, fn, data);
	do {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		void *dst = XML_GetBuffer(r.p, (int)CHUNK);

		if (!dst)
			abort(); /* out of memory */
		memcpy(dst, buf + off, n);
		off += n;
		err = reader_feed(&r, dst, n, off == len);
	} while (!err && off < len);
	if (!err)
		reader_info(&r, info);
	reader_release(&r);
	return err;
}

static int open_checked(const char *path, int *fd)
{
	struct stat st;

	*fd = open(path, O_RDONLY);
	if (*fd < 0)
		return gi_error_setc(errno == ENOENT ? GI_ENOTFOUND : GI_EINPUT,
				     "cannot open '%s': %s", path, strerror(errno));
	if (fstat(*fd, &st) || S_ISDIR(st.st_mode))
		return gi_error_setc(GI_EINPUT, "cannot read '%s': %s", path,
				     S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
	if ((uint64_t)st.st_size > HISTORY_MAX_FILE)
		return gi_error_setc(GI_ELIMIT, "cannot read '%s': %llu bytes, over the %llu MiB limit for a result file",
				     path, (unsigned long long)st.st_size,
				     (unsigned long long)(HISTORY_MAX_FILE >> 20));
	return 0;
}

int history_junit_read(const char *path, history_case_fn fn, void *data,
		       struct history_junit_info *info)
{
	struct reader r;
	int fd = -1, err;
	ssize_t n;

	reader_init(&r, path, fn, data);
	if ((err = open_checked(path, &fd)))
		goto done;
	do {
		void *dst = XML_GetBuffer(r.p, (int)CHUNK);

		if (!dst)
			abort(); /* out of memory */
		do
			n = read(fd, dst, CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			err = gi_error_setc(GI_EINPUT, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		err = reader_feed(&r, dst, (size_t)n, n == 0);
	} while (!err && n > 0);
	if (!err)
		reader_info(&r, info);
done:
	if (fd >= 0)
		close(fd);
	reader_release(&r);
	return err;
}
