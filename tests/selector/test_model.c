/*
 * Unit tests for selector/model.c and tokens.c: the feature vector, IRLS
 * training (recovers the signal, ignores zero-weight examples, stays
 * finite on separable data), incremental updates, serialisation, and the
 * token-overlap feature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "selector.h"

#define NF SELECTOR_NFEATURES

static uint64_t rng_state;

static double rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* n examples where failing depends on proximity (x1), coverage (x6) and fail rate (x9). */
static struct selector_example *make_data(size_t n, uint64_t seed)
{
	struct selector_example *ex = calloc(n, sizeof(*ex));

	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		struct selector_features f = { 0 };
		double z;

		f.distance = rnd() < 0.3 ? (int)(rnd() * 4) : -1;
		f.kinds = f.distance >= 0 ? SELECTOR_KIND_CODE : 0;
		f.coverage_hit = rnd() < 0.2;
		f.fail_rate = rnd() * 0.2;
		f.duration = rnd() * 30;
		f.age_days = rnd() * 300;
		selector_features_vector(&f, ex[i].x);
		z = -4 + 3 * ex[i].x[1] + 2 * ex[i].x[6] + 8 * ex[i].x[9];
		ex[i].y = rnd() < 1 / (1 + exp(-z));
		ex[i].weight = 1;
	}
	return ex;
}

static void test_selector_model__features(void **state)
{
	struct selector_features f = { 0 };
	double x[NF];

	(void)state;
	f.distance = 1;
	f.kinds = SELECTOR_KIND_DATA | SELECTOR_KIND_MODEL;
	f.coverage_hit = 1;
	f.cofail = 2;       /* clamped */
	f.recent_failures = 3;
	f.duration = -1;    /* unknown */
	f.fail_rate = NAN;  /* not finite: 0 */
	selector_features_vector(&f, x);
	assert_true(x[0] == 1 && x[1] == 0.5);
	assert_true(x[2] == 0 && x[3] == 1 && x[4] == 0 && x[5] == 1);
	assert_true(x[6] == 1 && x[7] == 1 && x[9] == 0);
	assert_true(fabs(x[10] - log(4)) < 1e-15);
	assert_true(x[13] == 0);
	f.distance = -1;
	selector_features_vector(&f, x);
	assert_true(x[1] == 0);
}

static void test_selector_model__learns(void **state)
{
	struct selector_model m;
	size_t n = 4000;
	struct selector_example *ex = make_data(n, 42);
	double near[NF] = { 0 }, far[NF] = { 0 };

	(void)state;
	selector_model_init(&m, 1.0);
	assert_true(fabs(selector_model_score(&m, ex[0].x) - 0.5) < 1e-15);
	assert_int_equal(selector_model_update(&m, ex, n, 1.0), 0);
	assert_true(m.w[1] > 1.0 && m.w[6] > 1.0 && m.w[9] > 2.0);
	assert_true(fabs(m.w[0] + 4) < 1.0);
	near[0] = far[0] = 1;
	near[1] = 1, near[2] = 1, near[6] = 1;
	assert_true(selector_model_score(&m, near) > 0.4);
	assert_true(selector_model_score(&m, far) < 0.05);
	assert_true(m.examples == (double)n);
	free(ex);
}

static void test_selector_model__weights_and_determinism(void **state)
{
	struct selector_model a, b;
	size_t n = 1000;
	struct selector_example *ex = make_data(n + 200, 7);

	(void)state;
	for (size_t i = n; i < n + 200; i++) { /* flaky failures, weight 0: no effect */
		ex[i].y = 1;
		ex[i].weight = 0;
	}
	selector_model_init(&a, 1.0);
	selector_model_init(&b, 1.0);
	assert_int_equal(selector_model_update(&a, ex, n, 1.0), 0);
	assert_int_equal(selector_model_update(&b, ex, n + 200, 1.0), 0);
	for (int i = 0; i < NF; i++)
		assert_true(a.w[i] == b.w[i]);
	ex[0].weight = -1;
	assert_int_equal(selector_model_update(&a, ex, n, 1.0), GI_EUSAGE);
	ex[0].weight = 1;
	assert_int_equal(selector_model_update(&a, ex, n, 0), GI_EUSAGE);
	free(ex);
}

