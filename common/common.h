/*
 * common.h - small helpers shared by every module of git-impact (prefix gi_).
 *
 * Errors: functions return 0 on success and a negative GI_E* code on failure,
 * after setting a one-line message with gi_error_set() where the failure
 * happened.  Allocation never fails: out of memory aborts (as git's xmalloc).
 * Nothing here depends on anything but libc and xxHash.
 */
#ifndef GI_COMMON_H
#define GI_COMMON_H

/* System headers come before banned.h, which must be last. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GI_VERSION "0.1.0"

/* Error codes: 0 is success; every failure is negative. */
enum {
	GI_OK = 0,
	GI_ERROR = -1,     /* anything else */
	GI_ENOTFOUND = -2, /* a named thing does not exist */
	GI_EUSAGE = -3,    /* bad command-line usage */
	GI_EINPUT = -4,    /* malformed input file */
	GI_ECORRUPT = -5,  /* the store is damaged or foreign */
	GI_ELIMIT = -6,    /* a size limit was exceeded */
	GI_EBUSY = -7,     /* another process changed the store first: retry later */
};

#if defined(__GNUC__)
#define GI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GI_NORETURN __attribute__((noreturn))
#else
#define GI_PRINTF(f, a)
#define GI_NORETURN
#endif

#define GI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Set the last error message of the calling thread (printf-style, lowercase,
 * no final period, names in single quotes).  Always returns GI_ERROR so a caller can write
 * `return gi_error_set(...)`.
 */
int gi_error_set(const char *fmt, ...) GI_PRINTF(1, 2);

/* As gi_error_set() but returns `code` instead of GI_ERROR. */
int gi_error_setc(int code, const char *fmt, ...) GI_PRINTF(2, 3);

/* The calling thread's last error message, or "" when none was set.  Borrowed. */
const char *gi_error_last(void);

/* Forget the last error message. */
void gi_error_clear(void);

/* Print "warning: <msg>" on stderr. */
void gi_warn(const char *fmt, ...) GI_PRINTF(1, 2);

/* Print "fatal: <msg>" on stderr and exit with status 128. */
GI_NORETURN void gi_die(const char *fmt, ...) GI_PRINTF(1, 2);

/* Checked allocation: abort on out of memory or size overflow. */
void *gi_xmalloc(size_t size);
void *gi_xcalloc(size_t n, size_t size);
void *gi_xrealloc(void *ptr, size_t size);
/* Allocate n * size bytes, aborting if the product overflows. */
void *gi_xmallocarray(size_t n, size_t size);
void *gi_xreallocarray(void *ptr, size_t n, size_t size);

/*
 * For a command about to touch tens of MB of fresh memory once (select
 * loads graphs and history): from now on, serve allocations up to 32 MiB
 * from a heap grown 64 MiB at a time, never trimmed, and marked for
 * transparent huge pages (the kernel's "madvise" mode), so it is faulted
 * in 2 MiB at a time instead of 4 KiB.  In a virtual machine a page fault
 * costs 5-40 us; a 10,000-test select took 7,000 of them.  glibc only; a
 * no-op elsewhere, under sanitizers, or when the heap is not where malloc
 * grows (the memory is the same, only how it is mapped differs).
 */
void gi_alloc_prefer_huge_pages(void);
char *gi_xstrdup(const char *s);
char *gi_xstrndup(const char *s, size_t n);
/* Allocate a formatted string; the caller frees it. */
char *gi_xstrfmt(const char *fmt, ...) GI_PRINTF(1, 2);

/* a + b, aborting on overflow. */
size_t gi_st_add(size_t a, size_t b);
/* a * b, aborting on overflow. */
size_t gi_st_mult(size_t a, size_t b);

/*
 * qsort() that accepts an empty list with a NULL base: the C library's
 * qsort() declares its base non-null even when nmemb is 0 (UBSan reports it).
 */
void gi_qsort(void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *, const void *));

/*
 * Grow an array `x` of `nr` used / `alloc` allocated elements so that it
 * holds at least `want` elements (git's ALLOC_GROW).
 */
#define GI_ALLOC_GROW(x, want, alloc)                                        \
	do {                                                                 \
		if ((size_t)(want) > (alloc)) {                              \
			size_t gi_n_ = (alloc) < 8 ? 16 : gi_st_add((alloc), (alloc) / 2); \
			if (gi_n_ < (size_t)(want))                          \
				gi_n_ = (want);                              \
			(x) = gi_xreallocarray((x), gi_n_, sizeof(*(x)));    \
			(alloc) = gi_n_;                                     \
		}                                                            \
	} while (0)

