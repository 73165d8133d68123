#!/bin/sh
# plot_bench.sh — throughput over time per engine for one workload, from the
# over-time CSV that `lsm_bench --csv=PREFIX` writes (PREFIX.intervals.csv).
#
# usage: tools/plot_bench.sh PREFIX.intervals.csv out.png [workload] [round]
#   workload: default the first one in the CSV; round: default every round
#   (one line per engine and round), or a round number.
# Needs gnuplot with the pngcairo terminal (Debian: gnuplot-nox or gnuplot-qt);
# falls back to the libgd png terminal.
set -eu

if [ $# -lt 2 ]; then
  echo "usage: $0 PREFIX.intervals.csv out.png [workload] [round]" >&2
  exit 2
fi
csv=$1
out=$2
workload=${3:-}
round=${4:-}
command -v gnuplot >/dev/null 2>&1 || { echo "$0: gnuplot not found" >&2; exit 1; }
[ -r "$csv" ] || { echo "$0: cannot read $csv" >&2; exit 1; }
if ! head -n 1 "$csv" | grep -q '^engine,workload,round,elapsed_s,ops_in_interval,ops_per_sec'; then
  echo "$0: $csv is not an lsm_bench intervals CSV (header mismatch)" >&2
  exit 1
fi
if [ -z "$workload" ]; then
  workload=$(awk -F, 'NR == 2 { print $2; exit }' "$csv")
fi
[ -n "$workload" ] || { echo "$0: $csv holds no rows" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# One data file per (engine, round): elapsed_s ops_per_sec.
awk -F, -v w="$workload" -v r="$round" -v dir="$tmp" '
  NR > 1 && $2 == w && (r == "" || $3 == r) {
    f = dir "/" $1 "-r" $3 ".dat"
    if (!(f in seen)) { seen[f] = 1; order[++n] = f; label[f] = $1 " (round " $3 ")" }
    print $4, $6 > f
  }
  END { for (i = 1; i <= n; i++) print order[i] "\t" label[order[i]] > (dir "/series") }
' "$csv"
[ -s "$tmp/series" ] || { echo "$0: no rows for workload '$workload' in $csv" >&2; exit 1; }

if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
  terminal='pngcairo size 1200,700 noenhanced font ",10"'
else
  terminal='png size 1200,700 noenhanced'
fi

plot=""
while IFS="$(printf '\t')" read -r file label; do
  [ -z "$plot" ] || plot="$plot, "
  plot="$plot'$file' using 1:2 with linespoints pointsize 0.5 title '$label'"
done < "$tmp/series"

gnuplot <<GNUPLOT
set terminal $terminal
set output '$out'
set datafile separator ' '
set title "lsm_bench: $workload, throughput over time"
set xlabel 'elapsed (s)'
set ylabel 'ops/sec'
set grid
set key outside right top
set yrange [0:*]
set format y '%.0s%c'
plot $plot
GNUPLOT
echo "wrote $out ($workload)"
