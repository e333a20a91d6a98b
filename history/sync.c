/*
 * sync.c - a commit's runs as a git note: one JSON object per line, one line
 * per run, merged by union (runs by key, tests by id, outcomes as within a
 * run), so notes from parallel CI jobs and several clones combine without
 * loss.  A line this version cannot read is kept verbatim, never dropped.
 */
#include <jansson.h>

#include "history.h"
#include "store.h"

struct history_notes {
	json_t *commits; /* commit -> { "runs": {key: run}, "raw": [line], "base": text } */
	size_t refused;
};

static const char *const note_kinds[] = { "ci", "hook", "audit", "full" };

struct history_notes *history_notes_new(void)
{
	struct history_notes *ns = gi_xcalloc(1, sizeof(*ns));

	ns->commits = json_object();
	return ns;
}

void history_notes_free(struct history_notes *ns)
{
	if (!ns)
		return;
	json_decref(ns->commits);
	free(ns);
}

size_t history_notes_refused(const struct history_notes *ns)
{
	return ns->refused;
}

size_t history_notes_count(const struct history_notes *ns)
{
	return json_object_size(ns->commits);
}

/* The entry of `commit`, created empty when new.  Borrowed. */
static json_t *commit_entry(struct history_notes *ns, const char *commit)
{
	json_t *e = json_object_get(ns->commits, commit);

	if (!e) {
		e = json_pack("{s:{}, s:[]}", "runs", "raw");
		json_object_set_new(ns->commits, commit, e);
	}
	return e;
}

static int valid_kind(const char *kind)
{
	for (size_t i = 0; i < GI_ARRAY_SIZE(note_kinds); i++)
		if (!strcmp(kind, note_kinds[i]))
			return 1;
	return 0;
}

/* NULL when `t` is a valid [outcome, duration|null, audit] triple, else why not. */
static const char *check_result(const char *name, json_t *t)
{
	json_t *o = json_array_get(t, 0), *d = json_array_get(t, 1), *a = json_array_get(t, 2);

	if (!*name || strlen(name) > HISTORY_MAX_NAME)
		return "a test id is empty or too long";
	if (!json_is_array(t) || json_array_size(t) != 3 || !json_is_integer(o) ||
	    json_integer_value(o) < 0 || json_integer_value(o) >= HISTORY_NOUTCOMES)
		return "a result is not [outcome, duration, audit]";
	if (!(json_is_null(d) || json_is_number(d)) || !json_is_integer(a) ||
	    (json_integer_value(a) != 0 && json_integer_value(a) != 1))
		return "a result has a bad duration or audit flag";
	return NULL;
}

/*
 * NULL when `a` (a run's optional "audit" member) is a valid audit sample
 * {"share": (0, 1], "seed": "<16 hex>", "expect": [test id, ...]}, else why not.
 */
static const char *check_audit(json_t *a)
{
	json_t *share = json_object_get(a, "share"), *expect = json_object_get(a, "expect"), *v;
	const char *seed = json_string_value(json_object_get(a, "seed"));
	size_t i;

	if (!json_is_object(a) || !json_is_number(share) || !(json_number_value(share) > 0) ||
	    json_number_value(share) > 1)
		return "the audit sample has no share in (0, 1]";
	if (!seed || strlen(seed) != 16 || strspn(seed, "0123456789abcdef") != 16)
		return "the audit sample's seed is not 16 hex digits";
	if (!json_is_array(expect))
		return "the audit sample has no expected tests";
	json_array_foreach(expect, i, v)
		if (!json_is_string(v) || !json_string_length(v) ||
		    json_string_length(v) > HISTORY_MAX_NAME || strlen(json_string_value(v)) !=
		    json_string_length(v))
			return "an expected test of the audit sample is not a test id";
	return NULL;
}

/* NULL when `run` is a valid version-1 run of `commit`, else why not (static text). */
static const char *check_run(json_t *run, const char *commit, char *why, size_t whysize)
{
	json_t *v = json_object_get(run, "impact"), *tests = json_object_get(run, "tests");
	const char *key = json_string_value(json_object_get(run, "run"));
	const char *c = json_string_value(json_object_get(run, "commit"));
	const char *kind = json_string_value(json_object_get(run, "kind"));
	json_t *full = json_object_get(run, "full"), *t;
	const char *name, *bad;

	if (!json_is_integer(v))
		return "not a git-impact note line (no \"impact\" version)";
	if (json_integer_value(v) > HISTORY_NOTE_VERSION) {
		snprintf(why, whysize, "written by a newer git-impact (note format %lld, this one reads %d)",
			 (long long)json_integer_value(v), HISTORY_NOTE_VERSION);
		return why;
	}
	if (json_integer_value(v) != HISTORY_NOTE_VERSION || !key || !*key || !c || strcmp(c, commit))
		return "bad version, run key or commit";
	if (!json_is_integer(json_object_get(run, "time")) || !kind || !valid_kind(kind) ||
	    !json_is_integer(full) || !json_is_object(tests))
		return "bad time, kind, full flag or tests";
	json_object_foreach(tests, name, t)
		if ((bad = check_result(name, t)))
			return bad;
	if (json_object_get(run, "audit"))
		return check_audit(json_object_get(run, "audit"));
	return NULL;
}

