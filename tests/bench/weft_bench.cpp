// weft side of the weft-vs-Relacy benchmark: the catalog's counter scenarios under exhaustive
// search, timed; prints the same line format as relacy_bench so ci/bench.sh can pair them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

constexpr int kExitUsage = 2;

struct Point {
  std::string_view name;
  int threads;
  int iterations;
};

// The same size points as relacy_bench.cpp.
constexpr Point kPoints[] = {
    {"counter/mutex", 3, 2},  {"counter/atomic", 3, 3}, {"counter/lost-update", 2, 2},
    {"counter/atomic", 3, 4}, {"counter/mutex", 2, 2},
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "weft_bench: %s (usage: weft_bench [--repeats N] [--only NAME] [--strategy dfs|random])\n",
               msg.c_str());
  std::exit(kExitUsage);
}

bool parse_positive(const char* text, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0 || v > 1000000) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5;
  std::string only;
  std::string strategy = "dfs";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--repeats") {
      if (i + 1 >= argc || !parse_positive(argv[++i], repeats)) usage_error("--repeats needs a positive integer");
    } else if (arg == "--only") {
      if (i + 1 >= argc) usage_error("--only needs a scenario name");
      only = argv[++i];
    } else if (arg == "--strategy") {
      if (i + 1 >= argc) usage_error("--strategy needs a value");
      strategy = argv[++i];
      if (strategy != "dfs") usage_error("unknown strategy '" + strategy + "'");
    } else {
      usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  bool ran = false;
  for (const Point& p : kPoints) {
    if (!only.empty() && p.name != only) continue;
    const weft::Scenario* s = weft::find_scenario(p.name);
    if (s == nullptr) usage_error("scenario not in the catalog: " + std::string(p.name));
    weft::Params params = s->default_params();
    params.set("threads", p.threads);
    params.set("iterations", p.iterations);
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kDfs;
    o.trace = false;
    std::vector<double> seconds;
    std::uint64_t executions = 0;
    bool bug = false;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const weft::Result result = weft::explore_scenario(*s, params, o);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (r > 0 && result.executions != executions) {
        std::fprintf(stderr, "weft_bench: %s: nondeterministic execution count\n", std::string(p.name).c_str());
        return 1;
      }
      executions = result.executions;
      bug = !result.findings.empty();
      if (!bug && !result.complete) {
        std::fprintf(stderr, "weft_bench: %s: search did not complete\n", std::string(p.name).c_str());
        return 1;
      }
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf(
        "weft scenario=%s threads=%d iterations=%d executions=%llu bug=%d median_seconds=%.6f execs_per_sec=%.0f\n",
        std::string(p.name).c_str(), p.threads, p.iterations, static_cast<unsigned long long>(executions), bug ? 1 : 0,
        median, static_cast<double>(executions) / median);
    std::fflush(stdout);
    ran = true;
  }
  if (!ran) usage_error("no benchmark point named '" + only + "'");
  return 0;
}
