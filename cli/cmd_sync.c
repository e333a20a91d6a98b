/*
 * cmd_sync.c - `git impact sync push|pull [REMOTE]`: share recorded results
 * as git notes under refs/notes/impact.  git itself moves the notes (fetch,
 * push, run with an argv, never a shell); history/ merges them by union and
 * imports them; lineage/ reads and writes the notes commits.  Also holds
 * cli_git_run(), the one way cli/ runs git.
 */
#include "cli.h"
#include "history.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SYNC_REF "refs/notes/impact"
#define SYNC_FETCHED "refs/impact/fetched"
#define SYNC_PUSH_TRIES 4

static const char usage_text[] =
	"usage: git impact sync push|pull [REMOTE]\n"
	"\n"
	"Share test results through the remote as git notes (refs/notes/impact),\n"
	"one JSON note per commit, merged by union: nothing recorded anywhere is lost.\n"
	"\n"
	"    push     merge the remote's notes, the local notes and the store's runs,\n"
	"             then push the notes (retried when someone pushed meanwhile)\n"
	"    pull     fetch the remote's notes, merge them into the local notes and\n"
	"             import their runs into the store\n"
	"    REMOTE   a remote name or URL (default origin)\n";

/* Read everything from fd into out (bounded); then close it. */
static int read_all(int fd, struct gi_buf *out)
{
	char chunk[4096];
	ssize_t n;
	int err = 0;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (!err && out && gi_buf_add(out, chunk, (size_t)n)))
			err = gi_error_setc(GI_ELIMIT, "too much output from git");
		if (n < 0)
			break;
	}
	close(fd);
	return err;
}

int cli_git_run(const char *const *args, struct gi_buf *out)
{
	posix_spawn_file_actions_t fa;
	const char **argv = NULL;
	int pipefd[2] = { -1, -1 }, status = 0, err = 0, rc;
	size_t n = 0;
	pid_t pid;

	while (args[n])
		n++;
	argv = gi_xcalloc(n + 2, sizeof(*argv));
	argv[0] = "git";
	memcpy(argv + 1, args, n * sizeof(*argv));
	posix_spawn_file_actions_init(&fa);
	if (out && pipe(pipefd)) {
		err = gi_error_set("cannot run 'git %s': %s", args[0], strerror(errno));
		goto done;
	}
	if (out) {
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
		posix_spawn_file_actions_addclose(&fa, pipefd[0]);
		posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	}
	if ((rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, environ))) {
		err = gi_error_set("cannot run 'git %s': %s", args[0], strerror(rc));
		goto done;
	}
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		pipefd[1] = -1;
		err = read_all(pipefd[0], out);
		pipefd[0] = -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err)
		err = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
done:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	return err;
}

struct sync {
	struct cli_ctx *ctx;
	const char *remote;
	int push;
	int remote_has; /* the remote has notes, fetched into SYNC_FETCHED */
	struct history_notes *ns;
	struct lineage_notes_writer *w;
	size_t written;
};

/* Fetch the remote's notes into SYNC_FETCHED; s->remote_has says if it had any. */
static int fetch_remote(struct sync *s)
{
	const char *ls[] = { "ls-remote", "--", s->remote, SYNC_REF, NULL };
	const char *fetch[] = { "fetch", "-q", "--no-tags", "--", s->remote,
				"+" SYNC_REF ":" SYNC_FETCHED, NULL };
	struct gi_buf out;
	int err;

	gi_buf_init(&out, (size_t)1 << 20);
	if ((err = lineage_ref_delete(s->ctx->repo, SYNC_FETCHED)))
		goto done;
	if ((err = cli_git_run(ls, &out)) > 0)
		err = gi_error_set("cannot read the notes of remote '%s' ('git ls-remote' failed)", s->remote);
	if (err)
		goto done;
	s->remote_has = out.len > 0;
	if (s->remote_has && cli_git_run(fetch, NULL))
		err = gi_error_set("cannot fetch '%s' from remote '%s'", SYNC_REF, s->remote);
done:
	gi_buf_release(&out);
	return err;
}

static int add_base(void *data, const char *commit, const char *text, size_t len)
{
	return history_notes_add_text(data, commit, text, len, SYNC_FETCHED, 1);
}

static int add_local(void *data, const char *commit, const char *text, size_t len)
{
	return history_notes_add_text(data, commit, text, len, SYNC_REF, 0);
}

