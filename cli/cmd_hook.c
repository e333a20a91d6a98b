/*
 * cmd_hook.c - `git impact hook install|uninstall`: put hooks/pre-push into
 * the hooks folder git uses (core.hooksPath, worktrees), keeping a pre-push
 * hook already there as pre-push.impact-chained (it runs first) and putting
 * it back untouched on uninstall.  Nothing is ever written through a symlink.
 */
#include "cli.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOOK_MARKER "git-impact pre-push hook"
#define HOOK_CHAINED "pre-push.impact-chained"
#define HOOK_MAX ((size_t)1 << 20)

static const char usage_text[] =
	"usage: git impact hook install [--runner CMD] [--junit PATH]\n"
	"   or: git impact hook uninstall\n"
	"\n"
	"Install the pre-push hook that runs only the tests a push needs, in the\n"
	"hooks folder git uses (core.hooksPath is honoured).  A pre-push hook already\n"
	"there is kept as pre-push.impact-chained and runs first; uninstall puts it\n"
	"back exactly as it was.\n"
	"\n"
	"    --runner CMD   set impact.runner, the command that runs tests; {args}\n"
	"                   becomes the selected test ids as arguments, {regex} one\n"
	"                   anchored regex of them, {file} a file of one id per line\n"
	"                   (e.g. 'pytest {args}', 'ctest -R {regex}', 'pytest @{file}')\n"
	"    --junit PATH   set impact.junit, the JUnit XML file the runner writes\n"
	"                   (e.g. with 'pytest --junitxml=PATH'); results are recorded\n";

/* The hooks folder git uses, absolute.  *out is the caller's. */
static int hooks_dir(char **out)
{
	const char *args[] = { "rev-parse", "--git-path", "hooks", NULL };
	struct gi_buf b;
	char cwd[PATH_MAX];
	int err;

	gi_buf_init(&b, PATH_MAX);
	if ((err = cli_git_run(args, &b)) > 0)
		err = gi_error_set("cannot find the hooks folder ('git rev-parse --git-path hooks' failed)");
	if (err)
		goto done;
	while (b.len && b.ptr[b.len - 1] == '\n')
		b.ptr[--b.len] = '\0';
	if (!b.len || b.ptr[0] == '/')
		*out = gi_xstrdup(b.len ? b.ptr : ".");
	else if (getcwd(cwd, sizeof(cwd)))
		*out = gi_xstrfmt("%s/%s", cwd, b.ptr);
	else
		err = gi_error_set("cannot find the current folder: %s", strerror(errno));
done:
	gi_buf_release(&b);
	return err;
}

#ifndef GI_HOOKS_DATADIR
#define GI_HOOKS_DATADIR "/usr/local/share/git-impact/hooks"
#endif
#ifndef GI_HOOKS_SRCDIR
#define GI_HOOKS_SRCDIR ""
#endif

/* The folder of the running binary (symlinks resolved), or NULL. */
static char *exe_dir(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0';
	return gi_xstrdup(exe);
}

/*
 * The places the hook script may be, best first: next to the binary
 * (a build folder's copy: share/git-impact/hooks; installed:
 * ../share/git-impact/hooks), the datadir configured at build time, a build
 * folder inside the source tree (../hooks), the source tree recorded at
 * configure time.
 */
static void script_candidates(struct gi_strvec *out)
{
	char *dir = exe_dir();

	if (dir) {
		gi_strvec_pushf(out, "%s/share/git-impact/hooks/pre-push", dir);
		gi_strvec_pushf(out, "%s/../share/git-impact/hooks/pre-push", dir);
	}
	gi_strvec_push(out, GI_HOOKS_DATADIR "/pre-push");
	if (dir)
		gi_strvec_pushf(out, "%s/../hooks/pre-push", dir);
	if (*GI_HOOKS_SRCDIR)
		gi_strvec_push(out, GI_HOOKS_SRCDIR "/pre-push");
	free(dir);
}

/*
 * The hook script to install: $IMPACT_HOOK_SCRIPT, else the first readable
 * candidate (script_candidates).  *out is the caller's.  GI_ENOTFOUND
 * naming every place looked at.
 */
static int find_script(char **out)
{
	const char *env = getenv("IMPACT_HOOK_SCRIPT");
	struct gi_strvec cand = GI_STRVEC_INIT;
	struct gi_buf tried;
	int err = 0;

	if (env && *env) {
		*out = gi_xstrdup(env);
		return 0;
	}
	script_candidates(&cand);
	gi_buf_init(&tried, 1 << 16);
	for (size_t i = 0; i < cand.nr; i++) {
		if (!access(cand.v[i], R_OK)) {
			*out = gi_xstrdup(cand.v[i]);
			goto done;
		}
		gi_buf_printf(&tried, "%s'%s'", i ? ", " : "", cand.v[i]);
	}
	err = gi_error_setc(GI_ENOTFOUND, "cannot find the hook script 'pre-push' (looked at %s); "
			    "set IMPACT_HOOK_SCRIPT to its path", gi_buf_cstr(&tried));
done:
	gi_buf_release(&tried);
	gi_strvec_clear(&cand);
	return err;
}

