/*
 * cmd_select.c - `git impact select`: parse and check the options, run the
 * selection (impact_select), print it in the asked format, and say on
 * stderr what was decided and why.  Exit 0 also when falling back to
 * every test; 2 for bad usage.
 */
#include "cli.h"

#include "impact.h"

static const char usage_text[] =
	"usage: git impact select [--base REV] [--head REV | --worktree]\n"
	"                         [--recall P] [--confidence C] [--level change|test]\n"
	"                         [--mode auto|safe|predictive|all] [--budget DURATION]\n"
	"                         [--audit F] [--shards N] [--format FORMAT]\n"
	"                         [--time SECONDS] [-q]\n"
	"\n"
	"Pick the tests a change needs: those the change reaches through the lineage\n"
	"graph (code, data, parameters, models), new tests, tests that failed last,\n"
	"and always-run tests.  When it cannot decide (no store, a base missing from a\n"
	"shallow clone, a changed file it cannot place) it selects every test and says why.\n"
	"\n"
	"  --base REV        compare from the merge-base with REV (default: the upstream,\n"
	"                    else origin/HEAD, else HEAD~1)\n"
	"  --head REV        the change's head (default HEAD)\n"
	"  --worktree        the change is the work tree (staged, unstaged, untracked)\n"
	"  --recall P        catch at least P of failing changes (default 0.99)\n"
	"  --confidence C    with confidence C (default 0.95)\n"
	"  --level L         the guarantee is per failing change (default) or test\n"
	"  --mode M          auto (default), safe, predictive or all\n"
	"  --budget D        at most D of expected test time (90s, 5m, 1h30m)\n"
	"  --audit F         also run a random share F of the skipped tests (default\n"
	"                    0.01 when CI=true, as CI services set it, else 0; 0 turns\n"
	"                    it off); their failures estimate misses and calibrate\n"
	"  --shards N        split the selection into N duration-balanced shards\n"
	"  --format F        list (default), json, pytest, ctest, gotest, jest,\n"
	"                    github-matrix, gitlab\n"
	"  --time SECONDS    stamp the stored selection (for report) with this unix\n"
	"                    time instead of now (replaying past CI)\n"
	"  -q                do not print the summary on stderr\n";

static const char *const modes[] = { "auto", "safe", "predictive", "all" };

static int parse_mode(const char *s, int *mode)
{
	for (size_t i = 0; i < GI_ARRAY_SIZE(modes); i++) {
		if (!strcmp(s, modes[i])) {
			*mode = (int)i;
			return 1;
		}
	}
	return gi_error_setc(GI_EUSAGE, "--mode must be auto, safe, predictive or all, not '%s'", s);
}

static int parse_budget(const char *s, double *budget)
{
	if (gi_parse_duration(s, budget) || *budget <= 0)
		return gi_error_setc(GI_EUSAGE,
				     "--budget needs a positive duration like 90s, 5m or 1h30m, not '%s'", s);
	return 1;
}

static int parse_level(const char *s, int *level_test)
{
	if (strcmp(s, "change") && strcmp(s, "test"))
		return gi_error_setc(GI_EUSAGE, "--level must be change or test, not '%s'", s);
	*level_test = !strcmp(s, "test");
	return 1;
}

struct select_args {
	struct impact_select_opts opts;
	const char *format;
	int quiet;
	int audit_given;
};

