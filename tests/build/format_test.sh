#!/usr/bin/env bash
# Every tracked C++ source is laid out as .clang-format says. Only with clang-format 14 (Debian
# 12's, where CI runs): other versions lay out some constructs differently. Exit 77: skipped.
#   format_test.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "skipped: no clang-format"; exit 77; }
version=$(clang-format --version | sed -n '1s/.*version \([0-9][0-9]*\).*/\1/p')
[[ $version == 14 ]] ||
  { echo "skipped: clang-format ${version:-of unknown version}, the layout is checked with 14"; exit 77; }
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
  { echo "skipped: not a git checkout"; exit 77; }
git ls-files -z '*.cpp' '*.hpp' '*.h' | xargs -0 clang-format --dry-run --Werror
echo "ok: $(git ls-files '*.cpp' '*.hpp' '*.h' | wc -l) files as .clang-format says"
