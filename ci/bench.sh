#!/usr/bin/env bash
# The benchmark, in one run on this machine (not a test: nothing here asserts a speed).
#  1. Identical program: weft's exhaustive DFS vs Relacy's full search (rl::sched_full) on the
#     counter scenarios written directly against each (weft_bench, relacy_bench): exec/s ratio.
#  2. The catalog: weft dfs, dpor, random, pct and Relacy full, context bound, random over
#     catalog scenarios (catalog_bench): executions and seconds to exhaust or to the first bug.
#  3. A chart of executions to exhaust against problem size (gnuplot, log scale).
# Usage: ci/bench.sh [REPEATS] [--large]   (medians of REPEATS runs, default 5; --large adds
# Relacy's full search of counter/atomic 4x3, about ten minutes here)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=5
large=
for arg in "$@"; do
  case "$arg" in
    --large) large=1 ;;
    *[!0-9]* | '') echo "weft: error: ci/bench.sh: unknown argument '$arg' (usage: ci/bench.sh [REPEATS] [--large])" >&2; exit 2 ;;
    *) repeats=$arg ;;
  esac
done
bash ci/install-deps.sh
bash ci/build.sh >/dev/null
out=build/bench
mkdir -p "$out"
date=$(date -u +%F)
machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"

echo "== 1. identical program: weft dfs vs Relacy full search (medians of $repeats) =="
./build/tests/bench/weft_bench --repeats "$repeats" > "$out/weft.txt"
./build/tests/bench/relacy_bench --repeats "$repeats" > "$out/relacy.txt"
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo "date,machine,scenario,threads,iterations,weft_executions,weft_seconds,weft_execs_per_sec,relacy_executions,relacy_seconds,relacy_execs_per_sec,execs_per_sec_ratio,time_ratio" > "$out/bench.csv"
printf '%-20s %5s %12s %10s %12s %12s %10s %12s %9s %9s\n' scenario size weft_execs weft_s weft_exec/s relacy_execs relacy_s relacy_exec/s "exec/s x" "time x"
while read -r w; do
  scen=$(field scenario "$w"); t=$(field threads "$w"); i=$(field iterations "$w")
  r=$(grep " scenario=$scen threads=$t iterations=$i " "$out/relacy.txt" || true)
  [ -n "$r" ] || continue
  we=$(field executions "$w"); ws=$(field median_seconds "$w"); wr=$(field execs_per_sec "$w")
  re=$(field executions "$r"); rs=$(field median_seconds "$r"); rr=$(field execs_per_sec "$r")
  ratio=$(awk -v a="$wr" -v b="$rr" 'BEGIN { printf "%.2f", a / b }')
  tratio=$(awk -v a="$ws" -v b="$rs" 'BEGIN { printf "%.2f", b / a }')
  printf '%-20s %5s %12s %10s %12s %12s %10s %12s %9s %9s\n' "$scen" "${t}x${i}" "$we" "$ws" "$wr" "$re" "$rs" "$rr" "$ratio" "$tratio"
  echo "$date,$machine,$scen,$t,$i,$we,$ws,$wr,$re,$rs,$rr,$ratio,$tratio" >> "$out/bench.csv"
done < "$out/weft.txt"
echo "exec/s x: weft executions per second / Relacy's (goal >= 2). time x: Relacy's time to exhaust (or to"
echo "the first bug) / weft's. Relacy also schedules at thread exit, weft at spawn and join, so the two"
echo "count different numbers of executions of the same program. CSV: $out/bench.csv"
echo

echo "== 2. the catalog: weft dfs/dpor/random/pct vs Relacy full/bound/random =="
./build/tests/bench/catalog_bench --repeats "$repeats" --seeds 20 ${large:+--large} --csv "$out/catalog.csv" \
  | tee "$out/catalog.txt"
echo "exhaust points: executions of a complete search; bug points: executions to the first bug (random and"
echo "pct: median over seeds 1..20; Relacy random and context bound 2 run once, deterministic). Seconds are"
echo "medians; Relacy's are measured inside weft-relacy. CSV: $out/catalog.csv"
# The headline ratio: DPOR against Relacy's full search on the bounded buffer, 2 producers, 2 consumers.
awk -F, '$3 == "bounded-buffer" && $5 ~ /producers=2 consumers=2/ && $7 == "exhaust" { e[$9] = $11 }
  END { if (e["dpor"] > 0 && e["full"] > 0)
          printf "bounded-buffer 2P/2C: Relacy full %d executions, weft dpor %d: %.0fx fewer (goal >= 100x)\n",
                 e["full"], e["dpor"], e["full"] / e["dpor"] }' "$out/catalog.csv"
echo

echo "== 3. chart =="
gnuplot -e "csv='$out/catalog.csv'; out='$out/exhaust.png'; stamp='$date, $machine'" ci/bench_chart.gp
echo "chart: $out/exhaust.png"
