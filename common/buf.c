/*
 * buf.c - bounded growable buffers and string vectors.  Every buffer has a
 * maximum size so that hostile input cannot eat memory: an add past it
 * fails with GI_ELIMIT and leaves the buffer unchanged.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

void gi_buf_init(struct gi_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->max = max;
}

void gi_buf_release(struct gi_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
}

void gi_buf_reset(struct gi_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

static int buf_reserve(struct gi_buf *b, size_t extra)
{
	size_t want;

	if (extra > b->max || b->len > b->max - extra)
		return gi_error_setc(GI_ELIMIT, "buffer limit of %zu bytes exceeded", b->max);
	want = b->len + extra + 1;
	if (want > b->alloc) {
		size_t n = b->alloc < 64 ? 64 : b->alloc;

		while (n < want)
			n = gi_st_mult(n, 2);
		b->ptr = gi_xrealloc(b->ptr, n);
		b->alloc = n;
	}
	return 0;
}

int gi_buf_add(struct gi_buf *b, const void *data, size_t len)
{
	int err = buf_reserve(b, len);

	if (err)
		return err;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int gi_buf_adds(struct gi_buf *b, const char *s)
{
	return gi_buf_add(b, s, strlen(s));
}

int gi_buf_addch(struct gi_buf *b, char c)
{
	return gi_buf_add(b, &c, 1);
}

int gi_buf_vprintf(struct gi_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return gi_error_set("bad format string '%s'", fmt);
	err = buf_reserve(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int gi_buf_printf(struct gi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = gi_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

const char *gi_buf_cstr(const struct gi_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *gi_buf_detach(struct gi_buf *b, size_t *len)
{
	char *p = b->ptr ? b->ptr : gi_xstrdup("");

	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}

void gi_strvec_push(struct gi_strvec *sv, const char *s)
{
	GI_ALLOC_GROW(sv->v, sv->nr + 1, sv->alloc);
	sv->v[sv->nr++] = gi_xstrdup(s);
}

void gi_strvec_pushf(struct gi_strvec *sv, const char *fmt, ...)
{
	struct gi_buf b = GI_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (gi_buf_vprintf(&b, fmt, ap) < 0)
		gi_die("%s", gi_error_last());
	va_end(ap);
	GI_ALLOC_GROW(sv->v, sv->nr + 1, sv->alloc);
	sv->v[sv->nr++] = gi_buf_detach(&b, NULL);
}

void gi_strvec_clear(struct gi_strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->nr = sv->alloc = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gi_strvec_sort_uniq(struct gi_strvec *sv)
{
	size_t out = 0;

	if (!sv->nr)
		return;
	gi_qsort(sv->v, sv->nr, sizeof(*sv->v), cmp_str);
	for (size_t i = 0; i < sv->nr; i++) {
		if (out && !strcmp(sv->v[out - 1], sv->v[i])) {
			free(sv->v[i]);
			continue;
		}
		sv->v[out++] = sv->v[i];
	}
	sv->nr = out;
}

long gi_strvec_find_sorted(const struct gi_strvec *sv, const char *s)
{
	size_t lo = 0, hi = sv->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sv->v[mid], s);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
