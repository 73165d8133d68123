#!/usr/bin/env bash
# tools/format.sh — clang-format over the C++ sources of include/, src/, tests/,
# examples/, bench/ and tools/ with the repository's .clang-format.
#
#   tools/format.sh           reformat the files in place
#   tools/format.sh --check   change nothing; list the files that differ and exit 1
#
# CLANG_FORMAT=<binary> picks the clang-format to use (default: clang-format).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format=${CLANG_FORMAT:-clang-format}
mode=${1:-}
case "$mode" in
  "" | --check) ;;
  *) echo "usage: tools/format.sh [--check]" >&2; exit 2 ;;
esac

dirs=(include src tests examples bench tools)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- "${dirs[@]}" |
                       grep -E '\.(hpp|cpp|h|cc)$' | sort -u)
else
  mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.hpp' -o -name '*.cpp' \
                       -o -name '*.h' -o -name '*.cc' \) 2>/dev/null | sort)
fi
existing=()
for f in "${files[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
if ((${#existing[@]} == 0)); then
  echo "tools/format.sh: no C++ files found" >&2
  exit 0
fi

if [[ "$mode" != --check ]]; then
  "$clang_format" -i "${existing[@]}"
  echo "formatted ${#existing[@]} files with $("$clang_format" --version)"
  exit 0
fi

bad=()
for f in "${existing[@]}"; do
  "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "clang-format: ${#bad[@]} of ${#existing[@]} files are not formatted" \
       "($("$clang_format" --version)):"
  printf '  %s\n' "${bad[@]}"
  echo "see the changes: $clang_format --dry-run <file>; apply them: tools/format.sh"
  exit 1
fi
echo "clang-format: all ${#existing[@]} files formatted"
