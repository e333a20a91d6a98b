#!/usr/bin/env bash
# The CI templates (ci-templates/) run locally: the YAML is parsed and each
# job's run:/script: steps are executed in order, each job in its own fresh
# clone of a bare remote, with the cache, artifacts, job outputs and the
# shard matrix passed between jobs as GitHub Actions and GitLab CI do.  Proves
# select -> shards -> record -> sync, the nightly --full run and the weekly
# report fit together.  Needs python3 with PyYAML (Debian python3-yaml).
. "$(dirname "$0")/lib.sh"

python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is needed (scripts/install-deps.sh installs it)"
cd "$TMP"
git init -q --bare remote.git
git init -q src && cd src
mkdir -p pkg tests
echo "def a(): return 1" > pkg/a.py
echo "def b(): return 2" > pkg/b.py
printf 'from pkg.a import a\ndef test_a(): assert a() == 1\ndef test_a2(): pass\n' > tests/test_a.py
printf 'from pkg.b import b\ndef test_b(): assert b() == 2\n' > tests/test_b.py
printf '%s\n' tests/test_a.py::test_a tests/test_a.py::test_a2 tests/test_b.py::test_b > tests.txt
git add . && git commit -q -m base
git remote add origin "$TMP/remote.git" && git push -q --no-verify origin main
echo "def a(): return 1  # changed" > pkg/a.py
git commit -q -am "change a"
git push -q --no-verify origin main

# A stand-in for pytest: --junitxml=FILE, then @FILE of ids or nothing (every
# test in tests.txt).  It logs what it ran.
cat > "$TMP/fakepytest" <<'SH'
#!/usr/bin/env bash
set -eu
out=junit.xml ids=()
for a in "$@"; do
  case $a in
    --junitxml=*) out=${a#--junitxml=} ;;
    @*) mapfile -t more < "${a#@}"; ids+=("${more[@]}") ;;
    *) ids+=("$a") ;;
  esac
