/*
 * model.c - the scoring model: logistic regression over a fixed feature
 * vector, fitted by IRLS (Newton with step halving) under a Gaussian prior
 * that is the previous fit (Laplace approximation), so that a batch of new
 * runs updates the model incrementally.  Serialised as one line of text.
 */
#include "selector.h"

#include <math.h>

#define NF SELECTOR_NFEATURES
#define MODEL_MAGIC "gi-model"

void selector_features_vector(const struct selector_features *f, double x[SELECTOR_NFEATURES])
{
	x[0] = 1;
	x[1] = f->distance >= 0 ? 1.0 / (1.0 + f->distance) : 0;
	for (int i = 0; i < 4; i++)
		x[2 + i] = (f->kinds >> i) & 1;
	x[6] = f->coverage_hit ? 1 : 0;
	x[7] = fmin(fmax(f->cofail, 0), 1);
	x[8] = fmin(fmax(f->token_overlap, 0), 1);
	x[9] = fmin(fmax(f->fail_rate, 0), 1);
	x[10] = log1p(f->recent_failures > 0 ? f->recent_failures : 0);
	x[11] = fmin(fmax(f->flakiness, 0), 1);
	x[12] = log1p(f->age_days > 0 ? f->age_days : 0) / 5;
	x[13] = f->duration > 0 ? log1p(f->duration) / 5 : 0;
	for (int i = 0; i < NF; i++)
		if (!isfinite(x[i]))
			x[i] = 0;
}

void selector_model_init(struct selector_model *m, double lambda)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < NF; i++)
		m->prec[i * NF + i] = lambda > 0 ? lambda : 1.0;
}

static double dot(const double *a, const double *b)
{
	double s = 0;

	for (int i = 0; i < NF; i++)
		s += a[i] * b[i];
	return s;
}

