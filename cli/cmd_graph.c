/*
 * cmd_graph.c - `git impact graph`: export the lineage graph of a commit
 * as graphviz dot or JSON.
 */
#include "cli.h"

static const char usage_text[] =
	"usage: git impact graph [--format dot|json|summary] [--rev REV]\n"
	"\n"
	"Print the lineage graph of REV (default HEAD): files, tests, datasets,\n"
	"parameter keys, models and DVC stages, and what depends on what.\n"
	"\n"
	"    --format F    dot (graphviz, the default), json, or summary (counts\n"
	"                  and unplaced paths)\n"
	"    --rev REV     the commit whose graph to print\n";

/* Counts by node kind, edges, tests and unplaced paths, warnings. */
static void summary(const struct lineage_graph *g)
{
	size_t by_kind[LINEAGE_NODE_NKINDS] = { 0 };
	const uint32_t *v;
	size_t n;

	for (uint32_t i = 0; i < lineage_graph_nnodes(g); i++)
		by_kind[lineage_node_kind(g, i)]++;
	printf("nodes: %u (", lineage_graph_nnodes(g));
	for (int k = 0; k < LINEAGE_NODE_NKINDS; k++)
		printf("%s%zu %s", k ? ", " : "", by_kind[k], lineage_node_kind_name(k));
	printf(")\nedges: %zu\nwarnings: %zu\n", lineage_graph_nedges(g),
	       lineage_graph_warnings(g)->nr);
	n = lineage_graph_unplaced(g, &v);
	printf("unplaced: %zu\n", n);
	for (size_t i = 0; i < n && i < 20; i++)
		printf("  %s\n", lineage_node_name(g, v[i]));
	if (n > 20)
		printf("  ... and %zu more\n", n - 20);
}

int cmd_graph(int argc, const char **argv, struct cli_ctx *ctx)
{
	const char *format = "dot", *rev = "HEAD";
	struct lineage_graph *g = NULL;
	char oid[41];
	int err = 0, r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
		if ((r = cli_opt_str(argc, argv, &i, "--format", &format)) ||
		    (r = cli_opt_str(argc, argv, &i, "--rev", &rev))) {
			if (r < 0)
				return r;
			continue;
		}
		return cli_unknown("graph", argv[i]);
	}
	if (strcmp(format, "dot") && strcmp(format, "json") && strcmp(format, "summary"))
		return gi_error_setc(GI_EUSAGE, "graph: unknown format '%s' (use dot, json or summary)",
				     format);
	gi_alloc_prefer_huge_pages(); /* a graph: megabytes touched once */
	if ((err = lineage_repo_resolve(ctx->repo, rev, oid)) ||
	    (err = lineage_graph_for_commit(ctx->repo, ctx->store, oid, &g)))
		goto done;
	if (!strcmp(format, "summary"))
		summary(g);
	else
		err = lineage_graph_export(g, format, stdout);
done:
	lineage_graph_free(g);
	return err;
}
