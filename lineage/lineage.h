/*
 * lineage.h - git history and the lineage graph.
 *
 * This module owns every use of libgit2 (impact/ reaches git only through
 * the repository helpers below) and every manifest parser.  Sections:
 * the repository handle, history ingestion, and the lineage graph.
 */
#ifndef GI_LINEAGE_H
#define GI_LINEAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct store;

/* ---- repository handle ------------------------------------------------ */

struct lineage_repo;

/*
 * Open the repository that contains `start` (a path; NULL for the current
 * directory), as git does (GIT_DIR honoured).  GI_ENOTFOUND when not in a
 * repository.  *out is the caller's, freed with lineage_repo_free().
 */
int lineage_repo_open(struct lineage_repo **out, const char *start);
void lineage_repo_free(struct lineage_repo *r);

/* The git directory ("/x/.git/", with a final slash).  Borrowed. */
const char *lineage_repo_gitdir(const struct lineage_repo *r);
/* The common git directory (shared by worktrees).  Borrowed. */
const char *lineage_repo_commondir(const struct lineage_repo *r);
/* The work tree with a final slash, or NULL for a bare repository.  Borrowed. */
const char *lineage_repo_workdir(const struct lineage_repo *r);
/* The default store path: <commondir>/impact/impact.db.  Caller frees. */
char *lineage_repo_store_path(const struct lineage_repo *r);
/* 1 if the repository is a shallow clone. */
int lineage_repo_is_shallow(const struct lineage_repo *r);

/*
 * Resolve a revision (any git rev syntax) to a commit id in hex (41 bytes
 * with the NUL).  GI_ENOTFOUND, naming the revision, if it does not exist.
 */
int lineage_repo_resolve(struct lineage_repo *r, const char *rev, char out[41]);

/* The libgit2 repository (a `git_repository *`), for lineage/ and impact/ only. */
void *lineage_repo_git(struct lineage_repo *r);

/* ---- history ingestion ------------------------------------------------ */

struct lineage_ingest_opts {
	/*
	 * What to walk: NULL for HEAD and every branch, remote-tracking branch
	 * and tag (not notes, not stash); else "REV", "A..B" or "A...B" (an
	 * empty side means HEAD).
	 */
	const char *rev;
	int batch; /* commits per transaction; 0 for the default (1000) */
};

struct lineage_ingest_stats {
	long commits;          /* commits newly stored */
	long changes;          /* changes newly stored */
	long known;            /* walked commits that were already stored */
	long boundaries;       /* walked commits whose parents are missing (shallow) */
	char boundary_oid[41]; /* the oldest such commit, "" when none */
	double seconds;        /* wall time of the whole ingest */
};

/*
 * Bring `store` up to date with the history of `repo`: store each commit
 * not yet stored (oid, parents, committer time, author), oldest first,
 * with its first-parent diff (root commits against the empty tree; rename
 * detection when a diff has both adds and deletes).  Commits listed in
 * $GIT_DIR/shallow, and commits with a missing parent, are stored as
 * boundaries without a diff; a boundary stored earlier is re-ingested once
 * its parents arrive (git fetch --deepen).  Writes in transactions of
 * opts->batch commits, so an interrupted ingest keeps whole batches and
 * the next one goes on from there.  `opts` may be NULL; `stats` (may be
 * NULL) is filled even on failure.  Returns 0, GI_ENOTFOUND naming an
 * unknown revision, or GI_ERROR.
 */
int lineage_ingest(struct lineage_repo *repo, struct store *store,
		   const struct lineage_ingest_opts *opts, struct lineage_ingest_stats *stats);

/* ---- git notes -------------------------------------------------------- */

/* Called with each note: the annotated commit (40 hex) and the note's bytes (borrowed). */
typedef int (*lineage_note_fn)(void *data, const char *commit, const char *text, size_t len);

/*
 * Call fn for every note under `ref` (e.g. "refs/notes/impact"); a missing
 * ref has no notes.  A note over `max` bytes fails with GI_ELIMIT; a
 * non-zero return of fn stops the walk and is returned.
 */
int lineage_notes_each(struct lineage_repo *r, const char *ref, size_t max, lineage_note_fn fn,
		       void *data);

/* Writes notes as a chain of notes commits; the ref moves only at finish. */
struct lineage_notes_writer;

/*
 * Start writing on top of the notes commit `base_ref` points at (none when
 * it does not exist).  Signs with the user's identity, else "git-impact".
 * *out is the caller's (lineage_notes_writer_free).
 */
int lineage_notes_writer_new(struct lineage_notes_writer **out, struct lineage_repo *r,
			     const char *base_ref);
/* Set (replace) the note of `commit` (40 hex) to `text` (NUL-terminated). */
int lineage_notes_writer_put(struct lineage_notes_writer *w, const char *commit, const char *text);
/* Point `ref` at the last notes commit (the base if nothing was put; untouched if neither). */
int lineage_notes_writer_finish(struct lineage_notes_writer *w, const char *ref);
/* Free the writer; NULL is a no-op.  An unfinished chain leaves every ref as it was. */
void lineage_notes_writer_free(struct lineage_notes_writer *w);