done
[ ${#ids[@]} -gt 0 ] || mapfile -t ids < tests.txt
mkdir -p "$(dirname "$out")"
{ echo '<testsuite name="fake">'
  for id in "${ids[@]}"; do
    f=${id%%::*} n=${id#*::}
    echo "<testcase classname=\"x\" name=\"$n\" file=\"$f\" time=\"0.5\"/>"
  done
  echo '</testsuite>'; } > "$out"
echo "${#ids[@]} ${ids[*]}" >> "$RUNLOG"
SH
chmod +x "$TMP/fakepytest"
export TMP RUNLOG="$TMP/runlog" REMOTE="$TMP/remote.git"
export BEFORE=$(git rev-parse HEAD~1) AFTER=$(git rev-parse HEAD)

cat > "$TMP/ci.py" <<'PY'
"""Run a CI template's jobs locally, in order, as the CI service would."""
import glob, json, os, re, shutil, subprocess, sys
import yaml

TMP, REMOTE = os.environ["TMP"], os.environ["REMOTE"]
CACHE, ART = TMP + "/cache", TMP + "/artifacts"
njob = [0]

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def clone(name):
    njob[0] += 1
    d = "%s/jobs/%02d-%s" % (TMP, njob[0], name)
    subprocess.run(["git", "clone", "-q", REMOTE, d], check=True)
    return d

def run(script, cwd, env, what):
    print("---- %s" % what, file=sys.stderr)
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env).returncode

def copy_tree(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True)

# ---- GitHub Actions --------------------------------------------------------
def gh_eval(expr, ctx):
    for alt in expr.split("||"):
        alt = alt.strip()
        v = alt[1:-1] if alt[:1] == "'" else ctx.get(alt, "")
        if v not in ("", None, False):
            return v
    return ""

def gh_sub(s, ctx):
    def val(m):
        v = gh_eval(m.group(1), ctx)
        return json.dumps(v) if isinstance(v, bool) else str(v)  # as GitHub renders true/false
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", val, str(s))

def gh_uses(step, d, ctx):
    uses, w = step["uses"].split("@")[0], {k: gh_sub(v, ctx) for k, v in step.get("with", {}).items()}
    if uses == "actions/checkout":
        return
    if uses == "actions/cache/restore":
        copy_tree(CACHE + "/gh", os.path.join(d, w["path"]))
    elif uses == "actions/cache/save":
        copy_tree(os.path.join(d, w["path"]), CACHE + "/gh")
    elif uses == "actions/upload-artifact":
        src = os.path.join(d, w["path"])
        if os.path.isdir(src):
            copy_tree(src, "%s/gh/%s" % (ART, w["name"]))
        elif os.path.exists(src):
            os.makedirs("%s/gh/%s" % (ART, w["name"]), exist_ok=True)
            shutil.copy(src, "%s/gh/%s" % (ART, w["name"]))
    elif uses == "actions/download-artifact":
        for a in glob.glob("%s/gh/%s" % (ART, w["pattern"])):
            copy_tree(a, os.path.join(d, w["path"]))
    else:
        fail("unknown action " + uses)

def gh_job(wf, name, ctx, overrides):
    job, d = wf["jobs"][name], clone(name)
    env = dict(os.environ)
    env.update({k: gh_sub(v, ctx) for k, v in wf.get("env", {}).items()})
    env.update(overrides)
    for i, step in enumerate(job["steps"]):
        if "uses" in step:
            gh_uses(step, d, ctx)
            continue
        senv = dict(env, GITHUB_OUTPUT=d + "/.gh-output", GITHUB_STEP_SUMMARY=d + "/.gh-summary")
        senv.update({k: gh_sub(v, ctx) for k, v in step.get("env", {}).items()})
        open(d + "/.gh-output", "w").close()
        rc = run(gh_sub(step["run"], ctx), d, senv, "%s: %s" % (name, step.get("name", i)))
        for line in open(d + "/.gh-output"):
            k, _, v = line.rstrip("\n").partition("=")
            ctx["steps.%s.outputs.%s" % (step.get("id"), k)] = v
        if rc:
            return rc
    for k, v in job.get("outputs", {}).items():
        ctx["needs.%s.outputs.%s" % (name, k)] = gh_sub(v, ctx)
    return 0

def github(path, mode):
    wf = yaml.safe_load(open(path))
    crons = [c["cron"] for c in wf[True]["schedule"]]
    ctx = {"github.sha": os.environ["AFTER"], "github.event.before": os.environ["BEFORE"],
           "github.run_id": "4242", "github.run_attempt": "1", "github.event_name": "push"}
    over = {"IMPACT_INSTALL": ":", "IMPACT_RUNNER": TMP + "/fakepytest", "IMPACT_SHARDS": "2"}
    if mode == "push":
        sel = wf["jobs"]["select"]
        if sel["steps"][0]["with"]["fetch-depth"] != 0:
            fail("select checks out the full history")
        if gh_job(wf, "select", ctx, over):
            fail("github select job failed")
        matrix = json.loads(ctx["needs.select.outputs.matrix"])
        for entry in matrix["include"]:
            mctx = dict(ctx, **{"matrix." + k: v for k, v in entry.items()})
            if gh_job(wf, "test", mctx, over):
                fail("github shard %s failed" % entry.get("shard"))
        if gh_job(wf, "record", ctx, over):
            fail("github record job failed")
    elif mode == "nightly":
        if crons[0] not in wf["jobs"]["nightly-full"]["if"]:
            fail("nightly job runs on the first schedule")
        if gh_job(wf, "nightly-full", ctx, over):
            fail("github nightly job failed")
    elif mode == "weekly":
        if crons[1] not in wf["jobs"]["weekly-report"]["if"]:
            fail("report job runs on the second schedule")
        if gh_job(wf, "weekly-report", ctx, over):
            fail("github weekly report job failed")

# ---- GitLab CI -------------------------------------------------------------
def gl_vars(vs):
    out = {}
    for k, v in (vs or {}).items():
        out[k] = v["value"] if isinstance(v, dict) else str(v)
    return out

def gl_expand(env):
    for k, v in list(env.items()):
        env[k] = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), m.group(0)), v)
    return env

