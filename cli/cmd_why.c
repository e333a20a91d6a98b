/*
 * cmd_why.c - `git impact why TEST`: with --base/--head/--worktree, why the
 * selection for that change takes or skips TEST (impact_explain), in words
 * or as JSON; without them, every dependency path from TEST (or any
 * tracked file) to its sources in the lineage graph of --rev.
 */
#include "cli.h"

#include "impact.h"

#include <jansson.h>
#include <time.h>

static const char usage_text[] =
	"usage: git impact why TEST [--base REV] [--head REV | --worktree] [--format text|json]\n"
	"   or: git impact why TEST [--rev REV]\n"
	"\n"
	"With --base, --head or --worktree: explain why the selection for that change\n"
	"(the one 'git impact select' makes) runs or skips TEST: the changed nodes that\n"
	"reach it and by which path, the kinds of change (code, data, param, model),\n"
	"its history (last outcome, failure rate, flakiness, duration), or why not.\n"
	"TEST is a test id 'path::name' or a test file (all its tests).\n"
	"\n"
	"Otherwise: print each dependency path from TEST (a test id, a test file, or\n"
	"any tracked path) to the sources it depends on in the lineage graph of REV\n"
	"(default HEAD), e.g.\n"
	"  tests/test_train.py -> imports -> src/train.py -> param -> params.yaml:train.n_est\n"
	"\n"
	"    --base REV     compare from the merge-base with REV (default: as select)\n"
	"    --head REV     the change's head (default HEAD)\n"
	"    --worktree     the change is the work tree (staged, unstaged, untracked)\n"
	"    --format F     text (default) or json, for a change\n"
	"    --rev REV      the commit whose graph to use (without a change)\n";

/* The node TEST names: a test (by id or file), else a file. */
static uint32_t find_start(const struct lineage_graph *g, const char *test)
{
	uint32_t n = lineage_graph_test_of(g, test);

	if (n == LINEAGE_NONE)
		n = lineage_graph_find(g, LINEAGE_NODE_FILE, test);
	return n;
}

static int explain_graph(const struct lineage_graph *g, const char *test, const char *rev)
{
	struct gi_strvec lines = GI_STRVEC_INIT;
	uint32_t n = find_start(g, test);

	if (n == LINEAGE_NONE)
		return gi_error_setc(GI_ENOTFOUND, "no test or file '%s' in the lineage graph of '%s'",
				     test, rev);
	lineage_graph_why(g, n, &lines);
	if (!lines.nr)
		printf("%s depends on nothing else in the lineage graph\n", lineage_node_name(g, n));
	for (size_t i = 0; i < lines.nr; i++)
		printf("%s\n", lines.v[i]);
	if (lineage_node_flags(g, n) & LINEAGE_NODE_UNPLACED)
		printf("(%s is unplaced: no test depends on it, so a change to it selects every test)\n",
		       lineage_node_name(g, n));
	gi_strvec_clear(&lines);
	return 0;
}

static int why_graph(struct cli_ctx *ctx, const char *test, const char *rev)
{
	struct lineage_graph *g = NULL;
	char oid[41];
	int err;

	if ((err = lineage_repo_resolve(ctx->repo, rev, oid)) ||
	    (err = lineage_graph_for_commit(ctx->repo, ctx->store, oid, &g)))
		goto done;
	err = explain_graph(g, test, rev);
done:
	lineage_graph_free(g);
	return err;
}

/* ---- explaining a selection ------------------------------------------ */

static const char *outcome_name(int outcome)
{
	static const char *const names[] = { "passed", "failed", "errored", "skipped", "was flaky" };

	return outcome >= 0 && outcome < (int)GI_ARRAY_SIZE(names) ? names[outcome] : "none";
}