/* 1 if `path` is a regular file (not a symlink) holding our marker, 0 if not. */
static int is_ours(const char *path)
{
	struct gi_buf b;
	struct stat st;
	int ours;

	if (lstat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	gi_buf_init(&b, HOOK_MAX);
	ours = !gi_read_file(path, HOOK_MAX, &b) && strstr(gi_buf_cstr(&b), HOOK_MARKER);
	gi_buf_release(&b);
	gi_error_clear();
	return ours;
}

/* 1 if something (a file, a symlink, even a dangling one) is at `path`. */
static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * Write `text` as `dir`/pre-push: into a fresh file made with O_EXCL (never
 * through a symlink), renamed over the old name (which replaces a symlink
 * rather than following it).
 */
static int write_hook(const char *dir, const char *hook, const struct gi_buf *text)
{
	char *tmp = gi_xstrfmt("%s/.pre-push.impact-XXXXXX", dir);
	int fd = mkstemp(tmp), err = 0;

	if (fd < 0) {
		err = gi_error_set("cannot write in the hooks folder '%s': %s", dir, strerror(errno));
		goto done;
	}
	if (write(fd, text->ptr, text->len) != (ssize_t)text->len || fchmod(fd, 0755) ||
	    close(fd) || rename(tmp, hook)) {
		err = gi_error_set("cannot write '%s': %s", hook, strerror(errno));
		unlink(tmp);
	}
done:
	free(tmp);
	return err;
}

static int set_config(const char *key, const char *value)
{
	const char *args[] = { "config", key, value, NULL };
	int err = cli_git_run(args, NULL);

	return err > 0 ? gi_error_set("cannot set '%s' ('git config' failed)", key) : err;
}

/* Move a foreign pre-push hook aside so ours can chain it. */
static int keep_existing(const char *hook, const char *chained)
{
	if (!exists(hook) || is_ours(hook))
		return 0;
	if (exists(chained))
		return gi_error_setc(GI_EUSAGE, "cannot install: both '%s' and '%s' exist; "
				     "remove one of them first", hook, chained);
	if (rename(hook, chained))
		return gi_error_set("cannot move '%s' aside: %s", hook, strerror(errno));
	printf("kept your pre-push hook as '%s'; it runs first\n", chained);
	return 0;
}

static int install(const char *dir, const char *runner, const char *junit)
{
	char *script = NULL, *hook = gi_xstrfmt("%s/pre-push", dir);
	char *chained = gi_xstrfmt("%s/" HOOK_CHAINED, dir);
	struct gi_buf text;
	int err;

	gi_buf_init(&text, HOOK_MAX);
	if ((err = find_script(&script)) || (err = gi_read_file(script, HOOK_MAX, &text)))
		goto done;
	if (!strstr(gi_buf_cstr(&text), HOOK_MARKER)) {
		err = gi_error_setc(GI_EINPUT, "'%s' is not the git-impact hook script", script);
		goto done;
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		err = gi_error_set("cannot create the hooks folder '%s': %s", dir, strerror(errno));
		goto done;
	}
	if ((err = keep_existing(hook, chained)) || (err = write_hook(dir, hook, &text)))
		goto done;
	if ((runner && (err = set_config("impact.runner", runner))) ||
	    (junit && (err = set_config("impact.junit", junit))))
		goto done;
	printf("installed the git-impact pre-push hook as '%s'\n", hook);
done:
	gi_buf_release(&text);
	free(script);
	free(hook);
	free(chained);
	return err;
}

static int uninstall(const char *dir)
{
	char *hook = gi_xstrfmt("%s/pre-push", dir);
	char *chained = gi_xstrfmt("%s/" HOOK_CHAINED, dir);
	int err = 0;

	if (!exists(hook)) {
		printf("no git-impact pre-push hook in '%s'; nothing to do\n", dir);
	} else if (!is_ours(hook)) {
		err = gi_error_setc(GI_EUSAGE, "'%s' is not the git-impact hook; left as it is", hook);
	} else if (unlink(hook)) {
		err = gi_error_set("cannot remove '%s': %s", hook, strerror(errno));
	} else if (exists(chained) && rename(chained, hook)) {
		err = gi_error_set("cannot put back '%s' as '%s': %s", chained, hook, strerror(errno));
	} else {
		printf("removed the git-impact pre-push hook from '%s'%s\n", dir,
		       exists(hook) ? "; your previous pre-push hook is back" : "");
	}
	free(hook);
	free(chained);
	return err;
}

int cmd_hook(int argc, const char **argv, struct cli_ctx *ctx)
{
	const char *runner = NULL, *junit = NULL;
	char *dir = NULL;
	int err = 0, r;

	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (cli_is_help(argv[i]))
			return cli_usage(usage_text);
	if (argc < 2 || (strcmp(argv[1], "install") && strcmp(argv[1], "uninstall")))
		return gi_error_setc(GI_EUSAGE, "usage: git impact hook install|uninstall (see 'git impact hook -h')");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[1], "install") &&
		    ((r = cli_opt_str(argc, argv, &i, "--runner", &runner)) ||
		     (r = cli_opt_str(argc, argv, &i, "--junit", &junit)))) {
			if (r < 0)
				return r;
			continue;
		}
		return cli_unknown("hook", argv[i]);
	}
	if ((err = hooks_dir(&dir)))
		goto done;
	err = !strcmp(argv[1], "install") ? install(dir, runner, junit) : uninstall(dir);
done:
	free(dir);
	return err;
}