def gl_job(name, job, base, defaults, overrides):
    d = clone(name)
    if "extends" in job:
        job = dict(base[job["extends"]], **job)
    env = dict(os.environ, CI_PROJECT_DIR=d, CI_JOB_NAME=name, CI_PIPELINE_ID="777",
               CI_COMMIT_BEFORE_SHA=os.environ["BEFORE"], CI_PIPELINE_SOURCE="push")
    env.update(gl_vars(base.get("variables")))
    env.update(gl_vars(job.get("variables")))
    env.update(overrides)
    env = gl_expand(env)
    if job.get("cache"):
        for p in job["cache"]["paths"]:
            copy_tree("%s/gl/%s" % (CACHE, p), os.path.join(d, p))
    if job.get("stage") == ".post":
        for f in glob.glob(ART + "/gl/*"):
            shutil.copy(f, d)
    script = "\n".join(job.get("before_script", defaults.get("before_script", [])) + job["script"])
    rc = run(script, d, env, name)
    after = job.get("after_script", defaults.get("after_script", []))
    if after:
        run("\n".join(after), d, env, name + " (after_script)")
    arts = job.get("artifacts", defaults.get("artifacts", {}))
    for pat in arts.get("paths", []):
        for f in glob.glob(os.path.join(d, pat)):
            os.makedirs(ART + "/gl", exist_ok=True)
            shutil.copy(f, ART + "/gl")
    for p in (job.get("cache") or {}).get("paths", []):
        copy_tree(os.path.join(d, p), "%s/gl/%s" % (CACHE, p))
    return rc

def gitlab(path, mode):
    pl = yaml.safe_load(open(path))
    over = {"IMPACT_INSTALL": ":", "IMPACT_RUNNER": TMP + "/fakepytest --junitxml=junit.xml", "IMPACT_SHARDS": "2"}
    if mode == "push":
        if gl_vars(pl["variables"])["GIT_DEPTH"] != "0":
            fail("a full clone for select")
        if gl_job("impact-select", pl["impact-select"], pl, {}, over):
            fail("gitlab select job failed")
        trig = pl["impact-tests"]["trigger"]["include"][0]
        child = yaml.safe_load(open(ART + "/gl/" + trig["artifact"]))
        os.remove(ART + "/gl/" + trig["artifact"])
        stages = child.get("stages", ["test"]) + [".post"]
        jobs = [(k, v) for k, v in child.items() if k not in ("stages", "default", "variables")]
        jobs.sort(key=lambda kv: stages.index(kv[1].get("stage", "test")))
        if jobs[-1][0] != "impact-record":
            fail("the child pipeline ends with the record job")
        for name, job in jobs:
            if gl_job(name, job, dict(child, variables=pl["variables"]), child.get("default", {}), over):
                fail("gitlab child job %s failed" % name)
    else:
        name = {"nightly": "impact-nightly-full", "weekly": "impact-weekly-report"}[mode]
        if ('"%s"' % mode) not in pl[name]["rules"][0]["if"]:
            fail(name + " runs on its schedule")
        if gl_job(name, pl[name], pl, {}, over):
            fail("gitlab %s job failed" % name)

{"github": github, "gitlab": gitlab}[sys.argv[1]](sys.argv[2], sys.argv[3])
PY

q() { # q DB SQL
  python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, r)))' "$1" "$2"
}
report_ok() { git -C "$TMP/src" impact report -h >/dev/null 2>&1; }
T="$GI_SOURCE_DIR/ci-templates"

