/*
 * report_html.c - the report as one self-contained HTML page: inline CSS,
 * two inline SVG charts (reduction and recall per week against the target;
 * time saved per week), and the tables.  No scripts, fonts or network; the
 * layout follows the window's width and has print rules.
 */
#include "report_int.h"

#include <math.h>

/* Chart geometry, in SVG user units (the viewBox scales to the page). */
#define CW 640.0
#define CH 300.0
#define PL 52.0  /* plot left */
#define PR 628.0 /* plot right */
#define PT 34.0  /* plot top */
#define PB 256.0 /* plot bottom */

static const char css[] =
	":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--blue:#0969da;--green:#1a7f37;"
	"--orange:#bc4c00;--red:#cf222e;--gray:#8c959f}\n"
	"*{box-sizing:border-box}\n"
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
	"color:var(--fg);background:#fff;max-width:1120px;margin:0 auto;padding:1.5rem 1.25rem}\n"
	"h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}\n"
	".muted,.unknown{color:var(--muted)}.unknown{font-style:italic}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.6rem;margin:1rem 0}\n"
	".card{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}\n"
	".card b{display:block;font-size:1.35rem}.card span{color:var(--muted);font-size:.8rem}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}\n"
	"figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.5rem}\n"
	"figcaption{font-weight:600;font-size:.9rem}svg{width:100%;height:auto;display:block}\n"
	"svg text{font:11px system-ui,sans-serif;fill:var(--muted)}\n"
	".wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}\n"
	"th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:right}\n"
	"th{background:#f6f8fa}th:first-child,td:first-child{text-align:left}\n"
	"td.name{text-align:left;white-space:normal;word-break:break-all;font-family:ui-monospace,monospace}\n"
	"tr.total td{font-weight:600}\n"
	"@media print{body{max-width:none;padding:0;font-size:10.5px}"
	".charts{grid-template-columns:1fr 1fr}.wrap{overflow:visible}"
	"th,td{white-space:normal}section,figure,tr{break-inside:avoid}details>*{display:block}}\n";

static double x_of(size_t i, size_t n)
{
	return n < 2 ? (PL + PR) / 2 : PL + (PR - PL) * (double)i / (double)(n - 1);
}

static double y_of(double v, double max)
{
	return PB - (PB - PT) * (max > 0 ? v / max : 0);
}

/* Week labels along the x axis, at most about twelve. */
static int x_labels(const struct report *r, struct gi_buf *o)
{
	size_t step = (r->nweeks + 11) / 12;
	int err = 0;

	for (size_t i = 0; i < r->nweeks && !err; i += step)
		err = gi_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				    x_of(i, r->nweeks), PB + 16, r->weeks[i].label + 5);
	return err;
}

/* Horizontal grid lines with labels: `ticks` steps up to max, labels in `unit`. */
static int y_grid(struct gi_buf *o, double max, int ticks, double scale, const char *unit)
{
	int err = 0;

	for (int t = 0; t <= ticks && !err; t++) {
		double v = max * t / ticks, y = y_of(v, max);

		err = gi_buf_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				       "stroke=\"#d1d9e0\"/><text x=\"%.1f\" y=\"%.1f\" "
				       "text-anchor=\"end\">%.3g%s</text>\n",
				    PL, PR, y, y, PL - 6, y + 4, v * scale, unit);
	}
	return err;
}

static int legend(struct gi_buf *o, double x, const char *color, const char *label, int dashed)
{
	return gi_buf_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"14\" y2=\"14\" stroke=\"%s\" "
			        "stroke-width=\"3\"%s/><text x=\"%.1f\" y=\"18\">%s</text>\n",
			     x, x + 18, color, dashed ? " stroke-dasharray=\"5 3\"" : "", x + 23, label);
}

