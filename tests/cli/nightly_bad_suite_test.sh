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
printf 'history: %s\nresults: %s\nruns:\n  - %s --set device=cuda:99\n' "$old/h.sqlite" "$old/results" \
  "$source_dir/configs/linear-regression.yaml" >"$old/suite.yaml"
out=$("$source_dir/scripts/nightly.sh" "$old/suite.yaml" 2>&1)
rc=$?
[[ $rc == 2 && $out == *"no run was recorded tonight; nothing to check"* ]] ||
  { echo "failed night: exit $rc: $out"; exit 1; }
! compgen -G "$old/results/check-*" >/dev/null || { echo "failed night: a check was written"; exit 1; }

# An interrupt stops the job: the run in progress records nothing, the runs after it are not
# started, and the exit status says so. Ctrl-C reaches the whole process group; cron or CI may
# signal the script alone.
long="$source_dir/configs/linear-regression.yaml --set timing.max_seconds=60 --set timing.min_steps=1000000000 --set timing.max_steps=1000000000"
interrupt() { # interrupt NAME SIGNAL TARGET(group|script) EXPECTED_STATUS
  local stop=$scratch/$1 job run rc
  mkdir -p "$stop"
  printf 'history: %s\nresults: %s\nruns:\n  - %s\n  - %s\n' "$stop/h.sqlite" "$stop/results" "$long" "$long" >"$stop/suite.yaml"
  setsid "$source_dir/scripts/nightly.sh" "$stop/suite.yaml" >"$stop/out.txt" 2>&1 &
  job=$!
  # Signalled once the first run has its handler (SIGINT and SIGTERM caught: SigCgt bits 2, 15).
  for ((t = 0; t < 300; t++)); do
    run=$(pgrep -g "$job" -f "epochcost --log-level warn run" | head -n 1)
    [[ -n $run ]] && (( (0x$(awk '/^SigCgt/ {print $2}' "/proc/$run/status" 2>/dev/null || echo 0) & 0x4002) == 0x4002 )) && break
    sleep 0.05
  done
  if [[ $3 == group ]]; then kill -"$2" -- -"$job"; else kill -"$2" "$job"; fi
  wait "$job"
  rc=$?
  [[ $rc == "$4" ]] || { echo "$1: exit $rc, expected $4: $(cat "$stop/out.txt")"; exit 1; }
  grep -q "interrupted during" "$stop/out.txt" || { echo "$1: $(cat "$stop/out.txt")"; exit 1; }
  ! compgen -G "$stop/results/*" >/dev/null || { echo "$1: wrote $(ls "$stop/results")"; exit 1; }
  # The interrupted run is gone, not left running to record later.
  sleep 0.2
  ! pgrep -f "$stop/suite.yaml|$stop/h.sqlite" >/dev/null || { echo "$1: a run outlived the job"; exit 1; }
  [[ ! -s $stop/h.sqlite ]] || [[ $("${EPOCHCOST_BUILD_DIR}/epochcost" history list --format json --history "$stop/h.sqlite") == "[]" ]] ||
    { echo "$1: the interrupted run was recorded"; exit 1; }
}
interrupt ctrl-c INT group 130
interrupt cron-term TERM script 143
echo "all refused"
