/*
 * json.c - the structured output formats: json (every test and the
 * summary), github-matrix (a strategy.matrix object, one entry per shard)
 * and gitlab (a child pipeline, one job per shard).  Strings are checked
 * as UTF-8 and escaped by jansson or by the YAML double-quote escaper here.
 */
#include "selector.h"

#include <jansson.h>
#include <math.h>

int selector_format_json(const struct selector_result *r, struct gi_buf *out);
int selector_format_github(const struct selector_result *r, struct gi_buf *out);
int selector_format_gitlab(const struct selector_result *r, struct gi_buf *out);

/* Length of the UTF-8 sequence at s (1..4), or 0 when it is invalid. */
static int utf8_seq(const unsigned char *s)
{
	unsigned c = s[0], cp;
	int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

	if (n <= 1)
		return n;
	cp = c & (0x7F >> n);
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* GI_EINPUT naming the test when `s` is not valid UTF-8. */
static int check_utf8(const char *s, const char *fmt)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_seq(p);

		if (!n)
			return gi_error_setc(GI_EINPUT,
					     "test id '%.*s' is not valid UTF-8 at byte %zu: cannot write it as %s",
					     (int)((const char *)p - s), s, (size_t)((const char *)p - s), fmt);
		p += n;
	}
	return 0;
}

/* A JSON number, or null when not finite or `unknown` (negative means unknown). */
static json_t *jnum(double v, int unknown)
{
	return unknown || !isfinite(v) ? json_null() : json_real(v);
}

/* Append the serialisation of `j` (consumed) to out. */
static int dump_cb(const char *buf, size_t size, void *data)
{
	return gi_buf_add(data, buf, size) ? -1 : 0;
}

static int dump(json_t *j, size_t flags, struct gi_buf *out)
{
	int err = 0;

	if (json_dump_callback(j, dump_cb, out, flags))
		err = gi_error_setc(GI_ELIMIT, "selection output exceeds %zu bytes", out->max);
	json_decref(j);
	return err;
}

static json_t *guarantee_json(const struct selector_guarantee *g)
{
	json_t *o = json_object();

	json_object_set_new(o, "stated", json_boolean(g->stated));
	json_object_set_new(o, "level", json_string(g->level_test ? "test" : "change"));
	json_object_set_new(o, "recall", jnum(g->recall, 0));
	json_object_set_new(o, "confidence", jnum(g->confidence, 0));
	json_object_set_new(o, "threshold", jnum(g->threshold, !g->stated));
	json_object_set_new(o, "bound", jnum(g->bound, 0));
	json_object_set_new(o, "misses", json_integer((json_int_t)g->misses));
	json_object_set_new(o, "calibration_runs", json_integer((json_int_t)g->runs));
	json_object_set_new(o, "calibration_full", json_integer((json_int_t)(g->runs - g->audit_values)));
	json_object_set_new(o, "calibration_audit", json_integer((json_int_t)g->audit_values));
	json_object_set_new(o, "runs_needed", json_integer((json_int_t)g->runs_needed));
	return o;
}

static json_t *summary_json(const struct selector_result *r)
{
	json_t *o = json_object(), *by = json_object(), *shards = json_array();

	json_object_set_new(o, "tests", json_integer((json_int_t)r->nr));
	json_object_set_new(o, "selected", json_integer((json_int_t)r->nselected));
	json_object_set_new(o, "skipped", json_integer((json_int_t)(r->nr - r->nselected)));
	for (int i = 0; i < SELECTOR_REASON_NR; i++)
		json_object_set_new(by, selector_reason_name(i), json_integer((json_int_t)r->by_reason[i]));
	json_object_set_new(o, "by_reason", by);
	json_object_set_new(o, "seconds_selected", jnum(r->seconds_selected, 0));
	json_object_set_new(o, "seconds_total", jnum(r->seconds_total, 0));
	json_object_set_new(o, "fallback", json_boolean(r->fallback != NULL));
	json_object_set_new(o, "fallback_reason", r->fallback ? json_string(r->fallback) : json_null());
	json_object_set_new(o, "guarantee", guarantee_json(&r->guarantee));
	json_object_set_new(o, "budget", jnum(r->budget, r->budget <= 0));
	json_object_set_new(o, "budget_exceeded", json_boolean(r->budget_exceeded));
	for (int s = 0; s < r->nshards; s++) {
		json_t *sh = json_object();

		json_object_set_new(sh, "shard", json_integer(s + 1));
		json_object_set_new(sh, "tests", json_integer((json_int_t)r->shard_tests[s]));
		json_object_set_new(sh, "seconds", jnum(r->shard_seconds[s], 0));
		json_array_append_new(shards, sh);
	}
	json_object_set_new(o, "shards", shards);
	return o;
}

