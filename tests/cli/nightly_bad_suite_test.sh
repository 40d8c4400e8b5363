#!/usr/bin/env bash
# scripts/nightly.sh refuses a bad suite before it runs anything: exit 2, the key named, and no
# results or history created; and a night whose runs all fail checks nothing.
#   nightly_bad_suite_test.sh SOURCE_DIR SCRATCH_DIR   (EPOCHCOST_BUILD_DIR: the build)
set -u
source_dir=$1 scratch=$2
rm -rf "$scratch" && mkdir -p "$scratch"
expect() { # expect NAME SUITE_TEXT MESSAGE
  printf '%b' "$2" >"$scratch/$1.yaml"
  local out rc
  out=$("$source_dir/scripts/nightly.sh" "$scratch/$1.yaml" 2>&1)
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

# A night whose every run fails checks nothing, though yesterday's runs are in the history.
old=$scratch/old
mkdir -p "$old"
epochcost=${EPOCHCOST_BUILD_DIR:?}/epochcost
"$epochcost" estimate "$source_dir/configs/linear-regression.yaml" --t-batch 0.1 --format json \
  --output "$old/r.json" && "$epochcost" history import "$old/r.json" --history "$old/h.sqlite" 2>/dev/null ||
  { echo "could not make yesterday's history"; exit 1; }
printf 'history: %s\nresults: %s\nruns:\n  - %s\n' "$old/h.sqlite" "$old/results" "$old/none.yaml" >"$old/suite.yaml"
out=$("$source_dir/scripts/nightly.sh" "$old/suite.yaml" 2>&1)
rc=$?
[[ $rc == 2 && $out == *"no run was recorded tonight; nothing to check"* ]] ||
  { echo "failed night: exit $rc: $out"; exit 1; }
! compgen -G "$old/results/check-*" >/dev/null || { echo "failed night: a check was written"; exit 1; }
echo "all refused"