python3 "$TMP/ci.py" github "$T/github-actions.yml" push 2> "$TMP/gh.log" || { cat "$TMP/gh.log"; fail "github push pipeline"; }
db="$TMP/cache/gh/impact.db"
[ -f "$db" ] || fail "the record job saved the store to the cache"
n=$(q "$db" "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'gh-4242-1' AND commit_oid = '$AFTER'")
[ "$n" -ge 1 ] || { cat "$TMP/gh.log"; fail "the shards' results recorded as run gh-4242-1"; }
[ "$n" = "$(awk '{ s += $1 } END { print s }' "$RUNLOG")" ] || fail "every test the shards ran is recorded once"
git -C "$TMP/remote.git" notes --ref=impact show "$AFTER" | grep -q '"run":"gh-4242-1"' || fail "record pushed the notes"
[ "$(q "$db" "SELECT audit_share FROM runs WHERE run_key = 'gh-4242-1'")" = 0.01 ] ||
  fail "the record job sees the select job's selection: the run is linked to its audit sample"
ok "GitHub Actions: select -> $(grep -c . "$RUNLOG") shard run(s) -> record ($n results) -> sync push"

: > "$RUNLOG"
python3 "$TMP/ci.py" github "$T/github-actions.yml" nightly 2> "$TMP/gh.log" || { cat "$TMP/gh.log"; fail "github nightly"; }
[ "$(q "$db" "SELECT full || '|' || count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'gh-nightly-4242'")" = "1|3" ] \
  || fail "the nightly run records every test as a full run"
ok "GitHub Actions: nightly full run recorded with --full"

if report_ok; then
  python3 "$TMP/ci.py" github "$T/github-actions.yml" weekly 2> "$TMP/gh.log" || { cat "$TMP/gh.log"; fail "github weekly report"; }
  ok "GitHub Actions: weekly report"
else
  echo "# skip: 'git impact report' is not built yet; the weekly report jobs are not run"
fi

: > "$RUNLOG"
python3 "$TMP/ci.py" gitlab "$T/gitlab-ci.yml" push 2> "$TMP/gl.log" || { cat "$TMP/gl.log"; fail "gitlab pipeline"; }
db="$TMP/cache/gl/.impact/impact.db"
[ -f "$db" ] || fail "the record job kept the store in the cache"
n=$(q "$db" "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'gl-777' AND commit_oid = '$AFTER'")
[ "$n" -ge 1 ] && [ "$n" = "$(awk '{ s += $1 } END { print s }' "$RUNLOG")" ] || { cat "$TMP/gl.log"; fail "the child pipeline's results recorded as run gl-777"; }
[ "$(q "$db" "SELECT audit_share FROM runs WHERE run_key = 'gl-777'")" = 0.01 ] ||
  fail "gitlab: the run is linked to its selection's audit sample"
git -C "$TMP/remote.git" notes --ref=impact show "$AFTER" | grep -q '"run":"gh-4242-1"' || fail "gitlab's sync pull kept the earlier notes"
git -C "$TMP/remote.git" notes --ref=impact show "$AFTER" | grep -q '"run":"gl-777"' || fail "gitlab's record pushed its notes"
ok "GitLab CI: select -> child pipeline of shards -> record ($n results) -> sync push"

python3 "$TMP/ci.py" gitlab "$T/gitlab-ci.yml" nightly 2> "$TMP/gl.log" || { cat "$TMP/gl.log"; fail "gitlab nightly"; }
[ "$(q "$db" "SELECT full || '|' || count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'gl-nightly-777'")" = "1|3" ] \
  || fail "the nightly run records every test as a full run"
ok "GitLab CI: nightly full run recorded with --full"
if report_ok; then
  python3 "$TMP/ci.py" gitlab "$T/gitlab-ci.yml" weekly 2> "$TMP/gl.log" || { cat "$TMP/gl.log"; fail "gitlab weekly report"; }
  ok "GitLab CI: weekly report"
fi
