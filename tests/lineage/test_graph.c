/* Unit tests for lineage/graph.c: the builder, lookups both ways, unplaced, paths, the serialised form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"

/* t.py -> imports -> a.py -> param -> params.yaml:x ; b.py alone; README.md ignored. */
static struct lineage_graph *small_graph(void)
{
	struct lineage_builder b;
	struct lineage_graph *g = NULL;
	uint32_t t, a, p, r;

	lineage_builder_init(&b);
	t = lineage_builder_node(&b, LINEAGE_NODE_TEST, "tests/t.py");
	a = lineage_builder_node(&b, LINEAGE_NODE_FILE, "src/a.py");
	p = lineage_builder_node(&b, LINEAGE_NODE_PARAM, "params.yaml:x");
	lineage_builder_node(&b, LINEAGE_NODE_FILE, "src/b.py");
	r = lineage_builder_node(&b, LINEAGE_NODE_FILE, "README.md");
	b.nodes[r].flags |= LINEAGE_NODE_IGNORED;
	b.nodes[p].hash = 42;
	assert_int_equal(lineage_builder_node(&b, LINEAGE_NODE_FILE, "src/a.py"), a);
	lineage_builder_edge(&b, t, a, LINEAGE_EDGE_IMPORTS);
	lineage_builder_edge(&b, t, a, LINEAGE_EDGE_IMPORTS); /* duplicate */
	lineage_builder_edge(&b, a, p, LINEAGE_EDGE_PARAM);
	gi_strvec_push(&b.ignore, "*.md");
	gi_strvec_push(&b.warnings, "cannot parse 'x.yaml' at line 3: bad");
	lineage_builder_finish(&b, &g);
	return g;
}

static void test_lineage_graph__lookups(void **state)
{
	struct lineage_graph *g = small_graph();
	const struct lineage_edge *e;
	uint32_t t, a, p;

	(void)state;
	assert_int_equal(lineage_graph_nnodes(g), 5);
	assert_int_equal(lineage_graph_nedges(g), 2);
	t = lineage_graph_find(g, LINEAGE_NODE_TEST, "tests/t.py");
	a = lineage_graph_find(g, LINEAGE_NODE_FILE, "src/a.py");
	p = lineage_graph_find(g, LINEAGE_NODE_PARAM, "params.yaml:x");
	assert_int_not_equal(a, LINEAGE_NONE);
	assert_int_equal(lineage_graph_find(g, LINEAGE_NODE_TEST, "src/a.py"), LINEAGE_NONE);
	assert_int_equal(lineage_graph_find(g, LINEAGE_NODE_FILE, "nope"), LINEAGE_NONE);
	assert_int_equal(lineage_node_hash(g, p), 42);
	assert_int_equal(lineage_graph_deps(g, t, &e), 1);
	assert_int_equal(e[0].node, a);
	assert_int_equal(e[0].kind, LINEAGE_EDGE_IMPORTS);
	assert_int_equal(lineage_graph_rdeps(g, p, &e), 1);
	assert_int_equal(e[0].node, a);
	assert_int_equal(lineage_graph_rdeps(g, t, &e), 0);
	assert_int_equal(lineage_graph_test_of(g, "tests/t.py::test_x[1]"), t);
	assert_int_equal(lineage_graph_test_of(g, "other.py::x"), LINEAGE_NONE);
	assert_int_equal(lineage_node_id(g, a), gi_hash_node("file", "src/a.py", 8));
	lineage_graph_free(g);
}

static void test_lineage_graph__unplaced(void **state)
{
	struct lineage_graph *g = small_graph();
	const uint32_t *v;

	(void)state;
	assert_int_equal(lineage_graph_unplaced(g, &v), 1);
	assert_string_equal(lineage_node_name(g, v[0]), "src/b.py");
	assert_int_equal(lineage_graph_tests(g, &v), 1);
	assert_true(lineage_graph_is_ignored(g, "docs/x.md"));
	assert_false(lineage_graph_is_ignored(g, "src/b.py"));
	lineage_graph_free(g);
}

