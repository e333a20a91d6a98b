/*
 * manifest_int.h - private to lineage/: pure parsers for the manifests the
 * lineage graph is built from (DVC dvc.yaml / dvc.lock / *.dvc, parameter
 * files at key level, MLflow MLmodel and file-store registry, impact.yaml).
 *
 * Every parser takes the manifest's repository-relative path (used for
 * messages and to resolve relative paths) and its bytes; none touches the
 * file system or git.  Files a manifest refers to (a dvc.yaml's `vars`
 * files, params.yaml for `${...}`) are read through a caller callback, so
 * the graph builder can serve them from a commit's tree.
 *
 * Errors: 0 or a negative GI_E* code with one message naming the file and
 * the line ("cannot parse 'dvc.yaml' at line 7: ...").  GI_EINPUT for bad
 * content, GI_ELIMIT for input over a limit below.  On error *out is left
 * NULL; the caller marks that file unplaced and goes on.  Paths in results
 * are repository-relative and normalised ("a/./b/../c" -> "a/c"); a path
 * leaving the repository is an error.
 */
#ifndef GI_LINEAGE_MANIFEST_INT_H
#define GI_LINEAGE_MANIFEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* ---- limits ------------------------------------------------------------ */

#define LINEAGE_MANIFEST_MAX_BYTES ((size_t)8 << 20) /* one manifest file */
#define LINEAGE_YAML_MAX_DEPTH 64                     /* nesting levels */
#define LINEAGE_YAML_MAX_NODES 1000000                /* incl. keys, alias copies */

/* ---- YAML/JSON tree (yamltree.c) ---------------------------------------- */

/*
 * Why our own tree and not jansson's json_t for YAML too: messages must name
 * the LINE of a wrong key, and YAML scalar typing (plain `1.0` is a float,
 * quoted "1.0" a string) must be resolved by us; json_t keeps neither.  JSON
 * is parsed by jansson and converted into this tree (line 0: jansson keeps
 * no positions), so everything downstream handles one type.
 */
enum lineage_ynode_kind {
	LINEAGE_YSCALAR,
	LINEAGE_YSEQ,
	LINEAGE_YMAP,
};

/* A scalar's type as the YAML 1.2 core schema resolves it. */
enum lineage_yscalar_type {
	LINEAGE_YSTR,
	LINEAGE_YINT,
	LINEAGE_YFLOAT,
	LINEAGE_YBOOL,
	LINEAGE_YNULL,
};

struct lineage_ynode {
	enum lineage_ynode_kind kind;
	int line;     /* 1-based line where the node starts; 0 when unknown */
	char *text;   /* LINEAGE_YSCALAR: the value, NUL-terminated */
	int quoted;   /* LINEAGE_YSCALAR: not plain (quoted, block), a string */
	size_t nr;    /* LINEAGE_YSEQ / LINEAGE_YMAP: number of children */
	char **keys;  /* LINEAGE_YMAP: keys[i] (scalar keys only), in order */
	int *key_lines;                 /* LINEAGE_YMAP: line of keys[i] */
	struct lineage_ynode **items;   /* children (values of a mapping) */
};

/*
 * Load one YAML document (an empty file gives a NULL scalar).  Aliases are
 * expanded by copying, counted against LINEAGE_YAML_MAX_NODES (so an alias
 * bomb fails with GI_ELIMIT naming the line); `<<` merge keys are applied.
 * Depth is bounded by LINEAGE_YAML_MAX_DEPTH and size by
 * LINEAGE_MANIFEST_MAX_BYTES.  Non-scalar mapping keys are refused.
 * *out is the caller's, freed with lineage_ynode_free().
 */
int lineage_yaml_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out);

/* Load JSON (via jansson) into the same tree; same limits and ownership. */
int lineage_json_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out);

/* JSON when `path` ends in ".json", YAML otherwise. */
int lineage_tree_load(const char *path, const char *data, size_t len,
		      struct lineage_ynode **out);

void lineage_ynode_free(struct lineage_ynode *n);

/* The value under `key` in a mapping, or NULL (also when n is no mapping). */
struct lineage_ynode *lineage_ynode_get(const struct lineage_ynode *n, const char *key);
/* Index of `key` in a mapping, or -1. */
long lineage_ynode_find(const struct lineage_ynode *n, const char *key);

/* Resolve a scalar's type (YAML 1.2 core schema; quoted is always a string). */
enum lineage_yscalar_type lineage_ynode_type(const struct lineage_ynode *n);

