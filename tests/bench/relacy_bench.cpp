// Relacy side of the weft-vs-Relacy benchmark: counter scenarios under rl::sched_full, timed.
//
// Standalone executable: Relacy's headers replace global operator new/delete and #define
// new/delete/malloc/free/assert/memory_order_*, so every standard header this file needs is
// included BEFORE <relacy/relacy.hpp>, and nothing else from weft is linked in.
//
// Build: clang++ -std=c++20 -O2 -DNDEBUG -Wall -Wextra tests/bench/relacy_bench.cpp -o /tmp/relacy_bench
// Usage: relacy_bench [--repeats N] [--only NAME] [--list] [--show-report]
//   --only NAME runs every size point registered under NAME; --show-report dumps Relacy's text
//   to stderr. For a buggy scenario the timing includes Relacy's default replay of the failing
//   iteration with history collection (simulate() does that before returning).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

// /usr/include/relacy is a system include dir, so Relacy's own warnings are normally hidden;
// these pragmas keep -Wall -Wextra clean when the headers come from a vendored copy via -I.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#pragma clang diagnostic ignored "-Wunused-parameter"
#pragma clang diagnostic ignored "-Winline-new-delete"
#pragma clang diagnostic ignored "-Wdeprecated-copy-with-user-provided-copy"
#elif defined(__GNUC__)
// GCC checks the pragma state at the warning's location but emits these during template
// instantiation at end of TU, so a push/pop around the include does not work: they are left
// off for the whole (single-file) program.
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsized-deallocation"
#endif
#include <relacy/relacy.hpp>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

namespace {

constexpr int kDefaultRepeats = 5;
constexpr int kExitUsage = 2;

// ---------------------------------------------------------------------------------------------
// Scenarios. Relacy requires the snake_case hook names thread/before/after on a test_suite.

// Each iteration: lock rl::mutex, ++ a plain rl::var<int>, unlock. Correct.
template <int kThreads, int kIterations>
struct MutexCounter : rl::test_suite<MutexCounter<kThreads, kIterations>, kThreads> {
  rl::mutex mutex_;
  rl::var<int> counter_;

  void before() { counter_($) = 0; }

  void thread(unsigned /*index*/) {
    for (int i = 0; i < kIterations; ++i) {
      mutex_.lock($);
      counter_($)++;
      mutex_.unlock($);
    }
  }

  void after() { RL_ASSERT(counter_($) == kThreads * kIterations); }
};

// Each iteration: fetch_add(1, seq_cst) on rl::atomic<int>. Correct.
template <int kThreads, int kIterations>
struct AtomicCounter : rl::test_suite<AtomicCounter<kThreads, kIterations>, kThreads> {
  rl::atomic<int> counter_;

  void before() { counter_($).store(0, rl::mo_relaxed); }

  void thread(unsigned /*index*/) {
    for (int i = 0; i < kIterations; ++i) {
      counter_($).fetch_add(1, rl::mo_seq_cst);
    }
  }

