#!/usr/bin/env bash
# Runs the whole test suite of a built tree (scripts/setup.sh builds it). Tests labelled gpu skip
# where no CUDA device is visible; the reason is printed first so it is never silent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${EPOCHCOST_BUILD_DIR:-$root/build}
[[ -f $build_dir/CTestTestfile.cmake ]] || { echo "no build in $build_dir: run scripts/setup.sh" >&2; exit 2; }

if [[ -x $build_dir/tests/epochcost_gpu_tests ]]; then
  reason=$("$build_dir/tests/epochcost_gpu_tests" --gtest_filter='Gpu.DeviceIsDescribed' 2>&1 |
           grep -A1 ': Skipped$' | tail -n 1 || true)
  [[ -n $reason ]] && echo "gpu-labelled tests will skip: $reason"
else
  echo "gpu-labelled tests are not built (no LibTorch runner in this build)"
fi
# The ctest that setup.sh put in the virtual env when the system's CMake was too old.
venv=${EPOCHCOST_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/epochcost/venv}
ctest=ctest
[[ -x $venv/bin/ctest ]] && ctest=$venv/bin/ctest
"$ctest" --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 600