/* GI_EINPUT when any id, path or the fallback reason is not valid UTF-8. */
static int check_result_utf8(const struct selector_result *r, const char *fmt)
{
	int err = r->fallback ? check_utf8(r->fallback, fmt) : 0;

	for (size_t i = 0; !err && i < r->nr; i++) {
		err = check_utf8(r->v[i].id, fmt);
		if (!err && r->v[i].path)
			err = check_utf8(r->v[i].path, fmt);
	}
	return err;
}

/*
 * The json format is written as jansson's json_dumps(JSON_INDENT(1)) would
 * write it (the unit tests compare both), but streamed: a jansson tree of
 * 10,000 tests cost more than the rest of a warm select.
 */

/* A JSON string as jansson escapes it: '"', '\\' and control characters; UTF-8 as is. */
static int put_jstr(struct gi_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	int err = gi_buf_addch(out, '"');

	for (; !err && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7] = { '\\', 0 };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		err = gi_buf_add(out, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': case '\\': esc[1] = (char)c; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
		}
		if (!err)
			err = gi_buf_adds(out, esc);
	}
	if (!err)
		err = gi_buf_add(out, run, (size_t)(s - run));
	return err ? err : gi_buf_addch(out, '"');
}

/* A real as jansson writes it (%.17g, a ".0" when it looks integral, the exponent bare). */
static int put_jreal(struct gi_buf *out, double v, int unknown)
{
	char b[40], *e;
	int n;

	if (unknown || !isfinite(v))
		return gi_buf_adds(out, "null");
	n = snprintf(b, sizeof(b) - 2, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(b) - 2)
		return gi_error_set("cannot write the number %g", v);
	for (char *p = b; *p; p++)
		if (*p == ',')
			*p = '.'; /* a locale's decimal comma */
	if (!strchr(b, '.') && !strchr(b, 'e'))
		memcpy(b + n, ".0", 3);
	if ((e = strchr(b, 'e'))) {
		char *digits = e + 1 + (e[1] == '-'), *from = e + 2;

		while (*from == '0')
			from++;
		memmove(digits, from, strlen(from) + 1);
	}
	return gi_buf_adds(out, b);
}

/* One test of the "tests" array (at depth 2 of the document). */
static int put_test(struct gi_buf *out, const struct selector_test *t)
{
	static const char *const kind_names[] = { "\"code\"", "\"data\"", "\"param\"", "\"model\"" };
	int err, nk = 0;

	if ((err = gi_buf_adds(out, "{\n   \"id\": ")) || (err = put_jstr(out, t->id)) ||
	    (err = gi_buf_adds(out, t->selected ? ",\n   \"selected\": true,\n   \"reason\": \"" :
					       ",\n   \"selected\": false,\n   \"reason\": \"")) ||
	    (err = gi_buf_adds(out, selector_reason_name(t->reason))) ||
	    (err = gi_buf_adds(out, "\",\n   \"path\": ")) ||
	    (err = t->path ? put_jstr(out, t->path) : gi_buf_adds(out, "null")) ||
	    (err = gi_buf_adds(out, ",\n   \"kinds\": [")))
		return err;
	for (unsigned i = 0; !err && i < GI_ARRAY_SIZE(kind_names); i++)
		if (t->kinds & (1u << i))
			err = gi_buf_printf(out, "%s\n    %s", nk++ ? "," : "", kind_names[i]);
	if (err || (err = gi_buf_adds(out, nk ? "\n   ],\n   \"score\": " : "],\n   \"score\": ")) ||
	    (err = put_jreal(out, t->score, t->score < 0)) ||
	    (err = gi_buf_adds(out, ",\n   \"duration\": ")) ||
	    (err = put_jreal(out, t->duration, t->duration < 0)))
		return err;
	if (t->shard && (err = gi_buf_printf(out, ",\n   \"shard\": %d", t->shard)))
		return err;
	return gi_buf_adds(out, "\n  }");
}

