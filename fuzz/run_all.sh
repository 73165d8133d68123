#!/usr/bin/env bash
# fuzz/run_all.sh <seconds> [min_executions] — builds every libFuzzer target
# (cmake -DLSM_BUILD_FUZZERS=ON with clang) and runs each for <seconds>, all at
# once, starting from the committed corpus (fuzz/corpus/<target>) and
# reproducers (fuzz/reproducers/<target>). The slow targets (the whole-tree
# open) run at normal priority and the others at nice 10, so on two cores a
# slow target keeps most of a core while the decoders share the rest (in CI
# runs each still ran 60,000 to 1.4M inputs in its minute; one short of
# min_executions runs on, as below). Prints one line per target:
#   FIGURE fuzz <target>: <execs> executions in <s> s, <n> crashes
# A crash, leak, timeout or out-of-memory input is copied into
# fuzz/reproducers/<target>/ (the replay test runs it once it is fixed) and
# makes the script exit non-zero. A target that ran fewer than
# min_executions inputs (default 0) in <seconds> runs on until it has (the
# whole-tree open is slower than the decoders); the figure counts both runs.
#
# Environment: LSM_FUZZ_CXX (default clang++-14, else clang++), LSM_FUZZ_BUILD
# (build directory, default <repo>/build-fuzz), LSM_FUZZ_JOBS (targets run at
# once, default all), LSM_FUZZ_TARGETS (default: every target), LSM_FUZZ_SLOW
# (the targets at normal priority, default tree_open).
set -euo pipefail

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <seconds> [min_executions]" >&2
  exit 2
fi
seconds=$1
min_execs=${2:-0}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LSM_FUZZ_BUILD:-$root/build-fuzz}
targets=${LSM_FUZZ_TARGETS:-tree_open wal_reader block table version_edit write_batch}
jobs=${LSM_FUZZ_JOBS:-$(wc -w <<<"$targets")}
slow=" ${LSM_FUZZ_SLOW:-tree_open} "
build_jobs=$(nproc 2>/dev/null || echo 2)
cxx=${LSM_FUZZ_CXX:-}
if [[ -z $cxx ]]; then
  if command -v clang++-14 >/dev/null; then cxx=clang++-14; else cxx=clang++; fi
fi

mkdir -p "$build"
# Line tables only: a report still names file and line, and the build is a
# fifth shorter than with full debug information.
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
  -DLSM_BUILD_FUZZERS=ON -DLSM_BUILD_TESTS=OFF -DLSM_BUILD_EXAMPLES=OFF \
  -DLSM_BUILD_BENCH=OFF -DLSM_INSTALL=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
build_targets=()
for t in $targets; do build_targets+=(--target "lsm_fuzz_$t"); done
cmake --build "$build" -j "$build_jobs" "${build_targets[@]}"

run_one() {
  local t=$1
  local work="$build/run/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  local dirs=("$work/corpus" "$root/fuzz/corpus/$t")
  [[ -d $root/fuzz/reproducers/$t ]] && dirs+=("$root/fuzz/reproducers/$t")
  local start end rc=0
  start=$(date +%s)
  local flags=(-timeout=20 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$work/artifacts/")
  local nice=(nice -n 10)
  [[ $slow == *" $t "* ]] && nice=()
  "${nice[@]}" "$build/fuzz/lsm_fuzz_$t" -max_total_time="$seconds" "${flags[@]}" "${dirs[@]}" \
    >"$work/log" 2>&1 || rc=$?
  # A slow target (whole-tree open) goes on until it has run min_executions.
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  execs=${execs:-0}
  if ((rc == 0 && execs < min_execs)); then
    "${nice[@]}" "$build/fuzz/lsm_fuzz_$t" -runs=$((min_execs - execs)) \
      -max_total_time=$((seconds * 20)) \
      "${flags[@]}" "${dirs[@]}" >>"$work/log" 2>&1 || rc=$?
  fi
  end=$(date +%s)
  echo "$rc $((end - start))" >"$work/result"
}

running=0
for t in $targets; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
for t in $targets; do
  work="$build/run/$t"
  read -r rc secs <"$work/result"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" |
    awk '{ n += $1 } END { print n + 0 }')
  crashes=0
  shopt -s nullglob
  for f in "$work"/artifacts/*; do
    crashes=$((crashes + 1))
    mkdir -p "$root/fuzz/reproducers/$t"
    cp "$f" "$root/fuzz/reproducers/$t/"
    echo "fuzz $t: saved $(basename "$f") in fuzz/reproducers/$t/ (log: $work/log)" >&2
  done
  shopt -u nullglob
  if ((crashes == 0 && rc != 0)); then
    crashes=1  # died without an artifact (e.g. a deadly signal in the harness)
    echo "fuzz $t: exited with status $rc (log: $work/log)" >&2
  fi
  echo "FIGURE fuzz $t: $execs executions in $secs s, $crashes crashes"
  if ((crashes > 0)); then failed=1; fi
  if ((execs < min_execs)); then
    echo "fuzz $t: $execs executions, fewer than the $min_execs required" >&2
    failed=1
  fi
done
exit $failed
