/*
 * report_md.c - the report as Markdown, short enough for a pull-request
 * comment or a chat message: a summary line, one table row per week, the
 * breakdown by kind of change, missed failures, and the test lists (long
 * lists folded in <details>).
 */
#include "report_int.h"

#define MD_MAX_MISSES 20
#define MD_MAX_NEVER 50

static int md_summary(const struct report *r, struct gi_buf *o)
{
	const struct report_week *t = &r->total;
	char from[16], to[16], red[24], saved[24], missed[48], recall[24], target[24];

	report_fmt_date(r->since, from, sizeof(from));
	report_fmt_date(r->until - 86400, to, sizeof(to));
	report_fmt_pct(report_reduction(t), red, sizeof(red));
	report_fmt_hours(t->saved, saved, sizeof(saved));
	report_fmt_missed(t, missed, sizeof(missed));
	report_fmt_recall(t, recall, sizeof(recall));
	report_fmt_pct(t->target, target, sizeof(target));
	return gi_buf_printf(o,
		"## git-impact: coverage vs reduction, %s to %s\n\n"
		"%zu weeks (%s to %s, UTC). **%ld selections**, %ld ran everything; "
		"tests skipped on average: **%s**; time saved: **%s**; "
		"failures caught: **%ld**, missed: **%s**; recall in weeks with full or audit runs: "
		"**%s** (target %s); "
		"flaky tests: %ld. Weeks with full or audit runs: %ld of %zu.\n\n",
		r->weeks[0].label, r->weeks[r->nweeks - 1].label, r->nweeks, from, to,
		t->selections, t->fallbacks, red, saved, t->caught, missed, recall, target,
		t->flaky, r->verified_weeks, r->nweeks);
}

static void fmt_runs(const struct report_week *w, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; k < REPORT_NRUNKINDS; k++)
		if (w->runs[k] && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%ld %s", n ? ", " : "",
					      w->runs[k], report_run_kind_name(k));
	if (!buf[0])
		snprintf(buf, size, "0");
}

static int md_week_row(const struct report_week *w, struct gi_buf *o)
{
	char runs[96], sel[48], q[48], run[24], full[24], saved[24], missed[48], recall[24], tgt[24];

	fmt_runs(w, runs, sizeof(runs));
	if (w->selected_mean < 0) {
		snprintf(sel, sizeof(sel), "-");
		snprintf(q, sizeof(q), "-");
	} else {
		snprintf(sel, sizeof(sel), "%.1f of %.1f", w->selected_mean, w->total_mean);
		snprintf(q, sizeof(q), "%.0f / %.0f / %.0f%%", w->share[1] * 100,
			 w->share[2] * 100, w->share[3] * 100);
	}
	report_fmt_hours(w->time_run, run, sizeof(run));
	report_fmt_hours(w->time_full, full, sizeof(full));
	report_fmt_hours(w->saved, saved, sizeof(saved));
	report_fmt_missed(w, missed, sizeof(missed));
	report_fmt_recall(w, recall, sizeof(recall));
	report_fmt_pct(w->target, tgt, sizeof(tgt));
	if (w->target < 0)
		snprintf(tgt, sizeof(tgt), "-");
	return gi_buf_printf(o, "| %s | %ld | %s | %s | %s | %s | %s | %s | %ld | %s | %s | %s | %ld |\n",
			     w->label, w->selections, runs, sel, q, run, full, saved, w->caught,
			     missed, recall, tgt, w->flaky);
}

static int md_weeks(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o,
		"| week | selections | runs | tests selected (mean) | share q1 / median / q3 "
		"| time run | run all | saved | caught | missed | recall | target | flaky |\n"
		"|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");

	for (size_t i = 0; i < r->nweeks && !err; i++)
		err = md_week_row(&r->weeks[i], o);
	if (!err)
		err = md_week_row(&r->total, o);
	if (!err)
		err = gi_buf_adds(o, "\n\"unknown\": no full or audit run that week, so misses "
				     "cannot be counted; recall is never assumed.\n\n");
	return err;
}

