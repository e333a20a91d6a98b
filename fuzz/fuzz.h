/*
 * fuzz.h - what every target in fuzz/ shares.  Each fuzz_<name>.c defines
 * libFuzzer's entry point LLVMFuzzerTestOneInput(), which feeds one input to
 * one of our parsers and checks what it returns.  The same file is linked
 * either with libFuzzer (GI_FUZZ, clang) or with replay.c (always, any
 * compiler: ctest replays fuzz/corpus/<name> and fuzz/regress/<name>).
 */
#ifndef GI_FUZZ_H
#define GI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* libFuzzer's entry point: 0 always (a failed check aborts). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/*
 * Abort with a message when `cond` is false: a broken invariant is a
 * finding, like a crash.  Not assert(): it must hold in release builds too.
 */
#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                     \
			abort();                                                \
		}                                                               \
	} while (0)

/* A path handed out by a parser must stay inside the repository. */
#define FUZZ_CHECK_PATH(p) FUZZ_CHECK(fuzz_path_inside(p))

/*
 * 1 if `path` (NULL counts as inside: "no path") is repository-relative and
 * cannot leave the repository: not absolute, no ".." segment, no "~".
 * URLs ("s3://...": a scheme, then "://") name no local file: inside.
 */
static inline int fuzz_path_inside(const char *path)
{
	const char *p;

	if (!path)
		return 1;
	p = path + strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (p > path && gi_starts_with(p, "://"))
		return 1;
	if (path[0] == '/')
		return 0;
	for (p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

#endif
