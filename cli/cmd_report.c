/*
 * cmd_report.c - `git impact report`: the weekly coverage-vs-reduction
 * report from the store alone (report/ computes and writes it); this file
 * reads the options, brings the stored git history up to date (misses are
 * traced along it) and writes the result to stdout or --out FILE.
 */
#include "cli.h"
#include "report.h"

#include <stdio.h>

static const char usage_text[] =
	"usage: git impact report [--weeks N] [--since DATE] [--until DATE]\n"
	"                         [--format md|json|html] [--out FILE]\n"
	"\n"
	"Per ISO week: selections and runs, tests selected vs known, test time run\n"
	"vs running everything, failures caught and missed by the selection (with\n"
	"the commit that introduced each miss), recall against the target, flaky\n"
	"tests; a breakdown by kind of change; the costliest and flakiest tests and\n"
	"those never selected.  A figure the recorded runs cannot establish (no full\n"
	"or audit run that week) is printed as \"unknown\".\n"
	"\n"
	"    --weeks N        ISO weeks in the window (default 12; with --since:\n"
	"                     up to the week of --until)\n"
	"    --since DATE     start with the week holding DATE (YYYY-MM-DD or unix seconds)\n"
	"    --until DATE     end with the week holding DATE (default: now)\n"
	"    --format FMT     md (default: for a pull request or chat), json (every\n"
	"                     figure), html (one self-contained page with SVG charts)\n"
	"    --out FILE       write to FILE instead of standard output\n";

struct report_args {
	struct report_opts opts;
	const char *format;
	const char *out;
};

static int parse_date_opt(int argc, const char **argv, int *i, const char *name, int64_t *out)
{
	const char *v;
	int r = cli_opt_str(argc, argv, i, name, &v);

	if (r <= 0)
		return r;
	if (report_parse_date(v, out))
		return gi_error_setc(GI_EUSAGE, "option '%s' needs a date (YYYY-MM-DD) or unix "
				     "seconds, not '%s'", name, v);
	return 1;
}

static int parse_args(int argc, const char **argv, struct report_args *a)
{
	for (int i = 1; i < argc; i++) {
		int r;

		if ((r = cli_opt_long(argc, argv, &i, "--weeks", &a->opts.weeks)) ||
		    (r = parse_date_opt(argc, argv, &i, "--since", &a->opts.since)) ||
		    (r = parse_date_opt(argc, argv, &i, "--until", &a->opts.now)) ||
		    (r = cli_opt_str(argc, argv, &i, "--format", &a->format)) ||
		    (r = cli_opt_str(argc, argv, &i, "--out", &a->out))) {
			if (r < 0)
				return r;
			continue;
		}
		return cli_unknown("report", argv[i]);
	}
	if (a->opts.weeks < 0 || a->opts.weeks > REPORT_WEEKS_MAX)
		return gi_error_setc(GI_EUSAGE, "option '--weeks' needs 1 to %d, not %ld",
				     REPORT_WEEKS_MAX, a->opts.weeks);
	if (strcmp(a->format, "md") && strcmp(a->format, "json") && strcmp(a->format, "html"))
		return gi_error_setc(GI_EUSAGE, "option '--format' needs md, json or html, not '%s'",
				     a->format);
	return 0;
}

/* Write the bytes to `path` through a temporary file, so a failure leaves no half report. */
static int write_file(const char *path, const struct gi_buf *b)
{
	char *tmp = gi_xstrfmt("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	size_t written;
	int err = 0;

	if (!f) {
		err = gi_error_set("cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	written = fwrite(gi_buf_cstr(b), 1, b->len, f);
	if (fclose(f) || written != b->len) {
		err = gi_error_set("cannot write '%s': %s", tmp, strerror(errno));
		remove(tmp);
		goto done;
	}
	if (rename(tmp, path)) {
		err = gi_error_set("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		remove(tmp);
	}
done:
	free(tmp);
	return err;
}

/*
 * Misses are traced along the commit graph in the store: bring it up to
 * date first when there is a repository.  A failure only weakens the
 * tracing, so it is a warning.
 */
static void update_history(struct cli_ctx *ctx)
{
	if (!ctx->repo || !cli_ingest_run(ctx, NULL, 1))
		return;
	gi_warn("cannot bring the stored git history up to date (%s); misses are traced "
		"through the commits already stored", gi_error_last());
	gi_error_clear();
}

static int render(const struct report *r, const char *format, struct gi_buf *b)
{
	if (!strcmp(format, "json"))
		return report_write_json(r, b);
	if (!strcmp(format, "html"))
		return report_write_html(r, b);
	return report_write_md(r, b);
}

int cmd_report(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct report_args a = { { 0 }, "md", NULL };
	struct report *r = NULL;
	struct gi_buf b = GI_BUF_INIT;
	int err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	a.opts.now = gi_unix_now();
	if ((err = parse_args(argc, argv, &a)))
		goto done;
	update_history(ctx);
	if ((err = report_build(ctx->store, &a.opts, &r)) ||
	    (err = render(r, a.format, &b)))
		goto done;
	if (a.out)
		err = write_file(a.out, &b);
	else if (fwrite(gi_buf_cstr(&b), 1, b.len, stdout) != b.len || fflush(stdout))
		err = gi_error_set("cannot write the report to standard output: %s", strerror(errno));
done:
	gi_buf_release(&b);
	report_free(r);
	return err;
}
