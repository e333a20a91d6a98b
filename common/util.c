/*
 * util.c - string, number, glob, file and hashing helpers.  The only
 * code in git-impact that includes xxhash.h.
 */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

int gi_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int gi_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Match a bracket class at p against c; *end gets the char after ']'. */
static int class_match(const char *p, char c, const char **end)
{
	int neg = 0, ok = 0;

	p++;
	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	for (int first = 1; *p && (first || *p != ']'); first = 0, p++) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[0] &&
			    (unsigned char)c <= (unsigned char)p[2])
				ok = 1;
			p += 2;
		} else if (*p == c) {
			ok = 1;
		}
	}
	if (*p != ']')
		return -1; /* unterminated: treat '[' literally */
	*end = p + 1;
	return ok != neg;
}

static int glob_rec(const char *p, const char *s, int depth)
{
	if (depth > 64)
		return 0;
	for (; *p; p++, s++) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;

			if (*rest == '/') {
				/* "**" + "/": zero or more whole segments */
				if (glob_rec(rest + 1, s, depth + 1))
					return 1;
				for (const char *t = s; *t; t++)
					if (*t == '/' && glob_rec(rest + 1, t + 1, depth + 1))
						return 1;
				return 0;
			}
			for (const char *t = s;; t++) {
				if (glob_rec(rest, t, depth + 1))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (glob_rec(p + 1, t, depth + 1))
					return 1;
				if (!*t || *t == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			continue;
		}
		if (*p == '[') {
			const char *end;
			int m = class_match(p, *s, &end);

			if (m >= 0) {
				if (!m || *s == '/')
					return 0;
				p = end - 1;
				continue;
			}
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
	}
	return !*s;
}

int gi_glob_match(const char *pattern, const char *path)
{
	if (!strchr(pattern, '/')) {
		const char *base = strrchr(path, '/');

		return glob_rec(pattern, base ? base + 1 : path, 0);
	}
	if (pattern[0] == '/')
		pattern++;
	return glob_rec(pattern, path, 0);
}

int gi_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return GI_EINPUT;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return GI_EINPUT;
	*out = v;
	return 0;
}

int gi_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return GI_EINPUT;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return GI_EINPUT;
	*out = v;
	return 0;
}

int gi_parse_duration(const char *s, double *seconds)
{
	double total = 0;
	int any = 0;

	if (!s || !*s)
		return GI_EINPUT;
	while (*s) {
		char *end;
		double v;

		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno || !isfinite(v) || v < 0 || *s == '-' || *s == '+')
			return GI_EINPUT;
		s = end;
		if (gi_starts_with(s, "ms")) {
			v /= 1000;
			s += 2;
		} else if (*s == 'h') {
			v *= 3600;
			s++;
		} else if (*s == 'm') {
			v *= 60;
			s++;
		} else if (*s == 's') {
			s++;
		} else if (*s) {
			return GI_EINPUT;
		}
		total += v;
		any = 1;
	}
	if (!any)
		return GI_EINPUT;
	*seconds = total;
	return 0;
}

int gi_read_file(const char *path, size_t max, struct gi_buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int err = 0;

	if (!f)
		return gi_error_setc(errno == ENOENT ? GI_ENOTFOUND : GI_ERROR,
				     "cannot open '%s': %s", path, strerror(errno));
	gi_buf_init(b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (gi_buf_add(b, chunk, n) < 0) {
			err = gi_error_setc(GI_ELIMIT, "'%s' is larger than %zu bytes", path, max);
			goto done;
		}
	}
	if (ferror(f))
		err = gi_error_set("cannot read '%s': %s", path, strerror(errno));
	else if (!b->ptr)
		gi_buf_add(b, "", 0);
done:
	fclose(f);
	if (err)
		gi_buf_release(b);
	return err;
}

uint64_t gi_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

uint64_t gi_hash_node(const char *kind, const char *name, size_t name_len)
{
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, kind, strlen(kind) + 1);
	XXH3_64bits_update(&st, name, name_len);
	return XXH3_64bits_digest(&st);
}

struct gi_hasher {
	XXH3_state_t st;
};

struct gi_hasher *gi_hasher_new(void)
{
	struct gi_hasher *h = gi_xmalloc(sizeof(*h));

	XXH3_64bits_reset(&h->st);
	return h;
}

void gi_hasher_update(struct gi_hasher *h, const void *data, size_t len)
{
	XXH3_64bits_update(&h->st, data, len);
}

uint64_t gi_hasher_digest(const struct gi_hasher *h)
{
	return XXH3_64bits_digest(&h->st);
}

void gi_hasher_free(struct gi_hasher *h)
{
	free(h);
}

void gi_hex64(uint64_t v, char out[17])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--) {
		out[i] = hex[v & 0xf];
		v >>= 4;
	}
	out[16] = '\0';
}

double gi_coin(uint64_t seed, const char *id)
{
	uint64_t h = gi_hash64(id, strlen(id)) ^ (seed * 0x9E3779B97F4A7C15ULL);

	h ^= h >> 30, h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 27, h *= 0x94D049BB133111EBULL;
	h ^= h >> 31;
	return (double)(h >> 11) / 9007199254740992.0;
}

int64_t gi_unix_now(void)
{
	return (int64_t)time(NULL);
}

double gi_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
