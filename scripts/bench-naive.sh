#!/usr/bin/env bash
# Benchmark (not a test): how far the article's naive T_batch recipe and epochcost are from a real
# epoch, each measured in one go on the same machine and device.
#   scripts/bench-naive.sh [cpu|cuda] [RUNS]     (default: cuda if visible, else cpu; 3 runs)
# Prints one line per run and method: predicted epoch, actual epoch, predicted / actual.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
device=${1:-$("$py" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null)}
runs=${2:-3}

printf '%-4s %-10s %14s %14s %16s\n' run method predicted_s actual_s predicted/actual
for run in $(seq 1 "$runs"); do
  naive=$("$py" -W ignore "$root/scripts/bench/naive_recipe.py" --device "$device")
  measured=$("$build_dir/epochcost" --log-level warn run "$root/configs/linear-regression.yaml" \
             --set device="$device" --validate-epoch --format json)
  NAIVE=$naive MEASURED=$measured RUN=$run "$py" - <<'PY'
import json, os
naive = json.loads(os.environ["NAIVE"])
measured = json.loads(os.environ["MEASURED"])["epoch"]["validated"]
run = os.environ["RUN"]
print(f"{run:<4} {'naive':<10} {naive['naive_predicted_epoch_s']:14.6f} {naive['actual_epoch_s']:14.6f} "
      f"{naive['predicted_over_actual']:16.3f}")
print(f"{run:<4} {'epochcost':<10} {measured['predicted_seconds']:14.6f} {measured['actual_seconds']:14.6f} "
      f"{measured['predicted_seconds'] / measured['actual_seconds']:16.3f}")
PY
done
