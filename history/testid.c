/*
 * testid.c - canonical test ids: "path::Class::name" where the path is
 * known or can be derived from a Python dotted classname, else
 * "classname::name" as JUnit gives it (see history.h for the rules).
 */
#include "history.h"

#include <ctype.h>

/* The file's base name without its extension: [*start, *start + *len). */
static void file_stem(const char *file, const char **start, size_t *len)
{
	const char *base = strrchr(file, '/');
	const char *dot;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	*start = base;
	*len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
}

/*
 * What remains of `cls` after the dotted component naming the file's module
 * ("tests.test_m.TestX" with "tests/test_m.py" -> "TestX"); `cls` itself
 * when the module does not appear in it.  Borrowed from cls.
 */
static const char *class_after_module(const char *cls, const char *file)
{
	const char *stem, *p = cls;
	size_t n;

	file_stem(file, &stem, &n);
	while (n && p && *p) {
		if (!strncmp(p, stem, n) && (p[n] == '.' || !p[n]))
			return p[n] ? p + n + 1 : p + n;
		p = strchr(p, '.');
		if (p)
			p++;
	}
	return cls;
}

static int is_ident(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/*
 * Length of the module part of a Python dotted classname (the components
 * before the first one starting with an uppercase letter), or 0 when `cls`
 * is not a Python dotted name or (unless `python`) its last module
 * component does not look like a test module (test*, *_test).
 */
static size_t python_module_len(const char *cls, int python)
{
	const char *p = cls, *last = NULL;
	size_t mod = 0, lastn = 0;
	int in_module = 1;

	while (*p) {
		size_t n = strcspn(p, ".");

		if (!is_ident(p, n))
			return 0;
		if (isupper((unsigned char)*p))
			in_module = 0;
		if (in_module) {
			mod = (size_t)(p - cls) + n;
			last = p;
			lastn = n;
		}
		p += n;
		if (*p == '.' && !*++p)
			return 0;
	}
	if (!last || python)
		return mod;
	if (!strncmp(last, "test", 4) || (lastn > 5 && !strncmp(last + lastn - 5, "_test", 5)))
		return mod;
	return 0;
}

/* Append `s` (n bytes), turning '.' into "::" when `dots` is set. */
static int add_dotted(struct gi_buf *out, const char *s, size_t n, int dots)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if (s[i] == '.' && dots)
			err = gi_buf_adds(out, "::");
		else
			err = gi_buf_addch(out, s[i]);
	}
	return err;
}

static int id_with_file(struct gi_buf *out, const char *file, const char *cls, const char *name)
{
	const char *rest = class_after_module(cls, file);
	int err;

	err = gi_buf_adds(out, file);
	if (!err && *rest && !gi_starts_with(name, rest)) {
		err = gi_buf_adds(out, "::");
		if (!err)
			err = add_dotted(out, rest, strlen(rest), gi_ends_with(file, ".py"));
	}
	if (!err)
		err = gi_buf_adds(out, "::");
	return err ? err : gi_buf_adds(out, name);
}

static int id_from_python(struct gi_buf *out, const char *cls, size_t mod, const char *name)
{
	int err = 0;

	for (size_t i = 0; i < mod && !err; i++)
		err = gi_buf_addch(out, cls[i] == '.' ? '/' : cls[i]);
	if (!err)
		err = gi_buf_adds(out, ".py");
	if (!err && cls[mod]) {
		err = gi_buf_adds(out, "::");
		if (!err)
			err = add_dotted(out, cls + mod + 1, strlen(cls + mod + 1), 1);
	}
	if (!err)
		err = gi_buf_adds(out, "::");
	return err ? err : gi_buf_adds(out, name);
}

int history_test_id(struct gi_buf *out, const char *file, const char *classname,
		    const char *name, int python)
{
	const char *cls = classname ? classname : "";
	size_t mod;
	int err;

	gi_buf_reset(out);
	while (file && file[0] == '.' && file[1] == '/')
		file += 2;
	if (file && *file)
		err = id_with_file(out, file, cls, name);
	else if (!*cls || !strcmp(cls, name))
		err = gi_buf_adds(out, name);
	else if ((mod = python_module_len(cls, python)))
		err = id_from_python(out, cls, mod, name);
	else {
		err = gi_buf_adds(out, cls);
		if (!err)
			err = gi_buf_adds(out, "::");
		if (!err)
			err = gi_buf_adds(out, name);
	}
	if (err)
		return gi_error_setc(GI_ELIMIT, "test id for '%.60s' is longer than %zu bytes",
				     name, out->max);
	return 0;
}
