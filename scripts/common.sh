# Sourced by the scripts that run epochcost and Python side by side: where the build and the
# Python that holds torch are (the same choices scripts/setup.sh makes).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${EPOCHCOST_BUILD_DIR:-$root/build}
venv=${EPOCHCOST_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/epochcost/venv}
py=${EPOCHCOST_TORCH_PYTHON:-}
if [[ -z $py && -x $venv/bin/python ]]; then py=$venv/bin/python; fi
if [[ -z $py ]]; then py=python3; fi
