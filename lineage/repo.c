/*
 * repo.c - the repository handle: discovery, paths, revision resolution.
 * libgit2 is initialised once for the process on first open, without the
 * TLS trust store it would load for transports we never use (lineage/link/).
 */
#include "lineage.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

struct lineage_repo {
	git_repository *git;
};

static int git_err(const char *what)
{
	const git_error *e = git_error_last();

	return gi_error_set("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

int lineage_repo_open(struct lineage_repo **out, const char *start)
{
	static int inited;
	git_repository *git = NULL;
	int rc;

	if (!inited) {
		git_libgit2_init();
		git_error_clear(); /* "failed to load CA certificates": link/nonet.c */
		inited = 1;
	}
	rc = git_repository_open_ext(&git, start ? start : ".", 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return gi_error_setc(GI_ENOTFOUND, "not a git repository: '%s'", start ? start : ".");
	if (rc < 0)
		return git_err("cannot open the repository");
	*out = gi_xcalloc(1, sizeof(**out));
	(*out)->git = git;
	return 0;
}

void lineage_repo_free(struct lineage_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r);
}

const char *lineage_repo_gitdir(const struct lineage_repo *r)
{
	return git_repository_path(r->git);
}

const char *lineage_repo_commondir(const struct lineage_repo *r)
{
	return git_repository_commondir(r->git);
}

const char *lineage_repo_workdir(const struct lineage_repo *r)
{
	return git_repository_workdir(r->git);
}

char *lineage_repo_store_path(const struct lineage_repo *r)
{
	const char *dir = lineage_repo_commondir(r);

	return gi_xstrfmt("%s%simpact/impact.db", dir, gi_ends_with(dir, "/") ? "" : "/");
}

int lineage_repo_is_shallow(const struct lineage_repo *r)
{
	return git_repository_is_shallow(r->git) == 1;
}

int lineage_repo_resolve(struct lineage_repo *r, const char *rev, char out[41])
{
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, r->git, rev);

	if (rc == 0) {
		git_object *commit = NULL;

		rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
		if (rc == 0) {
			git_oid_tostr(out, 41, git_object_id(commit));
			git_object_free(commit);
			return 0;
		}
	}
	if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC ||
	    rc == GIT_EPEEL)
		return gi_error_setc(GI_ENOTFOUND, "unknown revision '%s'", rev);
	return git_err("cannot resolve a revision");
}

void *lineage_repo_git(struct lineage_repo *r)
{
	return r->git;
}
