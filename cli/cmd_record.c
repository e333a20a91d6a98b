/*
 * cmd_record.c - `git impact record`: store test results from JUnit XML
 * files as one run of a commit.  Parsing and storing live in history/;
 * this file reads the options, resolves the commit and prints the outcome.
 */
#include "cli.h"
#include "history.h"
#include "impact.h"

static const char usage_text[] =
	"usage: git impact record [--commit REV] [--full] [--run-id ID] [--kind KIND]\n"
	"                         [--time SECONDS] FILE.xml...\n"
	"\n"
	"Store the test results in the JUnit XML files as one run of a commit.\n"
	"Every file is checked before anything is written; recording the same\n"
	"files again changes nothing.\n"
	"\n"
	"    --commit REV     the commit the tests ran on (default HEAD)\n"
	"    --full           every test ran (the run can calibrate selection)\n"
	"    --run-id ID      key of the run (e.g. the CI run id): files recorded\n"
	"                     with the same id (parallel shards) merge into one run\n"
	"                     (default: a hash of the commit and the files)\n"
	"    --kind KIND      ci (default), hook, audit or full\n"
	"    --time SECONDS   when the tests ran, in unix seconds (default now)\n";

struct record_args {
	const char *rev;
	struct history_record_opts opts;
	const char **files;
	size_t nfiles;
};

static int parse_time(const char *s, int64_t *out)
{
	long v;

	if (gi_parse_long(s, &v) || v <= 0)
		return gi_error_setc(GI_EUSAGE, "option '--time' needs unix seconds, not '%s'", s);
	*out = v;
	return 0;
}

static int parse_one(int argc, const char **argv, int *i, struct record_args *a)
{
	const char *t = NULL;
	int r;

	if (cli_opt_flag(argv, *i, "--full"))
		return a->opts.full = 1;
	if ((r = cli_opt_str(argc, argv, i, "--commit", &a->rev)) ||
	    (r = cli_opt_str(argc, argv, i, "--run-id", &a->opts.run_id)) ||
	    (r = cli_opt_str(argc, argv, i, "--kind", &a->opts.kind)))
		return r;
	if ((r = cli_opt_str(argc, argv, i, "--time", &t)) <= 0)
		return r;
	return parse_time(t, &a->opts.time) ? GI_EUSAGE : 1;
}

static int parse_args(int argc, const char **argv, struct record_args *a)
{
	int i, r, opts_done = 0;

	a->files = gi_xcalloc((size_t)argc, sizeof(*a->files));
	for (i = 1; i < argc; i++) {
		if (!opts_done && !strcmp(argv[i], "--")) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && argv[i][0] == '-' && argv[i][1]) {
			if ((r = parse_one(argc, argv, &i, a)) < 0)
				return r;
			if (!r)
				return cli_unknown("record", argv[i]);
			continue;
		}
		a->files[a->nfiles++] = argv[i];
	}
	if (!a->nfiles)
		return gi_error_setc(GI_EUSAGE, "record: no JUnit XML files given (see 'git impact record -h')");
	return 0;
}

static void print_result(const struct history_record_result *res, const char *commit)
{
	const size_t *n = res->by_outcome;

	if (res->already) {
		printf("already recorded: run '%s' of commit %.12s holds these results (%zu tests); nothing changed\n",
		       res->run_key, commit, res->tests);
		return;
	}
	printf("recorded %zu testcases from %zu file(s) as run '%s' of commit %.12s\n",
	       res->cases, res->files_new, res->run_key, commit);
	printf("run now holds %zu tests: %zu passed, %zu failed, %zu errors, %zu skipped, %zu flaky\n",
	       res->tests, n[HISTORY_PASS], n[HISTORY_FAIL], n[HISTORY_ERROR],
	       n[HISTORY_SKIP], n[HISTORY_FLAKY]);
	if (res->files_seen)
		printf("skipped %zu file(s) already recorded in this run\n", res->files_seen);
}

int cmd_record(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct record_args a = { 0 };
	struct history_record_result res = { 0 };
	char commit[41];
	int err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &a)))
		goto done;
	if ((err = lineage_repo_resolve(ctx->repo, a.rev ? a.rev : "HEAD", commit)))
		goto done;
	a.opts.commit = commit;
	if ((err = history_record(ctx->store, &a.opts, a.files, a.nfiles, &res)))
		goto done;
	print_result(&res, commit);
	if (a.opts.full && !res.already && impact_keep_safe_set(ctx->repo, ctx->store, commit)) {
		/* the results stand; only replay loses the graph's view of this run */
		gi_warn("cannot keep the graph's selection for commit %.12s (evaluate and calibration "
			"will not count what the lineage catches there): %s", commit, gi_error_last());
		gi_error_clear();
	}
done:
	history_record_result_release(&res);
	free(a.files);
	return err;
}
