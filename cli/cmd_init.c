/*
 * cmd_init.c - `git impact init`: create the store if there is none, say
 * where it is, and ingest the repository's history as `git impact ingest`
 * does.  `--check` runs the store's integrity check; `--repair` sets an
 * unusable store aside (never deleting it) and rebuilds what git and the
 * notes (refs/notes/impact) hold.  main() opens the store with WANT_STORE.
 */
#include "cli.h"

#include "history.h"
#include "impact.h"

#include <string.h>

#define INIT_NOTES_REF "refs/notes/impact"

static const char usage_text[] =
	"usage: git impact init [-q] [--check | --repair]\n"
	"\n"
	"Create the store at $GIT_DIR/impact/impact.db (or $IMPACT_STORE) and bring\n"
	"it up to date with the repository's history (see 'git impact ingest -h').\n"
	"\n"
	"    -q        print nothing but warnings\n"
	"    --check   only run the store's integrity check and check its per-test\n"
	"              summary and the model's replay snapshot against the results:\n"
	"              exit 0 when all pass, 2 (and why) when the store is missing,\n"
	"              corrupt or too new\n"
	"    --repair  when the store is corrupt, unreadable or from a newer\n"
	"              git-impact, move it aside to impact.db.corrupt-<time> (it is\n"
	"              never deleted), create a fresh store, ingest git history and\n"
	"              import the results shared in " INIT_NOTES_REF "; a store\n"
	"              that passes its integrity check is kept, its per-test\n"
	"              summary rebuilt if it disagrees with the results and a wrong\n"
	"              replay snapshot dropped (the next select rebuilds it)\n";

/* The error main() met opening the store, set again as the current error. */
static int store_error(struct cli_ctx *ctx)
{
	return gi_error_setc(ctx->store_err, "%s",
			     ctx->store_errmsg ? ctx->store_errmsg : "cannot open the store");
}

static int check(struct cli_ctx *ctx, int quiet)
{
	int err;

	if (!ctx->store)
		return store_error(ctx);
	if ((err = store_check(ctx->store)) || (err = history_stats_verify(ctx->store, 0)) ||
	    (err = impact_replay_verify(ctx->store, 0, NULL)))
		return err;
	if (!quiet)
		printf("store '%s' passes its integrity check (schema version %d)\n",
		       store_path(ctx->store), STORE_SCHEMA_VERSION);
	return 0;
}

static int add_note(void *data, const char *commit, const char *text, size_t len)
{
	return history_notes_add_text(data, commit, text, len, INIT_NOTES_REF, 1);
}

/* Import every run the local notes hold into the (fresh) store, and say what came back. */
static int import_notes(struct cli_ctx *ctx, const char *aside, int quiet)
{
	struct history_notes *ns = history_notes_new();
	struct history_import_result res = { 0 };
	int err;

	if ((err = lineage_notes_each(ctx->repo, INIT_NOTES_REF, HISTORY_NOTE_MAX, add_note, ns)) ||
	    (err = history_notes_import(ns, ctx->store, &res)))
		goto done;
	if (!quiet)
		printf("repair: recovered %zu run(s) with %zu result(s) from the notes of %zu "
		       "commit(s) in '%s'\n", res.runs_new, res.results_new,
		       history_notes_count(ns), INIT_NOTES_REF);
	if (!res.runs_new)
		gi_warn("no test results recovered ('%s' holds none): results recorded "
			"since the last 'git impact sync push' remain only in '%s'",
			INIT_NOTES_REF, aside);
done:
	history_notes_free(ns);
	return err;
}

/*
 * Move a corrupt or too new store aside (*aside gets its new name).  A
 * store that opens and passes its integrity check is kept, and a missing
 * one is no error (*aside stays NULL); one that fails to open for another
 * reason (locked, permissions) is left alone and its error returned.
 */
static int set_aside(struct cli_ctx *ctx, char **aside)
{
	int err;

	if (ctx->store) {
		if (!store_check(ctx->store))
			return 0;
		ctx->store_errmsg = gi_xstrdup(gi_error_last());
		store_free(ctx->store);
		ctx->store = NULL;
	} else if (ctx->store_err != GI_ECORRUPT) {
		return ctx->store_err == GI_ENOTFOUND ? 0 : store_error(ctx);
	}
	if ((err = store_move_aside(ctx->store_path, aside)))
		return err;
	fprintf(stderr, "repair: %s\nrepair: moved it aside to '%s'; building a fresh store\n",
		ctx->store_errmsg, *aside);
	gi_error_clear();
	return 0;
}

/* A kept store whose per-test summary disagrees with its results gets it rebuilt. */
static int repair_summary(struct cli_ctx *ctx, int quiet)
{
	int err = history_stats_verify(ctx->store, 0);

	if (err != GI_ECORRUPT)
		return err;
	fprintf(stderr, "repair: %s\n", gi_error_last());
	gi_error_clear();
	if ((err = history_stats_rebuild(ctx->store)))
		return err;
	if (!quiet)
		printf("repair: rebuilt the per-test summary from the results\n");
	return 0;
}

/* A kept store whose replay snapshot is wrong loses it (select rebuilds it). */
static int repair_snapshot(struct cli_ctx *ctx, int quiet)
{
	int dropped = 0, err = impact_replay_verify(ctx->store, 1, &dropped);

	if (!err && dropped && !quiet)
		printf("repair: dropped the replay snapshot; the next select rebuilds it\n");
	return err;
}

static int repair(struct cli_ctx *ctx, int quiet)
{
	char *aside = NULL;
	int err;

	if ((err = set_aside(ctx, &aside)))
		goto done;
	if (!ctx->store &&
	    (err = store_open(&ctx->store, ctx->store_path, STORE_CREATE)))
		goto done;
	if (!aside && !quiet)
		printf("store '%s' passes its integrity check: nothing to repair\n",
		       store_path(ctx->store));
	if ((err = cli_ingest_run(ctx, NULL, quiet)))
		goto done;
	if (aside)
		err = import_notes(ctx, aside, quiet);
	else if (!(err = repair_summary(ctx, quiet)))
		err = repair_snapshot(ctx, quiet);
done:
	free(aside);
	return err;
}

static int parse_args(int argc, const char **argv, int *quiet, int *mode)
{
	for (int i = 1; i < argc; i++) {
		if (cli_opt_flag(argv, i, "-q") || cli_opt_flag(argv, i, "--quiet"))
			*quiet = 1;
		else if (cli_opt_flag(argv, i, "--check") || cli_opt_flag(argv, i, "--repair"))
			*mode = argv[i][2];
		else
			return cli_unknown("init", argv[i]);
	}
	return 0;
}

int cmd_init(int argc, const char **argv, struct cli_ctx *ctx)
{
	int quiet = 0, mode = 0, err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if ((err = parse_args(argc, argv, &quiet, &mode)))
		return err;
	if (mode == 'c')
		return check(ctx, quiet);
	if (mode == 'r')
		return repair(ctx, quiet);
	if (!ctx->store && ctx->store_err != GI_ENOTFOUND)
		return store_error(ctx);
	if (!ctx->store && (err = store_open(&ctx->store, ctx->store_path, STORE_CREATE)))
		return err;
	if (!quiet)
		printf("store ready at '%s' (schema version %d)\n", store_path(ctx->store),
		       STORE_SCHEMA_VERSION);
	return cli_ingest_run(ctx, NULL, quiet);
}
