#!/usr/bin/env bash
# Builds Cadenza and runs every test suite twice: in a normal build, and in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (leak detection on); then, when clang++ is
# installed, runs the libFuzzer targets briefly (the fuzz suite, build-fuzz/).
# Prints one closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

# A real EventSource implementation for the tests, into the git-ignored tests/node/node_modules.
(cd tests/node && npm ci --no-audit --no-fund --loglevel=error) || exit 1

jobs=$(nproc)
status=0

run_suite() { # build-dir, meson setup options...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null || return 1
  fi
  ninja -C "$dir" -j "$jobs" || return 1
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== normal build (build/)"
run_suite build || status=1
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)"
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug || status=1

# ---- fuzzing: every target in tests/fuzz for a bounded time (docs/testing.md) ----
# A clang build with libFuzzer's coverage instrumentation and ASan + UBSan; only the fuzz
# suite runs there (the other suites already ran above).
logs=(build/meson-logs/testlog.json build-asan/meson-logs/testlog.json)
if command -v clang++ >/dev/null 2>&1; then
  echo "== fuzz targets (build-fuzz/)"
  logs+=(build-fuzz/meson-logs/testlog.json)
  rm -f build-fuzz/meson-logs/testlog.json # a failed build must not count an old run
  if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_lundef=false >/dev/null || status=1
  fi
  if [ -f build-fuzz/build.ninja ]; then
    meson test -C build-fuzz --suite fuzz --num-processes "$jobs" --print-errorlogs || status=1
  fi
else
  echo "== fuzz targets skipped: clang++ is not installed"
fi
# ---- end of fuzzing ----

# One closing line over all runs, counted from meson's JSON logs.
python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = 0
for path in sys.argv[1:]:
    try:
        for line in open(path):
            r = json.loads(line)["result"]
            if r in ("OK", "EXPECTEDFAIL", "SKIP"):
                passed += r != "SKIP"
            else:
                failed += 1
    except FileNotFoundError:
        failed += 1
print(f"tests: {passed} passed, {failed} failed")
PY
exit $status