  void after() { RL_ASSERT(counter_($).load(rl::mo_relaxed) == kThreads * kIterations); }
};

// Each iteration: non-atomic read-modify-write built from a seq_cst load and a seq_cst store.
// Buggy: two threads can read the same value and one increment is lost.
template <int kThreads, int kIterations>
struct LostUpdateCounter
    : rl::test_suite<LostUpdateCounter<kThreads, kIterations>, kThreads, rl::test_result_user_assert_failed> {
  rl::atomic<int> counter_;

  void before() { counter_($).store(0, rl::mo_relaxed); }

  void thread(unsigned /*index*/) {
    for (int i = 0; i < kIterations; ++i) {
      int v = counter_($).load(rl::mo_seq_cst);
      counter_($).store(v + 1, rl::mo_seq_cst);
    }
  }

  void after() { RL_ASSERT(counter_($).load(rl::mo_relaxed) == kThreads * kIterations); }
};

// ---------------------------------------------------------------------------------------------
// Running.

struct RunResult {
  std::uint64_t executions = 0;  // params.stop_iteration: iterations run, or index of failing one
  bool bug = false;              // params.test_result != rl::test_result_success
  double seconds = 0.0;
  std::string report;  // Relacy's text output for this run (test name, summary/history)
};

// A stream that swallows everything without allocating (null streambuf => badbit, writes no-op).
std::ostream& null_stream() {
  static std::ostream stream(nullptr);
  return stream;
}

template <typename Suite>
RunResult run_suite() {
  // rl::ostringstream uses rl::raw_allocator (plain ::malloc/::free), so its buffer never goes
  // through Relacy's simulated heap. A std::ostringstream is unsafe: under g++ Relacy's inline
  // operator new is emitted as an exported weak symbol, so libstdc++ grows the buffer from the
  // simulated heap while the context is alive and later ::free()s it ("double free or
  // corruption"); and `new std::ostringstream` outside a simulation hits the `new` macro, whose
  // rl::new_proxy dereferences the null context (SIGSEGV).
  rl::ostringstream report;

  rl::test_params params;  // fresh every run: simulate() mutates it (collect_history, initial_state)
  params.search_type = rl::sched_full;
  params.output_stream = &report;
  params.progress_stream = &null_stream();

  auto const start = std::chrono::steady_clock::now();
  rl::simulate<Suite>(params);
  auto const stop = std::chrono::steady_clock::now();

  RunResult result;
  result.executions = params.stop_iteration;
  result.bug = params.test_result != rl::test_result_success;
  result.seconds = std::chrono::duration<double>(stop - start).count();
  rl::string const text = report.str();
  result.report.assign(text.data(), text.size());
  return result;
}

struct Scenario {
  std::string_view name;
  int threads;
  int iterations;
  RunResult (*run)();
};

constexpr Scenario kScenarios[] = {
    {"counter/mutex", 3, 2, &run_suite<MutexCounter<3, 2>>},
    {"counter/atomic", 3, 3, &run_suite<AtomicCounter<3, 3>>},
    {"counter/lost-update", 2, 2, &run_suite<LostUpdateCounter<2, 2>>},
    {"counter/atomic", 3, 4, &run_suite<AtomicCounter<3, 4>>},
    {"counter/mutex", 2, 2, &run_suite<MutexCounter<2, 2>>},
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t const n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void run_scenario(Scenario const& scenario, int repeats, bool show_report) {
  std::vector<double> seconds;
  std::vector<double> rates;
  RunResult first;
  for (int r = 0; r < repeats; ++r) {
    RunResult result = scenario.run();
    if (r == 0) {
      first = result;
    } else if (result.executions != first.executions || result.bug != first.bug) {
      // Full search is deterministic; a mismatch means the harness itself is broken.
      std::fprintf(stderr, "relacy_bench: %.*s: nondeterministic result across repeats\n",
                   static_cast<int>(scenario.name.size()), scenario.name.data());
      std::exit(1);
    }
    seconds.push_back(result.seconds);
    rates.push_back(result.seconds > 0.0 ? static_cast<double>(result.executions) / result.seconds : 0.0);
  }
  if (show_report) {
    std::fprintf(stderr, "---- relacy report: %.*s %dx%d ----\n%s", static_cast<int>(scenario.name.size()),
                 scenario.name.data(), scenario.threads, scenario.iterations, first.report.c_str());
  }
  std::printf(
      "relacy scenario=%.*s threads=%d iterations=%d executions=%llu bug=%d median_seconds=%.6f "
      "execs_per_sec=%.0f\n",
      static_cast<int>(scenario.name.size()), scenario.name.data(), scenario.threads, scenario.iterations,
      static_cast<unsigned long long>(first.executions), first.bug ? 1 : 0, median(seconds), median(rates));
  std::fflush(stdout);
}

[[noreturn]] void usage_error(std::string const& message) {
  std::fprintf(stderr,
               "relacy_bench: %s (usage: relacy_bench [--repeats N] [--only NAME] [--list] "
               "[--show-report])\n",
               message.c_str());
  std::exit(kExitUsage);
}

bool parse_positive_int(std::string_view text, int& out) {
  if (text.empty() || text.size() > 9) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return false;
  out = value;
  return true;
}

bool is_known_name(std::string_view name) {
  return std::any_of(std::begin(kScenarios), std::end(kScenarios), [&](Scenario const& s) { return s.name == name; });
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = kDefaultRepeats;
  std::string only;
  bool list = false;
  bool show_report = false;

  for (int i = 1; i < argc; ++i) {
    std::string_view const arg = argv[i];
    if (arg == "--repeats") {
      if (i + 1 >= argc) usage_error("--repeats needs a value");
      if (!parse_positive_int(argv[++i], repeats)) usage_error(std::string("bad --repeats value '") + argv[i] + "'");
    } else if (arg == "--only") {
      if (i + 1 >= argc) usage_error("--only needs a scenario name");
      only = argv[++i];
      if (!is_known_name(only)) usage_error("unknown scenario '" + only + "'");
    } else if (arg == "--list") {
      list = true;
    } else if (arg == "--show-report") {
      show_report = true;
    } else {
      usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }

  if (list) {
    std::vector<std::string_view> seen;
    for (Scenario const& s : kScenarios) {
      if (std::find(seen.begin(), seen.end(), s.name) != seen.end()) continue;
      seen.push_back(s.name);
      std::printf("%.*s\n", static_cast<int>(s.name.size()), s.name.data());
    }
    return 0;
  }

  // --only NAME runs every size point registered under NAME (e.g. counter/atomic 3x3 and 3x4).
  for (Scenario const& s : kScenarios) {
    if (!only.empty() && s.name != only) continue;
    run_scenario(s, repeats, show_report);
  }
  return 0;
}
