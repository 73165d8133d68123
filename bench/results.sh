#!/usr/bin/env bash
# bench/results.sh — the one command behind the README's results tables: builds
# lsm_bench (Release), runs every workload on lsm, LevelDB and RocksDB side by
# side, and writes OUT_DIR/results.md (the tables) and OUT_DIR/fillrandom.png.
#
#   bench/results.sh [OUT_DIR]            # default: bench-results/
#   LSM_RESULTS_NUM=200000 bench/results.sh   # smaller, for a quick look
#
# Runs (each with the engines interleaved, medians of LSM_RESULTS_ROUNDS rounds,
# LSM_RESULTS_SYNC_ROUNDS for the fillsync runs):
#   main       every workload but fillsync, NUM (1M) keys
#   fillsync1  fillsync (SYNC_NUM/100 = 10000 synced puts), 1 writer
#   fillsync4  fillsync, 4 writers (group commit)
#   threads4   fillrandom, then readrandom, readmissing and seekrandom, 4 threads
#   big        fillrandom at BIG_NUM (5M) keys, then NUM random reads of them
#   str, u64   lsm alone: fillrandom, readrandom, seekrandom with 16-byte string
#              keys, then the same with std::uint64_t keys (the same workloads
#              in the same order, so the two trees are in the same state)
# About ten minutes on a quiet 2-core machine at the default sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${1:-bench-results}
num=${LSM_RESULTS_NUM:-1000000}
big=${LSM_RESULTS_BIG_NUM:-5000000}
sync_num=${LSM_RESULTS_SYNC_NUM:-1000000}  # fillsync puts num/100 keys, each synced
rounds=${LSM_RESULTS_ROUNDS:-2}
# A synced put waits for the device (about 0.1 ms), whose speed moves with the
# machine's load: runs of a second per engine, and more rounds than the others.
sync_rounds=${LSM_RESULTS_SYNC_ROUNDS:-7}
build=${LSM_RESULTS_BUILD:-build-rel}
engines=${LSM_RESULTS_ENGINES:-lsm,leveldb,rocksdb}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target lsm_bench -j2 >/dev/null
bench=$build/bench/lsm_bench
mkdir -p "$out"

run() {  # run NAME ARGS...: one lsm_bench run, its output kept in OUT_DIR/NAME.txt
  local name=$1
  shift
  echo "== $name: lsm_bench $*" | tee "$out/$name.txt"
  "$bench" --engines="$engines" --rounds="$rounds" --csv="$out/$name" "$@" | tee -a "$out/$name.txt"
}

run main --num="$num" \
  --benchmarks=fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,deleterandom
rounds=$sync_rounds run fillsync1 --num="$sync_num" --benchmarks=fillsync --threads=1
rounds=$sync_rounds run fillsync4 --num="$sync_num" --benchmarks=fillsync --threads=4
run threads4 --num="$num" --threads=4 --benchmarks=fillrandom,readrandom,readmissing,seekrandom
run big --num="$big" --reads="$num" --benchmarks=fillrandom,readrandom
engines=lsm run str --num="$num" --key_type=string --benchmarks=fillrandom,readrandom,seekrandom
engines=lsm run u64 --num="$num" --key_type=u64 --benchmarks=fillrandom,readrandom,seekrandom

python3 bench/results_table.py "$out" >"$out/results.md"
tools/plot_bench.sh "$out/big.intervals.csv" "$out/fillrandom.png" fillrandom 1  # the 5M run
echo
cat "$out/results.md"
echo "written: $out/results.md $out/fillrandom.png"
