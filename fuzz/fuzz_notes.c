/*
 * fuzz_notes.c - the git-notes reader of `git impact sync` (history/sync.c)
 * on any note text: no crash, no leak, and merging is idempotent (the
 * canonical text, read back as the base, is unchanged).
 */
#include "fuzz.h"
#include "history.h"

#define FUZZ_COMMIT "0123456789abcdef0123456789abcdef01234567"

/* Merge the canonical text into a second set as its base. */
static int fuzz_copy(void *data, const char *commit, const char *text, size_t len, int changed)
{
	(void)changed;
	FUZZ_CHECK(!strcmp(commit, FUZZ_COMMIT));
	FUZZ_CHECK(history_notes_add_text(data, commit, text, len, "fuzz", 1) == 0);
	return 0;
}

static int fuzz_unchanged(void *data, const char *commit, const char *text, size_t len,
			  int changed)
{
	(void)data, (void)commit, (void)text, (void)len;
	FUZZ_CHECK(!changed);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct history_notes *ns = history_notes_new();
	struct history_notes *again = history_notes_new();

	if (history_notes_add_text(ns, FUZZ_COMMIT, (const char *)data, len, "fuzz", 0) == 0) {
		history_notes_each(ns, fuzz_copy, again);
		history_notes_each(again, fuzz_unchanged, NULL);
	}
	history_notes_free(ns);
	history_notes_free(again);
	gi_error_clear();
	return 0;
}
