/*
 * testlib.h - helpers shared by the unit tests: scratch folders under
 * /tmp that are removed (with everything in them) when the test exits.
 */
#ifndef GI_TESTLIB_H
#define GI_TESTLIB_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static struct gi_strvec testlib_dirs = GI_STRVEC_INIT;

/* Remove `path` and, for a folder, everything in it (symlinks are not followed). */
static void testlib_rm(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st))
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((e = readdir(d))) {
			char *sub;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			sub = gi_xstrfmt("%s/%s", path, e->d_name);
			testlib_rm(sub);
			free(sub);
		}
		closedir(d);
		rmdir(path);
		return;
	}
	unlink(path);
}

static void testlib_cleanup(void)
{
	for (size_t i = 0; i < testlib_dirs.nr; i++)
		testlib_rm(testlib_dirs.v[i]);
	gi_strvec_clear(&testlib_dirs);
}

/*
 * Make a scratch folder from `templ` ("/tmp/gi-name-XXXXXX", modified in
 * place) that is removed when the process exits.  Returns templ or NULL.
 */
static inline char *test_tmpdir(char *templ)
{
	if (!mkdtemp(templ))
		return NULL;
	if (!testlib_dirs.nr)
		atexit(testlib_cleanup);
	gi_strvec_push(&testlib_dirs, templ);
	return templ;
}

/*
 * Run the shell command formatted from `fmt`; system()'s status, or -1 when
 * the command does not fit in 8 KiB.  Test code only: arguments are ours.
 */
static inline GI_PRINTF(1, 2) int test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	return system(cmd);
}

/*
 * Make a scratch git repository from `templ` (as test_tmpdir) and run the
 * shell `script` in it, with a fixed identity and no system or user git
 * configuration.  Returns templ, or NULL when a step fails.
 */
static inline char *test_git_repo(char *templ, const char *script)
{
	if (!test_tmpdir(templ))
		return NULL;
	if (test_sh("cd %s && export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=a "
		    "GIT_COMMITTER_EMAIL=a@x GIT_CONFIG_NOSYSTEM=1 HOME=%s && git init -q -b main . && %s",
		    templ, templ, script))
		return NULL;
	return templ;
}

#endif
