#!/usr/bin/env bash
# tests/scripts/job_run.sh BUILD_DIR: `lago job` end to end: dependency order,
# parallel independent tasks (checked with the tasks' own timestamps, not with
# timing thresholds), retries, skipped dependents, run_if, timeouts, parameters,
# relative paths, validation errors with file:line:col, Ctrl-C (SIGINT to the
# runner), max_concurrent_runs, sql_task without `lago sql`, run records, the
# report and --json.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$(pwd)/$B/lago"
T=$(mktemp -d /tmp/lago-job.XXXXXX)
trap 'rm -rf "$T"' EXIT
W="$T/wh"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
check() { # name, expected exit, pattern, command...
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then ok; else
    bad "$name: exit $rc (want $want), pattern '$pat', output:" "$(head -20 <<<"$out")"; fi
}
# json FILE EXPR: prints a JavaScript expression over the parsed JSON object `j`
json() { node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(eval(process.argv[2]))' "$1" "$2"; }
now_ns() { date +%s%N; }

# ---- 1. the issue's demo: two independent tasks overlap, two dependent ones, a retried failure ----
mkdir -p "$T/demo/marks"
cat > "$T/demo/job.yaml" <<'EOF'
resources:
  jobs:
    demo:
      name: demo
      parameters: [{name: greeting, default: hello}]
      tasks:
        - task_key: extract_a
          shell_command_task: {command: "date +%s%N > marks/a.start; sleep 1; date +%s%N > marks/a.end"}
        - task_key: extract_b
          shell_command_task: {command: "date +%s%N > marks/b.start; sleep 1; date +%s%N > marks/b.end"}
        - task_key: merge
          depends_on: [{task_key: extract_a}, {task_key: extract_b}]
          max_retries: 2
          min_retry_interval_millis: 100
          shell_command_task: {command: "date +%s%N >> marks/merge.start; if [ ! -f marks/failed_once ]; then touch marks/failed_once; echo 'transient error: lock busy' >&2; exit 3; fi; echo {{job.parameters.greeting}} > marks/merge.out"}
        - task_key: check
          depends_on: [{task_key: merge}]
          lago_task: {command: "types parse 'decimal(12, 2)'"}
EOF
out=$(cd /tmp && "$L" --warehouse "$W" job run "$T/demo/job.yaml" 2>"$T/demo/progress"); rc=$?
M="$T/demo/marks"
if [ $rc -eq 0 ]; then ok; else bad "demo: exit $rc" "$out" "$(cat "$T/demo/progress")"; fi
if [ -f "$M/a.start" ] && [ -f "$M/b.start" ] && [ "$(cat "$M/a.start")" -lt "$(cat "$M/b.end")" ] && [ "$(cat "$M/b.start")" -lt "$(cat "$M/a.end")" ]; then ok; else
  bad "demo: extract_a and extract_b did not overlap" "a: $(cat "$M/a.start" "$M/a.end" 2>&1 | tr '\n' ' ')" "b: $(cat "$M/b.start" "$M/b.end" 2>&1 | tr '\n' ' ')"; fi
first_merge=$(head -1 "$M/merge.start" 2>/dev/null || echo 0)
if [ "$first_merge" -ge "$(cat "$M/a.end")" ] && [ "$first_merge" -ge "$(cat "$M/b.end")" ]; then ok; else bad "demo: merge started before its dependencies ended"; fi
if [ "$(wc -l < "$M/merge.start")" -eq 2 ] && [ "$(cat "$M/merge.out")" = hello ]; then ok; else bad "demo: merge should run twice and print the parameter"; fi
grep -qE '^job demo, run 1: SUCCESS in [0-9.]+s \(4 tasks: 4 succeeded\)$' <<<"$out" && ok || bad "demo: report header" "$out"
grep -qE '^TASK +STATUS +ATTEMPTS +START +DURATION +DETAILS$' <<<"$out" && ok || bad "demo: report table header" "$out"
grep -qE '^merge +SUCCESS +2 +\+[0-9.]+s +[0-9.]+s +succeeded on attempt 2$' <<<"$out" && ok || bad "demo: report merge line" "$out"
grep -qE '^extract_b +SUCCESS +1 +\+0\.[0-9]s +1\.[0-9]s$' <<<"$out" && ok || bad "demo: report extract_b line" "$out"
grep -q "merge: FAILED after .* (exit code 3); retrying in 0.1s (attempt 2 of 3)" "$T/demo/progress" && ok || bad "demo: progress shows the retry" "$(cat "$T/demo/progress")"
grep -q "transient error: lock busy" "$W/_lago/jobs/demo/runs/1/merge.log" && ok || bad "demo: merge log keeps attempt 1's stderr"
R1="$W/_lago/jobs/demo/runs/1.json"
[ "$(json "$R1" 'j.result + " " + j.tasks.map(t => t.task_key + ":" + t.status + ":" + t.attempts.length).join(" ")')" = \
  "SUCCESS extract_a:SUCCESS:1 extract_b:SUCCESS:1 merge:SUCCESS:2 check:SUCCESS:1" ] && ok || bad "demo: run record" "$(cat "$R1")"
[ "$(json "$R1" 'j.tasks[2].attempts[0].exit_code + "," + j.tasks[2].attempts[0].status')" = "3,FAILED" ] && ok || bad "demo: record of the failed attempt"

# ---- 2. retries exhausted: dependents skipped, log tail in the report, exit 1 (every leaf
# task succeeded or was excluded, so the result is SUCCEEDED_WITH_FAILURES, as Databricks) ----
mkdir -p "$T/fail"
cat > "$T/fail/job.yaml" <<'EOF'
name: failing
tasks:
  - task_key: load
    max_retries: 1
    shell_command_task: {command: "echo loading; echo 'boom: disk on fire' >&2; exit 4"}
  - task_key: transform
    depends_on: [load]
    shell_command_task: {command: "touch transform.ran"}
  - task_key: publish
    depends_on: [transform]
    shell_command_task: {command: "touch publish.ran"}
  - task_key: alert
    depends_on: [publish]
    run_if: AT_LEAST_ONE_FAILED
    shell_command_task: {command: "touch alert.ran"}
  - task_key: cleanup
    depends_on: [load]
    run_if: ALL_DONE
    shell_command_task: {command: "touch cleanup.ran"}
  - task_key: celebrate
    depends_on: [cleanup]
    run_if: ALL_FAILED
    shell_command_task: {command: "touch celebrate.ran"}
EOF
out=$("$L" --warehouse "$W" job run "$T/fail/job.yaml" --tail 3 2>/dev/null); rc=$?
[ $rc -eq 1 ] && ok || bad "fail: exit $rc, want 1"
grep -qE '^job failing, run 1: SUCCEEDED_WITH_FAILURES in .*\(6 tasks: 2 succeeded, 1 failed, 2 upstream failed, 1 excluded\)$' <<<"$out" && ok || bad "fail: header" "$out"
grep -qE '^load +FAILED +2 .*exit code 4$' <<<"$out" && ok || bad "fail: load line" "$out"
grep -qE '^transform +UPSTREAM_FAILED +0 +- +- +run_if ALL_SUCCESS not met: load FAILED$' <<<"$out" && ok || bad "fail: transform line" "$out"
grep -qE '^publish +UPSTREAM_FAILED .*transform UPSTREAM_FAILED$' <<<"$out" && ok || bad "fail: publish line" "$out"
grep -qE '^alert +SUCCESS' <<<"$out" && ok || bad "fail: alert (AT_LEAST_ONE_FAILED on an upstream-failed task) should run" "$out"
grep -qE '^celebrate +EXCLUDED .*run_if ALL_FAILED not met: cleanup SUCCESS$' <<<"$out" && ok || bad "fail: celebrate line" "$out"
grep -qE '^--- load: FAILED, last 3 lines of .*/runs/1/load.log$' <<<"$out" && grep -qE '^  boom: disk on fire$' <<<"$out" && ok || bad "fail: log tail" "$out"
[ ! -e "$T/fail/transform.ran" ] && [ ! -e "$T/fail/publish.ran" ] && [ -e "$T/fail/cleanup.ran" ] && [ -e "$T/fail/alert.ran" ] && [ ! -e "$T/fail/celebrate.ran" ] && ok || bad "fail: which tasks ran" "$(ls "$T/fail")"

# ---- 3. run_if: a failure handler is excluded when nothing failed; the leaf rule ----
cat > "$T/fail/handled.yaml" <<'EOF'
name: handled
tasks:
  - {task_key: work, shell_command_task: {command: "exit 1"}}
  - {task_key: on_failure, depends_on: [work], run_if: AT_LEAST_ONE_FAILED, shell_command_task: {command: "true"}}
EOF
check run-if-leaf 1 '^job handled, run 1: SUCCEEDED_WITH_FAILURES ' "$L" --warehouse "$W" job run "$T/fail/handled.yaml" --quiet
cat > "$T/fail/fine.yaml" <<'EOF'
name: fine
tasks:
  - {task_key: work, shell_command_task: {command: "true"}}
  - {task_key: on_failure, depends_on: [work], run_if: AT_LEAST_ONE_FAILED, shell_command_task: {command: "exit 9"}}
  - {task_key: skipped, disabled: true, shell_command_task: {command: "exit 9"}}
EOF
check run-if-excluded 0 '^on_failure +EXCLUDED +0 .*run_if AT_LEAST_ONE_FAILED not met: work SUCCESS$' "$L" --warehouse "$W" job run "$T/fail/fine.yaml" --quiet
check disabled 0 '^skipped +EXCLUDED +0 .* disabled$' "$L" --warehouse "$W" job run "$T/fail/fine.yaml" --quiet

# ---- 4. timeouts ----
cat > "$T/fail/slow.yaml" <<'EOF'
name: slow
tasks:
  - {task_key: stuck, timeout_seconds: 1, shell_command_task: {command: "sleep 60"}}
  - {task_key: next, depends_on: [stuck], shell_command_task: {command: "true"}}
EOF
s0=$(date +%s)
check timeout 1 '^stuck +TIMED_OUT +1 .*ran past timeout_seconds \(1s\)$' "$L" --warehouse "$W" job run "$T/fail/slow.yaml" --quiet
[ $(( $(date +%s) - s0 )) -lt 30 ] && ok || bad "timeout: the stuck task was not stopped"

# ---- 5. parameters, lago_task, relative paths from the job file's directory ----
mkdir -p "$T/params/sub"
echo "from the job dir" > "$T/params/data.txt"
cat > "$T/params/job.yaml" <<'EOF'
name: params
parameters: [{name: type, default: "INT"}, {name: out, default: "out.txt"}]
tasks:
  - task_key: parse
    lago_task: {command: "types parse {{job.parameters.type}}"}
  - task_key: copy
    shell_command_task: {command: "cat data.txt > sub/{{job.parameters.out}}; echo \"$LAGO_JOB_NAME $LAGO_TASK_KEY\" >> sub/{{job.parameters.out}}"}
EOF
check params-default 0 '^parse +SUCCESS' "$L" --warehouse "$W" job run "$T/params/job.yaml" --quiet
grep -qx 'INT' "$W/_lago/jobs/params/runs/1/parse.log" && ok || bad "params: lago_task output in its log" "$(cat "$W/_lago/jobs/params/runs/1/parse.log")"
[ "$(cat "$T/params/sub/out.txt")" = "from the job dir
params copy" ] && ok || bad "params: relative paths resolve from the job file's directory" "$(cat "$T/params/sub/out.txt" 2>&1)"
check params-override 0 '^parse +SUCCESS' "$L" --warehouse "$W" job run "$T/params/job.yaml" --param 'type=decimal(3,1)' --param out=o2.txt --quiet
grep -qx 'DECIMAL(3,1)' "$W/_lago/jobs/params/runs/2/parse.log" && [ -f "$T/params/sub/o2.txt" ] && ok || bad "params: override used"
check params-override-bad 1 "^parse +FAILED .*exit code 1" "$L" --warehouse "$W" job run "$T/params/job.yaml" --param type=notatype --quiet
check params-unknown 1 "lago: --param typo: job 'params' has no parameter 'typo' \(parameters: type, out\)" "$L" --warehouse "$W" job run "$T/params/job.yaml" --param typo=1
check params-usage 2 "--param takes NAME=VALUE" "$L" --warehouse "$W" job run "$T/params/job.yaml" --param novalue
cat > "$T/params/nocmd.yaml" <<'EOF'
tasks:
  - {task_key: x, lago_task: {command: "frobnicate now"}}
EOF
check lago-task-unknown-command 1 "^x +FAILED +1 .*lago has no command 'frobnicate'" "$L" --warehouse "$W" job run "$T/params/nocmd.yaml" --quiet

# ---- 6. sql_task: runs `lago sql -f FILE` when lago has it, fails clearly when not ----
echo "SELECT 1;" > "$T/params/q.sql"
cat > "$T/params/sql.yaml" <<'EOF'
tasks:
  - {task_key: q, sql_task: {file: {path: q.sql}}}
  - {task_key: missing, sql_task: {file: {path: nope.sql}}}
EOF
if "$L" sql --help >/dev/null 2>&1; then
  check sql-task 1 '^q +SUCCESS' "$L" --warehouse "$W" job run "$T/params/sql.yaml" --quiet
  check sql-task-missing-file 1 "^missing +FAILED .*SQL file $T/params/nope.sql: No such file" "$L" --warehouse "$W" job run "$T/params/sql.yaml" --quiet
else
  check sql-task-no-sql 1 '^q +FAILED +1 .*sql_task needs the `lago sql` command, which this lago build does not have$' "$L" --warehouse "$W" job run "$T/params/sql.yaml" --quiet
fi

# ---- 7. validation errors name the file, line and column ----
V="$T/v"; mkdir -p "$V"
printf 'tasks:\n  - {task_key: a, depends_on: [c], shell_command_task: {command: x}}\n  - {task_key: b, depends_on: [a], shell_command_task: {command: x}}\n  - {task_key: c, depends_on: [b], shell_command_task: {command: x}}\n' > "$V/cycle.yaml"
check v-cycle 1 "^lago: $V/cycle.yaml:2:5: tasks depend on each other in a cycle: a -> c -> b -> a \(each depends on the next\)$" "$L" job validate "$V/cycle.yaml"
printf 'tasks:\n  - task_key: a\n    shell_command_task: {command: x}\n  - task_key: b\n    depends_on: [{task_key: bronze}]\n    shell_command_task: {command: x}\n' > "$V/unknown.yaml"
check v-unknown-dep 1 "^lago: $V/unknown.yaml:5:29: task 'b' depends on 'bronze', which is not a task of this job$" "$L" job validate "$V/unknown.yaml"
printf 'tasks:\n  - task_key: a\n    shell_command_task: {command: x}\n  - task_key: a\n    shell_command_task: {command: y}\n' > "$V/dup.yaml"
check v-duplicate 1 "^lago: $V/dup.yaml:4:15: duplicate task_key 'a' \(first at line 2, column 5\)$" "$L" job validate "$V/dup.yaml"
printf 'tasks:\n  - task_key: a\n    max_retries: 2\n' > "$V/notype.yaml"
check v-no-type 1 "^lago: $V/notype.yaml:2:5: task 'a' has no task type: add lago_task, sql_task or shell_command_task$" "$L" job validate "$V/notype.yaml"
printf 'tasks:\n  - task_key: a\n    timeout_seconds: soon\n    shell_command_task: {command: x}\n' > "$V/value.yaml"
check v-bad-value 1 "^lago: $V/value.yaml:3:22: timeout_seconds must be an integer, not 'soon'$" "$L" job validate "$V/value.yaml"
printf 'tasks:\n  - task_key: a\n    shell_command_task: {command: x}\n    retries: 3\n' > "$V/key.yaml"
check v-unknown-key 1 "^lago: $V/key.yaml:4:5: unknown key 'retries' in a task" "$L" job validate "$V/key.yaml"
printf 'tasks:\n  - task_key: a\n    shell_command_task:\n      command: "x\n' > "$V/syntax.yaml"
check v-syntax 1 "^lago: $V/syntax.yaml:[0-9]+:[0-9]+: found unexpected end of stream" "$L" job validate "$V/syntax.yaml"
check v-missing-file 1 "^lago: .*nope.yaml" "$L" job validate "$V/nope.yaml"
check v-ok 0 "^3\. merge: shell_command_task .* \| after extract_a, extract_b \(ALL_SUCCESS\) \| retries 2$" "$L" job validate "$T/demo/job.yaml"
check v-usage 2 "^lago job: validate needs a job FILE" "$L" job validate
check v-usage-sub 2 "unknown subcommand 'start'" "$L" job start x

# ---- 8. Ctrl-C: SIGINT to the runner cancels running tasks and nothing else starts ----
C="$T/cancel"; mkdir -p "$C"
cat > "$C/job.yaml" <<'EOF'
name: cancelme
tasks:
  - {task_key: long_a, shell_command_task: {command: "echo $$ > a.pid; exec sleep 60"}}
  - {task_key: long_b, shell_command_task: {command: "echo $$ > b.pid; sleep 60"}}
  - {task_key: after, depends_on: [long_a, long_b], shell_command_task: {command: "touch after.ran"}}
EOF
s0=$(date +%s)
"$L" --warehouse "$W" job run "$C/job.yaml" >"$C/out" 2>"$C/err" &
runner=$!
for _ in $(seq 100); do [ -s "$C/a.pid" ] && [ -s "$C/b.pid" ] && break; sleep 0.1; done
kill -INT "$runner"
wait "$runner"; rc=$?
[ $rc -eq 130 ] && ok || bad "cancel: exit $rc, want 130" "$(cat "$C/out" "$C/err")"
[ $(( $(date +%s) - s0 )) -lt 30 ] && ok || bad "cancel: took too long"
grep -qE '^job cancelme, run 1: CANCELLED in .*\(3 tasks: 3 cancelled\)$' "$C/out" && ok || bad "cancel: report header" "$(cat "$C/out")"
grep -qE '^long_a +CANCELLED +1 .*cancelled while running$' "$C/out" && grep -qE '^after +CANCELLED +0 .*run cancelled before it started$' "$C/out" && ok || bad "cancel: task lines" "$(cat "$C/out")"
alive=""
for p in "$(cat "$C/a.pid")" "$(cat "$C/b.pid")"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
[ -z "$alive" ] && ok || bad "cancel: task processes still running:$alive"
[ ! -e "$C/after.ran" ] && ok || bad "cancel: a dependent task started after the cancel"
[ "$(json "$W/_lago/jobs/cancelme/runs/1.json" 'j.result')" = CANCELLED ] && ok || bad "cancel: run record result"

# ---- 9. max_concurrent_runs: a second run while one is active is refused ----
"$L" --warehouse "$W" job run "$C/job.yaml" --quiet >/dev/null 2>&1 &
runner=$!
for _ in $(seq 100); do grep -qs RUNNING "$W/_lago/jobs/cancelme/runs/2.json" && [ -s "$C/a.pid" ] && break; sleep 0.1; done
check concurrency 1 "^lago: job 'cancelme' already has 1 active run \(max_concurrent_runs: 1\): run 2 \(pid $runner\); this run is skipped$" "$L" --warehouse "$W" job run "$C/job.yaml"
check runs-running 0 "^ +2  RUNNING " "$L" --warehouse "$W" job runs cancelme
kill -TERM "$runner"; wait "$runner"; rc=$?
[ $rc -eq 130 ] && ok || bad "concurrency: SIGTERM exit $rc, want 130"

# ---- 10. a closed output pipe (| head) does not kill the runner and orphan its tasks ----
cat > "$T/fail/piped.yaml" <<'EOF2'
name: piped
tasks:
  - {task_key: a, shell_command_task: {command: "sleep 0.5"}}
  - {task_key: b, depends_on: [a], shell_command_task: {command: "sleep 0.2"}}
EOF2
"$L" --warehouse "$W" job run "$T/fail/piped.yaml" 2>&1 | head -1 >/dev/null
[ "$(json "$W/_lago/jobs/piped/runs/1.json" 'j.result')" = SUCCESS ] && ok || bad "pipe: the run did not finish" "$(cat "$W/_lago/jobs/piped/runs/1.json")"

# ---- 11. run listing and --json ----
check runs-list 0 "^ +1  CANCELLED +[0-9-]+ [0-9:]+ +[0-9.]+s +0 ok, 0 failed of 3$" "$L" --warehouse "$W" job runs cancelme
check runs-list-fail 0 "^ +1  SUCCEEDED_WITH_FAILURES .* 3 ok, 3 failed of 6$" "$L" --warehouse "$W" job runs failing
check runs-none 1 "^lago: no runs of job 'nothing' in this warehouse" "$L" --warehouse "$W" job runs nothing
check runs-record 0 '"run_id":1,"result":"SUCCESS"' "$L" --warehouse "$W" job runs demo --run 1
"$L" --warehouse "$W" job run "$T/fail/fine.yaml" --json --quiet > "$T/fine.json"; rc=$?
[ $rc -eq 0 ] && [ "$(json "$T/fine.json" 'j.job + " " + j.run_id + " " + j.tasks.map(t => t.status).join(",")')" = "fine 3 SUCCESS,EXCLUDED,EXCLUDED" ] && ok || bad "json: --json output" "$(cat "$T/fine.json")"
"$L" --warehouse "$W" job runs fine --json > "$T/runs.json"
[ "$(json "$T/runs.json" 'j.length + " " + j.map(r => r.run_id).join(",")')" = "3 1,2,3" ] && ok || bad "json: runs --json" "$(head -c 300 "$T/runs.json")"

echo "job_run: $pass passed, $fail failed"
[ $fail -eq 0 ]