/* One sentence: why the verdict.  Into `b`. */
static void reason_text(const struct impact_explanation *e, struct gi_buf *b)
{
	switch (e->reason) {
	case SELECTOR_SAFE_SET:
		gi_buf_adds(b, "a changed node reaches it through the lineage graph");
		break;
	case SELECTOR_NEW:
		gi_buf_adds(b, "a new test: no recorded run has seen it, so it always runs");
		break;
	case SELECTOR_FAILED_LAST:
		gi_buf_printf(b, "it failed in its last recorded run%s%.12s, so it always runs",
			      *e->hist.last_commit ? " at " : "", e->hist.last_commit);
		break;
	case SELECTOR_ALWAYS_RUN:
		gi_buf_adds(b, "marked always-run (impact.yaml 'always_run')");
		break;
	case SELECTOR_PREDICTED:
		gi_buf_printf(b, "its score %.3f reached the selection threshold", e->score);
		break;
	case SELECTOR_AUDIT:
		gi_buf_adds(b, "picked for the audit sample (a random share of skipped tests)");
		break;
	case SELECTOR_FALLBACK:
		gi_buf_printf(b, "every test runs: %s", e->fallback ? e->fallback : "fallback");
		break;
	case SELECTOR_UNPLACED:
		gi_buf_adds(b, "the lineage graph has no test file for it, so it cannot be placed and runs");
		break;
	default:
		if (e->gone)
			gi_buf_adds(b, "it is recorded, but its test file no longer exists: it cannot run");
		else if (e->score >= 0 && e->nreach)
			gi_buf_printf(b, "its score %.3f is below the selection threshold", e->score);
		else if (!e->analysed)
			gi_buf_adds(b, "the change could not be analysed (see the notes)");
		else if (!e->changed.nr)
			gi_buf_printf(b, "the change has no changed node (%zu changed paths, %zu ignored)",
				      e->npaths, e->nignored);
		else
			gi_buf_printf(b, "none of the %zu changed nodes is among the %zu nodes it depends on",
				      e->changed.nr, e->ndeps);
	}
}

static void kinds_text(unsigned kinds, struct gi_buf *b)
{
	for (unsigned k = 1; k <= IMPACT_KIND_MODEL; k <<= 1)
		if (kinds & k)
			gi_buf_printf(b, "%s%s", b->len ? ", " : "", impact_kind_name(k));
}

static void print_history(const struct impact_explanation *e)
{
	const struct history_test_stats *h = &e->hist;
	char day[32] = "";
	time_t t = (time_t)h->last_time;
	struct tm tm;

	if (!e->has_history) {
		printf("  history: none recorded for this id\n");
		return;
	}
	if (h->last_time && gmtime_r(&t, &tm))
		strftime(day, sizeof(day), " on %Y-%m-%d", &tm);
	printf("  history: last %s%s%.12s%s; %u runs, %u failed, %u flaky, %u skipped; "
	       "decayed failure rate %.3f",
	       outcome_name(h->last_outcome), *h->last_commit ? " at " : "", h->last_commit, day,
	       h->runs, h->failures, h->flaky, h->skips, h->decayed_failure_rate);
	if (h->median_duration >= 0)
		printf("; median duration %.2f s", h->median_duration);
	printf("\n");
}

static void print_change(const struct impact_explanation *e)
{
	printf("  change: %s%.12s..%s%.12s (%zu paths, %zu ignored, %zu unplaced; %zu changed nodes)\n",
	       *e->base ? "" : "the empty tree", e->base, *e->head ? "" : "the work tree",
	       *e->head ? e->head : "", e->npaths, e->nignored, e->nunplaced, e->changed.nr);
	if (e->base_desc)
		printf("    base: %s\n", e->base_desc);
}

static void print_reach(const struct impact_explanation *e)
{
	for (size_t i = 0; i < e->nreach; i++)
		printf("    %s %s%s: %s\n", impact_kind_name(e->reach[i].kind), e->reach[i].node,
		       e->reach[i].deleted ? " (deleted)" : "", e->reach[i].path);
}

