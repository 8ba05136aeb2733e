#!/usr/bin/env bash
# Benchmark: weft's exhaustive DFS vs Relacy's full search (rl::sched_full) on the same counter
# scenarios, in one run on this machine; prints a table with ratios and writes a CSV.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
bash ci/install-deps.sh
bash ci/build.sh >/dev/null
out=build/bench
mkdir -p "$out"
./build/tests/bench/weft_bench --repeats "$repeats" > "$out/weft.txt"
./build/tests/bench/relacy_bench --repeats "$repeats" > "$out/relacy.txt"

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo "date,machine,scenario,threads,iterations,weft_executions,weft_seconds,weft_execs_per_sec,relacy_executions,relacy_seconds,relacy_execs_per_sec,execs_per_sec_ratio,time_ratio" > "$out/bench.csv"
printf '%-20s %5s %12s %10s %12s %12s %10s %12s %9s %9s\n' scenario size weft_execs weft_s weft_exec/s relacy_execs relacy_s relacy_exec/s "exec/s x" "time x"
machine="$(nproc)cores-$(uname -m)"
while read -r w; do
  scen=$(field scenario "$w"); t=$(field threads "$w"); i=$(field iterations "$w")
  r=$(grep " scenario=$scen threads=$t iterations=$i " "$out/relacy.txt" || true)
  [ -n "$r" ] || continue
  we=$(field executions "$w"); ws=$(field median_seconds "$w"); wr=$(field execs_per_sec "$w")
  re=$(field executions "$r"); rs=$(field median_seconds "$r"); rr=$(field execs_per_sec "$r")
  ratio=$(awk -v a="$wr" -v b="$rr" 'BEGIN { printf "%.2f", a / b }')
  tratio=$(awk -v a="$ws" -v b="$rs" 'BEGIN { printf "%.2f", b / a }')
  printf '%-20s %5s %12s %10s %12s %12s %10s %12s %9s %9s\n' "$scen" "${t}x${i}" "$we" "$ws" "$wr" "$re" "$rs" "$rr" "$ratio" "$tratio"
  echo "$(date -u +%F),$machine,$scen,$t,$i,$we,$ws,$wr,$re,$rs,$rr,$ratio,$tratio" >> "$out/bench.csv"
done < "$out/weft.txt"
echo
echo "exec/s x: weft executions per second / Relacy's (goal >= 2). time x: Relacy's time to exhaust (or to the"
echo "first bug) / weft's. Medians of $repeats runs. Executions differ: Relacy also schedules at thread exit,"
echo "weft at spawn and join. CSV: $out/bench.csv"
