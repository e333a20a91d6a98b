/*
 * guarantee.c - the conformal threshold and its binomial bound.  With n
 * calibration values (the score each past failing run needed), allowing
 * k of them below the threshold bounds the miss probability, at
 * confidence C, by the exact one-sided Clopper-Pearson upper limit for k
 * misses in n.  Binomial tails are summed in log space (stable to n ~ 1e6).
 */
#include "selector.h"

#include <math.h>

/* log(exp(a) + exp(b)) without overflow. */
static double log_add(double a, double b)
{
	if (a == -INFINITY)
		return b;
	if (b > a) {
		double t = a;
		a = b;
		b = t;
	}
	return a + log1p(exp(b - a));
}

/*
 * Walk log P(Bin(n, p) = i) for i = 0, 1, ... accumulating the log of the
 * cumulative sum.  Returns the largest k <= kmax with cumulative <= alpha
 * (-1 when even k = 0 exceeds it); *logcdf gets log P(X <= kmax) when
 * alpha >= 1 (the walk then never stops early).  0 < p < 1.
 */
static long walk_cdf(size_t kmax, size_t n, double p, double alpha, double *logcdf)
{
	double l = (double)n * log1p(-p), lr = log(p) - log1p(-p), acc = -INFINITY;
	double la = alpha >= 1 ? INFINITY : log(alpha);
	long best = -1;

	for (size_t i = 0; i <= kmax && i <= n; i++) {
		acc = log_add(acc, l);
		if (acc > la)
			break;
		best = (long)i;
		if (i < n)
			l += log((double)(n - i)) - log((double)(i + 1)) + lr;
	}
	if (logcdf)
		*logcdf = acc;
	return best;
}

double selector_binom_cdf(size_t k, size_t n, double p)
{
	double lc;

	if (k >= n || p <= 0)
		return 1.0;
	if (p >= 1)
		return 0.0;
	walk_cdf(k, n, p, 2.0, &lc);
	return lc >= 0 ? 1.0 : exp(lc);
}

double selector_binom_upper(size_t k, size_t n, double confidence)
{
	double alpha = 1 - confidence, lo = 0, hi = 1;

	if (k >= n)
		return 1.0;
	for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
		double mid = (lo + hi) / 2;

		if (selector_binom_cdf(k, n, mid) <= alpha)
			hi = mid;
		else
			lo = mid;
	}
	return hi; /* the conservative side of the bracket */
}

/* 1 when n values with no miss meet recall at confidence: (1-eps)^n <= alpha. */
static int zero_miss_enough(size_t n, double eps, double alpha)
{
	return (double)n * log1p(-eps) <= log(alpha);
}

size_t selector_runs_needed(double recall, double confidence)
{
	double eps = 1 - recall, alpha = 1 - confidence;
	double guess;
	size_t n;

	if (!(eps > 0 && eps < 1 && alpha > 0 && alpha < 1))
		return 0;
	guess = ceil(log(alpha) / log1p(-eps));
	n = guess < 1 ? 1 : guess > 1e15 ? (size_t)1e15 : (size_t)guess;
	while (n > 1 && zero_miss_enough(n - 1, eps, alpha))
		n--;
	while (!zero_miss_enough(n, eps, alpha))
		n++;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A sorted copy of the values, NaN counted as -infinity (always a miss). */
static double *sorted_copy(const double *v, size_t n)
{
	double *s = gi_xmallocarray(n ? n : 1, sizeof(*s));

	for (size_t i = 0; i < n; i++)
		s[i] = isnan(v[i]) ? -INFINITY : v[i];
	if (n > 1)
		gi_qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

static void guarantee_reset(struct selector_guarantee *g, double recall, double confidence,
			    size_t n)
{
	int level_test = g->level_test;

	memset(g, 0, sizeof(*g));
	g->level_test = level_test;
	g->recall = recall;
	g->confidence = confidence;
	g->runs = n;
	g->bound = 1.0;
}

int selector_guarantee_compute(const double *needed, size_t n, double recall,
			       double confidence, struct selector_guarantee *out)
{
	double *s = NULL;
	long k;
	size_t misses = 0;

	if (!(recall > 0 && recall < 1 && confidence > 0 && confidence < 1))
		return gi_error_setc(GI_EUSAGE, "recall and confidence must be between 0 and 1, not %g and %g",
				     recall, confidence);
	guarantee_reset(out, recall, confidence, n);
	k = n ? walk_cdf(n - 1, n, 1 - recall, 1 - confidence, NULL) : -1;
	if (k < 0) {
		size_t need = selector_runs_needed(recall, confidence);

		out->runs_needed = need > n ? need - n : 1;
		out->bound = n ? selector_binom_upper(0, n, confidence) : 1.0;
		goto done;
	}
	s = sorted_copy(needed, n);
	out->threshold = s[k];
	while (misses < n && s[misses] < out->threshold)
		misses++;
	out->misses = misses;
	out->bound = selector_binom_upper(misses, n, confidence);
	out->stated = 1;
done:
	free(s);
	return 0;
}

void selector_guarantee_at(const double *needed, size_t n, double threshold,
			   double confidence, struct selector_guarantee *out)
{
	size_t k = 0;

	guarantee_reset(out, out->recall, confidence, n);
	for (size_t i = 0; i < n; i++)
		if (isnan(needed[i]) || needed[i] < threshold)
			k++;
	out->threshold = threshold;
	out->misses = k;
	out->bound = selector_binom_upper(k, n, confidence);
	out->stated = n > 0;
}

double selector_threshold_empirical(const double *needed, size_t n, double recall)
{
	double *s, t;
	size_t k;

	if (!n)
		return 0;
	s = sorted_copy(needed, n);
	k = (size_t)floor((double)n * (1 - recall) + 1e-9);
	t = s[k < n ? k : n - 1];
	if (k >= n)
		t = INFINITY; /* every value may miss */
	free(s);
	return t;
}
