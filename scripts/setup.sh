#!/usr/bin/env bash
# Sets up and builds epochcost (Release, build/epochcost). Idempotent: installs only what is
# missing, and on a machine that already has the libraries and torch (a rented GPU box, an offline
# node) installs nothing and still builds.
#
#   EPOCHCOST_TORCH_PYTHON     a Python whose torch provides LibTorch (skips the virtual env)
#   EPOCHCOST_TORCH_VERSION    torch version to install when none is found (default 2.11.0)
#   EPOCHCOST_TORCH_INDEX_URL  package index to install torch from (e.g. a cu126 index for a V100
#                              or a driver older than 580; see docs/gpu-support.md)
#   EPOCHCOST_VENV             where the virtual env lives (default ~/.local/share/epochcost/venv,
#                              outside the clone so a fresh clone does not download torch again)
#   EPOCHCOST_BUILD_DIR        build directory (default <repo>/build)
#   EPOCHCOST_CMAKE_ARGS       more configure options, split at blanks
#                              (e.g. -DEPOCHCOST_TORCH_IMPORT=manual)
#   EPOCHCOST_SKIP_APT=1       never install system packages (offline machines); CMAKE_PREFIX_PATH
#                              in the environment can point the build at libraries elsewhere
#
#   scripts/setup.sh [--help]  (no other arguments: the settings above are the environment's)
set -euo pipefail

case ${1:-} in
  "") ;;
  -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "[setup] error: unknown argument '$1'; scripts/setup.sh takes none (see --help)" >&2; exit 2 ;;
esac
skip_apt=${EPOCHCOST_SKIP_APT:-0}
[[ $skip_apt == 0 ]] && skip_apt=""

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_version=${EPOCHCOST_TORCH_VERSION:-2.11.0}
venv=${EPOCHCOST_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/epochcost/venv}
build_dir=${EPOCHCOST_BUILD_DIR:-$root/build}

say() { echo "[setup] $*" >&2; }
die() { echo "[setup] error: $*" >&2; exit 1; }

