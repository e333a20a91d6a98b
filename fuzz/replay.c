/*
 * replay.c - a main() for the fuzz targets without libFuzzer: feeds every
 * file of the folders (or files) named on the command line to
 * LLVMFuzzerTestOneInput().  ctest runs it on fuzz/corpus/<target> and
 * fuzz/regress/<target>, so every crash ever found stays fixed.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT ((size_t)16 << 20)

/* Feed one file; 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
	struct gi_buf b = GI_BUF_INIT;
	int err = gi_read_file(path, REPLAY_MAX_INPUT, &b);

	if (err) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, gi_error_last());
		goto done;
	}
	/* An exact-size copy, so reading past the end is caught by ASan. */
	{
		uint8_t *copy = gi_xmalloc(b.len ? b.len : 1);

		memcpy(copy, b.ptr ? b.ptr : "", b.len);
		LLVMFuzzerTestOneInput(copy, b.len);
		free(copy);
	}
done:
	gi_buf_release(&b);
	return err ? -1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed every regular file of `dir` in name order; how many, or -1. */
static long replay_dir(const char *dir)
{
	struct gi_strvec names = GI_STRVEC_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	long n = 0;
	size_t i;

	if (!d)
		return 0; /* a target without regressions yet */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			gi_strvec_pushf(&names, "%s/%s", dir, de->d_name);
	closedir(d);
	if (names.nr)
		gi_qsort(names.v, names.nr, sizeof(*names.v), cmp_names);
	for (i = 0; i < names.nr && n >= 0; i++)
		n = replay_file(names.v[i]) ? -1 : n + 1;
	gi_strvec_clear(&names);
	return n;
}

int main(int argc, char **argv)
{
	long total = 0;
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) == 0 && !S_ISDIR(st.st_mode))
			n = replay_file(argv[i]) ? -1 : 1;
		else
			n = replay_dir(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