/* The reduction line: a path through the weeks with selections (gaps break it). */
static int reduction_path(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "<path class=\"reduction\" fill=\"none\" stroke=\"#0969da\" "
				 "stroke-width=\"2.5\" d=\"");
	int pen = 0;

	for (size_t i = 0; i < r->nweeks && !err; i++) {
		double red = report_reduction(&r->weeks[i]);

		if (red < 0) {
			pen = 0;
			continue;
		}
		err = gi_buf_printf(o, "%c%.1f %.1f ", pen ? 'L' : 'M', x_of(i, r->nweeks),
				    y_of(red, 1));
		pen = 1;
	}
	if (!err)
		err = gi_buf_adds(o, "\"/>\n");
	for (size_t i = 0; i < r->nweeks && !err; i++) {
		double red = report_reduction(&r->weeks[i]);

		if (red >= 0)
			err = gi_buf_printf(o, "<circle class=\"reduction-point\" cx=\"%.1f\" cy=\"%.1f\" "
					       "r=\"3\" fill=\"#0969da\"><title>%s: %.1f%% of tests "
					       "skipped</title></circle>\n", x_of(i, r->nweeks),
					    y_of(red, 1), r->weeks[i].label, red * 100);
	}
	return err;
}

/* Recall per week: a point where known, a "?" on the axis where unknown. */
static int recall_points(const struct report *r, struct gi_buf *o)
{
	int err = 0;

	for (size_t i = 0; i < r->nweeks && !err; i++) {
		const struct report_week *w = &r->weeks[i];
		double x = x_of(i, r->nweeks);

		if (w->checks && w->recall >= 0)
			err = gi_buf_printf(o, "<rect class=\"recall\" x=\"%.1f\" y=\"%.1f\" width=\"8\" "
					       "height=\"8\" fill=\"#1a7f37\"><title>%s: recall %.1f%% "
					       "(%ld caught, %ld missed)</title></rect>\n", x - 4,
					    y_of(w->recall, 1) - 4, w->label, w->recall * 100,
					    w->caught, w->missed);
		else if (!w->checks && (w->selections || w->missed))
			err = gi_buf_printf(o, "<text class=\"recall-unknown\" x=\"%.1f\" y=\"%.1f\" "
					       "text-anchor=\"middle\">?<title>%s: recall unknown (no "
					       "full or audit run)</title></text>\n", x, PB - 4, w->label);
	}
	return err;
}

static int chart_reduction(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_printf(o, "<figure id=\"chart-reduction\"><figcaption>Tests skipped and "
				   "recall per week</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
				   "role=\"img\" aria-label=\"reduction and recall per week\">\n",
				CW, CH);

	if (!err)
		err = y_grid(o, 1, 4, 100, "%");
	if (!err && r->total.target >= 0)
		err = gi_buf_printf(o, "<line class=\"target\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
				       "y2=\"%.1f\" stroke=\"#bc4c00\" stroke-width=\"1.5\" "
				       "stroke-dasharray=\"5 3\"><title>recall target %.1f%%</title></line>\n",
				    PL, PR, y_of(r->total.target, 1), y_of(r->total.target, 1),
				    r->total.target * 100);
	if (!err)
		err = reduction_path(r, o);
	if (!err)
		err = recall_points(r, o);
	if (!err)
		err = x_labels(r, o);
	if (!err)
		err = legend(o, PL, "#0969da", "tests skipped", 0);
	if (!err)
		err = legend(o, PL + 130, "#1a7f37", "recall (? unknown)", 0);
	if (!err)
		err = legend(o, PL + 280, "#bc4c00", "recall target", 1);
	return err ? err : gi_buf_adds(o, "</svg></figure>\n");
}

/* A round upper bound for the time axis, in hours. */
static double hours_max(const struct report *r)
{
	double max = 0;

	for (size_t i = 0; i < r->nweeks; i++)
		if (r->weeks[i].saved / 3600 > max)
			max = r->weeks[i].saved / 3600;
	if (max <= 0)
		return 1;
	return pow(10, ceil(log10(max))) / (max * 2 <= pow(10, ceil(log10(max))) ? 2 : 1);
}

