#!/usr/bin/env bash
# Benchmark (not a test): epochcost's training step against the same workload written the way
# users write it in Python (scripts/reference/train_reference.py: PyTorch eager, torchvision,
# transformers + PEFT), run one after the other on the same machine, same resolved config.
#   scripts/bench-vs-python.sh [CONFIG ...]      (defaults below, chosen by whether CUDA is visible)
# Prints per workload both step times, reference / epochcost (> 1: epochcost faster) and, for
# language models, the tokens/s ratio. The result files go to ${EPOCHCOST_BENCH_OUT:-/tmp/epochcost-bench}.
# A pair that fails says so and the next one runs; the exit status is then 1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${EPOCHCOST_BENCH_OUT:-/tmp/epochcost-bench}
mkdir -p "$out"

if [[ $# -gt 0 ]]; then
  runs=("$@")
elif "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  # The 7B LoRA preset as the issue states it: bf16 weights, r=8 on q and v, batch 2, seq 2048,
  # SDPA, fused AdamW, one optimizer step per micro-batch.
  runs=("configs/linear-regression.yaml"
        "configs/resnet50-a100.yaml --set data.batch_size=128"
        "configs/deepseek-7b-lora-a100x4.yaml --set train.accumulation_steps=1")
else
  runs=("configs/linear-regression.yaml --set device=cpu"
        "configs/decoder-tiny-lora.yaml --set device=cpu")
fi

# Checked before anything runs: a run whose options arrive as words of their own would otherwise be
# taken for a config file once its workload had been timed.
for run in "${runs[@]}"; do
  read -r -a words <<<"$run"
  # Resolved as the runs below resolve it: from the project root.
  if [[ ${#words[@]} -eq 0 || ${words[0]} == -* ]] || ! (cd "$root" && [[ -f ${words[0]} ]]); then
    echo "bench-vs-python: '${words[0]:-}' is not a config file; give each run as one argument," \
         "its options inside it: \"CONFIG --set key=value\"" >&2
    exit 2
  fi
done

printf '%-28s %14s %14s %12s %12s\n' workload epochcost_s reference_s ref/epochcost tokens_ratio
failed=0
for run in "${runs[@]}"; do
  read -r -a words <<<"$run"
  config=${words[0]}
  name=$(basename "$config" .yaml)
  if ! (cd "$root" && "$build_dir/epochcost" info "${words[@]}" --format json) >"$out/$name.info.json"; then
    printf '%-28s failed: epochcost info (above)\n' "$name" && failed=1 && continue
  fi
  # Checked before epochcost spends its time on a workload whose peer cannot run here.
  if ! missing=$("$py" -W ignore "$root/scripts/reference/train_reference.py" --check <"$out/$name.info.json"); then
    printf '%-28s skipped: the Python peer %s\n' "$name" "$missing"
    continue
  fi
  if ! (cd "$root" && "$build_dir/epochcost" --log-level warn run "${words[@]}" --format json) >"$out/$name.epochcost.json"; then
    printf '%-28s failed: epochcost run (above)\n' "$name" && failed=1 && continue
  fi
  if ! "$py" -W ignore "$root/scripts/reference/train_reference.py" <"$out/$name.info.json" >"$out/$name.reference.json"; then
    printf '%-28s failed: the Python peer (above)\n' "$name" && failed=1 && continue
  fi
  "$py" - "$out/$name.epochcost.json" "$out/$name.reference.json" "$name" <<'PY' || failed=1
import json, sys
ours, ref, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
a, b = ours["timing"]["t_batch_s"]["mean"], ref["timing"]["t_batch_s"]["mean"]
tokens = ours["throughput"]["tokens_per_s_per_device"], ref["throughput"]["tokens_per_s_per_device"]
ratio = f"{tokens[0] / tokens[1]:.3f}" if tokens[0] and tokens[1] else "-"
mfu = ours["flops"]["mfu"]
print(f"{name:<28} {a:14.6g} {b:14.6g} {b / a:12.3f} {ratio:>12}" + (f"  (epochcost MFU {mfu:.1%})" if mfu else ""))
# device: auto could land one side on the CPU (a build without CUDA): then the ratio means nothing.
kinds = ours["environment"]["device"].split(":")[0], ref["device"].split(":")[0]
if kinds[0] != kinds[1]:
    print(f"{'':<28} the two ran on different devices: epochcost on {ours['environment']['device']}, "
          f"the peer on {ref['device']}")
    sys.exit(1)
PY
done
exit "$failed"