# --- system packages: each requirement is probed by what it provides, not by package name, so a
# machine that has the files from elsewhere is left alone.
need_packages=()
optional_packages=()  # epochcost works without these (and says so); a failed install is a note
has() {  # has FILE-OR-COMMAND...: is any of them there?
  for thing in "$@"; do
    if [[ $thing == /* ]]; then compgen -G "$thing" >/dev/null && return 0
    else command -v "$thing" >/dev/null 2>&1 && return 0; fi
  done
  return 1
}
probe() {  # probe PACKAGE FILE-OR-COMMAND...
  local package=$1; shift
  has "$@" || need_packages+=("$package")
}
probe_optional() {  # probe_optional PACKAGE FILE-OR-COMMAND...
  local package=$1; shift
  has "$@" || optional_packages+=("$package")
}
probe g++ g++
probe cmake cmake
probe ninja-build ninja
probe ccache ccache
probe python3 python3
probe libspdlog-dev '/usr/lib/*/cmake/spdlog/spdlogConfig.cmake' '/usr/lib/cmake/spdlog/spdlogConfig.cmake' /usr/include/spdlog/spdlog.h
probe libyaml-cpp-dev '/usr/lib/*/cmake/yaml-cpp/yaml-cpp-config.cmake' '/usr/lib/cmake/yaml-cpp/yaml-cpp-config.cmake' '/usr/share/cmake/yaml-cpp/yaml-cpp-config.cmake' '/usr/lib/*/libyaml-cpp.so'
probe libgtest-dev '/usr/lib/*/cmake/GTest/GTestConfig.cmake' '/usr/lib/cmake/GTest/GTestConfig.cmake'
probe libcli11-dev '/usr/share/cmake/CLI11/CLI11Config.cmake' '/usr/lib/cmake/CLI11/CLI11Config.cmake' /usr/include/CLI/CLI.hpp
probe libsqlite3-dev '/usr/include/sqlite3.h'
probe nlohmann-json3-dev '/usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake' /usr/include/nlohmann/json.hpp
probe_optional gnuplot-nox gnuplot  # the images of --plot; without it, the data and the script only

# --- torch: an explicit Python, then the project's virtual env, then the system Python (unless a
# package index is named: that asks for a torch from it); install into the virtual env only when
# none of them has it.
has_torch() { "$1" -c 'import torch' >/dev/null 2>&1; }
torch_python=""
if [[ -n ${EPOCHCOST_TORCH_PYTHON:-} ]]; then
  has_torch "$EPOCHCOST_TORCH_PYTHON" || die "EPOCHCOST_TORCH_PYTHON=$EPOCHCOST_TORCH_PYTHON cannot import torch"
  torch_python=$EPOCHCOST_TORCH_PYTHON
elif [[ -x $venv/bin/python ]] && has_torch "$venv/bin/python"; then
  torch_python=$venv/bin/python
elif [[ -z ${EPOCHCOST_TORCH_INDEX_URL:-} ]] && command -v python3 >/dev/null 2>&1 &&
  has_torch "$(command -v python3)"; then
  torch_python=$(command -v python3)
elif command -v python3 >/dev/null 2>&1 && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need_packages+=(python3-venv)  # Debian's python3 makes virtual envs only with this
fi

if ((${#need_packages[@]})) && [[ -n $skip_apt ]]; then
  say "not installing (EPOCHCOST_SKIP_APT): ${need_packages[*]}; the build says what it lacks"
elif ((${#need_packages[@]})); then
  say "installing ${need_packages[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install ${need_packages[*]} yourself"
    sudo=sudo
  fi
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${need_packages[*]} (or their equivalents) yourself"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2 || die "apt-get update failed (offline?); missing: ${need_packages[*]}"
  apt_updated=1
  $sudo apt-get install -y -q --no-install-recommends "${need_packages[@]}" >&2 ||
    die "apt-get install failed; missing: ${need_packages[*]}"
fi
if ((${#optional_packages[@]})); then
  without="--plot then writes the data and a gnuplot script, but no image"
  if [[ -n $skip_apt ]] || ! command -v apt-get >/dev/null 2>&1 ||
    { [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; }; then
    say "optional, not installed: ${optional_packages[*]} ($without)"
  else
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    say "installing optional ${optional_packages[*]}"
    if ! { { [[ -n ${apt_updated:-} ]] || $sudo apt-get update -q >&2; } &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${optional_packages[@]}" >&2; }; then
      say "note: could not install ${optional_packages[*]}; $without"
    fi
  fi
fi

if [[ -z $torch_python ]]; then
  if [[ ! -x $venv/bin/python ]]; then
    say "creating the virtual env $venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >&2 || { rm -rf "$venv"; die "python3 -m venv $venv failed"; }
  fi
  index_args=()
  [[ -n ${EPOCHCOST_TORCH_INDEX_URL:-} ]] && index_args=(--index-url "$EPOCHCOST_TORCH_INDEX_URL")
  say "installing torch==$torch_version into $venv (about 3 GB; the env lives outside the clone, so later clones reuse it)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${index_args[@]}" "torch==$torch_version" >&2
  torch_python=$venv/bin/python
fi
found_version=$("$torch_python" -c 'import torch; print(torch.__version__)' 2>/dev/null)
say "LibTorch from $torch_python (torch $found_version)"
[[ $found_version == "$torch_version"* ]] ||
  say "note: torch $found_version is not the pinned $torch_version; set EPOCHCOST_TORCH_VERSION to silence this"

# --- CMake 3.25 or newer (Ubuntu 22.04 ships 3.22): else the one from PyPI, in the virtual env.
cmake=cmake
cmake_version=$(cmake --version 2>/dev/null | awk 'NR==1 {print $3}')
if [[ -z $cmake_version ]] || [[ $(printf '%s\n3.25\n' "$cmake_version" | sort -V | head -n 1) != 3.25 ]]; then
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv" >&2 || die "python3 -m venv $venv failed"
  [[ -x $venv/bin/cmake ]] || {
    say "CMake ${cmake_version:-none} is older than 3.25: installing cmake from PyPI into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "cmake>=3.25" >&2
  }
  cmake=$venv/bin/cmake
fi

# --- configure and build.
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [[ -f $build_dir/CMakeCache.txt ]] && ! grep -q "CMAKE_GENERATOR:INTERNAL=${generator[1]:-Unix Makefiles}" "$build_dir/CMakeCache.txt"; then
  rm -rf "$build_dir"  # a build directory made by another generator cannot be reused
fi
read -r -a extra_cmake_args <<<"${EPOCHCOST_CMAKE_ARGS:-}"
"$cmake" -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DEPOCHCOST_TORCH_PYTHON="$torch_python" "${extra_cmake_args[@]}" >&2
"$cmake" --build "$build_dir" -j "$(nproc)" >&2
say "built $build_dir/epochcost"
