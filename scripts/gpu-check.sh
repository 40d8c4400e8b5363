#!/usr/bin/env bash
# The GPU check: on a machine with a GPU and torch already installed (no network needed), build
# against that torch, run the gpu-labelled tests, the default job with --validate-epoch (and
# repeats), a compute-heavy step projected to other GPUs, and the benchmarks (naive recipe; Python
# peers, including the DeepSeek-7B LoRA preset against transformers + PEFT).
#   scripts/gpu-check.sh OUT_DIR
#   scripts/gpu-check.sh --fetch-debs     (here, with network: Debian packages for .debs/)
# Stages run in order of what matters most, each with its own time cap, so a machine lent for
# minutes returns what finished: the default job (#3's 2%), the 7B LoRA pair against transformers
# + PEFT (tokens/s, MFU), the gpu tests (the slow --find-max-batch one late), then the rest. OUT_DIR
# holds three files, refreshed after every stage (a device machine hands back only a few):
# summary.txt (each stage's exit status and time), results.txt (the default job's figures and the
# benchmark tables) and gpu-check.tar.gz (every log and result); the unpacked files stay in
# ${TMPDIR:-/tmp}/epochcost-gpu-check, outside the build, which a fallback build may replace.
# Every run names device=cuda: a build or machine that cannot drive the GPU fails loudly instead
# of timing the CPU, and a gpu test that skips fails its stage. The caps add up to more than one
# device call (600 s): a call's timeout cuts the tail. A rerun on a warm machine reuses the build.
# Libraries the machine lacks can travel as Debian packages in .debs/ (git-ignored: name it in the
# device tool's carry); they are unpacked into a private prefix. EPOCHCOST_GPU_STAGES=bench-python,
# project (names as in summary.txt) runs only those stages and the build, for a second call that
# finishes what the first one's timeout cut. EPOCHCOST_REVISION=<git hash> names the revision in
# the results where the copied tree has no .git.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ ${1:-} == --fetch-debs ]]; then
  # yaml-cpp has no header-only form; GoogleTest may come as headers only; SQLite (history) is
  # optional but cheap to carry.
  mkdir -p .debs && cd .debs &&
    apt-get download libyaml-cpp-dev libyaml-cpp0.7 libsqlite3-dev libsqlite3-0 libgtest-dev && ls -l
  exit
fi

out_dir=${1:?usage: scripts/gpu-check.sh OUT_DIR | --fetch-debs}
wanted=${EPOCHCOST_GPU_STAGES:-}
for name in ${wanted//,/ }; do
  case $name in
    environment | build | build-manual | default-job | bench-python | gpu-tests | cudart | repeats | \
      project | bench-naive | gpu-max-batch | cpu-tests) ;;
    *) echo "gpu-check: EPOCHCOST_GPU_STAGES: no stage '$name'" >&2; exit 2 ;;
  esac
done
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
build=${EPOCHCOST_BUILD_DIR:-$root/build-gpu}
export EPOCHCOST_BUILD_DIR=$build EPOCHCOST_SKIP_APT=1
work=${TMPDIR:-/tmp}
out=$work/epochcost-gpu-check  # every log and result; packed into OUT_DIR after each stage
rm -rf "$out" && mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"

pack() {  # the tarball is built beside OUT_DIR's files, then renamed: never half a file there
  cp "$summary" "$out_dir/summary.txt"
  tar -czf "$work/gpu-check.tar.gz.part" -C "$work" epochcost-gpu-check &&
    mv -f "$work/gpu-check.tar.gz.part" "$out_dir/gpu-check.tar.gz"
}

stage() {  # stage NAME CAP_SECONDS COMMAND...
  local name=$1 cap=$2
  shift 2
  if [[ -n $wanted && $name != build* && ,$wanted, != *,$name,* ]]; then
    printf '%-14s not run (EPOCHCOST_GPU_STAGES=%s)\n' "$name" "$wanted" | tee -a "$summary"
    return 0
  fi
  local start=$SECONDS
  timeout --kill-after=5 "$cap" "$@" >"$out/$name.log" 2>&1
  last_rc=$?
  printf '%-14s rc=%-3s %4ss (cap %ss)\n' "$name" "$last_rc" "$((SECONDS - start))" "$cap" | tee -a "$summary"
  pack
  return 0
}
last_rc=0

