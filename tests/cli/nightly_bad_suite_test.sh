#!/usr/bin/env bash
# scripts/nightly.sh refuses a bad suite before it runs anything: exit 2, the key named, and no
# results or history created.   nightly_bad_suite_test.sh SOURCE_DIR SCRATCH_DIR
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
echo "all refused"
