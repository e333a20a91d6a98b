/*
 * report_fmt.c - how the writers print figures: shares as percentages,
 * times as hours or minutes, "unknown" for what the runs cannot establish,
 * and HTML escaping.
 */
#include "report_int.h"

#include <time.h>

void report_fmt_pct(double share, char *buf, size_t size)
{
	if (share < 0)
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%.1f%%", share * 100);
}

void report_fmt_hours(double seconds, char *buf, size_t size)
{
	if (seconds < 0)
		snprintf(buf, size, "unknown");
	else if (seconds >= 3600)
		snprintf(buf, size, "%.1f h", seconds / 3600);
	else if (seconds >= 60)
		snprintf(buf, size, "%.1f min", seconds / 60);
	else
		snprintf(buf, size, "%.1f s", seconds);
}

int report_html_escape(struct gi_buf *out, const char *s)
{
	int err = 0;

	for (; *s && !err; s++) {
		switch (*s) {
		case '&': err = gi_buf_adds(out, "&amp;"); break;
		case '<': err = gi_buf_adds(out, "&lt;"); break;
		case '>': err = gi_buf_adds(out, "&gt;"); break;
		case '"': err = gi_buf_adds(out, "&quot;"); break;
		case '\'': err = gi_buf_adds(out, "&#39;"); break;
		default: err = gi_buf_addch(out, *s);
		}
	}
	return err;
}

void report_fmt_date(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

void report_fmt_missed(const struct report_week *w, char *buf, size_t size)
{
	if (!w->selections && !w->missed)
		snprintf(buf, size, "-");
	else if (w->checks)
		snprintf(buf, size, "%ld", w->missed);
	else if (w->missed)
		snprintf(buf, size, ">= %ld (no full or audit run)", w->missed);
	else
		snprintf(buf, size, "unknown");
}

void report_fmt_recall(const struct report_week *w, char *buf, size_t size)
{
	if (!w->selections && !w->missed)
		snprintf(buf, size, "-");
	else if (!w->checks)
		snprintf(buf, size, "unknown");
	else if (w->recall < 0)
		snprintf(buf, size, "no failures");
	else
		report_fmt_pct(w->recall, buf, size);
}

double report_reduction(const struct report_week *w)
{
	if (w->selected_mean < 0 || w->total_mean <= 0)
		return -1;
	return 1 - w->selected_mean / w->total_mean;
}