if compgen -G ".debs/*.deb" >/dev/null; then
  mkdir -p /tmp/epochcost-deps
  for deb in .debs/*.deb; do dpkg -x "$deb" /tmp/epochcost-deps; done
  export CMAKE_PREFIX_PATH=/tmp/epochcost-deps/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
  export LD_LIBRARY_PATH=$(echo /tmp/epochcost-deps/usr/lib/*-linux-gnu)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

results() {  # the default job's figures and the benchmark tables, into results.txt
  {
    python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
for path in sorted(glob.glob(os.path.join(out, "linear-regression*.json"))):
    j = json.load(open(path))
    t, e, c = j["timing"], j["epoch"], j["cost"]
    v = e["validated"] or {}
    print(f"{os.path.basename(path)}: {j['environment']['device_name']} T_batch {t['t_batch_s']['mean']*1e6:.2f} us "
          f"±{t['t_batch_s']['ci95_half_width_pct']:.2f}% ({t['measured_steps']} steps, {t['clock']}, "
          f"stable={t['stable']}, overhead {t['instrumentation_overhead_pct']:.2f}%), epoch predicted "
          f"{e['seconds']:.4f} s actual {v.get('actual_seconds', float('nan')):.4f} s (mean of {v.get('epochs')} epochs) "
          f"error {v.get('error_pct', float('nan')):.2f}%, "
          f"(one epoch 95%: {v.get('pi95_seconds')}, epochs inside: {v.get('epochs_within_pi95')}), "
          f"cost {c['per_epoch']:.3g} {c['currency']}")
PY
    for log in bench-python bench-naive; do
      [[ -f $out/$log.log ]] && echo "--- $log" && tail -n 20 "$out/$log.log"
    done
  } >"$out/results.txt" 2>&1
  cp "$out/results.txt" "$out_dir/results.txt"
}

ec="$build/epochcost"
gpu="--set device=cuda"
stage environment 60 bash -c '
  nvidia-smi; command -v nvcc && nvcc --version; cmake --version | head -1; g++ --version | head -1
  python3 -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, torch.cuda.get_device_name(0))"
  for m in torchvision transformers peft; do python3 -c "import $m; print(\"$m\", $m.__version__)" 2>&1 | tail -n 1; done
  ls -d /usr/include/{spdlog,yaml-cpp,gtest,CLI,nlohmann,fmt} /usr/lib/*/libyaml-cpp* 2>&1'
stage build 300 scripts/setup.sh
if ((last_rc != 0 && last_rc != 124 && last_rc != 137)); then
  # The TorchConfig route (nvcc, FindCUDA, a try-run) has only run against this project's own
  # toolkit; the manual import needs no CUDA toolkit at all (cmake/Torch.cmake). setup.sh again,
  # so that the cmake and the torch are the ones it chose. (A build cut by its cap is not redone.)
  stage build-manual 300 bash -c "rm -rf '$build' && EPOCHCOST_CMAKE_ARGS=-DEPOCHCOST_TORCH_IMPORT=manual scripts/setup.sh"
fi
stage default-job 45 "$ec" run configs/linear-regression.yaml $gpu --validate-epoch --format json \
  --output "$out/linear-regression.json"
results
# The 7B LoRA pair first: its tokens/s ratio and MFU are the figures the cap must not cut.
stage bench-python 180 env EPOCHCOST_BENCH_OUT="$out/bench" scripts/bench-vs-python.sh \
  "configs/deepseek-7b-lora-a100x4.yaml $gpu --set train.accumulation_steps=1 --set timing.max_seconds=20" \
  "configs/linear-regression.yaml $gpu" \
  "configs/resnet50-a100.yaml $gpu --set data.batch_size=128 --set timing.max_seconds=15"
results
# One GPU test at a time (they hold a lock in CTest). A skipped one fails the stage here: this
# machine has the GPU it would skip for want of. --find-max-batch (about 16 tries of ResNet-50
# steps at up to 4096 images) runs late, in a stage of its own.
gpu_tests() {  # gpu_tests NAME CTEST_FILTER...
  local log=$out/$1-ctest.txt
  shift
  ctest --test-dir "$build" -L gpu --no-tests=error --output-on-failure -V "$@" | tee "$log"
  local rc=${PIPESTATUS[0]}
  if grep -q "(Skipped)" "$log"; then
    echo "gpu-check: gpu tests skipped on a machine with a GPU (above): failing the stage"
    return 5
  fi
  return "$rc"
}
export -f gpu_tests
export out build
stage gpu-tests 240 bash -c 'gpu_tests gpu-tests -E FindMaxBatch --output-junit "$out/ctest-gpu.xml"'
# One CUDA runtime per process: list the libcudart files mapped into a running measurement.
stage cudart 20 bash -c "'$ec' --log-level off run configs/linear-regression.yaml $gpu \
  --set timing.max_seconds=8 --set timing.target_ci_pct=0.0001 >/dev/null & pid=\$!; sleep 5;
  grep -o '/[^ ]*libcudart[^ ]*' /proc/\$pid/maps | sort -u; kill -INT \$pid; wait \$pid; echo exit \$?"
stage repeats 90 bash -c "for i in 1 2 3; do '$ec' --log-level warn run configs/linear-regression.yaml $gpu \
  --validate-epoch --format json --output \"$out/linear-regression-run\$i.json\" || exit; done"
results
# A compute-heavy measured step carried to GPUs this machine is not (labelled projected; the
# method's error needs both ends measured, see docs/projection.md).
stage project 60 bash -c "'$ec' --log-level warn run configs/decoder-1b-full-bf16.yaml $gpu \
  --set timing.max_seconds=20 --format json --output '$out/decoder-1b.json' && \
  '$ec' project '$out/decoder-1b.json' --to H100-SXM5-80GB,A100-SXM4-80GB,L40S,RTX-4090 && \
  '$ec' project '$out/decoder-1b.json' --to H100-SXM5-80GB,A100-SXM4-80GB,L40S,RTX-4090 \
  --format json --output '$out/decoder-1b-projection.json'"
stage bench-naive 60 scripts/bench-naive.sh cuda 3
results
stage gpu-max-batch 120 bash -c 'gpu_tests gpu-max-batch -R FindMaxBatch --output-junit "$out/ctest-gpu-max-batch.xml"'
stage cpu-tests 90 ctest --test-dir "$build" -LE gpu --no-tests=error -j 8 --output-junit "$out/ctest.xml"

results
pack
cat "$summary" "$out/results.txt"
