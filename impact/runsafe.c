/*
 * runsafe.c - what the graph alone would have run for a recorded full run:
 * the commit's safe-set selection against its first parent, kept in the
 * store (selections) so that replay (evaluate, calibration) counts a
 * failure the lineage reaches as caught, as select would have.  Replay
 * reads only the reasons that come from git and the graph (safe-set,
 * unplaced, fallback, always-run), never from the run's outcomes: no
 * look-ahead.
 */
#include "impact.h"

#include "store.h"

int impact_keep_safe_set(struct lineage_repo *repo, struct store *store, const char *commit)
{
	struct impact_select_opts o = { 0 };
	struct impact_selection sel = { 0 };
	struct gi_strvec had = GI_STRVEC_INIT;
	char *base = gi_xstrfmt("%s~1", commit);
	char parent[41];
	int err;

	err = store_selection_lineage_tests(store, commit, &had);
	gi_strvec_clear(&had);
	if (err != GI_ENOTFOUND)
		goto done; /* kept already, or the store failed */
	if (lineage_repo_resolve(repo, base, parent)) {
		gi_error_clear(); /* a root commit: no change to select for */
		err = 0;
		goto done;
	}
	o.range.base = parent;
	o.range.head = commit;
	o.recall = 0.99;
	o.confidence = 0.95;
	o.mode = IMPACT_MODE_SAFE;
	o.shards = 1;
	if (!(err = impact_select(repo, store, NULL, &o, &sel)))
		err = impact_selection_save(store, &o, &sel);
	impact_selection_release(&sel);
done:
	free(base);
	return err;
}