static int md_kinds(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "### By kind of change\n\n"
				 "| kind | selections | mean share selected | caught | missed |\n"
				 "|---|--:|--:|--:|--:|\n");

	for (int k = 0; k < REPORT_NKINDS && !err; k++) {
		const struct report_kind_row *row = &r->kinds[k];
		char share[24];

		report_fmt_pct(row->selections ? row->share_sum / (double)row->selections : -1,
			       share, sizeof(share));
		err = gi_buf_printf(o, "| %s | %ld | %s | %ld | %ld |\n", report_kind_name(k),
				    row->selections, row->selections ? share : "-", row->caught,
				    row->missed);
	}
	return err ? err : gi_buf_adds(o, "\n");
}

static int md_misses(const struct report *r, struct gi_buf *o)
{
	int err;

	if (!r->nmisses)
		return gi_buf_adds(o, "### Missed failures\n\nNone found in the recorded runs.\n\n");
	err = gi_buf_adds(o, "### Missed failures\n\n"
			     "| week | test | introduced by | skipped at | found by |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < r->nmisses && i < MD_MAX_MISSES && !err; i++) {
		const struct report_miss *m = &r->misses[i];

		err = gi_buf_printf(o, "| %s | `%s` | %.12s%s%.12s | %.12s | %s at %.12s |\n",
				    r->weeks[m->week].label, m->test, m->introduced,
				    strcmp(m->introduced, m->found_at) ? ".." : "",
				    strcmp(m->introduced, m->found_at) ? m->found_at : "",
				    m->skipped_at, m->found_by, m->found_at);
	}
	if (!err && r->nmisses > MD_MAX_MISSES)
		err = gi_buf_printf(o, "\n%zu more in `--format json`.\n", r->nmisses - MD_MAX_MISSES);
	return err ? err : gi_buf_adds(o, "\n");
}

static int md_tops(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "### Costliest tests\n\n");

	for (size_t i = 0; i < r->ncostly && !err; i++) {
		char t[24];

		report_fmt_hours(r->costly[i].seconds, t, sizeof(t));
		err = gi_buf_printf(o, "%zu. `%s`: %s in %ld runs\n", i + 1, r->costly[i].name, t,
				    r->costly[i].runs);
	}
	if (!err && !r->ncostly)
		err = gi_buf_adds(o, "No test durations recorded in the window.\n");
	if (!err)
		err = gi_buf_adds(o, "\n### Flakiest tests\n\n");
	for (size_t i = 0; i < r->nflaky && !err; i++)
		err = gi_buf_printf(o, "%zu. `%s`: flaky at %ld commit(s)\n", i + 1, r->flaky[i].name,
				    r->flaky[i].flaky);
	if (!err && !r->nflaky)
		err = gi_buf_adds(o, "No flaky results in the window.\n");
	return err ? err : gi_buf_adds(o, "\n");
}

static int md_never(const struct report *r, struct gi_buf *o)
{
	int err;

	if (!r->total.selections)
		return gi_buf_adds(o, "### Never selected\n\nNo selections in the window.\n");
	if (!r->never.nr)
		return gi_buf_printf(o, "### Never selected\n\nEvery one of the %ld known tests "
					"was selected at least once.\n", r->tests_known);
	err = gi_buf_printf(o, "### Never selected\n\n<details><summary>%zu of %ld known tests were "
			       "never selected (delete them, or declare what they depend on)</summary>\n\n",
			    r->never.nr, r->tests_known);
	for (size_t i = 0; i < r->never.nr && i < MD_MAX_NEVER && !err; i++)
		err = gi_buf_printf(o, "- `%s`\n", r->never.v[i]);
	if (!err && r->never.nr > MD_MAX_NEVER)
		err = gi_buf_printf(o, "- ... %zu more in `--format json`\n", r->never.nr - MD_MAX_NEVER);
	return err ? err : gi_buf_adds(o, "\n</details>\n");
}

int report_write_md(const struct report *r, struct gi_buf *out)
{
	int err;

	if ((err = md_summary(r, out)) || (err = md_weeks(r, out)) || (err = md_kinds(r, out)) ||
	    (err = md_misses(r, out)) || (err = md_tops(r, out)) || (err = md_never(r, out)))
		return gi_error_setc(err, "report: the Markdown output is larger than %zu bytes",
				     out->max);
	return 0;
}
