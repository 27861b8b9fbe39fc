#!/usr/bin/env bash
# The course's commands. Each installs what it needs first (once; the environment is reused
# while requirements.txt is unchanged).
#   ./run.sh            main job: release/ from source/, grade the example class, feedback, export
#   ./run.sh test       the whole test suite (what CI runs)
#   ./run.sh bench      the benchmark: writes docs/benchmarks.md and docs/benchmarks.json
#   ./run.sh python …   any command inside the course environment
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

pick_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "error: Python 3.11 is required (python3.11 not found)" >&2; exit 2
}

# One environment per set of pins, outside the clone, so repeated CI runs on a machine reuse it.
PINS=$(cat requirements.txt | sha256sum | cut -c1-12)
VENV=${CNN_COURSE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/cnn-course/venv-$PINS}
if [ ! -f "$VENV/.complete" ]; then
  echo "== installing the course environment into $VENV (once per requirements.txt)"
  rm -rf "$VENV"
  "$(pick_python)" -m venv "$VENV"
  log="$VENV.install.log"
  if ! "$VENV/bin/python" -m pip install -r requirements.txt >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" | tail -40 >&2
    echo "error: installing requirements.txt failed (full log: $log)" >&2; exit 1
  fi
  touch "$VENV/.complete"
fi
export PATH="$VENV/bin:$PATH" PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg
export PYTHONDONTWRITEBYTECODE=1 PYDEVD_DISABLE_FILE_VALIDATION=1

case "${1:-main}" in
  main) shift || true; exec python -m autograder demo "$@" ;;
  # two workers side by side: each kernel gets one core, else torch's threads fight over them
  # no arguments: the whole suite (pyproject.toml names tests/); with arguments: what they select
  test) shift
    # the kernel's sandbox (autograder/sandbox.py) reaches its namespace layer only with bubblewrap
    if [ "$(id -u)" = 0 ] && ! command -v bwrap >/dev/null 2>&1; then
      if { apt-get update -qq && apt-get install -y -qq bubblewrap; } >/dev/null 2>&1; then
        echo "== installed bubblewrap (the grader's sandbox)"
      else
        echo "== could not install bubblewrap: sandbox tests run without namespaces"
      fi
    fi
    # the browser tests (tests/test_browser.py) drive Debian's chromium with playwright (requirements.txt)
    if [ "$(id -u)" = 0 ] && [ ! -x /usr/bin/chromium ]; then
      if { apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1; then
        echo "== installed chromium (the browser tests)"
      else
        echo "== could not install chromium: the browser tests are skipped"
      fi
    fi
    # the longest tests first (tests/durations.json, tests/conftest.py), each group of tests sharing a module
    # fixture on one worker, in that order
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 exec python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder "$@" ;;
  bench) shift; exec python -m benchmarks "$@" ;;
  python) shift; exec python "$@" ;;
  *) echo "usage: ./run.sh [main|test|bench|python ...]" >&2; exit 2 ;;
esac