static int add_local_base(void *data, const char *commit, const char *text, size_t len)
{
	return history_notes_add_text(data, commit, text, len, SYNC_REF, 1);
}

static int put_note(void *data, const char *commit, const char *text, size_t len, int changed)
{
	struct sync *s = data;

	(void)len;
	if (!changed)
		return 0;
	s->written++;
	return lineage_notes_writer_put(s->w, commit, text);
}

/*
 * Merge the remote's notes (the base), the local notes and, for push, the
 * store into refs/notes/impact, written on top of the remote's notes so
 * that pushing it is a fast-forward.
 */
static int merge_notes(struct sync *s)
{
	struct lineage_repo *r = s->ctx->repo;
	const char *base = s->remote_has ? SYNC_FETCHED : SYNC_REF;
	int err;

	history_notes_free(s->ns);
	lineage_notes_writer_free(s->w);
	s->w = NULL;
	s->written = 0;
	s->ns = history_notes_new();
	if (s->remote_has && (err = lineage_notes_each(r, SYNC_FETCHED, HISTORY_NOTE_MAX, add_base, s->ns)))
		return err;
	if ((err = lineage_notes_each(r, SYNC_REF, HISTORY_NOTE_MAX,
				      s->remote_has ? add_local : add_local_base, s->ns)))
		return err;
	if (s->push && (err = history_notes_add_store(s->ns, s->ctx->store)))
		return err;
	if ((err = lineage_notes_writer_new(&s->w, r, base)) ||
	    (err = history_notes_each(s->ns, put_note, s)))
		return err;
	return lineage_notes_writer_finish(s->w, SYNC_REF);
}

static void report_refused(const struct sync *s)
{
	size_t n = history_notes_refused(s->ns);

	if (n)
		fprintf(stderr, "warning: %zu note line(s) could not be read (see above); "
				"they are kept in '%s' as they are and were not imported\n", n, SYNC_REF);
}

/* Merge and push; when someone pushed in between, fetch, merge and try again. */
static int sync_push(struct sync *s)
{
	const char *push[] = { "push", "-q", "--no-verify", "--", s->remote, SYNC_REF ":" SYNC_REF, NULL };
	int err = 0, tries;

	for (tries = 1; tries <= SYNC_PUSH_TRIES; tries++) {
		if ((err = fetch_remote(s)) || (err = merge_notes(s)))
			return err;
		if (!history_notes_count(s->ns)) {
			printf("sync push: no results recorded yet; nothing to push\n");
			return 0;
		}
		if (!s->remote_has || s->written) {
			if ((err = cli_git_run(push, NULL)) < 0)
				return err;
		}
		if (!err)
			break;
		fprintf(stderr, "sync push: the remote's notes moved meanwhile; merging again\n");
	}
	if (err)
		return gi_error_set("cannot push '%s' to remote '%s' after %d tries", SYNC_REF,
				    s->remote, SYNC_PUSH_TRIES);
	report_refused(s);
	printf("sync push: '%s' holds the notes of %zu commit(s); %zu written by this push\n",
	       s->remote, history_notes_count(s->ns), s->written);
	return 0;
}

static int sync_pull(struct sync *s)
{
	struct history_import_result res;
	int err;

	if ((err = fetch_remote(s)) || (err = merge_notes(s)))
		return err;
	if ((err = history_notes_import(s->ns, s->ctx->store, &res)))
		return err;
	report_refused(s);
	printf("sync pull: notes of %zu commit(s) from '%s': %zu new run(s), %zu new result(s)\n",
	       history_notes_count(s->ns), s->remote, res.runs_new, res.results_new);
	return 0;
}

int cmd_sync(int argc, const char **argv, struct cli_ctx *ctx)
{
	struct sync s = { ctx, "origin", 0, 0, NULL, NULL, 0 };
	int err;

	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "push") && strcmp(argv[1], "pull")))
		return gi_error_setc(GI_EUSAGE, "usage: git impact sync push|pull [REMOTE]");
	if (argc == 3) {
		if (argv[2][0] == '-')
			return cli_unknown("sync", argv[2]);
		s.remote = argv[2];
	}
	s.push = !strcmp(argv[1], "push");
	err = s.push ? sync_push(&s) : sync_pull(&s);
	lineage_ref_delete(ctx->repo, SYNC_FETCHED);
	lineage_notes_writer_free(s.w);
	history_notes_free(s.ns);
	return err;
}