/* Merge result triple `t` into the run's tests object. */
static void merge_result(json_t *tests, const char *name, json_t *t)
{
	json_t *old = json_object_get(tests, name);
	double d1, d2;
	int o;

	if (!old) {
		json_object_set_new(tests, name, json_deep_copy(t));
		return;
	}
	o = history_outcome_merge((int)json_integer_value(json_array_get(old, 0)),
				  (int)json_integer_value(json_array_get(t, 0)));
	json_array_set_new(old, 0, json_integer(o));
	d1 = json_is_number(json_array_get(old, 1)) ? json_number_value(json_array_get(old, 1)) : -1;
	d2 = json_is_number(json_array_get(t, 1)) ? json_number_value(json_array_get(t, 1)) : -1;
	if (d2 > d1)
		json_array_set_new(old, 1, json_real(d2));
	if (!json_integer_value(json_array_get(t, 2)))
		json_array_set_new(old, 2, json_integer(0));
}

/* Merge a checked run into the commit's runs (union). */
static void merge_run(json_t *runs, json_t *run)
{
	const char *key = json_string_value(json_object_get(run, "run"));
	json_t *old = json_object_get(runs, key), *tests, *t;
	const char *name;

	if (!old) {
		json_object_set_new(runs, key, json_deep_copy(run));
		return;
	}
	if (json_integer_value(json_object_get(run, "full")))
		json_object_set_new(old, "full", json_integer(1));
	if (!json_object_get(old, "audit") && json_object_get(run, "audit"))
		json_object_set(old, "audit", json_object_get(run, "audit")); /* the first link stays */
	if (json_integer_value(json_object_get(run, "time")) <
	    json_integer_value(json_object_get(old, "time")))
		json_object_set(old, "time", json_object_get(run, "time"));
	tests = json_object_get(old, "tests");
	json_object_foreach(json_object_get(run, "tests"), name, t)
		merge_result(tests, name, t);
}

/* Keep a line this version cannot read, verbatim and once. */
static void keep_raw(json_t *raw, const char *line, size_t len)
{
	size_t i;
	json_t *v;

	json_array_foreach(raw, i, v)
		if (json_string_length(v) == len && !memcmp(json_string_value(v), line, len))
			return;
	json_array_append_new(raw, json_stringn(line, len));
}

static void add_line(struct history_notes *ns, json_t *entry, const char *commit,
		     const char *line, size_t len, const char *where, size_t lineno)
{
	json_error_t jerr;
	json_t *run = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	char why[128];
	const char *bad = run ? check_run(run, commit, why, sizeof(why)) : jerr.text;

	if (bad) {
		gi_warn("cannot read the note of commit %s in '%s' at line %zu: %s; kept as is, not imported",
			commit, where, lineno, bad);
		ns->refused++;
		keep_raw(json_object_get(entry, "raw"), line, len);
	} else {
		merge_run(json_object_get(entry, "runs"), run);
	}
	json_decref(run);
}

int history_notes_add_text(struct history_notes *ns, const char *commit, const char *text,
			   size_t len, const char *where, int base)
{
	json_t *entry;
	size_t lineno = 0;
	const char *p = text, *end = text + len, *nl;

	if (strlen(commit) != 40 || strspn(commit, "0123456789abcdef") != 40)
		return gi_error_setc(GI_EINPUT, "a note in '%s' is attached to '%s', not a commit id",
				     where, commit);
	entry = commit_entry(ns, commit);
	if (base)
		json_object_set_new(entry, "base", json_stringn(text, len));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		if (nl > p)
			add_line(ns, entry, commit, p, (size_t)(nl - p), where, lineno);
		p = nl + 1;
	}
	return 0;
}

/* ---- from the store ----------------------------------------------------- */

struct store_reader {
	struct history_notes *ns;
	json_t *run;       /* the run being filled (borrowed from ns) */
	char key[256 + 41]; /* commit and run key of `run` */
};