/* Delete the ref `ref` if it exists. */
int lineage_ref_delete(struct lineage_repo *r, const char *ref);

/* ---- lineage graph ---------------------------------------------------- */

/*
 * The lineage graph of one commit: nodes (files, tests, datasets, param
 * keys, models, DVC stages) and edges "A depends on B".  A graph is
 * immutable once built; nodes are addressed by a dense index (uint32_t,
 * 0 .. lineage_graph_nnodes() - 1, stable only within one graph object:
 * compare nodes across graphs by lineage_node_id()).  Everything a graph
 * returns is borrowed and lives as long as the graph.
 */
struct lineage_graph;

enum lineage_node_kind {
	LINEAGE_NODE_FILE,    /* a tracked path; name = the path */
	LINEAGE_NODE_SYMBOL,  /* finer than a file (reserved) */
	LINEAGE_NODE_DATASET, /* a DVC-tracked path; name = the path */
	LINEAGE_NODE_PARAM,   /* one key; name = "params.yaml:train.lr" */
	LINEAGE_NODE_MODEL,   /* "models:/clf/3" (registry) or an MLmodel folder */
	LINEAGE_NODE_STAGE,   /* a DVC stage; name = "dvc.yaml:train" */
	LINEAGE_NODE_TEST,    /* a test file; name = its path (stands for path::*) */
	LINEAGE_NODE_NKINDS
};

enum lineage_edge_kind {
	LINEAGE_EDGE_IMPORTS,
	LINEAGE_EDGE_INCLUDES,
	LINEAGE_EDGE_READS,
	LINEAGE_EDGE_PARAM,
	LINEAGE_EDGE_PRODUCES,
	LINEAGE_EDGE_COVERS,
	LINEAGE_EDGE_DECLARED,
	LINEAGE_EDGE_COFAILS,
	LINEAGE_EDGE_NKINDS
};

/* Node flags (lineage_node_flags()). */
enum lineage_node_flag {
	LINEAGE_NODE_UNPLACED = 1 << 0, /* a file no test reaches and not ignored */
	LINEAGE_NODE_IGNORED = 1 << 1,  /* a file matching an ignore pattern */
	LINEAGE_NODE_BROKEN = 1 << 2,   /* its parser failed (a warning says why);
					   always also UNPLACED */
	LINEAGE_NODE_MANIFEST = 1 << 3, /* a file whose changes the nodes it defines
					   express (params.yaml -> its keys, *.dvc
					   and dvc.lock -> dataset versions, dvc.yaml
					   -> stages, MLmodel and mlruns/ -> models):
					   diff those nodes' hashes, do not propagate
					   from the file itself; never UNPLACED unless
					   BROKEN */
};

#define LINEAGE_NONE UINT32_MAX /* "no such node" */

/* One edge as seen from one end: the node at the other end and the kind. */
struct lineage_edge {
	uint32_t node; /* index of the other node */
	uint32_t kind; /* enum lineage_edge_kind */
};

/* "file", "test", ... / "imports", "reads", ...; "?" when out of range. */
const char *lineage_node_kind_name(int kind);
const char *lineage_edge_kind_name(int kind);
/* The kind named `name`, or -1. */
int lineage_node_kind_parse(const char *name);

/*
 * Get the graph of commit `oid` (40 hex digits): loaded from the store
 * when it holds it, else built (incrementally from the first parent's
 * stored graph when there is one, else from scratch; parsed facts cached
 * in the store by blob id) and saved, keeping the most recent
 * LINEAGE_GRAPH_KEEP graphs.  `store` may be NULL (or read-only): then the
 * graph is built and not saved.  Parser failures do not fail the call:
 * each prints a warning naming the file and line once, when built, is kept
 * in lineage_graph_warnings(), and marks the path BROKEN and UNPLACED.
 * Returns 0, GI_ENOTFOUND (no such commit) or another GI_E* code.
 * *out is the caller's, freed with lineage_graph_free().
 */
#define LINEAGE_GRAPH_KEEP 50
int lineage_graph_for_commit(struct lineage_repo *repo, struct store *store,
			     const char *oid, struct lineage_graph **out);

/* Free a graph.  NULL is a no-op. */
void lineage_graph_free(struct lineage_graph *g);

/* Number of nodes; indexes run from 0 to this - 1. */
uint32_t lineage_graph_nnodes(const struct lineage_graph *g);
/* Number of edges. */
size_t lineage_graph_nedges(const struct lineage_graph *g);

/* The node of `kind` named `name`, or LINEAGE_NONE.  O(log n). */
uint32_t lineage_graph_find(const struct lineage_graph *g, int kind, const char *name);
/* The node with stable id `id` (gi_hash_node(kind, name)), or LINEAGE_NONE. */
uint32_t lineage_graph_find_id(const struct lineage_graph *g, uint64_t id);