static double sigmoid(double z)
{
	return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

double selector_model_score(const struct selector_model *m, const double x[SELECTOR_NFEATURES])
{
	return sigmoid(dot(m->w, x));
}

/* log(1 + e^z), stable. */
static double softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* The penalised objective at w: weighted log loss + (w-w0)' P (w-w0) / 2. */
static double objective(const double *w, const double *w0, const double *P,
			const struct selector_example *ex, size_t n)
{
	double f = 0, d[NF];

	for (size_t i = 0; i < n; i++) {
		double z = dot(w, ex[i].x);

		f += ex[i].weight * (ex[i].y ? softplus(-z) : softplus(z));
	}
	for (int i = 0; i < NF; i++)
		d[i] = w[i] - w0[i];
	for (int i = 0; i < NF; i++)
		f += 0.5 * d[i] * dot(&P[i * NF], d);
	return f;
}

/* Gradient g and Hessian H of the objective at w (P symmetric). */
static void grad_hess(const double *w, const double *w0, const double *P,
		      const struct selector_example *ex, size_t n, double *g, double *H)
{
	memcpy(H, P, sizeof(double) * NF * NF);
	for (int i = 0; i < NF; i++) {
		double d[NF];

		for (int j = 0; j < NF; j++)
			d[j] = w[j] - w0[j];
		g[i] = dot(&P[i * NF], d);
	}
	for (size_t k = 0; k < n; k++) {
		double p = sigmoid(dot(w, ex[k].x)), r = ex[k].weight * (p - ex[k].y);
		double s = ex[k].weight * p * (1 - p);

		for (int i = 0; i < NF; i++) {
			double sx = s * ex[k].x[i];

			g[i] += r * ex[k].x[i];
			for (int j = i; j < NF; j++)
				H[i * NF + j] += sx * ex[k].x[j];
		}
	}
	for (int i = 0; i < NF; i++) /* exactly symmetric: mirror the upper half */
		for (int j = 0; j < i; j++)
			H[i * NF + j] = H[j * NF + i];
}

/* Solve H x = g by Cholesky (H symmetric positive definite).  -1 if not. */
static int cholesky_solve(const double *H, const double *g, double *x)
{
	double L[NF * NF] = { 0 }, y[NF];

	for (int i = 0; i < NF; i++) {
		for (int j = 0; j <= i; j++) {
			double s = H[i * NF + j];

			for (int k = 0; k < j; k++)
				s -= L[i * NF + k] * L[j * NF + k];
			if (i == j && !(s > 0))
				return -1;
			L[i * NF + j] = i == j ? sqrt(s) : s / L[j * NF + j];
		}
	}
	for (int i = 0; i < NF; i++) {
		double s = g[i];

		for (int k = 0; k < i; k++)
			s -= L[i * NF + k] * y[k];
		y[i] = s / L[i * NF + i];
	}
	for (int i = NF - 1; i >= 0; i--) {
		double s = y[i];

		for (int k = i + 1; k < NF; k++)
			s -= L[k * NF + i] * x[k];
		x[i] = s / L[i * NF + i];
	}
	return 0;
}

/* One damped Newton step from w (in place).  Returns the step's max norm, or -1. */
static double newton_step(double *w, const double *w0, const double *P,
			  const struct selector_example *ex, size_t n)
{
	double g[NF], H[NF * NF], step[NF], trial[NF], f0, size = 0;
	double t = 1;

	grad_hess(w, w0, P, ex, n, g, H);
	if (cholesky_solve(H, g, step))
		return -1;
	f0 = objective(w, w0, P, ex, n);
	for (int half = 0; half < 30; half++, t /= 2) {
		for (int i = 0; i < NF; i++)
			trial[i] = w[i] - t * step[i];
		if (objective(trial, w0, P, ex, n) <= f0 + 1e-12 * fabs(f0))
			break;
	}
	for (int i = 0; i < NF; i++) {
		size = fmax(size, fabs(trial[i] - w[i]));
		w[i] = trial[i];
	}
	return size;
}

static int check_examples(const struct selector_example *ex, size_t n, double forget)
{
	if (!(forget > 0 && forget <= 1))
		return gi_error_setc(GI_EUSAGE, "model forget factor must be in (0, 1], not %g", forget);
	for (size_t i = 0; i < n; i++) {
		if (!(ex[i].weight >= 0 && isfinite(ex[i].weight)) || (ex[i].y != 0 && ex[i].y != 1))
			return gi_error_setc(GI_EUSAGE, "training example %zu has weight %g and outcome %d",
					     i, ex[i].weight, ex[i].y);
		for (int j = 0; j < NF; j++)
			if (!isfinite(ex[i].x[j]))
				return gi_error_setc(GI_EUSAGE, "training example %zu has feature %d not finite",
						     i, j);
	}
	return 0;
}

int selector_model_update(struct selector_model *m, const struct selector_example *ex,
			  size_t n, double forget)
{
	double w[NF], P[NF * NF], g[NF], H[NF * NF];
	int err = check_examples(ex, n, forget);

	if (err)
		return err;
	for (int i = 0; i < NF * NF; i++)
		P[i] = forget * m->prec[i];
	memcpy(w, m->w, sizeof(w));
	for (int it = 0; it < 50; it++) {
		double size = newton_step(w, m->w, P, ex, n);

		if (size < 0)
			return gi_error_set("cannot fit the scoring model: the system is not positive definite");
		if (size < 1e-10)
			break;
	}
	grad_hess(w, m->w, P, ex, n, g, H);
	memcpy(m->w, w, sizeof(w));
	memcpy(m->prec, H, sizeof(H));
	for (size_t i = 0; i < n; i++)
		m->examples += ex[i].weight;
	return 0;
}

int selector_model_save(const struct selector_model *m, struct gi_buf *out)
{
	int err = gi_buf_printf(out, "%s %d %d", MODEL_MAGIC, SELECTOR_MODEL_VERSION, NF);

	for (int i = 0; !err && i < NF; i++)
		err = gi_buf_printf(out, " %.17g", m->w[i]);
	for (int i = 0; !err && i < NF; i++)
		for (int j = i; !err && j < NF; j++)
			err = gi_buf_printf(out, " %.17g", m->prec[i * NF + j]);
	return err ? err : gi_buf_printf(out, " %.17g", m->examples);
}

/* Parse the next space-separated number of *p.  GI_EINPUT naming field `k`. */
static int next_number(const char **p, const char *origin, int k, double *v)
{
	char tok[64];
	size_t len;

	*p += strspn(*p, " \t\n");
	len = strcspn(*p, " \t\n");
	if (!len || len >= sizeof(tok))
		return gi_error_setc(GI_EINPUT, "cannot parse the model in '%s': field %d is %s", origin,
				     k, len ? "too long" : "missing");
	memcpy(tok, *p, len);
	tok[len] = '\0';
	*p += len;
	if (gi_parse_double(tok, v))
		return gi_error_setc(GI_EINPUT, "cannot parse the model in '%s': field %d is '%s', not a number",
				     origin, k, tok);
	return 0;
}

/* The header: magic, version, feature count. */
static int load_header(const char **p, const char *origin)
{
	double version = 0, nf = 0;
	int err;

	if (!gi_starts_with(*p, MODEL_MAGIC " "))
		return gi_error_setc(GI_EINPUT, "cannot parse the model in '%s': it does not start with '%s'",
				     origin, MODEL_MAGIC);
	*p += strlen(MODEL_MAGIC);
	err = next_number(p, origin, 1, &version);
	if (!err)
		err = next_number(p, origin, 2, &nf);
	if (!err && (version != SELECTOR_MODEL_VERSION || nf != NF))
		err = gi_error_setc(GI_EINPUT, "cannot use the model in '%s': version %g with %g features, "
				    "expected version %d with %d", origin, version, nf,
				    SELECTOR_MODEL_VERSION, NF);
	return err;
}

int selector_model_load(struct selector_model *m, const char *text, const char *origin)
{
	struct selector_model tmp;
	const char *p = text;
	int k = 3, err = load_header(&p, origin);

	memset(&tmp, 0, sizeof(tmp));
	for (int i = 0; !err && i < NF; i++)
		err = next_number(&p, origin, k++, &tmp.w[i]);
	for (int i = 0; !err && i < NF; i++)
		for (int j = i; !err && j < NF; j++) {
			err = next_number(&p, origin, k++, &tmp.prec[i * NF + j]);
			tmp.prec[j * NF + i] = tmp.prec[i * NF + j];
		}
	if (!err)
		err = next_number(&p, origin, k++, &tmp.examples);
	if (!err && p[strspn(p, " \t\n")])
		err = gi_error_setc(GI_EINPUT, "cannot parse the model in '%s': trailing data after field %d",
				    origin, k - 1);
	if (!err)
		*m = tmp;
	return err;
}