static int saved_bar(const struct report *r, size_t i, double max, double bw, struct gi_buf *o)
{
	const struct report_week *w = &r->weeks[i];
	double x = x_of(i, r->nweeks) - bw / 2, h = w->saved > 0 ? w->saved / 3600 : 0;
	char t[24];

	report_fmt_hours(w->saved, t, sizeof(t));
	if (w->saved < 0)
		return gi_buf_printf(o, "<text class=\"saved-unknown\" x=\"%.1f\" y=\"%.1f\" "
				        "text-anchor=\"middle\">?<title>%s: time saved unknown</title>"
				        "</text>\n", x + bw / 2, PB - 4, w->label);
	return gi_buf_printf(o, "<rect class=\"saved\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			        "height=\"%.1f\" fill=\"#0969da\" fill-opacity=\".75\"><title>%s: %s "
			        "saved</title></rect>\n", x, y_of(h, max), bw, PB - y_of(h, max),
			     w->label, t);
}

static int chart_saved(const struct report *r, struct gi_buf *o)
{
	double max = hours_max(r);
	double bw = fmin(36, (PR - PL) / (double)(r->nweeks + 1) * 0.8);
	int err = gi_buf_printf(o, "<figure id=\"chart-saved\"><figcaption>Test time saved per week "
				   "(hours)</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
				   "aria-label=\"time saved per week\">\n", CW, CH);

	if (!err)
		err = y_grid(o, max, 4, 1, " h");
	for (size_t i = 0; i < r->nweeks && !err; i++)
		err = saved_bar(r, i, max, bw, o);
	if (!err)
		err = x_labels(r, o);
	if (!err)
		err = legend(o, PL, "#0969da", "run all minus what ran (? unknown)", 0);
	return err ? err : gi_buf_adds(o, "</svg></figure>\n");
}

static int card(struct gi_buf *o, const char *id, const char *value, const char *label)
{
	return gi_buf_printf(o, "<div class=\"card\" id=\"card-%s\"><b class=\"%s\">%s</b>"
			        "<span>%s</span></div>\n", id,
			     strstr(value, "unknown") ? "unknown" : "figure", value, label);
}

static int cards(const struct report *r, struct gi_buf *o)
{
	const struct report_week *t = &r->total;
	char sel[24], red[24], saved[24], caught[24], missed[48], recall[24], target[24], flaky[24];
	char tlabel[96];
	int err;

	snprintf(sel, sizeof(sel), "%ld", t->selections);
	report_fmt_pct(report_reduction(t), red, sizeof(red));
	report_fmt_hours(t->saved, saved, sizeof(saved));
	snprintf(caught, sizeof(caught), "%ld", t->caught);
	report_fmt_missed(t, missed, sizeof(missed));
	report_fmt_recall(t, recall, sizeof(recall));
	report_fmt_pct(t->target, target, sizeof(target));
	snprintf(flaky, sizeof(flaky), "%ld", t->flaky);
	snprintf(tlabel, sizeof(tlabel), "recall, weeks with full or audit runs (target %s)",
		 t->target >= 0 ? target : "none");
	if ((err = gi_buf_adds(o, "<section class=\"cards\">\n")) ||
	    (err = card(o, "selections", sel, "selections")) ||
	    (err = card(o, "skipped", red, "tests skipped (mean)")) ||
	    (err = card(o, "saved", saved, "test time saved")) ||
	    (err = card(o, "caught", caught, "failures caught")) ||
	    (err = card(o, "missed", missed, "failures missed")) ||
	    (err = card(o, "recall", recall, tlabel)) ||
	    (err = card(o, "flaky", flaky, "flaky tests")))
		return err;
	return gi_buf_adds(o, "</section>\n");
}

/* One table cell with the escaped text; class "unknown" when it says so. */
static int cell(struct gi_buf *o, const char *text)
{
	int err = gi_buf_adds(o, strstr(text, "unknown") ? "<td class=\"unknown\">" : "<td>");

	if (!err)
		err = report_html_escape(o, text);
	return err ? err : gi_buf_adds(o, "</td>");
}