/*
 * Append the canonical serialisation of `n` to `b`: typed and
 * length-prefixed, numbers normalised (1.0 == 1.00 == 1e0, 0x1F == 31),
 * mapping keys sorted; style, comments and key order do not show.
 * Returns 0 or GI_ELIMIT when `b` is full.
 */
int lineage_ynode_canon(const struct lineage_ynode *n, struct gi_buf *b);

/* gi_hash64 of the canonical serialisation (0 if it exceeds 64 MiB). */
uint64_t lineage_ynode_hash(const struct lineage_ynode *n);

/*
 * Normalise a repository-relative path: join `dir` (may be "" or NULL) and
 * `rel`, drop "." and empty segments, apply "..".  Returns a new string, or
 * NULL when the result would leave the repository or `rel` is absolute.
 */
char *lineage_path_join(const char *dir, const char *rel);
/* The folder part of `path` ("a/b/dvc.yaml" -> "a/b", "x" -> ""), new string. */
char *lineage_path_dir(const char *path);

/* ---- parameters at key level (params.c) --------------------------------- */

struct lineage_param {
	char *key;       /* key path, segments joined with '.' ("train.lr");
			    "" when the file's root is not a mapping */
	uint64_t hash;   /* lineage_ynode_hash() of the value */
	int line;        /* line of the key (0 for JSON) */
};

struct lineage_params {
	char *path;                   /* the params file, as given */
	struct lineage_param *v;      /* sorted by key (byte order), unique */
	size_t nr, alloc;
};

/*
 * One entry per key path of a YAML or JSON params file: nested mappings
 * flatten with '.', a sequence, scalar or empty mapping is a leaf.
 * *out is the caller's, freed with lineage_params_free().
 */
int lineage_params_parse(const char *path, const char *data, size_t len,
			 struct lineage_params **out);
/* The same, from an already loaded tree (borrowed). */
int lineage_params_from_tree(const char *path, const struct lineage_ynode *root,
			     struct lineage_params **out);
void lineage_params_free(struct lineage_params *p);

/* The entry for exactly `key`, or NULL.  Borrowed. */
const struct lineage_param *lineage_params_get(const struct lineage_params *p,
					       const char *key);

/*
 * Append to `out` every key path a reference covers: `ref` itself when it is
 * a leaf, every key under it when it is a section ("train" covers
 * "train.lr", "train.n_est"), every key when `ref` is NULL or "".  Returns
 * the number appended; 0 when nothing matches (the caller decides: DVC
 * treats a missing param as an error, selection as "depend on the file").
 */
size_t lineage_params_expand(const struct lineage_params *p, const char *ref,
			     struct gi_strvec *out);

/* ---- DVC (dvc.c) -------------------------------------------------------- */

/*
 * Reads a file a manifest refers to (repository-relative path) into `out`
 * (initialised by the callee, e.g. with gi_read_file).  Returns 0,
 * GI_ENOTFOUND when it does not exist, or another GI_E* code.
 */
typedef int (*lineage_read_fn)(void *ctx, const char *path, struct gi_buf *out);

enum lineage_dvc_out_kind {
	LINEAGE_DVC_OUT,    /* outs: */
	LINEAGE_DVC_METRIC, /* metrics: */
	LINEAGE_DVC_PLOT,   /* plots: */
};

struct lineage_dvc_out {
	char *path;                     /* repository-relative */
	enum lineage_dvc_out_kind kind;
	int cache;                      /* 0 with `cache: false` */
	int persist;                    /* 1 with `persist: true` */
	int line;
};

struct lineage_dvc_param {
	char *file;     /* params file, repository-relative ("params.yaml") */
	char *key;      /* a key path or a section ("train"); "" = whole file */
	int line;
};

struct lineage_dvc_stage {
	char *name;       /* "train"; "build@gpu" / "build@0" for foreach */
	char *cmd;        /* interpolated; list commands joined with '\n' */
	uint64_t cmd_hash;/* gi_hash64(cmd) */
	char *wdir;       /* repository-relative working folder ("" = root) */
	int line;         /* line of the stage's name */
	char **deps;      /* repository-relative paths */
	int *dep_lines;
	size_t deps_nr;
	struct lineage_dvc_out *outs; /* outs, metrics and plots */
	size_t outs_nr;
	struct lineage_dvc_param *params; /* explicit params, plus those
					     `${...}` took from a params file */
	size_t params_nr;
	int frozen;
};

struct lineage_dvc_file {
	char *path;                       /* the dvc.yaml, as given */
	struct lineage_dvc_stage *stages; /* in file order */
	size_t nr;
	struct gi_strvec warnings;        /* non-fatal problems, each a full
					     message naming file and line */
};

