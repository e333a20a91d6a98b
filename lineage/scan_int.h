/*
 * scan_int.h - private to lineage/: source scanners (Python imports, C/C++
 * includes) and the resolvers that turn what they find into tracked paths.
 *
 * Scanners are pure: one file's bytes in, its "facts" out, no file system,
 * no git, linear time in the input.  Facts are cacheable by blob id (encode
 * and decode below, versioned by LINEAGE_SCAN_VERSION).  Resolvers take the
 * set of tracked paths of one tree and the configuration (Python roots,
 * include dirs) and name the tracked file an import or include means;
 * anything they cannot place (stdlib, third-party) is simply not resolved:
 * the facts still list it.
 *
 * Errors and warnings: a scanner always fills *out with what it found (a
 * valid, possibly partial facts object the caller releases) and returns 0,
 * or a negative code with one message (gi_error_last()) naming the file and
 * line: GI_EINPUT for a binary file (a NUL byte: nothing is scanned),
 * GI_ELIMIT for a line over LINEAGE_SCAN_MAX_LINE or more facts than
 * LINEAGE_SCAN_MAX_FACTS (the rest of the file is still scanned, the extra
 * facts dropped).  The graph treats a non-zero return as a warning: keep the
 * facts, mark the path BROKEN (so UNPLACED: selection widens).
 */
#ifndef GI_LINEAGE_SCAN_INT_H
#define GI_LINEAGE_SCAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* Bump when scanning or the encoded form changes: cached facts are then stale. */
#define LINEAGE_SCAN_VERSION 1

#define LINEAGE_SCAN_MAX_LINE ((size_t)1 << 20)  /* one physical line, bytes */
#define LINEAGE_SCAN_MAX_FACTS 100000            /* per list, per file */
#define LINEAGE_SCAN_MAX_PATHLIT 512             /* longest path literal kept */

/* Flags in facts->flags: why a scan returned non-zero (also kept in the cache). */
enum lineage_scan_flag {
	LINEAGE_SCAN_BINARY = 1 << 0,    /* a NUL byte: not scanned */
	LINEAGE_SCAN_LONG_LINE = 1 << 1, /* a line over LINEAGE_SCAN_MAX_LINE */
	LINEAGE_SCAN_TOO_MANY = 1 << 2,  /* facts over LINEAGE_SCAN_MAX_FACTS dropped */
	LINEAGE_SCAN_UNCLOSED = 1 << 3,  /* Python: a bracket still open at the end
					    (GI_EINPUT naming its line): statements
					    after it may be missed */
};

/* ---- Python (pyscan.c) -------------------------------------------------- */

/*
 * One imported name.  `import a.b as c` gives {module "a.b", name NULL,
 * asname "c"}; `from ..pkg.mod import x as y` gives {module "pkg.mod",
 * level 2, name "x", asname "y"}; `from . import x` gives {module "",
 * level 1, name "x"}; `from m import *` gives name "*".  A statement naming
 * several modules or names gives one entry each, all with its line.
 */
struct lineage_pyimport {
	char *module;     /* dotted module after the leading dots; "" if none */
	char *name;       /* from-import: the imported name or "*"; NULL for `import` */
	char *asname;     /* the `as` alias, or NULL */
	uint32_t line;    /* 1-based line where the statement starts */
	uint16_t level;   /* leading dots of a relative import; 0 when absolute */
	uint8_t toplevel; /* 1 at module scope (incl. if/try blocks): binds a name
			     of the module, so may be a re-export; 0 inside def/class */
	uint8_t pad;
};

/* A string literal that looks like a repository path ("data/labels.csv"). */
struct lineage_pathlit {
	char *text;
	uint32_t line;
};

/* Everything one Python file says that the graph needs.  Owned strings. */
struct lineage_pyfacts {
	struct lineage_pyimport *imports; /* in file order */
	size_t nimports, aimports;
	struct gi_strvec defs;            /* names defined at module scope (def,
					     class, assignment targets); sorted,
					     unique */
	struct lineage_pathlit *paths;    /* path-like literals, in file order */
	size_t npaths, apaths;
	unsigned flags;                   /* enum lineage_scan_flag */
};

/* Empty facts; allocates nothing. */
void lineage_pyfacts_init(struct lineage_pyfacts *f);
/* Free the contents; `f` is empty afterwards.  NULL is a no-op. */
void lineage_pyfacts_release(struct lineage_pyfacts *f);

