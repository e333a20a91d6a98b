/*
 * tokens.c - the token-overlap feature: split changed paths and test ids
 * into lowercase words (on separators and camelCase boundaries) and
 * measure how much they share (Jaccard), as predictive test selection at
 * Meta does with its file/test name features.
 */
#include "selector.h"

#include <ctype.h>

#define TOKEN_MAX 128 /* longer words are cut: they identify nothing better */

static const char *const stop_words[] = { "test", "tests", "py", "src" };

static int is_sep(unsigned char c)
{
	return c == '/' || c == '.' || c == '_' || c == '-' || c == ':' || c == ' ' || c == '[' ||
	       c == ']' || c == '(' || c == ')' || c == ',' || c == '=' || c == '\t';
}

/* A word boundary before s[i]: aB, or the B of ABc (HTTPServer -> http server). */
static int camel_break(const char *s, size_t i)
{
	unsigned char p = (unsigned char)s[i - 1], c = (unsigned char)s[i], n = (unsigned char)s[i + 1];

	if (!isupper(c))
		return 0;
	return islower(p) || isdigit(p) || (isupper(p) && islower(n));
}

static void push_token(struct gi_strvec *out, const char *w, size_t len)
{
	char tok[TOKEN_MAX + 1];

	if (len > TOKEN_MAX)
		len = TOKEN_MAX;
	if (len < 2)
		return;
	for (size_t i = 0; i < len; i++)
		tok[i] = (char)tolower((unsigned char)w[i]);
	tok[len] = '\0';
	for (size_t i = 0; i < GI_ARRAY_SIZE(stop_words); i++)
		if (!strcmp(tok, stop_words[i]))
			return;
	gi_strvec_push(out, tok);
}

void selector_tokenize(const char *s, struct gi_strvec *out)
{
	size_t start = 0, i = 0;

	for (;; i++) {
		int end = !s[i] || is_sep((unsigned char)s[i]);

		if (end || (i > start && camel_break(s, i))) {
			push_token(out, s + start, i - start);
			start = end ? i + 1 : i;
		}
		if (!s[i])
			break;
	}
	gi_strvec_sort_uniq(out);
}

double selector_token_overlap(const struct gi_strvec *changed, const char *test_id)
{
	struct gi_strvec t = GI_STRVEC_INIT;
	size_t shared = 0, uni;
	double j;

	selector_tokenize(test_id, &t);
	for (size_t i = 0; i < t.nr; i++)
		if (gi_strvec_find_sorted(changed, t.v[i]) >= 0)
			shared++;
	uni = changed->nr + t.nr - shared;
	j = uni ? (double)shared / (double)uni : 0;
	gi_strvec_clear(&t);
	return j;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

size_t selector_hashes_uniq(uint64_t *v, size_t n)
{
	size_t k = 0;

	if (n > 1)
		gi_qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!k || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

void selector_token_hashes(const char *s, uint64_t **v, size_t *nr, size_t *alloc)
{
	struct gi_strvec t = GI_STRVEC_INIT;
	size_t start = *nr;

	selector_tokenize(s, &t);
	GI_ALLOC_GROW(*v, *nr + t.nr, *alloc);
	for (size_t i = 0; i < t.nr; i++)
		(*v)[(*nr)++] = gi_hash64(t.v[i], strlen(t.v[i]));
	*nr = start + selector_hashes_uniq(*v + start, *nr - start);
	gi_strvec_clear(&t);
}

double selector_hash_overlap(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0, shared = 0;

	if (!na || !nb)
		return 0;
	while (i < na && j < nb) {
		if (a[i] == b[j])
			shared++, i++, j++;
		else if (a[i] < b[j])
			i++;
		else
			j++;
	}
	return (double)shared / (double)(na + nb - shared);
}
