/*
 * cmd_record_coverage.c - `git impact record-coverage`: store per-test
 * coverage (coverage.py JSON with test contexts, or lcov tracefiles) so the
 * lineage graph gains `covers` edges.  Reading and storing live in
 * history/; this file reads the options, resolves the commit and the work
 * tree, and prints what was stored.
 */
#include "cli.h"
#include "history.h"

#include <limits.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: git impact record-coverage [--format coveragepy|lcov] [--commit REV] FILE...\n"
	"\n"
	"Store which files each test executed, so that a change to a file selects\n"
	"the tests that cover it (`covers` edges of the lineage graph).  Each test\n"
	"in the reports has its earlier coverage replaced; every file is read in\n"
	"one transaction, so a malformed report changes nothing.\n"
	"\n"
	"    --format FMT   coveragepy: `coverage json --show-contexts` after a run\n"
	"                   with test contexts (pytest --cov-context=test);\n"
	"                   lcov: per-test tracefiles (TN: names the test, else the\n"
	"                   file name without its extension).\n"
	"                   Default: coveragepy for *.json, else lcov\n"
	"    --commit REV   the commit the coverage was measured on (default HEAD)\n"
	"\n"
	"Paths are made relative to the work tree (relative ones start at the\n"
	"current directory); paths outside the repository are counted and skipped.\n";

struct cov_args {
	const char *rev;
	const char *format;
	const char **files;
	size_t nfiles;
};

static int parse_args(int argc, const char **argv, struct cov_args *a)
{
	int i, r, opts_done = 0;

	a->files = gi_xcalloc((size_t)argc, sizeof(*a->files));
	for (i = 1; i < argc; i++) {
		if (!opts_done && !strcmp(argv[i], "--")) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && argv[i][0] == '-' && argv[i][1]) {
			if ((r = cli_opt_str(argc, argv, &i, "--commit", &a->rev)) ||
			    (r = cli_opt_str(argc, argv, &i, "--format", &a->format))) {
				if (r < 0)
					return r;
				continue;
			}
			return cli_unknown("record-coverage", argv[i]);
		}
		a->files[a->nfiles++] = argv[i];
	}
	if (!a->nfiles)
		return gi_error_setc(GI_EUSAGE, "record-coverage: no coverage reports given "
				     "(see 'git impact record-coverage -h')");
	return 0;
}

/* The format asked for, else guessed from the first file's name. */
static int pick_format(const struct cov_args *a, int *format)
{
	if (a->format)
		return history_coverage_format_parse(a->format, format);
	*format = gi_ends_with(a->files[0], ".json") ? HISTORY_COVERAGE_PY : HISTORY_COVERAGE_LCOV;
	return 0;
}

static void print_result(const struct history_coverage_result *res, const char *commit,
			 struct store *s)
{
	int64_t rows = 0, tests = 0;

	printf("recorded coverage of %zu tests (%zu test-file pairs) from %zu report(s) at commit %.12s\n",
	       res->tests, res->pairs, res->reports, commit);
	if (!store_coverage_count(s, &rows, &tests))
		printf("store now holds coverage of %lld tests (%lld pairs)\n",
		       (long long)tests, (long long)rows);
	gi_error_clear();
	if (res->outside)
		printf("skipped %zu pair(s) with paths outside the repository (e.g. '%s')\n",
		       res->outside, res->outside_example);
}

int cmd_record_coverage(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct cov_args a = { 0 };
	struct history_coverage_opts opts = { 0 };
	struct history_coverage_result res = { 0 };
	char commit[41], workdir[PATH_MAX], cwd[PATH_MAX];
	int err, format = 0;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &a)) || (err = pick_format(&a, &format)))
		goto done;
	if (!lineage_repo_workdir(ctx->repo) || !realpath(lineage_repo_workdir(ctx->repo), workdir)) {
		err = gi_error_setc(GI_EUSAGE, "record-coverage needs a work tree (not a bare repository)");
		goto done;
	}
	if ((err = lineage_repo_resolve(ctx->repo, a.rev ? a.rev : "HEAD", commit)))
		goto done;
	opts.commit = commit;
	opts.workdir = workdir;
	opts.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : workdir;
	if ((err = history_coverage_record(ctx->store, &opts, format, a.files, a.nfiles, &res)))
		goto done;
	print_result(&res, commit, ctx->store);
done:
	history_coverage_result_release(&res);
	free(a.files);
	return err;
}
