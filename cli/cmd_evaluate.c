/*
 * cmd_evaluate.c - `git impact evaluate`: replay the recorded history
 * (impact_evaluate) and print how selection would have done before each
 * full run: recall, shares of tests and time, whether the stated bound
 * held, and the recall against time-share curve, as text or JSON.
 */
#include "cli.h"

#include <time.h>

#include "impact.h"

static const char usage_text[] =
	"usage: git impact evaluate [--since DATE] [--recall P] [--confidence C]\n"
	"                           [--level change|test] [--mode auto|safe|predictive|all]\n"
	"                           [--format text|json]\n"
	"\n"
	"Replay the recorded history in time order: before each full run, select as\n"
	"git-impact would have (the model trained only on earlier runs), then compare\n"
	"with what failed.  Lineage is not replayed: the safe set here is the tests that\n"
	"must run (new, failed last).\n"
	"\n"
	"  --since DATE      evaluate full runs from DATE (YYYY-MM-DD or unix seconds)\n"
	"  --recall P        the recall target, as for select (default 0.99)\n"
	"  --confidence C    its confidence (default 0.95)\n"
	"  --level L         the guarantee per failing change (default) or test\n"
	"  --mode M          the policy replayed: auto (default), safe, predictive, all\n"
	"  --format F        text (default) or json\n";

struct eval_args {
	struct impact_eval_opts opts;
	int json;
};

static int parse_since(const char *s, int64_t *out)
{
	struct tm tm;
	long v;
	int y, m, d;
	char extra;

	if (!gi_parse_long(s, &v) && v >= 0) {
		*out = v;
		return 1;
	}
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return gi_error_setc(GI_EUSAGE, "--since needs a date YYYY-MM-DD or unix seconds, not '%s'", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*out = (int64_t)timegm(&tm);
	return 1;
}

static int parse_choice(const char *opt, const char *s, const char *const *names, size_t n,
			int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 1;
		}
	}
	return gi_error_setc(GI_EUSAGE, "%s must be one of %s ... %s, not '%s'", opt, names[0],
			     names[n - 1], s);
}

static int parse_one(int argc, const char **argv, int *i, struct eval_args *a)
{
	static const char *const modes[] = { "auto", "safe", "predictive", "all" };
	static const char *const levels[] = { "change", "test" };
	static const char *const formats[] = { "text", "json" };
	struct impact_eval_opts *o = &a->opts;
	const char *v;
	int r;

	if ((r = cli_opt_double(argc, argv, i, "--recall", &o->recall)) ||
	    (r = cli_opt_double(argc, argv, i, "--confidence", &o->confidence)))
		return r;
	if ((r = cli_opt_str(argc, argv, i, "--since", &v)))
		return r < 0 ? r : parse_since(v, &o->since);
	if ((r = cli_opt_str(argc, argv, i, "--mode", &v)))
		return r < 0 ? r : parse_choice("--mode", v, modes, 4, &o->mode);
	if ((r = cli_opt_str(argc, argv, i, "--level", &v)))
		return r < 0 ? r : parse_choice("--level", v, levels, 2, &o->level_test);
	if ((r = cli_opt_str(argc, argv, i, "--format", &v)))
		return r < 0 ? r : parse_choice("--format", v, formats, 2, &a->json);
	return 0;
}