static void print_text(const struct impact_explanation *e)
{
	struct gi_buf b;

	gi_buf_init(&b, 1 << 20);
	reason_text(e, &b);
	printf("%s: %s (%s)\n", e->test, e->selected ? "selected" : "not selected",
	       selector_reason_name(e->reason));
	printf("  %s: %s\n", e->selected ? "why" : "why not", gi_buf_cstr(&b));
	if (e->fallback && e->reason != SELECTOR_FALLBACK)
		printf("  also: every test runs for this change: %s\n", e->fallback);
	print_change(e);
	gi_buf_reset(&b);
	kinds_text(e->kinds, &b);
	if (e->nreach)
		printf("  reached by (%s):\n", b.len ? gi_buf_cstr(&b) : "no kind");
	print_reach(e);
	if (e->path && !e->nreach)
		printf("  path: %s\n", e->path);
	if (!e->selected && e->analysed && e->changed.nr && !e->nreach) {
		printf("  changed nodes:\n");
		for (size_t i = 0; i < e->changed.nr && i < 20; i++)
			printf("    %s\n", e->changed.v[i]);
		if (e->changed.nr > 20)
			printf("    and %zu more\n", e->changed.nr - 20);
	}
	for (size_t i = 0; i < e->near.nr; i++)
		printf("  near: %s\n", e->near.v[i]);
	for (size_t i = 0; i < e->nmembers; i++)
		printf("  test %s: %s (%s)\n", e->members[i].id,
		       e->members[i].selected ? "selected" : "not selected",
		       selector_reason_name(e->members[i].reason));
	if (!e->nmembers)
		print_history(e);
	for (size_t i = 0; i < e->notes.nr; i++)
		printf("  note: %s\n", e->notes.v[i]);
	gi_buf_release(&b);
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jnum(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static json_t *strvec_json(const struct gi_strvec *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sv->nr; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *kinds_json(unsigned kinds)
{
	json_t *a = json_array();

	for (unsigned k = 1; k <= IMPACT_KIND_MODEL; k <<= 1)
		if (kinds & k)
			json_array_append_new(a, json_string(impact_kind_name(k)));
	return a;
}

static json_t *history_json(const struct impact_explanation *e)
{
	const struct history_test_stats *h = &e->hist;

	if (!e->has_history)
		return json_null();
	return json_pack("{s:s?, s:s?, s:I, s:i, s:i, s:i, s:i, s:o, s:o, s:f}",
			 "last_outcome", h->last_outcome >= 0 ? outcome_name(h->last_outcome) : NULL,
			 "last_commit", *h->last_commit ? h->last_commit : NULL,
			 "last_time", (json_int_t)h->last_time, "runs", (int)h->runs,
			 "failures", (int)h->failures, "flaky", (int)h->flaky, "skips", (int)h->skips,
			 "median_duration", jnum(h->median_duration),
			 "mean_duration", jnum(h->mean_duration),
			 "decayed_failure_rate", h->decayed_failure_rate);
}

static json_t *change_json(const struct impact_explanation *e)
{
	return json_pack("{s:o, s:o, s:b, s:o, s:i, s:i, s:i, s:o}", "base", jstr(*e->base ? e->base : NULL),
			 "head", jstr(*e->head ? e->head : NULL), "worktree", !*e->head,
			 "base_desc", jstr(e->base_desc), "paths", (int)e->npaths,
			 "ignored", (int)e->nignored, "unplaced", (int)e->nunplaced,
			 "changed", strvec_json(&e->changed));
}

static json_t *reach_json(const struct impact_explanation *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->nreach; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:s}",
			"node", e->reach[i].node, "node_kind", lineage_node_kind_name(e->reach[i].node_kind),
			"kind", impact_kind_name(e->reach[i].kind), "deleted", e->reach[i].deleted,
			"path", e->reach[i].path));
	return a;
}