/*
 * Scan one Python file: `path` (repository-relative, for messages) and its
 * `len` bytes (need not be NUL-terminated).  Comments, string literals and
 * docstrings (any prefix r b f u, single or triple quoted, escapes) never
 * yield imports.  Handles parenthesised and backslash-continued statements,
 * `;`-separated statements and `if X: import y` one-liners.  `out` is
 * initialised here; the caller releases it whatever the return (see the
 * top of this file for the codes).
 */
int lineage_pyscan(const char *path, const char *buf, size_t len, struct lineage_pyfacts *out);

/* 1 if `name` is in f->defs (binary search). */
int lineage_pyfacts_defines(const struct lineage_pyfacts *f, const char *name);

/*
 * Append the cache form of `f` to `out` (compact binary, starts with a
 * magic and LINEAGE_SCAN_VERSION).  GI_ELIMIT when `out` is full.
 */
int lineage_pyfacts_encode(const struct lineage_pyfacts *f, struct gi_buf *out);
/*
 * Decode the cache form into `out` (initialised here).  Anything damaged,
 * foreign or of another version is GI_ECORRUPT with a message, never a
 * crash; `out` is then empty.  The caller releases `out` either way.
 */
int lineage_pyfacts_decode(const void *buf, size_t len, struct lineage_pyfacts *out);

/*
 * Helpers of the cache form, shared by pyscan.c and cscan.c: unsigned
 * LEB128 numbers and strings as (length + 1, bytes), 0 standing for NULL.
 * A reader never reads past `end`; any fault sets `bad` and yields 0/NULL.
 */
struct lineage_scan_reader {
	const unsigned char *p, *end;
	int bad;
};

int lineage_scan_put_uint(struct gi_buf *b, uint64_t v);
int lineage_scan_put_str(struct gi_buf *b, const char *s);
uint64_t lineage_scan_get_uint(struct lineage_scan_reader *r);
/*
 * Array `p` of nr used / *alloc allocated entries of `size` bytes cut down
 * to nr (NULL when 0): a tree's facts stay in memory for the whole build,
 * and growth leaves most of each small array unused.  Returns the array.
 */
void *lineage_scan_shrink(void *p, size_t nr, size_t *alloc, size_t size);
/* A count of entries, each at least `min_size` bytes: bounded by what is left. */
size_t lineage_scan_get_count(struct lineage_scan_reader *r, size_t min_size);
/* An owned string (no NUL inside allowed), or NULL (encoded NULL or fault). */
char *lineage_scan_get_str(struct lineage_scan_reader *r);

/* ---- C/C++ (cscan.c) ----------------------------------------------------- */

/* One #include. */
struct lineage_cinclude {
	char *path;    /* as written between the quotes or angle brackets */
	uint32_t line; /* 1-based line of the '#' */
	uint8_t angle; /* 1 for <x.h>: resolved against include dirs only */
};

struct lineage_cfacts {
	struct lineage_cinclude *includes; /* in file order */
	size_t nincludes, aincludes;
	unsigned flags;                    /* enum lineage_scan_flag */
};

void lineage_cfacts_init(struct lineage_cfacts *f);
void lineage_cfacts_release(struct lineage_cfacts *f);

/*
 * Scan one C or C++ file for #include directives ("x.h" and <x.h>; spaces
 * around '#', backslash-newline continuations, comments between tokens).
 * Comments and string literals are skipped.  Conditional compilation is
 * not evaluated: every include in any #if branch counts (more tests, never
 * fewer).  Same contract as lineage_pyscan().
 */
int lineage_cscan(const char *path, const char *buf, size_t len, struct lineage_cfacts *out);

/* As the Python pair; same guarantees. */
int lineage_cfacts_encode(const struct lineage_cfacts *f, struct gi_buf *out);
int lineage_cfacts_decode(const void *buf, size_t len, struct lineage_cfacts *out);

/* ---- the tracked paths of one tree (resolve.c) ---------------------------- */

/*
 * A hash set of repository-relative paths (no leading "./" or "/"), built
 * once per tree: O(n) to build, O(1) per lookup.  The strings are BORROWED:
 * they must outlive the set.  init allocates; release frees the table only.
 */
struct lineage_pathslot {
	uint32_t tag; /* high half of the path's hash */
	uint32_t idx; /* 1 + its index in strs; 0 = empty */
};

