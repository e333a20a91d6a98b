/*
 * audit.c - the audit sample: a random share of the tests the policy
 * skipped, run anyway so that their failures estimate the miss rate
 * without bias.  Each skipped test is drawn independently with the same
 * probability (Bernoulli sampling), from a hash of the seed and its id, so
 * the sample does not depend on the order of the tests.
 */
#include "selector.h"

int selector_audit(struct selector_result *r, double share, unsigned long long seed)
{
	size_t n = 0;

	if (!(share >= 0 && share <= 1))
		return gi_error_setc(GI_EUSAGE, "--audit must be between 0 and 1, not %g", share);
	for (size_t i = 0; i < r->nr; i++) {
		struct selector_test *t = &r->v[i];

		if (!t->selected && gi_coin(seed, t->id) < share) {
			selector_test_select(t, SELECTOR_AUDIT);
			n++;
		}
	}
	selector_summarize(r);
	return (int)(n > INT32_MAX ? INT32_MAX : n);
}