static void test_selector_model__separable(void **state)
{
	struct selector_model m;
	struct selector_example ex[20];

	(void)state;
	memset(ex, 0, sizeof(ex));
	for (int i = 0; i < 20; i++) {
		ex[i].x[0] = 1;
		ex[i].x[6] = i % 2;
		ex[i].y = i % 2; /* perfectly separable: L2 keeps w finite */
		ex[i].weight = 1;
	}
	selector_model_init(&m, 0.1);
	assert_int_equal(selector_model_update(&m, ex, 20, 1.0), 0);
	for (int i = 0; i < NF; i++)
		assert_true(isfinite(m.w[i]));
	assert_true(selector_model_score(&m, ex[1].x) > 0.9);
	assert_true(selector_model_score(&m, ex[0].x) < 0.1);
}

static void test_selector_model__incremental(void **state)
{
	struct selector_model once, twice;
	struct selector_example *ex = make_data(4000, 99);
	double maxdiff = 0;

	(void)state;
	selector_model_init(&once, 1.0);
	selector_model_init(&twice, 1.0);
	assert_int_equal(selector_model_update(&once, ex, 4000, 1.0), 0);
	assert_int_equal(selector_model_update(&twice, ex, 2000, 1.0), 0);
	assert_int_equal(selector_model_update(&twice, ex + 2000, 2000, 1.0), 0);
	/* the Laplace update lands close to the batch fit */
	for (size_t i = 0; i < 4000; i++)
		maxdiff = fmax(maxdiff, fabs(selector_model_score(&once, ex[i].x) -
					     selector_model_score(&twice, ex[i].x)));
	assert_true(maxdiff < 0.03);
	assert_true(twice.examples == 4000);
	free(ex);
}

static void test_selector_model__save_load(void **state)
{
	struct selector_model m, back;
	struct selector_example *ex = make_data(500, 3);
	struct gi_buf b = GI_BUF_INIT;

	(void)state;
	selector_model_init(&m, 1.0);
	assert_int_equal(selector_model_update(&m, ex, 500, 1.0), 0);
	assert_int_equal(selector_model_save(&m, &b), 0);
	assert_true(gi_starts_with(b.ptr, "gi-model 1 14 "));
	assert_int_equal(selector_model_load(&back, b.ptr, "store"), 0);
	assert_memory_equal(&m, &back, sizeof(m)); /* exact doubles */
	back.w[0] = 123;
	assert_int_equal(selector_model_load(&back, "gi-model 2 14 0", "store"), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "version 2"));
	assert_int_equal(selector_model_load(&back, "gi-model 1 14 0 1", "store"), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "field 5 is missing"));
	assert_int_equal(selector_model_load(&back, "hello", "store"), GI_EINPUT);
	assert_int_equal(gi_buf_adds(&b, " 7"), 0);
	assert_int_equal(selector_model_load(&back, b.ptr, "store"), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "trailing"));
	assert_true(back.w[0] == 123); /* unchanged on failure */
	gi_buf_release(&b);
	free(ex);
}

static void test_selector_model__tokens(void **state)
{
	struct gi_strvec t = GI_STRVEC_INIT;
	static const char *const want[] = { "http", "pkg", "server", "utils", "v2" };
	double j;

	(void)state;
	selector_tokenize("src/pkg/HTTPServer_utils-v2.py", &t);
	assert_int_equal(t.nr, GI_ARRAY_SIZE(want));
	for (size_t i = 0; i < t.nr; i++)
		assert_string_equal(t.v[i], want[i]);
	gi_strvec_clear(&t);
	selector_tokenize("src/model/train.py", &t);
	selector_tokenize("params.yaml:train.lr", &t);
	/* changed {model, train, params, yaml, lr}; test {model, train_model?...} */
	j = selector_token_overlap(&t, "tests/test_train.py::TestTrainModel::test_lr[small]");
	/* test tokens: train, model, lr, small -> shared 3, union 6 */
	assert_true(fabs(j - 3.0 / 6.0) < 1e-12);
	assert_true(selector_token_overlap(&t, "tests/test_io.py::test_read") == 0);
	gi_strvec_clear(&t);
	assert_true(selector_token_overlap(&t, "a::b") == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_model__features),
		cmocka_unit_test(test_selector_model__learns),
		cmocka_unit_test(test_selector_model__weights_and_determinism),
		cmocka_unit_test(test_selector_model__separable),
		cmocka_unit_test(test_selector_model__incremental),
		cmocka_unit_test(test_selector_model__save_load),
		cmocka_unit_test(test_selector_model__tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