struct lineage_pathset {
	struct lineage_pathslot *slots; /* open addressing */
	const char **strs;              /* the members, in order added */
	size_t astrs;
	size_t mask;                    /* slots - 1 (a power of two minus one) */
	size_t nr;
};

void lineage_pathset_init(struct lineage_pathset *s, const char *const *paths, size_t n);
/* Add one more (borrowed) path; duplicates are ignored. */
void lineage_pathset_add(struct lineage_pathset *s, const char *path);
/* 1 if the first `len` bytes of `path` are a member. */
int lineage_pathset_has(const struct lineage_pathset *s, const char *path, size_t len);
void lineage_pathset_release(struct lineage_pathset *s);

/* ---- resolvers (resolve.c) ------------------------------------------------ */

/*
 * The facts of a tracked Python file, for following `__init__.py`
 * re-export chains: the graph builder serves them from its cache.  Return
 * NULL when unknown (the chain then stops at that file).  The result is
 * borrowed and must stay valid until the resolver call returns.
 */
typedef const struct lineage_pyfacts *(*lineage_pyfacts_fn)(void *data, const char *path);

struct lineage_resolver {
	const struct lineage_pathset *paths;  /* the tree's tracked paths */
	int (*has_path)(void *data, const char *path); /* else this says (data below) */
	const struct gi_strvec *roots;        /* Python roots ("." = the top);
						 NULL or empty: ".", "src" */
	const struct gi_strvec *include_dirs; /* C include dirs; NULL: none */
	lineage_pyfacts_fn facts_of;          /* NULL: no chain following */
	void *data;                           /* passed to facts_of */
};

/*
 * The file a module names: `module` (dotted, may be "") imported from
 * `importer` with relative `level`.  Absolute (level 0): under each root in
 * order, `a/b.py` then `a/b/__init__.py`, and last the importer's own
 * folder (pytest's rootdir insertion).  Relative: from the importer's
 * package (its folder; one up per extra dot).  Writes the path into `out`
 * (reset first).  0, or GI_ENOTFOUND when no tracked file matches (stdlib,
 * third-party, a namespace package folder, above the top).
 */
int lineage_resolve_pymodule(const struct lineage_resolver *r, const char *importer,
			     unsigned level, const char *module, struct gi_buf *out);

/*
 * The file one import depends on, as precisely as can be known statically:
 *  - `import a.b.c`: the module a.b.c (a/b/c.py or a/b/c/__init__.py);
 *  - `from pkg import name`: the submodule pkg/name(.py|/__init__.py) if it
 *    exists; else the module that defines `name`, following re-exports in
 *    pkg/__init__.py (`from .x import name`, `from .x import y as name`,
 *    `import x as name`, `from .x import *`) through facts_of(), any depth,
 *    cycles cut; else pkg/__init__.py (or pkg.py) itself;
 *  - `from pkg import *`: the module pkg.
 * Writes the path into `out` (reset first).  0, or GI_ENOTFOUND when the
 * module is not a tracked file (the import is external: no edge).
 */
int lineage_resolve_pyimport(const struct lineage_resolver *r, const char *importer,
			     const struct lineage_pyimport *imp, struct gi_buf *out);

/*
 * A quoted include ("x.h", angle 0) from `includer`: the includer's folder
 * first, then each include dir; an angle include: include dirs only.  Paths
 * are normalised ("a/./b/../c.h" -> "a/c.h"); one that leaves the top is
 * not found.  0 and the path in `out` (reset first), or GI_ENOTFOUND.
 */
int lineage_resolve_cinclude(const struct lineage_resolver *r, const char *includer,
			     const struct lineage_cinclude *inc, struct gi_buf *out);

/*
 * A path literal from `file`: as a repository-relative path, else relative
 * to the file's folder.  0 and the path in `out` (reset first), or
 * GI_ENOTFOUND when it names no tracked file.
 */
int lineage_resolve_pathlit(const struct lineage_resolver *r, const char *file,
			    const char *text, struct gi_buf *out);

/*
 * How many threads a full build (build.c) reads and scans its `nblobs`
 * uncached blobs on: 2 (the main one reads, a worker scans) when there are
 * at least 256, libgit2 is built thread-safe and two CPUs are online, else
 * 1.  GI_THREADS=1 in the environment makes it 1, GI_THREADS=2 (or more)
 * counts as two CPUs.  The graph, its warnings and the facts cached do not
 * depend on it.
 */
int lineage_scan_threads(size_t nblobs);

#endif