/* The run's audit sample as a note member, or NULL when it has none. */
static json_t *audit_json(const struct store_sync_row *row)
{
	json_t *expect;
	char seed[17];

	if (!(row->audit_share > 0 && row->audit_share <= 1))
		return NULL;
	expect = json_array();
	for (size_t at = 0, n; at < row->audit_expect_len; at += n + 1) {
		n = strnlen(row->audit_expect + at, row->audit_expect_len - at);
		if (n)
			json_array_append_new(expect, json_stringn(row->audit_expect + at, n));
	}
	gi_hex64(row->audit_seed, seed);
	return json_pack("{s:f, s:s, s:o}", "share", row->audit_share, "seed", seed, "expect", expect);
}

static json_t *new_run(const struct store_sync_row *row)
{
	json_t *run = json_pack("{s:i, s:s, s:s, s:I, s:s, s:i, s:{}}", "impact", HISTORY_NOTE_VERSION,
				"run", row->run_key, "commit", row->commit, "time",
				(json_int_t)row->time, "kind", valid_kind(row->kind) ? row->kind : "ci",
				"full", !!row->full, "tests");
	json_t *audit = audit_json(row);

	if (audit)
		json_object_set_new(run, "audit", audit);
	return run;
}

static int read_row(void *data, const struct store_sync_row *row)
{
	struct store_reader *r = data;
	json_t *t;
	char key[sizeof(r->key)];

	snprintf(key, sizeof(key), "%s %s", row->commit, row->run_key);
	if (!r->run || strcmp(key, r->key)) {
		json_t *runs = json_object_get(commit_entry(r->ns, row->commit), "runs");
		json_t *fresh = new_run(row);

		merge_run(runs, fresh);
		json_decref(fresh);
		r->run = json_object_get(runs, row->run_key);
		snprintf(r->key, sizeof(r->key), "%s", key);
	}
	if (!row->test)
		return 0;
	t = json_pack("[i, o, i]", row->outcome,
		      row->duration < 0 ? json_null() : json_real(row->duration), !!row->audit);
	merge_result(json_object_get(r->run, "tests"), row->test, t);
	json_decref(t);
	return 0;
}

int history_notes_add_store(struct history_notes *ns, struct store *s)
{
	struct store_reader r = { ns, NULL, "" };

	return store_sync_each(s, read_row, &r);
}

/* ---- to notes ----------------------------------------------------------- */

/* Byte order of two kept lines (JSON strings: they may hold NUL bytes). */
static int cmp_raw(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	size_t nx = json_string_length(x), ny = json_string_length(y);
	int c = memcmp(json_string_value(x), json_string_value(y), nx < ny ? nx : ny);

	return c ? c : (nx > ny) - (nx < ny);
}

/* Append the kept lines (unique already), sorted, each with all its bytes. */
static int note_raw(json_t *rawv, struct gi_buf *b)
{
	size_t i, n = json_array_size(rawv);
	json_t **raw = gi_xcalloc(n ? n : 1, sizeof(*raw));
	int err = 0;

	for (i = 0; i < n; i++)
		raw[i] = json_array_get(rawv, i);
	if (n)
		gi_qsort(raw, n, sizeof(*raw), cmp_raw);
	for (i = 0; !err && i < n; i++)
		if (!(err = gi_buf_add(b, json_string_value(raw[i]), json_string_length(raw[i]))))
			err = gi_buf_addch(b, '\n');
	free(raw);
	return err;
}

/* The canonical text of one commit's note: runs by key, then kept lines. */
static int note_text(json_t *entry, struct gi_buf *b)
{
	json_t *runs = json_object_get(entry, "runs"), *v;
	struct gi_strvec keys = GI_STRVEC_INIT;
	const char *key;
	char *line;
	size_t i;
	int err = 0;

	json_object_foreach(runs, key, v)
		gi_strvec_push(&keys, key);
	gi_strvec_sort_uniq(&keys);
	for (i = 0; !err && i < keys.nr; i++) {
		line = json_dumps(json_object_get(runs, keys.v[i]), JSON_COMPACT | JSON_SORT_KEYS);
		err = gi_buf_printf(b, "%s\n", line);
		free(line);
	}
	if (!err)
		err = note_raw(json_object_get(entry, "raw"), b);
	gi_strvec_clear(&keys);
	return err ? gi_error_setc(GI_ELIMIT, "a note would exceed %zu MiB", b->max >> 20) : 0;
}

