#!/usr/bin/env bash
# The GPU check: on a machine with a GPU and torch already installed (no network needed), build
# against that torch, run the whole suite including the gpu label, run the default job with
# --validate-epoch, repeat it, and run the benchmarks (naive recipe; Python peers, including the
# DeepSeek-7B LoRA preset against transformers + PEFT). Each stage has its own time cap
# and writes into OUT_DIR as it goes, so a machine lent for minutes returns what finished.
#   scripts/gpu-check.sh OUT_DIR
# Debian packages carried in .debs/ (apt-get download here) are unpacked into a private prefix for
# libraries the machine lacks.
set -uo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out"
cd "$root"
build=${EPOCHCOST_BUILD_DIR:-$root/build-gpu}
export EPOCHCOST_BUILD_DIR=$build EPOCHCOST_SKIP_APT=1
summary=$out/summary.txt
: >"$summary"

stage() {  # stage NAME CAP_SECONDS COMMAND...
  local name=$1 cap=$2
  shift 2
  local start=$SECONDS
  timeout --kill-after=10 "$cap" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  printf '%-14s rc=%-3s %4ss (cap %ss)\n' "$name" "$rc" "$((SECONDS - start))" "$cap" | tee -a "$summary"
  return 0
}

if compgen -G ".debs/*.deb" >/dev/null; then
  mkdir -p /tmp/epochcost-deps
  for deb in .debs/*.deb; do dpkg -x "$deb" /tmp/epochcost-deps; done
  export CMAKE_PREFIX_PATH=/tmp/epochcost-deps/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
  export LD_LIBRARY_PATH=$(echo /tmp/epochcost-deps/usr/lib/*-linux-gnu)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

stage environment 60 bash -c '
  nvidia-smi; nvcc --version; cmake --version | head -1; g++ --version | head -1
  python3 -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, torch.cuda.get_device_name(0))"
  ls -d /usr/include/{spdlog,yaml-cpp,gtest,CLI,nlohmann,fmt} 2>&1'
stage build 420 scripts/setup.sh
stage tests 240 ctest --test-dir "$build" --output-on-failure -j 8 --output-junit "$out/ctest.xml"
stage gpu-tests 180 ctest --test-dir "$build" -L gpu --output-on-failure -V
stage default-job 90 "$build/epochcost" run configs/linear-regression.yaml --validate-epoch --format json \
  --output "$out/linear-regression.json"
stage repeats 240 bash -c "for i in 1 2 3 4 5; do \"$build/epochcost\" --log-level warn run configs/linear-regression.yaml \
  --validate-epoch --format json --output \"$out/linear-regression-run\$i.json\" || exit; done"
stage cpu-job 60 "$build/epochcost" run configs/linear-regression.yaml --set device=cpu --validate-epoch \
  --format json --output "$out/linear-regression-cpu.json"
stage bench-naive 180 scripts/bench-naive.sh
stage bench-python 420 env EPOCHCOST_BENCH_OUT="$out/bench" scripts/bench-vs-python.sh
# A compute-heavy measured step carried to GPUs this machine is not (labelled projected; the
# method's error needs both ends measured, see docs/projection.md).
stage project 150 bash -c "'$build/epochcost' --log-level warn run configs/decoder-1b-full-bf16.yaml \
  --set timing.max_seconds=20 --format json --output '$out/decoder-1b.json' && \
  '$build/epochcost' project '$out/decoder-1b.json' --to H100-SXM5-80GB,A100-SXM4-80GB,L40S,RTX-4090 && \
  '$build/epochcost' project '$out/decoder-1b.json' --to H100-SXM5-80GB,A100-SXM4-80GB,L40S,RTX-4090 \
  --format json --output '$out/decoder-1b-projection.json'"
# One CUDA runtime per process: list the libcudart files mapped into a running measurement.
stage cudart 60 bash -c "'$build/epochcost' --log-level off run configs/linear-regression.yaml \
  --set timing.max_seconds=8 --set timing.target_ci_pct=0.0001 >/dev/null & pid=\$!; sleep 5;
  grep -o '/[^ ]*libcudart[^ ]*' /proc/\$pid/maps | sort -u; kill -INT \$pid; wait \$pid; echo exit \$?"

python3 - "$out" <<'PY' >>"$summary" 2>&1
import glob, json, os, sys
out = sys.argv[1]
for path in sorted(glob.glob(os.path.join(out, "linear-regression*.json"))):
    j = json.load(open(path))
    t, e, c = j["timing"], j["epoch"], j["cost"]
    v = e["validated"] or {}
    print(f"{os.path.basename(path)}: {j['environment']['device_name']} T_batch {t['t_batch_s']['mean']*1e6:.2f} us "
          f"±{t['t_batch_s']['ci95_half_width_pct']:.2f}% ({t['measured_steps']} steps, {t['clock']}, "
          f"stable={t['stable']}, overhead {t['instrumentation_overhead_pct']:.2f}%), epoch predicted "
          f"{e['seconds']:.4f} s actual {v.get('actual_seconds', float('nan')):.4f} s error {v.get('error_pct', float('nan')):.2f}%, "
          f"cost {c['per_epoch']:.3g} {c['currency']}")
PY
cat "$summary"