static void test_lineage_graph__why(void **state)
{
	struct lineage_graph *g = small_graph();
	struct gi_strvec sv = GI_STRVEC_INIT;
	struct gi_buf b = GI_BUF_INIT;
	uint32_t t = lineage_graph_find(g, LINEAGE_NODE_TEST, "tests/t.py");

	(void)state;
	lineage_graph_why(g, t, &sv);
	assert_int_equal(sv.nr, 1);
	assert_string_equal(sv.v[0], "tests/t.py -> imports -> src/a.py -> param -> params.yaml:x");
	assert_int_equal(lineage_graph_path(g, t, lineage_graph_find(g, LINEAGE_NODE_FILE, "src/b.py"), &b),
			 GI_ENOTFOUND);
	assert_int_equal(b.len, 0);
	gi_strvec_clear(&sv);
	gi_buf_release(&b);
	lineage_graph_free(g);
}

static void test_lineage_graph__roundtrip(void **state)
{
	struct lineage_graph *g = small_graph(), *h = NULL;
	struct gi_buf a = GI_BUF_INIT, b = GI_BUF_INIT;
	const struct lineage_edge *e;
	uint32_t p;

	(void)state;
	assert_int_equal(lineage_graph_encode(g, &a), 0);
	assert_int_equal(lineage_graph_decode(a.ptr, a.len, "graph", &h), 0);
	assert_int_equal(lineage_graph_encode(h, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	p = lineage_graph_find(h, LINEAGE_NODE_PARAM, "params.yaml:x");
	assert_int_equal(lineage_graph_rdeps(h, p, &e), 1);
	assert_string_equal(lineage_node_name(h, e[0].node), "src/a.py");
	assert_int_equal(lineage_graph_warnings(h)->nr, 1);
	assert_string_equal(lineage_graph_ignore(h)->v[0], "*.md");
	gi_buf_release(&a);
	gi_buf_release(&b);
	lineage_graph_free(g);
	lineage_graph_free(h);
}

/* decode_take keeps the blob's memory: same graph, the buffer left empty */
static void test_lineage_graph__take(void **state)
{
	struct lineage_graph *g = small_graph(), *h = NULL;
	struct gi_buf a = GI_BUF_INIT, b = GI_BUF_INIT, bad = GI_BUF_INIT;

	(void)state;
	assert_int_equal(lineage_graph_encode(g, &a), 0);
	assert_int_equal(gi_buf_add(&bad, a.ptr, a.len - 8), 0);
	assert_int_equal(lineage_graph_decode_take(&bad, "graph", &h), GI_ECORRUPT);
	assert_null(h);
	assert_int_equal(lineage_graph_encode(g, &b), 0);
	assert_int_equal(lineage_graph_decode_take(&b, "graph", &h), 0);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(lineage_graph_encode(h, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	assert_int_not_equal(lineage_graph_find(h, LINEAGE_NODE_FILE, "src/a.py"), LINEAGE_NONE);
	gi_buf_release(&a);
	gi_buf_release(&b);
	gi_buf_release(&bad);
	lineage_graph_free(g);
	lineage_graph_free(h);
}

static void test_lineage_graph__corrupt(void **state)
{
	struct lineage_graph *g = small_graph(), *h = NULL;
	struct gi_buf a = GI_BUF_INIT;

	(void)state;
	assert_int_equal(lineage_graph_encode(g, &a), 0);
	assert_int_equal(lineage_graph_decode(a.ptr, a.len - 1, "graph", &h), GI_ECORRUPT);
	assert_int_equal(lineage_graph_decode(a.ptr, 10, "graph", &h), GI_ECORRUPT);
	a.ptr[a.len - 3] ^= 0x55; /* body damage: checksum */
	assert_int_equal(lineage_graph_decode(a.ptr, a.len, "graph of 'x'", &h), GI_ECORRUPT);
	assert_non_null(strstr(gi_error_last(), "graph of 'x'"));
	a.ptr[a.len - 3] ^= 0x55;
	a.ptr[0] = 'X';
	assert_int_equal(lineage_graph_decode(a.ptr, a.len, "graph", &h), GI_ECORRUPT);
	assert_null(h);
	gi_buf_release(&a);
	lineage_graph_free(g);
}

/* Random bytes never crash the loader. */
static void test_lineage_graph__garbage(void **state)
{
	struct lineage_graph *h = NULL;
	unsigned char junk[512];

	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
		memcpy(junk, "GIGRAPH", 8);
		assert_int_equal(lineage_graph_decode(junk, (size_t)(rand() % 512), "g", &h), GI_ECORRUPT);
	}
}

static void test_lineage_graph__export(void **state)
{
	struct lineage_graph *g = small_graph();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(lineage_graph_export(g, "json", f), 0);
	fclose(f);
	assert_non_null(strstr(text, "{\"from\":\"test:tests/t.py\",\"kind\":\"imports\",\"to\":\"file:src/a.py\"}"));
	free(text);
	f = open_memstream(&text, &len);
	assert_int_equal(lineage_graph_export(g, "dot", f), 0);
	fclose(f);
	assert_non_null(strstr(text, "[label=\"param\"]"));
	assert_int_equal(lineage_graph_export(g, "svg", stdout), GI_EUSAGE);
	free(text);
	lineage_graph_free(g);
}

/*
 * A random graph over names n0..n59 of a few kinds: seed picks which
 * nodes exist, their hashes and flags, edges, and the string lists.
 */
static struct lineage_graph *random_graph(unsigned seed)
{
	static const int kinds[] = { LINEAGE_NODE_FILE, LINEAGE_NODE_TEST, LINEAGE_NODE_DATASET };
	struct lineage_builder b;
	struct lineage_graph *g = NULL;
	uint32_t idx[60];
	size_t n = 0;

	srand(seed);
	lineage_builder_init(&b);
	for (int i = 0; i < 60; i++) {
		char name[16];
		uint32_t k;

		if (rand() % 4 == 0)
			continue;
		snprintf(name, sizeof(name), "n%d", i % 50); /* some names in two kinds */
		k = lineage_builder_node(&b, kinds[(i + rand() % 2) % 3], name);
		b.nodes[k].hash = (uint64_t)(rand() % 3);
		b.nodes[k].flags = (uint8_t)(rand() % 5 == 0 ? LINEAGE_NODE_IGNORED :
					     rand() % 9 == 0 ? LINEAGE_NODE_BROKEN : 0);
		idx[n++] = k;
	}
	for (int e = 0; n && e < 90; e++)
		lineage_builder_edge(&b, idx[rand() % n], idx[rand() % n], rand() % 3);
	gi_strvec_push(&b.ignore, "*.md");
	if (rand() % 2)
		gi_strvec_push(&b.warnings, "cannot parse 'x.yaml' at line 3: bad");
	lineage_builder_finish(&b, &g);
	return g;
}

static void assert_same_graph(const struct lineage_graph *x, const struct lineage_graph *y)
{
	struct gi_buf a = GI_BUF_INIT, b = GI_BUF_INIT;

	assert_int_equal(lineage_graph_encode(x, &a), 0);
	assert_int_equal(lineage_graph_encode(y, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	gi_buf_release(&a);
	gi_buf_release(&b);
}

/* a + diff(a, b) is b, byte for byte, also through the serialised delta. */
static void test_lineage_graph__delta(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 300; round++) {
		struct lineage_graph *a = random_graph(round), *b = random_graph(round * 7 + 1);
		struct lineage_graph *c = NULL, *e = NULL;
		struct lineage_delta d, back;
		struct gi_buf enc = GI_BUF_INIT;

		if (round % 5 == 0) { /* a near b: few changes */
			lineage_graph_free(b);
			b = random_graph(round);
		}
		lineage_graph_diff(a, b, &d);
		assert_int_equal(lineage_graph_apply(a, &d, "g", &c), 0);
		assert_same_graph(b, c);
		assert_int_equal(lineage_delta_encode(&d, 99, &enc), 0);
		assert_int_equal(lineage_delta_base_sum(enc.ptr, enc.len), 99);
		assert_int_equal(lineage_delta_decode(enc.ptr, enc.len, 99, "g", &back), 0);
		assert_int_equal(lineage_graph_apply(a, &back, "g", &e), 0);
		assert_same_graph(b, e);
		lineage_delta_release(&d);
		lineage_delta_release(&back);
		gi_buf_release(&enc);
		lineage_graph_free(a);
		lineage_graph_free(b);
		lineage_graph_free(c);
		lineage_graph_free(e);
	}
}

/* a with one change of `what` (0 a hash, 1 a flag, 2 an edge's target, 3 an edge's kind). */
static struct lineage_graph *variant(const struct lineage_graph *a, int what)
{
	struct lineage_builder b;
	struct lineage_graph *g = NULL;

	lineage_builder_from_graph(&b, a);
	if (what < 2 && b.nr) {
		struct lineage_bnode *n = &b.nodes[(size_t)rand() % b.nr];

		if (what == 0)
			n->hash ^= 1;
		else
			n->flags = (uint8_t)(n->flags ^ (rand() % 2 ? LINEAGE_NODE_IGNORED : LINEAGE_NODE_BROKEN));
	} else if (b.enr) {
		struct lineage_bedge *e = &b.edges[(size_t)rand() % b.enr];

		if (what == 2)
			e->to = (e->to + 1 + (uint32_t)rand() % (uint32_t)(b.nr - 1)) % (uint32_t)b.nr;
		else
			e->kind = (e->kind + 1) % 3;
		if (e->to == e->from)
			e->to = (e->to + 1) % (uint32_t)b.nr;
	}
	lineage_builder_finish(&b, &g);
	return g;
}

/*
 * A patch in place (same nodes, same list lengths) gives the graph a full
 * build does: lists of tests and unplaced nodes redone when an edge moved
 * or a flag changed, kept when only hashes or edge kinds did.
 */
static void test_lineage_graph__patch(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 400; round++) {
		struct lineage_graph *a = random_graph(round), *b, *h = NULL;
		struct lineage_delta d;
		struct gi_buf enc = GI_BUF_INIT;

		b = variant(a, (int)(round % 4));
		lineage_graph_diff(a, b, &d);
		assert_int_equal(lineage_graph_encode(a, &enc), 0);
		assert_int_equal(lineage_graph_decode(enc.ptr, enc.len, "g", &h), 0);
		assert_int_equal(lineage_graph_patch(h, &d, "g"), 0);
		assert_same_graph(b, h);
		lineage_delta_release(&d);
		gi_buf_release(&enc);
		lineage_graph_free(a);
		lineage_graph_free(b);
		lineage_graph_free(h);
	}
}

/* A damaged, truncated or misplaced delta is GI_ECORRUPT, never a wrong graph. */
static void test_lineage_graph__delta_corrupt(void **state)
{
	struct lineage_graph *a = random_graph(1), *b = random_graph(2), *c = NULL;
	struct lineage_delta d, x;
	struct gi_buf enc = GI_BUF_INIT;

	(void)state;
	lineage_graph_diff(a, b, &d);
	assert_int_equal(lineage_delta_encode(&d, 5, &enc), 0);
	for (size_t cut = 0; cut < enc.len; cut += 7)
		assert_int_equal(lineage_delta_decode(enc.ptr, cut, 5, "delta", &x), GI_ECORRUPT);
	assert_int_equal(lineage_delta_decode(enc.ptr, enc.len, 6, "delta of 'y'", &x), GI_ECORRUPT);
	assert_non_null(strstr(gi_error_last(), "delta of 'y'"));
	for (size_t at = 0; at < enc.len; at += 5) {
		enc.ptr[at] ^= 0x21;
		assert_int_equal(lineage_delta_decode(enc.ptr, enc.len, 5, "delta", &x), GI_ECORRUPT);
		enc.ptr[at] ^= 0x21;
	}
	/* a delta whose edges name a node its base lacks */
	lineage_delta_release(&d);
	lineage_graph_diff(b, a, &d);
	if (d.nedges) {
		d.edges[0].to = 12345;
		assert_int_equal(lineage_graph_apply(b, &d, "delta", &c), GI_ECORRUPT);
		assert_null(c);
	}
	lineage_delta_release(&d);
	gi_buf_release(&enc);
	lineage_graph_free(a);
	lineage_graph_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_graph__lookups),
		cmocka_unit_test(test_lineage_graph__unplaced),
		cmocka_unit_test(test_lineage_graph__why),
		cmocka_unit_test(test_lineage_graph__roundtrip),
		cmocka_unit_test(test_lineage_graph__take),
		cmocka_unit_test(test_lineage_graph__corrupt),
		cmocka_unit_test(test_lineage_graph__garbage),
		cmocka_unit_test(test_lineage_graph__export),
		cmocka_unit_test(test_lineage_graph__delta),
		cmocka_unit_test(test_lineage_graph__patch),
		cmocka_unit_test(test_lineage_graph__delta_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
