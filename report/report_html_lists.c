/*
 * report_html_lists.c - the HTML report's sections below the charts and
 * the weekly table: the breakdown by kind of change, the missed failures
 * with the commit that introduced each, the costliest and flakiest tests,
 * and the tests never selected (folded).
 */
#include "report_int.h"

static int name_cell(struct gi_buf *o, const char *name)
{
	int err = gi_buf_adds(o, "<td class=\"name\">");

	if (!err)
		err = report_html_escape(o, name);
	return err ? err : gi_buf_adds(o, "</td>");
}

static int kinds_table(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "<section><h2>By kind of change</h2><div class=\"wrap\">"
				 "<table id=\"kinds\"><thead><tr><th>kind</th><th>selections</th>"
				 "<th>mean share selected</th><th>caught</th><th>missed</th></tr>"
				 "</thead><tbody>\n");

	for (int k = 0; k < REPORT_NKINDS && !err; k++) {
		const struct report_kind_row *row = &r->kinds[k];
		char share[24] = "-";

		if (row->selections)
			report_fmt_pct(row->share_sum / (double)row->selections, share, sizeof(share));
		err = gi_buf_printf(o, "<tr><td>%s</td><td>%ld</td><td>%s</td><td>%ld</td>"
				       "<td>%ld</td></tr>\n", report_kind_name(k), row->selections,
				    share, row->caught, row->missed);
	}
	return err ? err : gi_buf_adds(o, "</tbody></table></div></section>\n");
}

static int miss_row(const struct report *r, const struct report_miss *m, struct gi_buf *o)
{
	int err = gi_buf_printf(o, "<tr><td>%s</td>", r->weeks[m->week].label);

	if (!err)
		err = name_cell(o, m->test);
	if (!err)
		err = gi_buf_printf(o, "<td><code>%.12s</code>", m->introduced);
	if (!err && strcmp(m->introduced, m->found_at))
		err = gi_buf_printf(o, "..<code>%.12s</code>", m->found_at);
	return err ? err : gi_buf_printf(o, "</td><td><code>%.12s</code></td><td>%s at "
					    "<code>%.12s</code></td></tr>\n", m->skipped_at,
					 m->found_by, m->found_at);
}

static int misses_table(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "<section><h2>Missed failures</h2>\n");

	if (!err && !r->nmisses)
		return gi_buf_adds(o, "<p>None found in the recorded runs.</p></section>\n");
	if (!err)
		err = gi_buf_adds(o, "<div class=\"wrap\"><table id=\"misses\"><thead><tr><th>week</th>"
				     "<th>test</th><th>introduced by</th><th>skipped at</th>"
				     "<th>found by</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nmisses && !err; i++)
		err = miss_row(r, &r->misses[i], o);
	return err ? err : gi_buf_adds(o, "</tbody></table></div></section>\n");
}

static int top_table(struct gi_buf *o, const char *id, const char *title,
		     const struct report_test *v, size_t n, int flaky)
{
	int err = gi_buf_printf(o, "<section><h2>%s</h2>\n", title);

	if (!err && !n)
		return gi_buf_printf(o, "<p>%s</p></section>\n", flaky ? "No flaky results in the window." :
				     "No test durations recorded in the window.");
	if (!err)
		err = gi_buf_printf(o, "<div class=\"wrap\"><table id=\"%s\"><thead><tr><th>test</th>"
				       "<th>%s</th><th>runs</th></tr></thead><tbody>\n", id,
				    flaky ? "commits flaky" : "time");
	for (size_t i = 0; i < n && !err; i++) {
		char t[24];

		report_fmt_hours(v[i].seconds, t, sizeof(t));
		if (flaky)
			snprintf(t, sizeof(t), "%ld", v[i].flaky);
		if (!(err = gi_buf_adds(o, "<tr>")) && !(err = name_cell(o, v[i].name)))
			err = gi_buf_printf(o, "<td>%s</td><td>%ld</td></tr>\n", t, v[i].runs);
	}
	return err ? err : gi_buf_adds(o, "</tbody></table></div></section>\n");
}

static int never_list(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "<section id=\"never\"><h2>Never selected</h2>\n");

	if (!err && !r->total.selections)
		return gi_buf_adds(o, "<p>No selections in the window.</p></section>\n");
	if (!err && !r->never.nr)
		return gi_buf_printf(o, "<p>Every one of the %ld known tests was selected at least "
					"once.</p></section>\n", r->tests_known);
	if (!err)
		err = gi_buf_printf(o, "<details><summary>%zu of %ld known tests were never selected: "
				       "delete them, or declare what they depend on</summary><ul>\n",
				    r->never.nr, r->tests_known);
	for (size_t i = 0; i < r->never.nr && !err; i++) {
		if (!(err = gi_buf_adds(o, "<li><code>")) && !(err = report_html_escape(o, r->never.v[i])))
			err = gi_buf_adds(o, "</code></li>\n");
	}
	return err ? err : gi_buf_adds(o, "</ul></details></section>\n");
}

int report_html_lists(const struct report *r, struct gi_buf *out)
{
	int err;

	if ((err = kinds_table(r, out)) || (err = misses_table(r, out)) ||
	    (err = top_table(out, "costliest", "Costliest tests", r->costly, r->ncostly, 0)) ||
	    (err = top_table(out, "flakiest", "Flakiest tests", r->flaky, r->nflaky, 1)))
		return err;
	return never_list(r, out);
}
