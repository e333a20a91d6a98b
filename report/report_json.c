/*
 * report_json.c - the report as JSON: every figure, per week and for the
 * window.  A figure the runs cannot establish is null, with a status
 * string saying why ("unknown", "no failures").
 */
#include "report_int.h"

#include <jansson.h>

/* A number, or null when negative (unknown). */
static json_t *num_or_null(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static json_t *date_of(int64_t t)
{
	char buf[16];

	report_fmt_date(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *share_of(const struct report_week *w)
{
	if (w->share[0] < 0)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f}", "min", w->share[0], "q1", w->share[1],
			 "median", w->share[2], "q3", w->share[3], "max", w->share[4]);
}

static json_t *runs_of(const struct report_week *w)
{
	json_t *o = json_object();

	for (int k = 0; k < REPORT_NRUNKINDS; k++)
		json_object_set_new(o, report_run_kind_name(k), json_integer(w->runs[k]));
	return o;
}

static const char *recall_status(const struct report_week *w)
{
	if (!w->checks)
		return "unknown";
	return w->recall < 0 ? "no failures" : "known";
}

static json_t *week_json(const struct report_week *w)
{
	json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:o, s:I, s:I}", "week", w->label,
			      "start", date_of(w->start), "selections", (json_int_t)w->selections,
			      "fallbacks", (json_int_t)w->fallbacks, "runs", runs_of(w),
			      "checks", (json_int_t)w->checks, "failures", (json_int_t)w->failures);

	json_object_set_new(o, "tests_selected_mean", num_or_null(w->selected_mean));
	json_object_set_new(o, "tests_total_mean", num_or_null(w->total_mean));
	json_object_set_new(o, "reduction", num_or_null(report_reduction(w)));
	json_object_set_new(o, "selected_share", share_of(w));
	json_object_set_new(o, "time_run_seconds", num_or_null(w->time_run));
	json_object_set_new(o, "time_all_seconds", num_or_null(w->time_full));
	json_object_set_new(o, "time_saved_seconds", num_or_null(w->saved));
	json_object_set_new(o, "estimated_run_seconds", num_or_null(w->est_run));
	json_object_set_new(o, "estimated_all_seconds", num_or_null(w->est_full));
	json_object_set_new(o, "caught", json_integer(w->caught));
	json_object_set_new(o, "missed", w->checks || w->missed ? json_integer(w->missed) : json_null());
	json_object_set_new(o, "missed_complete", json_boolean(w->checks > 0));
	json_object_set_new(o, "recall", w->checks ? num_or_null(w->recall) : json_null());
	json_object_set_new(o, "recall_status", json_string(recall_status(w)));
	json_object_set_new(o, "recall_target", num_or_null(w->target));
	json_object_set_new(o, "guarantees_stated", json_integer(w->stated));
	json_object_set_new(o, "flaky_tests", json_integer(w->flaky));
	return o;
}

static json_t *kinds_json(const struct report *r)
{
	json_t *o = json_object();

	for (int k = 0; k < REPORT_NKINDS; k++) {
		const struct report_kind_row *row = &r->kinds[k];
		double share = row->selections ? row->share_sum / (double)row->selections : -1;

		json_object_set_new(o, report_kind_name(k),
			json_pack("{s:I, s:o, s:I, s:I}", "selections", (json_int_t)row->selections,
				  "selected_share_mean", num_or_null(share),
				  "caught", (json_int_t)row->caught, "missed", (json_int_t)row->missed));
	}
	return o;
}

static json_t *kind_names(unsigned kinds)
{
	int v[REPORT_NKINDS];
	size_t n = report_kinds_of(kinds, v);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(report_kind_name(v[i])));
	return a;
}

static json_t *misses_json(const struct report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nmisses; i++) {
		const struct report_miss *m = &r->misses[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}",
			"week", r->weeks[m->week].label, "test", m->test,
			"introduced", m->introduced, "skipped_at", m->skipped_at,
			"found_at", m->found_at, "found_by", m->found_by,
			"time", (json_int_t)m->time, "kinds", kind_names(m->kinds)));
	}
	return a;
}

static json_t *tops_json(const struct report_test *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f, s:I, s:I}", "test", v[i].name,
			"seconds", v[i].seconds, "runs", (json_int_t)v[i].runs,
			"flaky_commits", (json_int_t)v[i].flaky));
	return a;
}

static json_t *never_json(const struct report *r)
{
	json_t *a;

	if (!r->total.selections)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < r->never.nr; i++)
		json_array_append_new(a, json_string(r->never.v[i]));
	return a;
}

static json_t *report_json(const struct report *r)
{
	json_t *weeks = json_array();

	for (size_t i = 0; i < r->nweeks; i++)
		json_array_append_new(weeks, week_json(&r->weeks[i]));
	return json_pack("{s:i, s:{s:o, s:o, s:I, s:I}, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:I}",
		"version", 1,
		"window", "since", date_of(r->since), "until", date_of(r->until),
		"weeks", (json_int_t)r->nweeks, "generated", (json_int_t)r->generated,
		"weeks", weeks, "total", week_json(&r->total),
		"weeks_with_checks", (json_int_t)r->verified_weeks,
		"by_kind", kinds_json(r), "missed", misses_json(r),
		"costliest", tops_json(r->costly, r->ncostly),
		"flakiest", tops_json(r->flaky, r->nflaky),
		"never_selected", never_json(r), "tests_known", (json_int_t)r->tests_known);
}

int report_write_json(const struct report *r, struct gi_buf *out)
{
	json_t *doc = report_json(r);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	int err = 0;

	if (!text)
		err = gi_error_set("report: cannot build the JSON output");
	else if (gi_buf_adds(out, text) || gi_buf_addch(out, '\n'))
		err = gi_error_setc(GI_ELIMIT, "report: the JSON output is larger than %zu bytes",
				    out->max);
	free(text);
	json_decref(doc);
	return err;
}