/*
 * Parse a dvc.yaml: stages, list or string `cmd`, deps, params (keys,
 * sections, `{file: [keys]}`), outs/metrics/plots (strings or one-key
 * mappings with options), `foreach`/`do` (list or mapping, `${item}`,
 * `${key}`, `${item.field}`), `vars` (inline mappings and files
 * "f.yaml", "f.yaml:k1,k2") and `${...}` from vars and the default
 * params.yaml (read through `read`, which may be NULL: then only inline
 * vars are known).  A missing vars file or an unknown `${name}` is an
 * error naming the line.  *out is freed with lineage_dvc_file_free().
 */
int lineage_dvc_parse(const char *path, const char *data, size_t len,
		      lineage_read_fn read, void *ctx, struct lineage_dvc_file **out);
void lineage_dvc_file_free(struct lineage_dvc_file *f);

/*
 * Order stages so that each comes after the stages producing its deps (a
 * dep equal to or below another stage's out).  `order` (n entries, the
 * caller's) receives indexes into `stages`.  GI_EINPUT naming the file,
 * line and the cycle ("'a' -> 'b' -> 'a'") when stages are cyclic, or when
 * two stages declare the same out.
 */
int lineage_dvc_order(const struct lineage_dvc_stage *stages, size_t n,
		      const char *path, size_t *order);

/* 1 if a repository-relative path exists (a file or a folder), else 0. */
typedef int (*lineage_exists_fn)(void *ctx, const char *path);

/*
 * "A stage naming a missing file": add one warning to f->warnings for each
 * dep that no stage of `f` produces and that does not exist, and for each
 * params file that does not exist.  Returns how many were added.
 */
size_t lineage_dvc_check_deps(struct lineage_dvc_file *f, lineage_exists_fn exists, void *ctx);

/* A content hash from dvc.lock or a .dvc file. */
struct lineage_dvc_hash {
	char *path;      /* repository-relative */
	char *hash;      /* "22a1...", "153a....dir" (a folder), or NULL when
			    the entry has none (treat as changed) */
	int64_t size;    /* -1 when absent */
	int64_t nfiles;  /* -1 when absent */
	int is_out;      /* 1 for outs, 0 for deps */
	int line;
};

struct lineage_dvc_lock_param {
	char *file;     /* repository-relative params file */
	char *key;      /* key path */
	uint64_t hash;  /* lineage_ynode_hash() of the locked value */
	int line;
};

struct lineage_dvc_lock_stage {
	char *name;
	char *cmd;
	uint64_t cmd_hash;
	struct lineage_dvc_hash *v;   /* deps then outs, file order */
	size_t nr;
	struct lineage_dvc_lock_param *params;
	size_t params_nr;
	int line;
};

struct lineage_dvc_lock {
	char *path;
	struct lineage_dvc_lock_stage *stages;
	size_t nr;
};

/*
 * Parse a dvc.lock (schema '2.0'; a lock without `schema` is read as the
 * old 1.0 layout, stages at the top).  Locked params values are nested
 * mappings in recent DVC and flattened like lineage_params_parse().
 * *out is freed with lineage_dvc_lock_free().
 */
int lineage_dvc_lock_parse(const char *path, const char *data, size_t len,
			   struct lineage_dvc_lock **out);
void lineage_dvc_lock_free(struct lineage_dvc_lock *l);

/*
 * Parse a `*.dvc` file: one lineage_dvc_hash per entry of `outs` (and of
 * `deps`, is_out 0, for imports), paths resolved against the file's folder
 * and `wdir`.  A dataset's version is its `hash` string.  *frozen gets
 * `frozen:` (may be NULL).  *out (n entries) is freed with
 * lineage_dvc_hashes_free().
 */
int lineage_dvc_file_parse(const char *path, const char *data, size_t len,
			   struct lineage_dvc_hash **out, size_t *n, int *frozen);
void lineage_dvc_hashes_free(struct lineage_dvc_hash *v, size_t n);

/* ---- MLflow (mlflow.c) --------------------------------------------------- */

struct lineage_mlmodel {
	char *path;           /* the MLmodel file */
	char *dir;            /* its folder: the model artefact ("" at root) */
	char *run_id;         /* NULL when absent */
	char *model_uuid;     /* NULL when absent */
	char *artifact_path;  /* NULL when absent */
	char *utc_time_created;
	struct gi_strvec flavors;   /* sorted flavor names */
	struct gi_strvec inputs;    /* signature input column names, in order */
	struct gi_strvec outputs;   /* signature output column names */
	uint64_t signature_hash;    /* 0 when there is no signature */
	uint64_t identity;          /* what makes a new model: model_uuid, else
				       run_id + artifact_path, else the
				       canonical content */
};

