/*
 * teststore.h - a new store in a scratch folder, for the unit tests that
 * write into one (the folder is removed when the test exits, as testlib.h's).
 */
#ifndef GI_TESTSTORE_H
#define GI_TESTSTORE_H

#include "store.h"
#include "testlib.h"

/*
 * Make a scratch folder from `templ` (as test_tmpdir) and create the store
 * "impact.db" in it, opened into *s.  Returns templ, or NULL when a step fails.
 */
static inline char *test_store(char *templ, struct store **s)
{
	char *db;
	int err;

	if (!test_tmpdir(templ))
		return NULL;
	db = gi_xstrfmt("%s/impact.db", templ);
	err = store_open(s, db, STORE_CREATE);
	free(db);
	return err ? NULL : templ;
}

#endif