static json_t *members_json(const struct impact_explanation *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->nmembers; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:s}", "id", e->members[i].id,
						   "selected", e->members[i].selected, "reason",
						   selector_reason_name(e->members[i].reason)));
	return a;
}

static int print_json(const struct impact_explanation *e)
{
	struct gi_buf b;
	json_t *o;
	int err = 0;

	gi_buf_init(&b, 1 << 20);
	reason_text(e, &b);
	o = json_pack("{s:s, s:b, s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o}",
		      "test", e->test, "selected", e->selected, "gone", e->gone,
		      "reason", selector_reason_name(e->reason), "why", gi_buf_cstr(&b),
		      "path", jstr(e->path), "kinds", kinds_json(e->kinds), "score", jnum(e->score),
		      "duration", jnum(e->duration), "fallback", jstr(e->fallback),
		      "change", change_json(e), "reached_by", reach_json(e), "near", strvec_json(&e->near),
		      "depends_on", (int)e->ndeps, "history", history_json(e), "tests", members_json(e),
		      "notes", strvec_json(&e->notes));
	if (!o || json_dumpf(o, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII) || puts("") == EOF)
		err = gi_error_set("cannot write the explanation of '%s' as json", e->test);
	json_decref(o);
	gi_buf_release(&b);
	return err;
}

/* ---- the command ------------------------------------------------------ */

struct why_args {
	struct impact_select_opts opts;
	const char *rev, *test, *format;
	int change; /* 1: --base, --head or --worktree given */
};

/* One argument at argv[*i]: 1 taken, < 0 error. */
static int parse_one(int argc, const char **argv, int *i, struct why_args *a)
{
	struct impact_range *r = &a->opts.range;
	int got;

	if ((got = cli_opt_str(argc, argv, i, "--base", &r->base)) ||
	    (got = cli_opt_str(argc, argv, i, "--head", &r->head)))
		return got < 0 ? got : (a->change = 1);
	if (cli_opt_flag(argv, *i, "--worktree"))
		return r->worktree = a->change = 1;
	if ((got = cli_opt_str(argc, argv, i, "--rev", &a->rev)) ||
	    (got = cli_opt_str(argc, argv, i, "--format", &a->format)))
		return got;
	if (argv[*i][0] == '-' || a->test)
		return cli_unknown("why", argv[*i]);
	a->test = argv[*i];
	return 1;
}

static int parse_args(int argc, const char **argv, struct why_args *a)
{
	int err;

	a->rev = "HEAD";
	a->format = "text";
	a->opts.recall = 0.99;
	a->opts.confidence = 0.95;
	a->opts.shards = 1;
	for (int i = 1; i < argc; i++)
		if ((err = parse_one(argc, argv, &i, a)) < 0)
			return err;
	if (!a->test)
		return gi_error_setc(GI_EUSAGE, "why: which test? (see 'git impact why -h')");
	if (strcmp(a->format, "text") && strcmp(a->format, "json"))
		return gi_error_setc(GI_EUSAGE, "--format must be text or json, not '%s'", a->format);
	if (a->change && strcmp(a->rev, "HEAD"))
		return gi_error_setc(GI_EUSAGE, "--rev cannot be combined with --base, --head or --worktree");
	if (!a->change && strcmp(a->format, "text"))
		return gi_error_setc(GI_EUSAGE, "--format json needs a change (--base, --head or --worktree)");
	return 0;
}

int cmd_why(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct why_args a = { 0 };
	struct impact_explanation e = { 0 };
	int err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &a)))
		return err;
	gi_alloc_prefer_huge_pages(); /* as select: graphs and history, touched once */
	if (!a.change)
		return why_graph(ctx, a.test, a.rev);
	if ((err = impact_explain(ctx->repo, ctx->store, ctx->store_errmsg, &a.opts, a.test, &e)))
		return err;
	if (!strcmp(a.format, "json"))
		err = print_json(&e);
	else
		print_text(&e);
	impact_explanation_release(&e);
	return err;
}
