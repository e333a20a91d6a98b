/*
 * cmd_ingest.c - `git impact ingest`: bring the store up to date with git
 * history, say what it did, and warn where a shallow clone cuts it short.
 * `--show REV` prints what the store holds for one commit, in the format
 * of `git diff-tree --raw --no-abbrev`, so tests can compare the two.
 */
#include "cli.h"

#include <string.h>

static const char usage_text[] =
	"usage: git impact ingest [--rev RANGE] [-q]\n"
	"   or: git impact ingest --show REV\n"
	"\n"
	"Store the commits of the repository not yet in the store, with their\n"
	"first-parent changes (renames detected), oldest first.\n"
	"\n"
	"    --rev RANGE   walk only REV, A..B or A...B (default: HEAD, every branch,\n"
	"                  remote-tracking branch and tag)\n"
	"    -q            print nothing but warnings\n"
	"    --show REV    print what the store holds for commit REV and ingest nothing\n";

int cli_ingest_run(struct cli_ctx *ctx, const char *rev, int quiet)
{
	struct lineage_ingest_opts opts = { rev, 0 };
	struct lineage_ingest_stats st;
	int err = lineage_ingest(ctx->repo, ctx->store, &opts, &st);

	if (st.boundaries && lineage_repo_is_shallow(ctx->repo))
		gi_warn("shallow clone: history stops at %s%s; run 'git fetch --deepen=N' or --unshallow for more",
			st.boundary_oid, st.boundaries > 1 ? " (and other boundary commits)" : "");
	else if (st.boundaries)
		gi_warn("history stops at %s: a parent commit is missing from the repository",
			st.boundary_oid);
	if (!err && !quiet)
		printf("ingested %ld commits (%ld changes) in %.2f s; %ld boundary commits\n",
		       st.commits, st.changes, st.seconds, st.boundaries);
	return err;
}

/* Write `len` bytes of path as git quotes it (core.quotePath): "..." with C escapes. */
static void put_path(const char *p, size_t len)
{
	static const char esc[] = "\a\b\t\n\v\f\r\"\\";
	static const char letters[] = "abtnvfr\"\\";
	int quote = 0;

	for (size_t i = 0; i < len && !quote; i++)
		quote = (unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ||
			p[i] == '"' || p[i] == '\\';
	if (!quote) {
		fwrite(p, 1, len, stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		const char *e = c ? strchr(esc, c) : NULL;

		if (e)
			printf("\\%c", letters[e - esc]);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int show_change(void *data, const struct store_git_change *ch)
{
	static const char zero[] = "0000000000000000000000000000000000000000";

	(void)data;
	printf(":%06o %06o %s %s %c", (unsigned)ch->old_mode, (unsigned)ch->new_mode,
	       *ch->old_blob ? ch->old_blob : zero, *ch->new_blob ? ch->new_blob : zero, ch->status);
	if (ch->status == 'R' || ch->status == 'C')
		printf("%03d", ch->similarity);
	putchar('\t');
	if (ch->old_path)
		put_path(ch->old_path, ch->old_len);
	if (ch->old_path && ch->new_path && ch->status != 'R' && ch->status != 'C') {
		putchar('\n');
		return 0;
	}
	if (ch->old_path && ch->new_path)
		putchar('\t');
	if (ch->new_path)
		put_path(ch->new_path, ch->new_len);
	putchar('\n');
	return 0;
}

static int show(struct cli_ctx *ctx, const char *rev)
{
	struct store_git_commit c = { 0 };
	char oid[41];
	int err;

	if ((err = lineage_repo_resolve(ctx->repo, rev, oid)))
		return err;
	if ((err = store_git_commit_get(ctx->store, oid, &c)))
		return err == GI_ENOTFOUND ?
			gi_error_setc(GI_ENOTFOUND, "commit '%s' is not in the store '%s'", oid,
				      store_path(ctx->store)) : err;
	printf("commit %s\ntime %lld\nauthor %s <%s>\nparents %s\nboundary %d\n", c.oid,
	       (long long)c.time, c.author_name ? c.author_name : "",
	       c.author_email ? c.author_email : "", c.parents, c.boundary);
	err = store_git_changes_each(ctx->store, oid, show_change, NULL);
	store_git_commit_release(&c);
	return err;
}

int cmd_ingest(int argc, const char **argv, struct cli_ctx *ctx)
{
	const char *rev = NULL, *show_rev = NULL;
	int quiet = 0, r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
		if ((r = cli_opt_str(argc, argv, &i, "--rev", &rev)) ||
		    (r = cli_opt_str(argc, argv, &i, "--show", &show_rev))) {
			if (r < 0)
				return r;
			continue;
		}
		if (cli_opt_flag(argv, i, "-q") || cli_opt_flag(argv, i, "--quiet")) {
			quiet = 1;
			continue;
		}
		return cli_unknown("ingest", argv[i]);
	}
	if (rev && !*rev)
		return gi_error_setc(GI_EUSAGE, "option '--rev' needs a revision or range");
	if (show_rev)
		return show(ctx, show_rev);
	return cli_ingest_run(ctx, rev, quiet);
}
