#!/usr/bin/env bash
# Every C++ file of the project is formatted as .clang-format says
# (clang-format 14, Debian 12's). Lists the files that are not, with the
# command that formats them; exit 77 (skipped) without clang-format 14.
#
#   tests/check_format.sh [SOURCE_DIR] [CLANG_FORMAT]
#
# Registered with ctest as style.clang-format (label style).
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
clang_format="${2:-clang-format}"

if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "SKIPPED: $clang_format not found (apt-get install clang-format)"
  exit 77
fi
version="$("$clang_format" --version | grep -o '[0-9][0-9]*\.[0-9.]*' | head -n 1)"
if [ "${version%%.*}" != 14 ]; then
  echo "SKIPPED: clang-format $version; the style is checked with version 14"
  exit 77
fi

cd "$root"
unformatted=()
while IFS= read -r -d '' file; do
  "$clang_format" --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done < <(find solvers meshes postprocess tests benchmarks \
              \( -name '*.h' -o -name '*.cc' \) -print0 | sort -z)

if [ ${#unformatted[@]} -gt 0 ]; then
  echo "Not formatted as .clang-format says (${#unformatted[@]} files):"
  printf '  %s\n' "${unformatted[@]}"
  echo "Format them with: clang-format -i ${unformatted[*]}"
  exit 1
fi
echo "All C++ files formatted (clang-format $version)."
