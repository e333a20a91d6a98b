/*
 * format.c - the plain-text output formats (list, pytest, pytest @file,
 * ctest, gotest, jest) and the quoting they rest on.  Every id must
 * round-trip exactly: shell words are single-quoted, regexes escaped, and
 * an id that a line-based format cannot carry is an error, never mangled.
 */
#include "selector.h"

static const char *const format_names[] = {
	"list", "json", "pytest", "pytest-args", "ctest",
	"gotest", "jest", "github-matrix", "gitlab",
};

/* Defined in json.c. */
int selector_format_json(const struct selector_result *r, struct gi_buf *out);
int selector_format_github(const struct selector_result *r, struct gi_buf *out);
int selector_format_gitlab(const struct selector_result *r, struct gi_buf *out);

int selector_format_parse(const char *name, int *fmt)
{
	for (size_t i = 0; i < GI_ARRAY_SIZE(format_names); i++) {
		if (!strcmp(name, format_names[i])) {
			*fmt = (int)i;
			return 0;
		}
	}
	return gi_error_setc(GI_EUSAGE,
			     "--format must be list, json, pytest, pytest-args, ctest, gotest, "
			     "jest, github-matrix or gitlab, not '%s'", name);
}

int selector_shell_quote(struct gi_buf *out, const char *s)
{
	int err = gi_buf_addch(out, '\'');

	for (; !err && *s; s++)
		err = *s == '\'' ? gi_buf_adds(out, "'\\''") : gi_buf_addch(out, *s);
	return err ? err : gi_buf_addch(out, '\'');
}

int selector_regex_escape(struct gi_buf *out, const char *s)
{
	int err = 0;

	for (; !err && *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			err = gi_buf_addch(out, '\\');
		if (!err)
			err = gi_buf_addch(out, *s);
	}
	return err;
}

/* GI_EINPUT when `id` holds a line break that a line-based format cannot carry. */
static int check_line(const char *id, const char *fmt)
{
	if (!strpbrk(id, "\r\n"))
		return 0;
	return gi_error_setc(GI_EINPUT, "test id '%.*s...' contains a line break: cannot write it as %s",
			     (int)strcspn(id, "\r\n"), id, fmt);
}

/* list and pytest-args: each selected id raw on its own line. */
static int format_lines(const struct selector_result *r, const char *fmt, struct gi_buf *out)
{
	int err = 0;

	for (size_t i = 0; !err && i < r->nr; i++) {
		if (!r->v[i].selected)
			continue;
		err = check_line(r->v[i].id, fmt);
		if (!err)
			err = gi_buf_adds(out, r->v[i].id);
		if (!err)
			err = gi_buf_addch(out, '\n');
	}
	return err;
}

/* Quote each of `words` (count n) and join them with spaces, ending the line. */
static int quote_words(char *const *words, size_t n, struct gi_buf *out)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		if (i)
			err = gi_buf_addch(out, ' ');
		if (!err)
			err = selector_shell_quote(out, words[i]);
	}
	return err ? err : gi_buf_addch(out, '\n');
}

static int format_pytest(const struct selector_result *r, struct gi_buf *out)
{
	struct gi_strvec ids = GI_STRVEC_INIT;
	int err;

	for (size_t i = 0; i < r->nr; i++)
		if (r->v[i].selected)
			gi_strvec_push(&ids, r->v[i].id);
	err = quote_words(ids.v, ids.nr, out);
	gi_strvec_clear(&ids);
	return err;
}

/* jest: the file part of each selected id ("path::name" -> path), unique. */
static int format_jest(const struct selector_result *r, struct gi_buf *out)
{
	struct gi_strvec paths = GI_STRVEC_INIT;
	int err;

	for (size_t i = 0; i < r->nr; i++) {
		const char *id = r->v[i].id, *sep = strstr(id, "::");
		char *file;

		if (!r->v[i].selected)
			continue;
		file = sep ? gi_xstrndup(id, (size_t)(sep - id)) : gi_xstrdup(id);
		gi_strvec_push(&paths, file);
		free(file);
	}
	gi_strvec_sort_uniq(&paths);
	err = quote_words(paths.v, paths.nr, out);
	gi_strvec_clear(&paths);
	return err;
}

/* ^(a|b)$ over the ids in `ids` (count n), each escaped. */
static int anchored_alternation(char *const *ids, size_t n, struct gi_buf *out)
{
	int err;

	if (!n)
		return gi_buf_adds(out, "^$");
	err = gi_buf_adds(out, "^(");
	for (size_t i = 0; !err && i < n; i++) {
		if (i)
			err = gi_buf_addch(out, '|');
		if (!err)
			err = selector_regex_escape(out, ids[i]);
	}
	return err ? err : gi_buf_adds(out, ")$");
}

