// Benchmark (not a test): executions per second of the same exhaustive search over the catalog's
// counter/atomic (facade, uninstrumented) and the same counter in unmodified std:: form
// (instrumented, weft_intercept), in one run. Usage: weft_intercept_bench [threads iterations reps].
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "weft/explore.hpp"
#include "weft/intercept.hpp"
#include "weft/scenario.hpp"

namespace {

void std_counter(int threads, int iterations) {
  std::atomic<int> counter(0);
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    pool.push_back(std::thread([&] {
      for (int k = 0; k < iterations; ++k) counter.fetch_add(1);
    }));
  }
  for (std::thread& t : pool) t.join();
  WEFT_CHECK_THAT(counter.load() == threads * iterations);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 3;
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 2;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  if (threads < 1 || iterations < 1 || reps < 1) {
    std::fprintf(stderr, "usage: weft_intercept_bench [threads>=1 iterations>=1 reps>=1]\n");
    return 2;
  }
  const weft::Scenario* s = weft::find_scenario("counter/atomic");
  weft::Params p = s->default_params();
  p.set("threads", threads);
  p.set("iterations", iterations);
  weft::Options o;
  o.strategy = weft::StrategyKind::kDfs;
  o.trace = false;
  double best_facade = 0;
  double best_std = 0;
  std::uint64_t n_facade = 0;
  std::uint64_t n_std = 0;
  for (int r = 0; r < reps; ++r) {  // interleaved, best of reps
    const weft::Result f = weft::explore_scenario(*s, p, o);
    const weft::Result u = weft::intercept::explore([&] { std_counter(threads, iterations); }, o);
    if (!f.ok() || !u.ok() || !f.complete || !u.complete) {
      std::fprintf(stderr, "weft_intercept_bench: unexpected finding or incomplete search\n");
      return 1;
    }
    n_facade = f.executions;
    n_std = u.executions;
    if (f.seconds > 0 && f.executions / f.seconds > best_facade) best_facade = f.executions / f.seconds;
    if (u.seconds > 0 && u.executions / u.seconds > best_std) best_std = u.executions / u.seconds;
  }
  std::printf("counter/atomic threads=%d iterations=%d, dfs, best of %d\n", threads, iterations, reps);
  std::printf("facade:  %llu executions, %.0f exec/s\n", static_cast<unsigned long long>(n_facade), best_facade);
  std::printf("std::    %llu executions, %.0f exec/s (%.2fx the facade)\n", static_cast<unsigned long long>(n_std),
              best_std, best_facade > 0 ? best_std / best_facade : 0.0);
  return 0;
}