/* The summary object, dumped by jansson (it is small) one level deeper. */
static int put_summary(struct gi_buf *out, const struct selector_result *r)
{
	struct gi_buf tmp = GI_BUF_INIT;
	const char *p, *nl;
	int err;

	tmp.max = out->max;
	if ((err = dump(summary_json(r), JSON_INDENT(1), &tmp)))
		goto done;
	for (p = gi_buf_cstr(&tmp); !err && (nl = strchr(p, '\n')); p = nl + 1)
		err = gi_buf_add(out, p, (size_t)(nl + 1 - p)) ? GI_ELIMIT : gi_buf_addch(out, ' ');
	if (!err)
		err = gi_buf_adds(out, p);
done:
	gi_buf_release(&tmp);
	return err ? gi_error_setc(GI_ELIMIT, "selection output exceeds %zu bytes", out->max) : 0;
}

int selector_format_json(const struct selector_result *r, struct gi_buf *out)
{
	int err = check_result_utf8(r, "json");

	if (!err)
		err = gi_buf_adds(out, "{\n \"version\": 1,\n \"summary\": ");
	if (!err)
		err = put_summary(out, r);
	if (!err)
		err = gi_buf_adds(out, r->nr ? ",\n \"tests\": [\n  " : ",\n \"tests\": []");
	for (size_t i = 0; !err && i < r->nr; i++) {
		err = put_test(out, &r->v[i]);
		if (!err)
			err = gi_buf_adds(out, i + 1 < r->nr ? ",\n  " : "\n ]");
	}
	if (!err)
		err = gi_buf_adds(out, "\n}\n");
	if (err == GI_ELIMIT)
		err = gi_error_setc(GI_ELIMIT, "selection output exceeds %zu bytes", out->max);
	return err;
}

/* Selected ids of shard s (1-based; every selected test when unsharded). */
static void shard_ids(const struct selector_result *r, int s, struct gi_strvec *ids)
{
	for (size_t i = 0; i < r->nr; i++)
		if (r->v[i].selected && (!r->nshards || r->v[i].shard == s))
			gi_strvec_push(ids, r->v[i].id);
}

/* ids joined by '\n' into `tests`, shell-quoted and joined by ' ' into `args`. */
static int join_ids(const struct gi_strvec *ids, struct gi_buf *tests, struct gi_buf *args)
{
	int err = 0;

	for (size_t i = 0; !err && i < ids->nr; i++) {
		err = gi_buf_adds(tests, ids->v[i]);
		if (!err && i + 1 < ids->nr)
			err = gi_buf_addch(tests, '\n');
		if (!err && i)
			err = gi_buf_addch(args, ' ');
		if (!err)
			err = selector_shell_quote(args, ids->v[i]);
	}
	return err;
}

static double shard_secs(const struct selector_result *r, int s)
{
	return r->nshards ? r->shard_seconds[s - 1] : r->seconds_selected;
}

/* Append one matrix entry for shard s to `include`; GI_ELIMIT past the buffer limit. */
static int matrix_entry(const struct selector_result *r, int s, const struct gi_strvec *ids,
			json_t *include)
{
	struct gi_buf tests = GI_BUF_INIT, args = GI_BUF_INIT;
	json_t *e = NULL;
	int err = join_ids(ids, &tests, &args);

	if (!err) {
		e = json_object();
		json_object_set_new(e, "shard", json_integer(s));
		json_object_set_new(e, "count", json_integer((json_int_t)ids->nr));
		json_object_set_new(e, "seconds", jnum(shard_secs(r, s), 0));
		json_object_set_new(e, "tests", json_string(gi_buf_cstr(&tests)));
		json_object_set_new(e, "pytest_args", json_string(gi_buf_cstr(&args)));
		json_array_append_new(include, e);
	}
	gi_buf_release(&tests);
	gi_buf_release(&args);
	return err;
}

