/*
 * alloc.c - checked allocation.  git-impact is a program, not a library:
 * running out of memory or overflowing a size computation aborts.
 */
#include "common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define GI_NO_HEAP_TUNING 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GI_NO_HEAP_TUNING 1
#endif

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

void gi_alloc_prefer_huge_pages(void)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE) && !defined(GI_NO_HEAP_TUNING)
	static void *spacer; /* kept: what lies below the first huge page boundary */
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t from, to;
	void *p;

	if (spacer || mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1 || mallopt(M_TOP_PAD, 64 << 20) != 1)
		return;
	/* the heap's free top starts at p (grown by the pad if need be) */
	if (!(p = malloc((size_t)1 << 20)))
		return;
	from = ((uintptr_t)p + 64 + huge - 1) & ~(huge - 1);
	to = (uintptr_t)sbrk(0) & ~(huge - 1);
	if (to <= from || to - from > ((uintptr_t)1 << 30) || (uintptr_t)p > from) {
		free(p);
		return;
	}
	madvise((void *)from, to - from, MADV_HUGEPAGE); /* advice: failure changes nothing */
	/* shrunk in place to end at `from`: what is allocated next starts there */
	spacer = realloc(p, from - (uintptr_t)p);
	if (!spacer)
		free(p);
#endif
}