/*
 * A growable byte buffer with a hard maximum size (curl's dynbuf), always
 * NUL-terminated once anything was added.  gi_buf_init() allocates
 * nothing; gi_buf_release() frees the contents.
 */
struct gi_buf {
	char *ptr;    /* the bytes, NUL-terminated; NULL until first add */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated */
	size_t max;   /* largest len allowed */
};

#define GI_BUF_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB */
#define GI_BUF_INIT { NULL, 0, 0, GI_BUF_MAX_DEFAULT }

/* Prepare an empty buffer that may hold at most `max` bytes. */
void gi_buf_init(struct gi_buf *b, size_t max);
/* Free the contents; the buffer is empty and reusable afterwards. */
void gi_buf_release(struct gi_buf *b);
/* Empty the buffer, keeping its memory. */
void gi_buf_reset(struct gi_buf *b);
/* Append bytes.  Returns GI_ELIMIT (buffer unchanged) past the maximum. */
int gi_buf_add(struct gi_buf *b, const void *data, size_t len);
int gi_buf_adds(struct gi_buf *b, const char *s);
int gi_buf_addch(struct gi_buf *b, char c);
int gi_buf_printf(struct gi_buf *b, const char *fmt, ...) GI_PRINTF(2, 3);
int gi_buf_vprintf(struct gi_buf *b, const char *fmt, va_list ap) GI_PRINTF(2, 0);
/* The contents as a string ("" when empty).  Borrowed. */
const char *gi_buf_cstr(const struct gi_buf *b);
/* Hand the contents to the caller (free with free()); the buffer is empty. */
char *gi_buf_detach(struct gi_buf *b, size_t *len);

/* A growable list of owned strings. */
struct gi_strvec {
	char **v;
	size_t nr, alloc;
};
#define GI_STRVEC_INIT { NULL, 0, 0 }
void gi_strvec_push(struct gi_strvec *sv, const char *s);
void gi_strvec_pushf(struct gi_strvec *sv, const char *fmt, ...) GI_PRINTF(2, 3);
void gi_strvec_clear(struct gi_strvec *sv);
/* Sort (byte order) and drop duplicates. */
void gi_strvec_sort_uniq(struct gi_strvec *sv);
/* Index of s in a sorted vector, or -1. */
long gi_strvec_find_sorted(const struct gi_strvec *sv, const char *s);

/* String helpers. */
int gi_starts_with(const char *s, const char *prefix);
int gi_ends_with(const char *s, const char *suffix);
/*
 * Match `path` against a glob where `*` matches within one path segment,
 * `**` matches any number of segments, `?` one character, and `[...]` a
 * class.  A pattern without '/' matches the basename anywhere.  1 on match.
 */
int gi_glob_match(const char *pattern, const char *path);

/*
 * Parse a decimal number from all of `s`.  Return 0, or GI_EINPUT if `s`
 * is empty, has trailing characters or is out of range.
 */
int gi_parse_long(const char *s, long *out);
int gi_parse_double(const char *s, double *out);
/* Parse a duration: "90", "90s", "5m", "1h30m", "250ms".  Seconds out. */
int gi_parse_duration(const char *s, double *seconds);

/* Read a whole file (at most max bytes) into b.  GI_ENOTFOUND, GI_ELIMIT. */
int gi_read_file(const char *path, size_t max, struct gi_buf *b);

/* Hashing (xxHash XXH3, 64 bits). */
uint64_t gi_hash64(const void *data, size_t len);
/* The stable id of a lineage node: XXH3 of kind, a NUL, and name. */
uint64_t gi_hash_node(const char *kind, const char *name, size_t name_len);
/* Incremental hashing of several pieces into one 64-bit value. */
struct gi_hasher;
struct gi_hasher *gi_hasher_new(void);
void gi_hasher_update(struct gi_hasher *h, const void *data, size_t len);
uint64_t gi_hasher_digest(const struct gi_hasher *h);
void gi_hasher_free(struct gi_hasher *h);
/*
 * A uniform number in [0, 1) from a seed and a test id: the audit sample's
 * coin (heads when below the share).  It depends on nothing else, so select
 * draws it and record, sync and the replay recompute it alike.
 */
double gi_coin(uint64_t seed, const char *id);
/* Write a 64-bit value as 16 lowercase hex digits plus NUL into out[17]. */
void gi_hex64(uint64_t v, char out[17]);

/*
 * Seconds from a monotonic clock, for measuring intervals only: it is not
 * a date (use gi_unix_now() for that).
 */
double gi_now(void);
/* The current time of day: seconds since the epoch. */
int64_t gi_unix_now(void);

#include "banned.h"

#endif
