#!/usr/bin/env bash
# A CUDA toolkit of another major version than torch's is never used to import the wheel (its
# libcudart would be loaded next to torch's): auto falls back to the manual import and says why;
# a forced config import stops with the reason. Configure only, against a stand-in nvcc.
#   torch_import_test.sh SOURCE_DIR TORCH_PYTHON SCRATCH_DIR
set -euo pipefail
source_dir=$1 torch_python=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch/bin"
torch_major=$("$torch_python" -c 'import torch; print(torch.version.cuda.split(".")[0])')
other=$((torch_major == 12 ? 11 : 12))
printf '#!/bin/sh\necho "Cuda compilation tools, release %s.4, V%s.4.131"\n' "$other" "$other" >"$scratch/bin/nvcc"
chmod +x "$scratch/bin/nvcc"
configure() {  # configure IMPORT_MODE
  cmake -S "$source_dir" -B "$scratch/build-$1" -DEPOCHCOST_TORCH_PYTHON="$torch_python" \
    -DEPOCHCOST_NVCC="$scratch/bin/nvcc" -DEPOCHCOST_TORCH_IMPORT="$1" -DEPOCHCOST_ENABLE_TESTING=OFF 2>&1
}
expect() {  # expect TEXT OUTPUT (CMake wraps its messages: whitespace runs count as one space)
  grep -qF -- "$1" <<<"$(tr -s ' \n' '  ' <<<"$2")" || { echo "expected '$1' in:"; echo "$2"; exit 1; }
}
auto=$(configure auto) || { echo "$auto"; exit 1; }
expect "imported without TorchConfig: $scratch/bin/nvcc is CUDA $other.4, torch is built for CUDA $torch_major" "$auto"
expect "CUDA: ON" "$auto"
if forced=$(configure config); then echo "config import with CUDA $other.4 was accepted:"; echo "$forced"; exit 1; fi
expect "EPOCHCOST_TORCH_IMPORT=config: $scratch/bin/nvcc is CUDA $other.4" "$forced"
rm -rf "$scratch"
echo "ok: a CUDA $other toolkit is not used with torch's CUDA $torch_major"
