/*
 * cli.h - shared by the subcommands in cli/: the context main() prepares,
 * the option parser, and the exit-code convention.
 *
 * Exit codes: 0 success (also a fail-safe "run everything"), 1 tests
 * failed (hook), 2 bad usage or bad input, with one line on stderr.
 */
#ifndef GI_CLI_H
#define GI_CLI_H

#include "common.h"
#include "lineage.h"
#include "store.h"

enum cli_needs {
	NEED_REPO = 1 << 0,  /* fail unless inside a git repository */
	NEED_STORE = 1 << 1, /* open the store (fails if absent) */
	MAKE_STORE = 1 << 2, /* open the store, creating it */
	WANT_REPO = 1 << 3,  /* open the repository if there is one */
	WANT_STORE = 1 << 4, /* open the store if it opens; else ctx->store_err says why */
};

struct cli_ctx {
	struct lineage_repo *repo; /* NULL unless NEED_REPO/WANT_REPO found one */
	struct store *store;       /* NULL unless NEED_STORE/MAKE_STORE */
	char *store_path;          /* where the store lives (even when not opened) */
	int store_err;             /* WANT_STORE: why the store did not open (0 if it did) */
	char *store_errmsg;        /* WANT_STORE: the message for store_err, or NULL */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, const char **argv, struct cli_ctx *ctx);
	int needs;
	const char *summary;
};

/*
 * Option parsing.  A command walks argv with cli_next(); options take
 * "--name value" or "--name=value".  Each returns 1 when argv[*i] is the
 * option (advancing *i past its value), 0 when it is not, and GI_EUSAGE
 * (message set) when its value is missing or malformed.
 */
int cli_opt_str(int argc, const char **argv, int *i, const char *name, const char **val);
int cli_opt_flag(const char **argv, int i, const char *name);
int cli_opt_double(int argc, const char **argv, int *i, const char *name, double *val);
int cli_opt_long(int argc, const char **argv, int *i, const char *name, long *val);

/* 1 if argv[i] is -h or --help. */
int cli_is_help(const char *arg);

/* Print usage text to stdout (for -h); returns 0. */
int cli_usage(const char *text);
/* Set an "unknown option" usage error naming the option; returns GI_EUSAGE. */
int cli_unknown(const char *cmd, const char *arg);

/* Map an error code to an exit code and print the last error.  0 -> 0. */
int cli_exit(int err);

/* Subcommands. */
int cmd_init(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_ingest(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_record(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_select(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_why(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_graph(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_sync(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_hook(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_report(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_evaluate(int argc, const char **argv, struct cli_ctx *ctx);
int cmd_record_coverage(int argc, const char **argv, struct cli_ctx *ctx);

/*
 * Ingest git history into ctx->store (lineage_ingest), print the summary
 * line on stdout unless `quiet`, and warn on stderr, always, where the
 * history stops short (shallow clone).  `rev` as --rev, or NULL for
 * every branch and tag.  Defined in cmd_ingest.c; `init` uses it too.
 */
int cli_ingest_run(struct cli_ctx *ctx, const char *rev, int quiet);

/*
 * Run `git ARGS...` (args: NULL-terminated, without "git"), directly with an
 * argv, never through a shell; stderr goes to ours.  `out` (may be NULL:
 * stdout goes to ours) receives the standard output.  Returns git's exit
 * status (>= 0), or a negative code when it could not run (message set).
 * Defined in cmd_sync.c.
 */
int cli_git_run(const char *const *args, struct gi_buf *out);

#endif