static int week_row(const struct report_week *w, struct gi_buf *o)
{
	char v[10][48];
	int err;

	snprintf(v[0], sizeof(v[0]), "%ld", w->selections);
	snprintf(v[1], sizeof(v[1]), "%ld", w->runs[REPORT_RUN_CI] + w->runs[REPORT_RUN_HOOK]);
	snprintf(v[2], sizeof(v[2]), "%ld", w->runs[REPORT_RUN_FULL] + w->runs[REPORT_RUN_AUDIT]);
	if (w->selected_mean < 0)
		snprintf(v[3], sizeof(v[3]), "-");
	else
		snprintf(v[3], sizeof(v[3]), "%.1f of %.1f (median %.0f%%)", w->selected_mean,
			 w->total_mean, w->share[2] * 100);
	report_fmt_hours(w->time_run, v[4], sizeof(v[4]));
	report_fmt_hours(w->time_full, v[5], sizeof(v[5]));
	report_fmt_hours(w->saved, v[6], sizeof(v[6]));
	snprintf(v[7], sizeof(v[7]), "%ld", w->caught);
	report_fmt_missed(w, v[8], sizeof(v[8]));
	report_fmt_recall(w, v[9], sizeof(v[9]));
	err = gi_buf_printf(o, "<tr%s><td>%s</td>", strcmp(w->label, "total") ? "" : " class=\"total\"",
			    w->label);
	for (int i = 0; i < 10 && !err; i++)
		err = cell(o, v[i]);
	return err ? err : gi_buf_printf(o, "<td>%ld</td></tr>\n", w->flaky);
}

static int weeks_table(const struct report *r, struct gi_buf *o)
{
	int err = gi_buf_adds(o, "<section><h2>Per week</h2><div class=\"wrap\"><table id=\"weeks\">"
				 "<thead><tr><th>week</th><th>selections</th><th>CI/hook runs</th>"
				 "<th>full/audit runs</th><th>tests selected</th><th>time run</th>"
				 "<th>run all</th><th>saved</th><th>caught</th><th>missed</th>"
				 "<th>recall</th><th>flaky</th></tr></thead><tbody>\n");

	for (size_t i = 0; i < r->nweeks && !err; i++)
		err = week_row(&r->weeks[i], o);
	if (!err)
		err = week_row(&r->total, o);
	return err ? err : gi_buf_adds(o, "</tbody></table></div><p class=\"muted\">"
				       "<i>unknown</i>: no full or audit run that week, so misses "
				       "cannot be counted; recall is never assumed.</p></section>\n");
}

static int head(const struct report *r, struct gi_buf *o)
{
	char from[16], to[16], gen[16];
	int err;

	report_fmt_date(r->since, from, sizeof(from));
	report_fmt_date(r->until - 86400, to, sizeof(to));
	report_fmt_date(r->generated, gen, sizeof(gen));
	err = gi_buf_printf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			       "<title>git-impact report %s to %s</title>\n<style>\n",
			    r->weeks[0].label, r->weeks[r->nweeks - 1].label);
	if (!err)
		err = gi_buf_adds(o, css);
	if (!err)
		err = gi_buf_printf(o, "</style></head><body>\n<header><h1>Coverage vs reduction: "
				       "%s to %s</h1><p class=\"muted\">%zu weeks, %s to %s (UTC); "
				       "generated %s by git-impact %s from recorded runs and "
				       "selections. Weeks with full or audit runs: %ld of %zu.</p>"
				       "</header>\n", r->weeks[0].label, r->weeks[r->nweeks - 1].label,
				    r->nweeks, from, to, gen, GI_VERSION, r->verified_weeks, r->nweeks);
	return err;
}

int report_write_html(const struct report *r, struct gi_buf *out)
{
	int err;

	if ((err = head(r, out)) || (err = cards(r, out)) ||
	    (err = gi_buf_adds(out, "<section class=\"charts\">\n")) ||
	    (err = chart_reduction(r, out)) || (err = chart_saved(r, out)) ||
	    (err = gi_buf_adds(out, "</section>\n")) || (err = weeks_table(r, out)) ||
	    (err = report_html_lists(r, out)) || (err = gi_buf_adds(out, "</body></html>\n")))
		return gi_error_setc(err, "report: the HTML output is larger than %zu bytes", out->max);
	return 0;
}