/* Accessors of node `n` (which must be < lineage_graph_nnodes()). */
int lineage_node_kind(const struct lineage_graph *g, uint32_t n);
const char *lineage_node_name(const struct lineage_graph *g, uint32_t n);
/* gi_hash_node(kind name, name): the same in every graph. */
uint64_t lineage_node_id(const struct lineage_graph *g, uint32_t n);
/*
 * The content hash: its version.  Files and tests: the first 8 bytes of
 * the blob id; datasets: hash of the DVC md5/hash string; params: XXH3 of
 * the canonical value; models: hash of run_id/source (or model_uuid);
 * stages: hash of the cmd.  Two graphs' nodes with the same id and a
 * different hash changed between them.  0 when unknown.
 */
uint64_t lineage_node_hash(const struct lineage_graph *g, uint32_t n);
/* enum lineage_node_flag bits. */
unsigned lineage_node_flags(const struct lineage_graph *g, uint32_t n);

/*
 * The edges out of `n` (what n depends on) or into `n` (what depends on
 * n: its dependents, the direction impact propagates in).  *out points
 * into the graph (borrowed); returns the count.
 */
size_t lineage_graph_deps(const struct lineage_graph *g, uint32_t n,
			  const struct lineage_edge **out);
size_t lineage_graph_rdeps(const struct lineage_graph *g, uint32_t n,
			   const struct lineage_edge **out);

/* The test nodes, sorted by name.  *out is borrowed; returns the count. */
size_t lineage_graph_tests(const struct lineage_graph *g, const uint32_t **out);
/* The file nodes flagged UNPLACED, sorted by name.  Borrowed; the count. */
size_t lineage_graph_unplaced(const struct lineage_graph *g, const uint32_t **out);

/*
 * The test node a history test id belongs to: the part before "::" as a
 * test file path ("tests/t.py::test_a" -> node "tests/t.py").  LINEAGE_NONE
 * when the tree has no such test file (a test unknown to lineage: select).
 */
uint32_t lineage_graph_test_of(const struct lineage_graph *g, const char *test_id);

/*
 * Whether a changed `path` (present in this graph or not: a deleted file
 * is looked up in the base graph by the caller) is ignored, i.e. matches
 * impact.yaml `ignore` (default *.md, docs/ (all below), LICENSE*, .gitignore).
 */
int lineage_graph_is_ignored(const struct lineage_graph *g, const char *path);
/* The ignore patterns and always-run test id patterns from impact.yaml. */
const struct gi_strvec *lineage_graph_ignore(const struct lineage_graph *g);
const struct gi_strvec *lineage_graph_always_run(const struct lineage_graph *g);
/* Warnings from building (parser failures), one full message each. */
const struct gi_strvec *lineage_graph_warnings(const struct lineage_graph *g);

/*
 * Append to `out` the shortest dependency path from `from` to `to` as one
 * line without newline: "tests/t.py -> imports -> src/a.py -> param ->
 * params.yaml:train.n_est".  Returns 0, or GI_ENOTFOUND (nothing appended)
 * when `to` is not reachable from `from`; GI_ELIMIT when `out` is full.
 */
int lineage_graph_path(const struct lineage_graph *g, uint32_t from, uint32_t to,
		       struct gi_buf *out);

/*
 * Every dependency path from `from` to its sources (the nodes it reaches
 * that depend on nothing), the shortest one per source, one string each
 * appended to `out` (sorted).  A node with no dependencies gives nothing.
 */
void lineage_graph_why(const struct lineage_graph *g, uint32_t from, struct gi_strvec *out);

/*
 * Export: "dot" (graphviz, node labels and edge kinds) or "json"
 * ({"nodes":[{"id","kind","name","hash","flags"}],"edges":[{"from","to",
 * "kind"}],"warnings":[...]}, names not indexes at the edge ends).
 * GI_EUSAGE for another format; write errors are GI_ERROR.
 */
int lineage_graph_export(const struct lineage_graph *g, const char *format, FILE *out);

/* ---- tree diff -------------------------------------------------------- */

/* One changed path between two commits' trees (no rename detection). */
struct lineage_tree_change {
	char status;              /* 'A' added, 'D' deleted, 'M' modified, 'T' type changed */
	unsigned old_mode, new_mode;   /* 0 on the side that does not exist */
	char old_blob[41], new_blob[41];
	char *path;               /* owned */
};

struct lineage_tree_diff {
	struct lineage_tree_change *v; /* in path order */
	size_t nr;
	int adds, dels;           /* 1: some path was added / deleted (renames possible) */
};

/*
 * Diff the trees of commits `base` (40 hex; NULL or "" for the empty tree)
 * and `head`, skipping identical subtrees by id, as `git diff-tree -r`.
 * Renames are not detected: when both adds and dels are set, a caller that
 * needs them diffs with rename detection instead.  *out is released with
 * lineage_tree_diff_release() (also after a failure).  0 or a negative code.
 */
int lineage_tree_diff(struct lineage_repo *repo, const char *base, const char *head,
		      struct lineage_tree_diff *out);
void lineage_tree_diff_release(struct lineage_tree_diff *d);

#endif
