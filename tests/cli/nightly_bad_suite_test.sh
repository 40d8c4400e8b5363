#!/usr/bin/env bash
# scripts/nightly.sh refuses a bad suite before it runs anything: exit 2, the key named, and no
# results or history created; and a night whose runs all fail checks nothing.
#   nightly_bad_suite_test.sh SOURCE_DIR SCRATCH_DIR   (EPOCHCOST_BUILD_DIR: the build)
set -u
source_dir=$1 scratch=$2
rm -rf "$scratch" && mkdir -p "$scratch"
expect() { # expect NAME SUITE_TEXT MESSAGE [SUITE_PATH]
  local suite=${4:-$scratch/$1.yaml} out rc
  [[ -n ${4:-} ]] || printf '%b' "$2" >"$suite"
  out=$("$source_dir/scripts/nightly.sh" "$suite" 2>&1)
  rc=$?
  [[ $rc == 2 ]] || { echo "$1: exit $rc, expected 2: $out"; exit 1; }
  [[ $out == *"$3"* ]] || { echo "$1: expected '$3' in: $out"; exit 1; }
  [[ ! -e $scratch/out ]] || { echo "$1: $scratch/out was created"; exit 1; }
}
head="history: $scratch/out/h.sqlite\r\nresults: $scratch/out/r\r\n"
run="runs:\r\n  - $source_dir/configs/linear-regression.yaml\r\n"
expect percent "${head}threshold_pct: 5%\r\n$run" "threshold_pct: must be a number ≥ 0 (percent, without %), got '5%'"
expect window "${head}window: 0\r\n$run" "window: must be a whole number ≥ 1, got '0'"
expect quotes "${head}runs:\n  - $source_dir/configs/linear-regression.yaml --set 'name=x\n" "its quotes do not pair up"
expect no_runs "${head}runs:\n" "no runs"
expect bad_run "${head}${run}  - $source_dir/configs/linear-regression.yaml --set data.batch_size=0\n" \
  "data.batch_size: must be ≥ 1, got 0"
expect directory_suite "" "is not a file" "$scratch"

# A night whose every run fails checks nothing, though yesterday's runs are in the history.
old=$scratch/old
mkdir -p "$old"
epochcost=${EPOCHCOST_BUILD_DIR:?}/epochcost
"$epochcost" estimate "$source_dir/configs/linear-regression.yaml" --t-batch 0.1 --format json \
  --output "$old/r.json" && "$epochcost" history import "$old/r.json" --history "$old/h.sqlite" 2>/dev/null ||
  { echo "could not make yesterday's history"; exit 1; }
# The run passes the up-front check and fails as it starts: no such device.
printf 'history: %s\nresults: %s\nruns:\n  - %s --set device=cuda:7\n' "$old/h.sqlite" "$old/results" \
  "$source_dir/configs/linear-regression.yaml" >"$old/suite.yaml"
out=$("$source_dir/scripts/nightly.sh" "$old/suite.yaml" 2>&1)
rc=$?
[[ $rc == 2 && $out == *"no run was recorded tonight; nothing to check"* ]] ||
  { echo "failed night: exit $rc: $out"; exit 1; }
! compgen -G "$old/results/check-*" >/dev/null || { echo "failed night: a check was written"; exit 1; }

# An interrupt (Ctrl-C reaches the whole process group) stops the job: the runs after it are not
# started, and the exit status says so.
stop=$scratch/stop
mkdir -p "$stop"
long="$source_dir/configs/linear-regression.yaml --set timing.max_seconds=60 --set timing.min_steps=1000000000 --set timing.max_steps=1000000000"
printf 'history: %s\nresults: %s\nruns:\n  - %s\n  - %s\n' "$stop/h.sqlite" "$stop/results" "$long" "$long" >"$stop/suite.yaml"
setsid "$source_dir/scripts/nightly.sh" "$stop/suite.yaml" >"$stop/out.txt" 2>&1 &
job=$!
for ((t = 0; t < 100; t++)); do pgrep -g "$job" -f " run " >/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT -- -"$job"
wait "$job"
rc=$?
[[ $rc == 130 ]] || { echo "interrupted night: exit $rc, expected 130: $(cat "$stop/out.txt")"; exit 1; }
grep -q "interrupted during" "$stop/out.txt" || { echo "interrupted night: $(cat "$stop/out.txt")"; exit 1; }
! compgen -G "$stop/results/*" >/dev/null || { echo "interrupted night: wrote $(ls "$stop/results")"; exit 1; }
echo "all refused"