/* Parse an MLmodel file.  *out is freed with lineage_mlmodel_free(). */
int lineage_mlmodel_parse(const char *path, const char *data, size_t len,
			  struct lineage_mlmodel **out);
void lineage_mlmodel_free(struct lineage_mlmodel *m);

struct lineage_mlflow_version {
	char *name;           /* registered model name */
	long version;
	char *source;         /* artefact URI as written, NULL when absent */
	char *source_path;    /* `source` as a repository-relative folder when it
				 points inside the repository's mlruns/, else NULL */
	char *run_id;         /* NULL when absent */
	char *stage;          /* current_stage ("None" kept as NULL) */
	struct gi_strvec aliases;
	uint64_t identity;    /* hash of name, version, run_id and source */
	int line;
};

/*
 * Parse a registry version file `<root>/models/<name>/version-<n>/meta.yaml`
 * (the folder names are checked against `name` and `version` in the file).
 * `aliases:` in the file are kept.  *out is freed with
 * lineage_mlflow_version_free().
 */
int lineage_mlflow_version_parse(const char *path, const char *data, size_t len,
				 struct lineage_mlflow_version **out);
void lineage_mlflow_version_free(struct lineage_mlflow_version *v);

struct lineage_mlflow_alias {
	char *model;
	char *alias;
	long version;
};

/*
 * Aliases of a registered model: from its `<root>/models/<name>/meta.yaml`
 * (`aliases:` as a mapping alias -> version or a list of {alias, version}),
 * or from one file `<root>/models/<name>/aliases/<alias>` holding a version
 * number.  *out (n entries) is freed with lineage_mlflow_aliases_free().
 */
int lineage_mlflow_aliases_parse(const char *path, const char *data, size_t len,
				 struct lineage_mlflow_alias **out, size_t *n);
void lineage_mlflow_aliases_free(struct lineage_mlflow_alias *v, size_t n);

/* Attach aliases to versions with the same model name and version number. */
void lineage_mlflow_apply_aliases(struct lineage_mlflow_version **versions, size_t nv,
				  const struct lineage_mlflow_alias *aliases, size_t na);

/* 1 if `path` is a registry version file (".../models/<n>/version-<k>/meta.yaml"). */
int lineage_mlflow_is_version_file(const char *path);

/* ---- impact.yaml (config.c) ----------------------------------------------- */

enum lineage_dep_kind {
	LINEAGE_DEP_PATH,   /* a file or folder ("data/raw.csv", "models/clf") */
	LINEAGE_DEP_GLOB,   /* a pattern with * ? or [ ("data/raw-*.csv") */
	LINEAGE_DEP_PARAM,  /* "params.yaml:train.n_est" (file:key or section) */
	LINEAGE_DEP_MODEL,  /* "models:/clf", "models:/clf/3", "models:/clf@prod" */
	LINEAGE_DEP_STAGE,  /* "stage:train" or "dvc.yaml:train"-style "stage:" */
};

struct lineage_config_dep {
	enum lineage_dep_kind kind;
	char *target;  /* path, glob, params file, model name or stage name */
	char *key;     /* PARAM: key path or section; MODEL: version or "@alias"
			  ("" = latest); NULL otherwise */
	int line;
};

struct lineage_config_test {
	char *pattern;                 /* test id pattern ("tests/test_x.py::*") */
	struct lineage_config_dep *deps;
	size_t deps_nr;
	int always_run;                /* `always_run: true` inside the entry */
	int line;
};

struct lineage_config {
	char *path;
	long version;                  /* `version:`, 1 when absent */
	struct gi_strvec roots;        /* Python import roots (default ".") */
	struct gi_strvec include_dirs; /* C/C++ include dirs */
	struct gi_strvec test_patterns;
	struct gi_strvec ignore;
	struct gi_strvec always_run;   /* test id patterns */
	struct gi_strvec params_files; /* extra YAML/JSON files read at key level */
	struct lineage_config_test *tests;
	size_t tests_nr;
};

/*
 * Parse impact.yaml.  Every key is checked: an unknown key or a wrong type
 * is GI_EINPUT naming the key and its line (a typo must not silently drop
 * tests).  Lists accept a single string too.  *out is freed with
 * lineage_config_free().
 */
int lineage_config_parse(const char *path, const char *data, size_t len,
			 struct lineage_config **out);
void lineage_config_free(struct lineage_config *c);

/* Classify one declared dependency string; *dep's strings are the caller's. */
int lineage_config_dep_parse(const char *s, struct lineage_config_dep *dep);

#endif
