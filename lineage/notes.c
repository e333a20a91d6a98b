/*
 * notes.c - reading and writing git notes under one ref with libgit2: walk
 * every note, and write a batch of notes as a chain of notes commits on
 * top of a given base, moving the ref once at the end (all or nothing).
 */
#include "lineage.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

struct lineage_notes_writer {
	git_repository *git;
	git_signature *sig;
	git_commit *tip; /* NULL until the first note when the base has none */
	size_t written;
};

static int notes_err(const char *what, const char *ref)
{
	const git_error *e = git_error_last();

	return gi_error_set("%s '%s': %s", what, ref, e && e->message ? e->message : "libgit2 error");
}

struct each_ctx {
	git_repository *git;
	const char *ref;
	size_t max;
	lineage_note_fn fn;
	void *data;
	int err;
};

static int each_note(const git_oid *blob_id, const git_oid *commit_id, void *payload)
{
	struct each_ctx *c = payload;
	git_blob *blob = NULL;
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit_id);
	if (git_blob_lookup(&blob, c->git, blob_id) < 0) {
		c->err = notes_err("cannot read a note in", c->ref);
	} else if ((size_t)git_blob_rawsize(blob) > c->max) {
		c->err = gi_error_setc(GI_ELIMIT, "the note of commit %s in '%s' is over %zu MiB",
				       hex, c->ref, c->max >> 20);
	} else {
		c->err = c->fn(c->data, hex, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	}
	git_blob_free(blob);
	return c->err ? GIT_EUSER : 0;
}

int lineage_notes_each(struct lineage_repo *r, const char *ref, size_t max, lineage_note_fn fn,
		       void *data)
{
	struct each_ctx c = { lineage_repo_git(r), ref, max, fn, data, 0 };
	int rc = git_note_foreach(c.git, ref, each_note, &c);

	if (rc == GIT_EUSER)
		return c.err;
	if (rc == GIT_ENOTFOUND)
		return 0; /* no notes under this ref yet */
	return rc < 0 ? notes_err("cannot list the notes in", ref) : 0;
}

int lineage_notes_writer_new(struct lineage_notes_writer **out, struct lineage_repo *r,
			     const char *base_ref)
{
	struct lineage_notes_writer *w = gi_xcalloc(1, sizeof(*w));
	git_reference *ref = NULL;
	int err = 0, rc;

	w->git = lineage_repo_git(r);
	if (git_signature_default(&w->sig, w->git) < 0 &&
	    git_signature_now(&w->sig, "git-impact", "git-impact@localhost") < 0) {
		err = notes_err("cannot sign notes for", base_ref);
		goto done;
	}
	rc = git_reference_lookup(&ref, w->git, base_ref);
	if (rc == 0 && git_reference_peel((git_object **)&w->tip, ref, GIT_OBJECT_COMMIT) < 0)
		err = notes_err("cannot read the notes ref", base_ref);
	else if (rc < 0 && rc != GIT_ENOTFOUND)
		err = notes_err("cannot read the notes ref", base_ref);
done:
	git_reference_free(ref);
	if (err)
		lineage_notes_writer_free(w);
	else
		*out = w;
	return err;
}

int lineage_notes_writer_put(struct lineage_notes_writer *w, const char *commit, const char *text)
{
	git_oid target, made, blob;
	git_commit *next = NULL;

	if (git_oid_fromstr(&target, commit) < 0)
		return gi_error_setc(GI_EINPUT, "cannot attach a note to '%s': not a commit id", commit);
	if (git_note_commit_create(&made, &blob, w->git, w->tip, w->sig, w->sig, &target, text, 1) < 0 ||
	    git_commit_lookup(&next, w->git, &made) < 0)
		return notes_err("cannot write the note of commit", commit);
	git_commit_free(w->tip);
	w->tip = next;
	w->written++;
	return 0;
}

int lineage_notes_writer_finish(struct lineage_notes_writer *w, const char *ref)
{
	git_reference *out = NULL;

	if (!w->tip)
		return 0; /* nothing to point at: the base had no notes, none were written */
	if (git_reference_create(&out, w->git, ref, git_commit_id(w->tip), 1, "git-impact sync") < 0)
		return notes_err("cannot update", ref);
	git_reference_free(out);
	return 0;
}

void lineage_notes_writer_free(struct lineage_notes_writer *w)
{
	if (!w)
		return;
	git_signature_free(w->sig);
	git_commit_free(w->tip);
	free(w);
}

int lineage_ref_delete(struct lineage_repo *r, const char *ref)
{
	git_reference *found = NULL;
	int rc = git_reference_lookup(&found, lineage_repo_git(r), ref);

	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = git_reference_delete(found);
	git_reference_free(found);
	return rc < 0 ? notes_err("cannot delete", ref) : 0;
}
