/*
 * options.c - the small option parser every subcommand uses, and the
 * mapping from error codes to exit codes.
 */
#include "cli.h"

#include <string.h>

int cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_opt_flag(const char **argv, int i, const char *name)
{
	return !strcmp(argv[i], name);
}

int cli_opt_str(int argc, const char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return gi_error_setc(GI_EUSAGE, "option '%s' needs a value", name);
	*val = argv[++*i];
	return 1;
}

int cli_opt_double(int argc, const char **argv, int *i, const char *name, double *val)
{
	const char *s;
	int r = cli_opt_str(argc, argv, i, name, &s);

	if (r <= 0)
		return r;
	if (gi_parse_double(s, val))
		return gi_error_setc(GI_EUSAGE, "option '%s' needs a number, not '%s'", name, s);
	return 1;
}

int cli_opt_long(int argc, const char **argv, int *i, const char *name, long *val)
{
	const char *s;
	int r = cli_opt_str(argc, argv, i, name, &s);

	if (r <= 0)
		return r;
	if (gi_parse_long(s, val))
		return gi_error_setc(GI_EUSAGE, "option '%s' needs a whole number, not '%s'", name, s);
	return 1;
}

int cli_usage(const char *text)
{
	fputs(text, stdout);
	return 0;
}

int cli_unknown(const char *cmd, const char *arg)
{
	return gi_error_setc(GI_EUSAGE, "%s: unknown option '%s' (see 'git impact %s -h')",
			     cmd, arg, cmd);
}

int cli_exit(int err)
{
	if (!err)
		return 0;
	if (*gi_error_last())
		fprintf(stderr, "error: %s\n", gi_error_last());
	else
		fprintf(stderr, "error: failed (code %d)\n", err);
	return 2;
}