static int format_ctest(const struct selector_result *r, struct gi_buf *out)
{
	struct gi_strvec ids = GI_STRVEC_INIT;
	int err = 0;

	for (size_t i = 0; !err && i < r->nr; i++) {
		if (!r->v[i].selected)
			continue;
		err = check_line(r->v[i].id, "ctest");
		gi_strvec_push(&ids, r->v[i].id);
	}
	if (!err)
		err = anchored_alternation(ids.v, ids.nr, out);
	if (!err)
		err = gi_buf_addch(out, '\n');
	gi_strvec_clear(&ids);
	return err;
}

/* "pkg::TestA/sub" -> "pkg\nTestA" (sorts by package); GI_EINPUT without "::". */
static int go_key(const char *id, struct gi_strvec *keys)
{
	const char *sep = strstr(id, "::");
	char *key;

	if (!sep || sep == id || !sep[2])
		return gi_error_setc(GI_EINPUT, "test id '%s' is not 'package::TestName': "
				     "cannot write it as gotest", id);
	key = gi_xstrfmt("%.*s\n%.*s", (int)(sep - id), id, (int)strcspn(sep + 2, "/"), sep + 2);
	gi_strvec_push(keys, key);
	free(key);
	return 0;
}

/* One `go test 'pkg' -run '^(A|B)$'` line for keys[from, to) of one package. */
static int go_line(char *const *keys, size_t from, size_t to, struct gi_buf *out)
{
	struct gi_buf re = GI_BUF_INIT;
	const char **names = gi_xmallocarray(to - from, sizeof(*names));
	size_t plen = strcspn(keys[from], "\n");
	char *pkg = gi_xstrndup(keys[from], plen);
	int err;

	for (size_t i = from; i < to; i++)
		names[i - from] = keys[i] + plen + 1;
	re.max = out->max;
	err = anchored_alternation((char *const *)names, to - from, &re);
	if (!err)
		err = gi_buf_adds(out, "go test ");
	if (!err)
		err = selector_shell_quote(out, pkg);
	if (!err)
		err = gi_buf_adds(out, " -run ");
	if (!err)
		err = selector_shell_quote(out, gi_buf_cstr(&re));
	if (!err)
		err = gi_buf_addch(out, '\n');
	gi_buf_release(&re);
	free(names);
	free(pkg);
	return err;
}

static int format_gotest(const struct selector_result *r, struct gi_buf *out)
{
	struct gi_strvec keys = GI_STRVEC_INIT;
	int err = 0;
	size_t from = 0;

	for (size_t i = 0; !err && i < r->nr; i++) {
		if (!r->v[i].selected)
			continue;
		err = check_line(r->v[i].id, "gotest");
		if (!err)
			err = go_key(r->v[i].id, &keys);
	}
	if (!err)
		gi_strvec_sort_uniq(&keys);
	for (size_t i = 1; !err && i <= keys.nr; i++) {
		size_t plen = strcspn(keys.v[from], "\n");

		if (i < keys.nr && !strncmp(keys.v[i], keys.v[from], plen + 1))
			continue;
		err = go_line(keys.v, from, i, out);
		from = i;
	}
	gi_strvec_clear(&keys);
	return err;
}

int selector_format(const struct selector_result *r, int fmt, struct gi_buf *out)
{
	switch (fmt) {
	case SELECTOR_FMT_LIST:
		return format_lines(r, "list", out);
	case SELECTOR_FMT_PYTEST_ARGS:
		return format_lines(r, "pytest-args", out);
	case SELECTOR_FMT_PYTEST:
		return format_pytest(r, out);
	case SELECTOR_FMT_CTEST:
		return format_ctest(r, out);
	case SELECTOR_FMT_GOTEST:
		return format_gotest(r, out);
	case SELECTOR_FMT_JEST:
		return format_jest(r, out);
	case SELECTOR_FMT_JSON:
		return selector_format_json(r, out);
	case SELECTOR_FMT_GITHUB_MATRIX:
		return selector_format_github(r, out);
	case SELECTOR_FMT_GITLAB:
		return selector_format_gitlab(r, out);
	}
	return gi_error_setc(GI_EUSAGE, "unknown output format %d", fmt);
}

int selector_format_write(const struct selector_result *r, int fmt, FILE *out)
{
	struct gi_buf b = GI_BUF_INIT;
	int err = selector_format(r, fmt, &b);

	if (!err && b.len && fwrite(b.ptr, 1, b.len, out) != b.len)
		err = gi_error_set("cannot write the selection: %s", strerror(errno));
	if (!err && fflush(out))
		err = gi_error_set("cannot write the selection: %s", strerror(errno));
	gi_buf_release(&b);
	return err;
}