static int parse_args(int argc, const char **argv, struct eval_args *a)
{
	a->opts.recall = 0.99;
	a->opts.confidence = 0.95;
	for (int i = 1; i < argc; i++) {
		int r = parse_one(argc, argv, &i, a);

		if (r < 0)
			return r;
		if (!r)
			return cli_unknown("evaluate", argv[i]);
	}
	if (!(a->opts.recall > 0 && a->opts.recall < 1))
		return gi_error_setc(GI_EUSAGE, "--recall must be between 0 and 1 (exclusive), not %g",
				     a->opts.recall);
	if (!(a->opts.confidence > 0 && a->opts.confidence < 1))
		return gi_error_setc(GI_EUSAGE, "--confidence must be between 0 and 1 (exclusive), not %g",
				     a->opts.confidence);
	return 0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static double run_recall(const struct impact_eval *e)
{
	return e->failing_runs ? ratio((double)e->caught_runs, (double)e->failing_runs) : 1;
}

static double test_recall(const struct impact_eval *e)
{
	return e->failing_tests ? ratio((double)e->caught_tests, (double)e->failing_tests) : 1;
}

static void print_text(const struct impact_eval *e, const struct impact_eval_opts *o)
{
	printf("replayed %zu runs; evaluated %zu full runs (%zu with real failures)\n", e->runs, e->nr,
	       e->failing_runs);
	printf("change-level recall %.4f (%zu of %zu failing runs caught)\n", run_recall(e),
	       e->caught_runs, e->failing_runs);
	printf("test-level recall   %.4f (%zu of %zu failing tests caught)\n", test_recall(e),
	       e->caught_tests, e->failing_tests);
	printf("selected %.4f of tests, %.4f of test time (%.0f s of %.0f s)\n",
	       ratio((double)e->selected, (double)e->tests), ratio(e->seconds_selected, e->seconds),
	       e->seconds_selected, e->seconds);
	if (e->stated_runs)
		printf("bound stated for %zu runs (worst %.4g at confidence %g): %s (%zu of %zu failing runs missed, target recall %g)\n",
		       e->stated_runs, e->worst_bound, o->confidence, e->bound_held ? "held" : "NOT held",
		       e->stated_failing - e->stated_caught, e->stated_failing, o->recall);
	else
		printf("bound: never stated (too few calibration runs for recall %g at confidence %g)\n",
		       o->recall, o->confidence);
	printf("features: %zu of %zu runs have their commit's diff stored (token and co-failure features)\n",
	       e->runs_with_change, e->runs);
	printf("lineage: %zu of %zu full runs have the graph's selection of their commit stored "
	       "(record --full keeps it); elsewhere only new and failed-last tests must run\n",
	       e->runs_with_lineage, e->nr);
	if (e->audit_results)
		printf("audit: %zu audit results, %zu failed\n", e->audit_results, e->audit_failures);
	if (e->audit_runs)
		printf("audit: %zu runs with an audit sample, %zu dropped (a test with a heads coin "
		       "reported no result)\n", e->audit_runs, e->audit_dropped);
	printf("test-level calibration values: %zu from full runs, %zu from audit samples\n",
	       e->calib_full, e->calib_audit);
	printf("\n%10s  %10s  %10s  %13s  %11s\n", "threshold", "time share", "test share",
	       "change recall", "test recall");
	for (size_t i = 0; i < e->ncurve; i++)
		printf("%10.4g  %10.4f  %10.4f  %13.4f  %11.4f\n", e->curve[i].threshold,
		       e->curve[i].time_share, e->curve[i].test_share, e->curve[i].change_recall,
		       e->curve[i].test_recall);
}

static void print_json_runs(const struct impact_eval *e)
{
	for (size_t i = 0; i < e->nr; i++) {
		const struct impact_eval_run *r = &e->v[i];

		printf("%s\n    {\"commit\":\"%s\",\"time\":%lld,\"tests\":%zu,\"selected\":%zu,"
		       "\"seconds\":%.17g,\"seconds_selected\":%.17g,\"failing\":%zu,\"caught\":%zu,"
		       "\"stated\":%s,\"bound\":%.17g,\"calibration_runs\":%zu}",
		       i ? "," : "", r->commit, (long long)r->time, r->tests, r->selected, r->seconds,
		       r->seconds_selected, r->failing, r->caught, r->stated ? "true" : "false",
		       r->bound, r->calib);
	}
}

static void print_json(const struct impact_eval *e, const struct impact_eval_opts *o)
{
	static const char *const modes[] = { "auto", "safe", "predictive", "all" };

	printf("{\n  \"recall\": %.17g,\n  \"confidence\": %.17g,\n  \"level\": \"%s\",\n"
	       "  \"mode\": \"%s\",\n", o->recall, o->confidence, o->level_test ? "test" : "change",
	       modes[o->mode]);
	printf("  \"runs\": %zu,\n  \"full_runs\": %zu,\n  \"failing_runs\": %zu,\n"
	       "  \"caught_runs\": %zu,\n  \"failing_tests\": %zu,\n  \"caught_tests\": %zu,\n",
	       e->runs, e->nr, e->failing_runs, e->caught_runs, e->failing_tests, e->caught_tests);
	printf("  \"change_recall\": %.17g,\n  \"test_recall\": %.17g,\n  \"test_share\": %.17g,\n"
	       "  \"time_share\": %.17g,\n", run_recall(e), test_recall(e),
	       ratio((double)e->selected, (double)e->tests), ratio(e->seconds_selected, e->seconds));
	printf("  \"guarantee\": {\"stated_runs\": %zu, \"failing_runs\": %zu, \"missed_runs\": %zu, "
	       "\"worst_bound\": %.17g, \"held\": %s},\n", e->stated_runs, e->stated_failing,
	       e->stated_failing - e->stated_caught, e->worst_bound,
	       !e->stated_runs ? "null" : e->bound_held ? "true" : "false");
	printf("  \"runs_with_change\": %zu,\n  \"runs_with_lineage\": %zu,\n  \"audit_results\": %zu,\n"
	       "  \"audit_failures\": %zu,\n", e->runs_with_change, e->runs_with_lineage,
	       e->audit_results, e->audit_failures);
	printf("  \"audit_runs\": %zu,\n  \"audit_runs_dropped\": %zu,\n"
	       "  \"calibration_test_full\": %zu,\n  \"calibration_test_audit\": %zu,\n  \"curve\": [",
	       e->audit_runs, e->audit_dropped, e->calib_full, e->calib_audit);
	for (size_t i = 0; i < e->ncurve; i++)
		printf("%s\n    {\"threshold\":%.17g,\"time_share\":%.17g,\"test_share\":%.17g,"
		       "\"change_recall\":%.17g,\"test_recall\":%.17g}", i ? "," : "",
		       e->curve[i].threshold, e->curve[i].time_share, e->curve[i].test_share,
		       e->curve[i].change_recall, e->curve[i].test_recall);
	printf("\n  ],\n  \"per_run\": [");
	print_json_runs(e);
	printf("\n  ]\n}\n");
}

int cmd_evaluate(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct eval_args a = { 0 };
	struct impact_eval e = { 0 };
	int err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &a)))
		return err;
	if ((err = impact_evaluate(ctx->store, &a.opts, &e)))
		return err;
	if (a.json)
		print_json(&e, &a.opts);
	else
		print_text(&e, &a.opts);
	impact_eval_release(&e);
	return 0;
}
