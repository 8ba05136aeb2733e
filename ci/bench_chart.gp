# Chart of ci/bench.sh: executions to exhaust against problem size (threads x operations per
# thread), log scale, for weft's dfs and dpor and Relacy's full search. Call with
#   gnuplot -e "csv='build/bench/catalog.csv'; out='build/bench/exhaust.png'; stamp='...'" ci/bench_chart.gp
set terminal pngcairo size 960,600 font "sans,10" noenhanced
set output out
set title sprintf("Executions to exhaust a correct scenario (complete search)\n%s", stamp)
set xlabel "problem size: threads x visible operations per thread"
set ylabel "executions (log scale)"
set logscale y
set grid
set key outside right top
set xrange [2:19]
# Columns: 3 series, 6 size, 7 kind, 8 engine, 9 search, 10 outcome, 11 executions.
sel(series, search) = sprintf("< awk -F, '$7 == \"exhaust\" && $10 == \"complete\" && $3 == \"%s\" && $9 == \"%s\" { print $6, $11 }' %s | sort -n", series, search, csv)
plot \
  sel("atomic-3-threads", "dfs")  using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "fetch_add, 3 threads: weft dfs", \
  sel("atomic-3-threads", "dpor") using 1:2 with linespoints lw 2 pt 5 lc rgb "#2ca02c" title "fetch_add, 3 threads: weft dpor", \
  sel("atomic-3-threads", "full") using 1:2 with linespoints lw 2 pt 9 lc rgb "#d62728" title "fetch_add, 3 threads: Relacy full", \
  sel("atomic-4-threads", "dfs")  using 1:2 with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "fetch_add, 4 threads: weft dfs", \
  sel("atomic-4-threads", "dpor") using 1:2 with linespoints lw 1 dt 2 pt 4 lc rgb "#2ca02c" title "fetch_add, 4 threads: weft dpor", \
  sel("atomic-4-threads", "full") using 1:2 with linespoints lw 1 dt 2 pt 8 lc rgb "#d62728" title "fetch_add, 4 threads: Relacy full", \
  sel("mutex-3-threads", "dfs")   using 1:2 with linespoints lw 1 dt 3 pt 13 lc rgb "#1f77b4" title "mutex, 3 threads: weft dfs", \
  sel("mutex-3-threads", "dpor")  using 1:2 with linespoints lw 1 dt 3 pt 11 lc rgb "#2ca02c" title "mutex, 3 threads: weft dpor", \
  sel("mutex-3-threads", "full")  using 1:2 with linespoints lw 1 dt 3 pt 15 lc rgb "#d62728" title "mutex, 3 threads: Relacy full"
