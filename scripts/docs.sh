#!/usr/bin/env bash
# Builds plantwin's documentation site into build/docs/html (open build/docs/html/index.html):
# the user guide (docs/*.md, scenarios/README.md), the Python API from the docstrings, the C++
# API from the headers (Doxygen) and the example notebooks, executed, with their outputs.
# Warnings are errors, so a broken reference fails the build (and the test suite's docs_build).
#
#   bash scripts/docs.sh [PYTHON_DIR] [OUT_DIR]
#
# PYTHON_DIR: the built package (default: build/release/python, else build/ci/python, else the
# installed one); OUT_DIR: default build/docs. Needs Debian's python3-sphinx, python3-myst-parser,
# python3-nbsphinx, pandoc and doxygen (scripts/setup.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${1:-}"
if [ -z "$py" ]; then
  for d in "$root/build/release/python" "$root/build/ci/python"; do
    if [ -d "$d/plantwin" ]; then py="$d"; break; fi
  done
fi
out="$(mkdir -p "${2:-$root/build/docs}" && cd "${2:-$root/build/docs}" && pwd)"
src="$out/src"
rm -rf "$src" "$out/html" "$out/doctrees"
mkdir -p "$src/guide" "$src/examples" "$src/_extra"

# The sources, staged: the site's own pages, the Markdown guide, the notebooks.
cp -r "$root/docs/sphinx/." "$src/"
cp "$root"/docs/*.md "$root"/docs/*.png "$src/guide/"
cp "$root/scenarios/README.md" "$src/guide/scenarios.md"
cp "$root"/python/examples/*.ipynb "$src/examples/"

# The C++ reference from the public headers.
(cd "$root" && {
  cat <<DOXY
PROJECT_NAME = plantwin
INPUT = engine/include models/include io/include
RECURSIVE = YES
FILE_PATTERNS = *.h
EXTRACT_ALL = YES
EXTRACT_STATIC = YES
WARN_IF_UNDOCUMENTED = NO
WARN_AS_ERROR = FAIL_ON_WARNINGS
QUIET = YES
GENERATE_LATEX = NO
GENERATE_HTML = YES
HAVE_DOT = NO
OUTPUT_DIRECTORY = $out/doxygen
HTML_OUTPUT = html
STRIP_FROM_PATH = $root
JAVADOC_AUTOBRIEF = YES
INPUT_FILTER = "$root/scripts/doxygen_filter.sh"
FILTER_SOURCE_FILES = NO
DOXY
} | doxygen -)
cp -r "$out/doxygen/html" "$src/_extra/cpp"

# The notebooks run in a scratch folder (they write nothing next to themselves) against PY.
# experiment_comparison runs the command line program of the same build (PLANTWIN_CLI).
if [ -n "$py" ]; then
  export PYTHONPATH="$py${PYTHONPATH:+:$PYTHONPATH}"
  if [ -z "${PLANTWIN_CLI:-}" ] && [ -x "$py/../plantwin" ]; then
    export PLANTWIN_CLI="$(cd "$py/.." && pwd)/plantwin"
  fi
fi
# The notebooks show their figures inline (not MPLBACKEND=Agg, which would show none).
unset MPLBACKEND
export PYDEVD_DISABLE_FILE_VALIDATION=1
cd "$src"
/usr/bin/python3 -m sphinx -W --keep-going -q -b html -d "$out/doctrees" "$src" "$out/html"
echo "docs: $out/html/index.html"
