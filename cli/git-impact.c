/*
 * git-impact.c - main(): the table of subcommands, global options, and the
 * context (repository, store) each command declares it needs.  git runs
 * this binary as `git impact ...` when it is on PATH.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const struct cli_command commands[] = {
	{ "init", cmd_init, NEED_REPO | WANT_STORE, "create the store and ingest history" },
	{ "ingest", cmd_ingest, NEED_REPO | MAKE_STORE, "bring the store up to date with git history" },
	{ "record", cmd_record, NEED_REPO | MAKE_STORE, "store test results from JUnit XML files" },
	{ "record-coverage", cmd_record_coverage, NEED_REPO | MAKE_STORE,
	  "store per-test coverage (coverage.py JSON, lcov) as covers edges" },
	{ "select", cmd_select, NEED_REPO | WANT_STORE, "pick the tests a change needs" },
	{ "why", cmd_why, NEED_REPO | WANT_STORE, "explain why a test is or is not selected" },
	{ "graph", cmd_graph, NEED_REPO | MAKE_STORE, "export the lineage graph" },
	{ "hook", cmd_hook, NEED_REPO, "install or remove the pre-push hook" },
	{ "sync", cmd_sync, NEED_REPO | MAKE_STORE, "share test results through the remote (git notes)" },
	{ "report", cmd_report, WANT_REPO | NEED_STORE, "the weekly coverage-vs-reduction report" },
	{ "evaluate", cmd_evaluate, NEED_REPO | NEED_STORE, "replay history: how selection would have done" },
};

static const char usage_head[] =
	"usage: git impact [--version] [-h] <command> [<args>]\n"
	"\n"
	"Select the tests a change needs, from code, data, parameter and model lineage\n"
	"and the project's own test history.\n"
	"\n"
	"commands:\n";

static void usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < GI_ARRAY_SIZE(commands); i++)
		fprintf(out, "   %-16s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'git impact <command> -h' describes one command.\n", out);
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < GI_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int wants_help(int argc, const char **argv)
{
	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return 1;
	return 0;
}

/* Open what the command needs.  The store path may be set by IMPACT_STORE. */
static int prepare(const struct cli_command *cmd, struct cli_ctx *ctx)
{
	const char *env_store = getenv("IMPACT_STORE");
	int err;

	if (cmd->needs & (NEED_REPO | WANT_REPO | NEED_STORE | MAKE_STORE | WANT_STORE)) {
		err = lineage_repo_open(&ctx->repo, NULL);
		if (err && (cmd->needs & NEED_REPO || err != GI_ENOTFOUND))
			return err;
		gi_error_clear();
	}
	if (env_store && *env_store)
		ctx->store_path = gi_xstrdup(env_store);
	else if (ctx->repo)
		ctx->store_path = lineage_repo_store_path(ctx->repo);
	if (cmd->needs & (NEED_STORE | MAKE_STORE)) {
		if (!ctx->store_path)
			return gi_error_setc(GI_ENOTFOUND, "not a git repository (or any parent)");
		return store_open(&ctx->store, ctx->store_path,
				  cmd->needs & MAKE_STORE ? STORE_CREATE : 0);
	}
	if (cmd->needs & WANT_STORE && ctx->store_path) {
		/* fail-safe commands go on without a store, and say why */
		ctx->store_err = store_open(&ctx->store, ctx->store_path, 0);
		if (ctx->store_err)
			ctx->store_errmsg = gi_xstrdup(gi_error_last());
		gi_error_clear();
	}
	return 0;
}

static void release(struct cli_ctx *ctx)
{
	store_free(ctx->store);
	lineage_repo_free(ctx->repo);
	free(ctx->store_path);
	free(ctx->store_errmsg);
}

int main(int argc, const char **argv)
{
	const struct cli_command *cmd;
	struct cli_ctx ctx = { 0 };
	int err;

	if (argc < 2 || cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
		usage(stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("git-impact version %s\n", GI_VERSION);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "error: '%s' is not a git impact command (see 'git impact -h')\n", argv[1]);
		return 2;
	}
	argc--;
	argv++;
	if (wants_help(argc, argv))
		return cli_exit(cmd->fn(argc, argv, &ctx));
	err = prepare(cmd, &ctx);
	if (!err)
		err = cmd->fn(argc, argv, &ctx);
	release(&ctx);
	return cli_exit(err);
}