/* One option at argv[*i]: 1 taken, 0 not an option of ours, < 0 error. */
static int parse_one(int argc, const char **argv, int *i, struct select_args *a)
{
	struct impact_select_opts *o = &a->opts;
	const char *v;
	int r;

	if ((r = cli_opt_str(argc, argv, i, "--base", &o->range.base)) ||
	    (r = cli_opt_str(argc, argv, i, "--head", &o->range.head)) ||
	    (r = cli_opt_double(argc, argv, i, "--recall", &o->recall)) ||
	    (r = cli_opt_double(argc, argv, i, "--confidence", &o->confidence)) ||
	    (r = cli_opt_long(argc, argv, i, "--shards", &o->shards)) ||
	    (r = cli_opt_long(argc, argv, i, "--time", &o->time)) ||
	    (r = cli_opt_str(argc, argv, i, "--format", &a->format)))
		return r;
	if ((r = cli_opt_double(argc, argv, i, "--audit", &o->audit)))
		return r < 0 ? r : (a->audit_given = 1);
	if ((r = cli_opt_str(argc, argv, i, "--mode", &v)))
		return r < 0 ? r : parse_mode(v, &o->mode);
	if ((r = cli_opt_str(argc, argv, i, "--budget", &v)))
		return r < 0 ? r : parse_budget(v, &o->budget);
	if ((r = cli_opt_str(argc, argv, i, "--level", &v)))
		return r < 0 ? r : parse_level(v, &o->level_test);
	if (cli_opt_flag(argv, *i, "--worktree"))
		return o->range.worktree = 1;
	if (cli_opt_flag(argv, *i, "-q") || cli_opt_flag(argv, *i, "--quiet"))
		return a->quiet = 1;
	return 0;
}

/* The audit share when --audit is not given: AUDIT_CI under a CI service (CI=true), else 0. */
#define AUDIT_CI 0.01
static double default_audit(void)
{
	const char *ci = getenv("CI");

	return ci && (!strcmp(ci, "true") || !strcmp(ci, "TRUE") || !strcmp(ci, "True") ||
		      !strcmp(ci, "1")) ? AUDIT_CI : 0;
}

static int parse_args(int argc, const char **argv, struct select_args *a)
{
	a->opts.recall = 0.99;
	a->opts.confidence = 0.95;
	a->opts.shards = 1;
	a->format = "list";
	for (int i = 1; i < argc; i++) {
		int r = parse_one(argc, argv, &i, a);

		if (r < 0)
			return r;
		if (!r)
			return cli_unknown("select", argv[i]);
	}
	if (!a->audit_given)
		a->opts.audit = default_audit();
	return impact_select_opts_check(&a->opts);
}

static void print_summary(const struct impact_selection *sel)
{
	const struct selector_result *r = &sel->result;

	for (size_t i = 0; i < sel->notes.nr; i++)
		fprintf(stderr, "git-impact: %s\n", sel->notes.v[i]);
	if (r->fallback)
		fprintf(stderr, "git-impact: running every test: %s\n", r->fallback);
	fprintf(stderr, "git-impact: selected %zu of %zu tests (%.0f s of %.0f s expected)\n",
		r->nselected, r->nr, r->seconds_selected, r->seconds_total);
	for (int i = 1; i < SELECTOR_REASON_NR; i++)
		if (r->by_reason[i])
			fprintf(stderr, "git-impact:   %-13s %zu\n", selector_reason_name(i),
				r->by_reason[i]);
}

int cmd_select(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct select_args a = { 0 };
	struct impact_selection sel = { 0 };
	int fmt, err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &a)))
		return err;
	if ((err = selector_format_parse(a.format, &fmt))) {
		char *why = gi_xstrdup(gi_error_last());

		err = gi_error_setc(err, "--format: %s", why);
		free(why);
		return err;
	}
	gi_alloc_prefer_huge_pages(); /* graphs and history: tens of MB touched once */
	if ((err = impact_select(ctx->repo, ctx->store, ctx->store_errmsg, &a.opts, &sel)))
		return err;
	if ((err = selector_shard(&sel.result, (int)a.opts.shards)))
		goto done;
	if (ctx->store && impact_selection_save(ctx->store, &a.opts, &sel)) {
		/* the selection stands; only the report loses this one */
		gi_warn("cannot keep this selection for the report: %s", gi_error_last());
		gi_error_clear();
	}
	if (!a.quiet)
		print_summary(&sel);
	err = selector_format_write(&sel.result, fmt, stdout);
done:
	impact_selection_release(&sel);
	return err;
}