int selector_format_github(const struct selector_result *r, struct gi_buf *out)
{
	json_t *doc = NULL, *include = NULL;
	int n = r->nshards ? r->nshards : 1;
	int err = check_result_utf8(r, "github-matrix");

	if (err)
		goto done;
	doc = json_object();
	include = json_array();
	json_object_set_new(doc, "include", include);
	for (int s = 1; !err && s <= n; s++) {
		struct gi_strvec ids = GI_STRVEC_INIT;

		shard_ids(r, s, &ids);
		if (ids.nr || (s == n && !json_array_size(include)))
			err = matrix_entry(r, s, &ids, include);
		gi_strvec_clear(&ids);
	}
	if (!err) {
		err = dump(doc, JSON_COMPACT, out);
		doc = NULL;
	}
	if (!err)
		err = gi_buf_addch(out, '\n');
done:
	json_decref(doc);
	return err;
}

/*
 * A YAML double-quoted scalar: '"' and '\' escaped, control characters
 * as \xXX, and the characters YAML takes for line breaks or a BOM
 * (U+0085, U+2028, U+2029, U+FEFF) as escapes.  `s` is valid UTF-8.
 */
static int put_yq(struct gi_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int err = gi_buf_addch(out, '"');

	while (!err && *p) {
		int n = utf8_seq(p);

		if (*p == '"' || *p == '\\')
			err = gi_buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7F)
			err = gi_buf_printf(out, "\\x%02x", *p);
		else if (n == 2 && p[0] == 0xC2 && p[1] == 0x85)
			err = gi_buf_adds(out, "\\N");
		else if (n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
			err = gi_buf_adds(out, p[2] == 0xA8 ? "\\L" : "\\P");
		else if (n == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
			err = gi_buf_adds(out, "\\uFEFF");
		else
			err = gi_buf_add(out, p, (size_t)(n ? n : 1));
		p += n ? n : 1;
	}
	return err ? err : gi_buf_addch(out, '"');
}

static const char gitlab_head[] =
	"# git impact select --format gitlab: a child pipeline, one job per shard.\n"
	"# Each job writes its test ids to impact-tests.txt (one per line) and runs\n"
	"# ${IMPACT_RUNNER:-python -m pytest} @impact-tests.txt.\n"
	"stages:\n  - test\n";

/* The job of shard s with its ids. */
static int gitlab_job(const struct selector_result *r, int s, const struct gi_strvec *ids,
		      struct gi_buf *out)
{
	struct gi_buf tests = GI_BUF_INIT, args = GI_BUF_INIT;
	int err = join_ids(ids, &tests, &args);

	if (!err)
		err = gi_buf_printf(out,
				    "impact-shard-%d:\n  stage: test\n  variables:\n"
				    "    IMPACT_SHARD: \"%d\"\n    IMPACT_SHARD_SECONDS: \"%.1f\"\n"
				    "    IMPACT_TESTS:\n      expand: false\n      value: ",
				    s, s, shard_secs(r, s));
	if (!err)
		err = put_yq(out, gi_buf_cstr(&tests));
	if (!err)
		err = gi_buf_adds(out, "\n  script:\n    - ");
	if (!err)
		err = put_yq(out, "printf '%s\\n' \"$IMPACT_TESTS\" > impact-tests.txt");
	if (!err)
		err = gi_buf_adds(out, "\n    - ");
	if (!err)
		err = put_yq(out, "${IMPACT_RUNNER:-python -m pytest} @impact-tests.txt");
	if (!err)
		err = gi_buf_addch(out, '\n');
	gi_buf_release(&tests);
	gi_buf_release(&args);
	return err;
}

int selector_format_gitlab(const struct selector_result *r, struct gi_buf *out)
{
	int n = r->nshards ? r->nshards : 1, jobs = 0;
	int err = check_result_utf8(r, "gitlab");

	if (!err)
		err = gi_buf_adds(out, gitlab_head);
	for (int s = 1; !err && s <= n; s++) {
		struct gi_strvec ids = GI_STRVEC_INIT;

		shard_ids(r, s, &ids);
		if (ids.nr) {
			err = gitlab_job(r, s, &ids, out);
			jobs++;
		}
		gi_strvec_clear(&ids);
	}
	if (!err && !jobs)
		err = gi_buf_adds(out, "impact-none:\n  stage: test\n  script:\n"
				  "    - \"echo 'git-impact selected no tests'\"\n");
	return err;
}
