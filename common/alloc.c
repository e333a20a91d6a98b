/*
 * alloc.c - checked allocation.  git-impact is a program, not a library:
 * running out of memory or overflowing a size computation aborts.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

static GI_NORETURN void oom(size_t size)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
	abort();
}

size_t gi_st_add(size_t a, size_t b)
{
	if (a > SIZE_MAX - b) {
		fprintf(stderr, "fatal: size overflow: %zu + %zu\n", a, b);
		abort();
	}
	return a + b;
}

size_t gi_st_mult(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		fprintf(stderr, "fatal: size overflow: %zu * %zu\n", a, b);
		abort();
	}
	return a * b;
}

void *gi_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *gi_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(gi_st_mult(n, size));
	return p;
}

void *gi_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *gi_xmallocarray(size_t n, size_t size)
{
	return gi_xmalloc(gi_st_mult(n, size));
}

void *gi_xreallocarray(void *ptr, size_t n, size_t size)
{
	return gi_xrealloc(ptr, gi_st_mult(n, size));
}

char *gi_xstrndup(const char *s, size_t n)
{
	const char *end = memchr(s, '\0', n);
	size_t len = end ? (size_t)(end - s) : n;
	char *p = gi_xmalloc(gi_st_add(len, 1));

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *gi_xstrdup(const char *s)
{
	return gi_xstrndup(s, strlen(s));
}

char *gi_xstrfmt(const char *fmt, ...)
{
	struct gi_buf b = GI_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (gi_buf_vprintf(&b, fmt, ap) < 0)
		oom(b.max);
	va_end(ap);
	if (!b.ptr)
		return gi_xstrdup("");
	return gi_buf_detach(&b, NULL);
}

void gi_qsort(void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *, const void *))
{
	if (nmemb > 1)
		(qsort)(base, nmemb, size, cmp);
}