int history_notes_each(struct history_notes *ns, history_note_fn fn, void *data)
{
	struct gi_buf b;
	const char *commit;
	json_t *entry;
	int err = 0;

	gi_buf_init(&b, HISTORY_NOTE_MAX);
	json_object_foreach(ns->commits, commit, entry) {
		json_t *base = json_object_get(entry, "base");
		int changed;

		gi_buf_reset(&b);
		if ((err = note_text(entry, &b)))
			break;
		changed = !base || json_string_length(base) != b.len ||
			  memcmp(json_string_value(base), gi_buf_cstr(&b), b.len);
		if ((err = fn(data, commit, gi_buf_cstr(&b), b.len, changed)))
			break;
	}
	gi_buf_release(&b);
	return err;
}

/* ---- into the store ----------------------------------------------------- */

/* Find the run or add it; 1 when it belongs to another commit (skip it). */
static int import_open_run(struct store *s, json_t *run, const char *commit, struct store_run *out,
			   struct history_import_result *res)
{
	const char *key = json_string_value(json_object_get(run, "run"));
	int err = store_run_find(s, key, out);

	if (!err && strcmp(out->commit, commit)) {
		gi_warn("run '%s' of commit %s in the notes is run of commit %s in the store; not imported",
			key, commit, out->commit);
		res->runs_skipped++;
		return 1;
	}
	if (!err && json_integer_value(json_object_get(run, "full")) && !out->full)
		err = store_run_set_full(s, out->id);
	if (err != GI_ENOTFOUND)
		return err;
	memset(out, 0, sizeof(*out));
	snprintf(out->commit, sizeof(out->commit), "%s", commit);
	out->time = json_integer_value(json_object_get(run, "time"));
	out->full = !!json_integer_value(json_object_get(run, "full"));
	snprintf(out->kind, sizeof(out->kind), "%s", json_string_value(json_object_get(run, "kind")));
	res->runs_new++;
	return store_run_add(s, key, out, "git notes");
}

/* A run without an audit sample in the store takes the note's (checked). */
static int import_audit(struct store *s, const struct store_run *run, json_t *a)
{
	json_t *expect = json_object_get(a, "expect"), *v;
	struct gi_buf b;
	uint64_t seed = 0;
	size_t i;
	int err = 0;

	if (!a || run->audit_share > 0)
		return 0;
	for (const char *p = json_string_value(json_object_get(a, "seed")); *p; p++)
		seed = seed << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	gi_buf_init(&b, (size_t)64 << 20);
	json_array_foreach(expect, i, v)
		if (!err)
			err = gi_buf_add(&b, json_string_value(v), json_string_length(v) + 1);
	if (err)
		err = gi_error_setc(GI_ELIMIT, "the audit sample of run '%s' is too large", run->commit);
	else
		err = store_run_set_audit_packed(s, run->id, json_number_value(json_object_get(a, "share")),
						 seed, b.ptr, b.len);
	gi_buf_release(&b);
	return err;
}

static int import_result(struct store *s, const struct store_run *run, const char *name,
			 json_t *t, struct history_import_result *res)
{
	json_t *jd = json_array_get(t, 1);
	int outcome = (int)json_integer_value(json_array_get(t, 0)), old, merged, err;
	double d = json_is_number(jd) ? json_number_value(jd) : -1, oldd;
	int64_t test;

	if ((err = store_test_ensure(s, name, NULL, run->time, &test)))
		return err;
	err = store_result_add(s, run->id, test, outcome, d,
			       (int)json_integer_value(json_array_get(t, 2)));
	if (err != 0) {
		res->results_new += err > 0;
		return err < 0 ? err : 0;
	}
	if ((err = store_result_get(s, run->id, test, &old, &oldd)))
		return err;
	merged = history_outcome_merge(old, outcome);
	if (merged == old && d <= oldd)
		return 0;
	return store_result_set(s, run->id, test, merged, d > oldd ? d : oldd);
}

static int import_commit(struct store *s, const char *commit, json_t *entry,
			 struct history_import_result *res)
{
	struct store_run run;
	const char *key, *name;
	json_t *r, *t;
	int err;

	json_object_foreach(json_object_get(entry, "runs"), key, r) {
		if ((err = import_open_run(s, r, commit, &run, res)) > 0)
			continue;
		if (err || (err = import_audit(s, &run, json_object_get(r, "audit"))))
			return err;
		json_object_foreach(json_object_get(r, "tests"), name, t)
			if ((err = import_result(s, &run, name, t, res)))
				return err;
		if ((err = store_run_audit_refresh(s, run.id)))
			return err;
	}
	return 0;
}

int history_notes_import(struct history_notes *ns, struct store *s,
			 struct history_import_result *res)
{
	const char *commit;
	json_t *entry;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = store_begin(s)))
		return err;
	json_object_foreach(ns->commits, commit, entry)
		if ((err = import_commit(s, commit, entry, res)))
			break;
	if (!err)
		err = store_commit(s);
	if (err)
		store_rollback(s);
	return err;
}
