// The catalog benchmark: weft (dfs, dpor, random, pct) and Relacy (full, context bound, random) on
// the same catalog scenarios in one run; prints a table and writes a CSV for ci/bench.sh's chart.
//
// Two kinds of points. Exhaust points (correct scenarios at growing sizes): executions and median
// seconds to exhaust the search, per exhaustive engine (dfs, dpor, Relacy full). Bug points
// (buggy scenarios whose finding stops a search: assertion, deadlock): executions and seconds to
// the first bug per engine; random and pct report the median over seeds 1..N and how many seeds
// hit within the execution cap. Relacy runs in weft-relacy (a subprocess: Relacy replaces the
// global operator new); its time is the search's own, measured inside weft-relacy.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "relacy/relacy_driver.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr std::uint64_t kBugCap = 100000;  // executions (iterations) before a search gives up on a bug
constexpr double kRepeatBudget = 5.0;      // seconds: a slower run is not repeated

struct Point {
  const char* label;  // series name in the CSV and the chart
  const char* scenario;
  std::vector<std::pair<const char*, int>> params;
  int size;            // threads x operations (the chart's x axis)
  bool bug;            // a bug point (executions to the first bug) or an exhaust point
  bool large = false;  // Relacy's full search takes minutes here: only with --large
  bool dfs = true;     // false: plain DFS takes over a minute at this size (the table says so)
  // Bug points: the finding that counts (a deadlock, not the lock-order inversion weft reports
  // first on the way to it); empty: the first stopping finding.
  std::string_view target = {};
};

// The chart's x axis: threads x visible operations per thread (a fetch_add is one operation; a
// mutex iteration two, lock and unlock). The chart draws one line per series and search.
const std::vector<Point> kPoints = {
    {"atomic-3-threads", "counter/atomic", {{"threads", 3}, {"iterations", 1}}, 3, false},
    {"atomic-3-threads", "counter/atomic", {{"threads", 3}, {"iterations", 2}}, 6, false},
    {"atomic-3-threads", "counter/atomic", {{"threads", 3}, {"iterations", 3}}, 9, false},
    {"atomic-3-threads", "counter/atomic", {{"threads", 3}, {"iterations", 4}}, 12, false},
    {"atomic-4-threads", "counter/atomic", {{"threads", 4}, {"iterations", 1}}, 4, false},
    {"atomic-4-threads", "counter/atomic", {{"threads", 4}, {"iterations", 2}}, 8, false},
    {"atomic-4-threads", "counter/atomic", {{"threads", 4}, {"iterations", 3}}, 12, false, true, false},
    {"mutex-3-threads", "counter/mutex", {{"threads", 3}, {"iterations", 1}}, 6, false},
    {"mutex-3-threads", "counter/mutex", {{"threads", 3}, {"iterations", 2}}, 12, false},
    {"mutex-3-threads", "counter/mutex", {{"threads", 3}, {"iterations", 3}}, 18, false, true},
    // Not on the chart (threads do different work): producers + consumers, 1 item each.
    {"bounded-buffer",
     "producer-consumer/bounded-buffer",
     {{"producers", 1}, {"consumers", 1}, {"capacity", 1}, {"items", 1}},
     2,
     false},
    {"bounded-buffer",
     "producer-consumer/bounded-buffer",
     {{"producers", 1}, {"consumers", 2}, {"capacity", 1}, {"items", 1}},
     3,
     false},
    {"bounded-buffer",
     "producer-consumer/bounded-buffer",
     {{"producers", 2}, {"consumers", 2}, {"capacity", 1}, {"items", 1}},
     4,
     false},
    {"lost-update", "counter/lost-update", {{"threads", 2}, {"iterations", 2}}, 4, true},
    {"lost-update", "counter/lost-update", {{"threads", 3}, {"iterations", 3}}, 9, true},
    {"abba", "lock-ordering/abba", {}, 4, true, false, true, "deadlock"},
    {"philosophers", "lock-ordering/philosophers", {}, 0, true, false, true, "deadlock"},
    {"if-not-while", "producer-consumer/if-not-while", {}, 0, true},
    {"missing-notify", "producer-consumer/missing-notify", {}, 0, true},
};

struct Row {
  std::string engine;   // "weft" or "relacy"
  std::string search;   // dfs, dpor, random, pct, full, bound, random
  std::string outcome;  // complete, bug <kind>, no bug within N, not run: ..., error: ...
  std::uint64_t executions = 0;
  double seconds = 0;
  std::string note;  // random / pct: seeds that hit
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The earliest finding (of kind `target`, if given): its kind, and its execution in `at`.
std::string first_bug(const weft::Result& r, std::string_view target, std::uint64_t& at) {
  at = r.executions;
  std::string kind;
  for (const weft::Finding& f : r.findings) {
    if (!target.empty() && weft::kind_name(f.kind) != target) continue;
    if (kind.empty() || f.execution < at) {
      at = f.execution;
      kind = std::string(weft::kind_name(f.kind));
    }
  }
  return kind;
}

// dfs / dpor: deterministic; the median of `repeats` runs (one if a run takes longer than the budget).
Row weft_exhaustive(const weft::Scenario& s, const weft::Params& params, weft::StrategyKind kind, const Point& p,
                    int repeats) {
  Row row{"weft", kind == weft::StrategyKind::kDfs ? "dfs" : "dpor", "", 0, 0, ""};
  weft::Options o = weft::scenario_options(s);
  o.strategy = kind;
  o.preemption_bound = -1;
  o.trace = false;
  if (p.bug) o.max_executions = kBugCap;
  std::vector<double> seconds;
  for (int i = 0; i < repeats; ++i) {
    const weft::Result r = weft::explore_scenario(s, params, o);
    seconds.push_back(r.seconds);
    std::uint64_t at = 0;
    const std::string kind_found = first_bug(r, p.target, at);
    if (!kind_found.empty()) {
      row.outcome = "bug " + kind_found;
      row.executions = at;
    } else {
      row.outcome = r.complete ? "complete" : fmt::format("no bug within {}", r.executions);
      row.executions = r.executions;
    }
    if (r.seconds > kRepeatBudget) break;
  }
  row.seconds = median(seconds);
  return row;
}

// random / pct on a bug point: per seed, executions and seconds to the first bug.
Row weft_randomized(const weft::Scenario& s, const weft::Params& params, weft::StrategyKind kind, const Point& p,
                    int seeds) {
  Row row{"weft", kind == weft::StrategyKind::kPct ? "pct" : "random", "", 0, 0, ""};
  weft::Options o = weft::scenario_options(s);
  o.strategy = kind;
  o.preemption_bound = -1;
  o.trace = false;
  o.max_executions = kBugCap;
  std::vector<double> executions;
  std::vector<double> seconds;
  std::string kind_found;
  int hits = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    o.seed = static_cast<std::uint64_t>(seed);
    const weft::Result r = weft::explore_scenario(s, params, o);
    std::uint64_t at = 0;
    const std::string k = first_bug(r, p.target, at);
    if (!k.empty()) {
      ++hits;
      kind_found = k;
      executions.push_back(static_cast<double>(at));
      seconds.push_back(r.seconds);
    }
  }
  row.note = fmt::format("{}/{} seeds hit", hits, seeds);
  if (hits == 0) {
    row.outcome = fmt::format("no bug within {}", kBugCap);
    return row;
  }
  row.outcome = "bug " + kind_found;
  row.executions = static_cast<std::uint64_t>(median(executions));
  row.seconds = median(seconds);
  return row;
}

Row relacy_run(const weft::Scenario& s, const weft::Params& params, weft::RelacySearch search, int repeats) {
  weft::relacy::RelacyOptions o = weft::relacy::default_options(s);
  o.binary = WEFT_RELACY_BINARY;
  o.search = search;
  o.context_bound = 2;
  o.iterations = kBugCap;
  o.timeout_seconds = 1800;  // --large: Relacy's full search of counter/atomic 4x3 takes about 10 minutes here
  Row row{"relacy", std::string(weft::relacy::search_name(search)), "", 0, 0, ""};
  std::vector<double> seconds;
  for (int i = 0; i < repeats; ++i) {
    const weft::relacy::RelacyResult r = weft::relacy::run_relacy(s, params, o);
    if (!r.error.empty()) {
      row.outcome = "error: " + r.error;
      return row;
    }
    if (r.skipped) {
      row.outcome = "skipped: " + r.skip_reason;
      return row;
    }
    seconds.push_back(r.search_seconds);
    row.executions = r.result.executions;
    if (!r.result.findings.empty()) {
      row.outcome = "bug " + std::string(weft::kind_name(r.result.findings.front().kind));
    } else {
      row.outcome = r.result.complete ? "complete" : fmt::format("no bug within {}", r.result.executions);
    }
    if (r.search_seconds > kRepeatBudget) break;
  }
  row.seconds = median(seconds);
  return row;
}

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr,
               "weft: error: catalog_bench: %s (usage: catalog_bench [--repeats N] [--seeds N] [--large] --csv FILE)\n",
               msg.c_str());
  std::exit(kExitUsage);
}

int parse_count(const char* text, const char* option) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0 || v > 10000)
    usage_error(fmt::format("{} needs a count in 1..10000", option));
  return static_cast<int>(v);
}

std::string sizes(const Point& p) {
  std::string out;
  for (const auto& [name, value] : p.params) out += fmt::format("{}{}={}", out.empty() ? "" : " ", name, value);
  return out.empty() ? "defaults" : out;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  int seeds = 20;
  bool large = false;
  std::string csv_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) {
      repeats = parse_count(argv[++i], "--repeats");
    } else if (arg == "--seeds" && i + 1 < argc) {
      seeds = parse_count(argv[++i], "--seeds");
    } else if (arg == "--large") {
      large = true;
    } else if (arg == "--csv" && i + 1 < argc) {
      csv_path = argv[++i];
    } else {
      usage_error(fmt::format("unknown or incomplete argument '{}'", arg));
    }
  }
  if (csv_path.empty()) usage_error("--csv FILE is required");
  std::ofstream csv(csv_path);
  if (!csv) usage_error(fmt::format("cannot write {}", csv_path));

  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  const std::string machine = fmt::format("{}cpu", std::thread::hardware_concurrency());
  csv << "date,machine,series,scenario,params,size,kind,engine,search,outcome,executions,seconds,execs_per_sec,note\n";
  std::printf("%-16s %-44s %-7s %-7s %-30s %12s %10s %12s  %s\n", "series", "params", "engine", "search", "outcome",
              "executions", "seconds", "exec/s", "note");
  for (const Point& p : kPoints) {
    const weft::Scenario* s = weft::find_scenario(p.scenario);
    if (s == nullptr) usage_error(fmt::format("scenario not in the catalog: {}", p.scenario));
    weft::Params params = s->default_params();
    for (const auto& [name, value] : p.params) {
      const std::string err = params.set(name, value);
      if (!err.empty()) usage_error(err);
    }
    std::vector<Row> rows;
    if (p.dfs) {
      rows.push_back(weft_exhaustive(*s, params, weft::StrategyKind::kDfs, p, repeats));
    } else {
      rows.push_back({"weft", "dfs", "not run: over a minute here", 0, 0, ""});
    }
    rows.push_back(weft_exhaustive(*s, params, weft::StrategyKind::kDpor, p, repeats));
    if (p.bug) {
      rows.push_back(weft_randomized(*s, params, weft::StrategyKind::kRandom, p, seeds));
      rows.push_back(weft_randomized(*s, params, weft::StrategyKind::kPct, p, seeds));
    }
    if (p.large && !large) {
      rows.push_back({"relacy", "full", "not run: minutes (--large)", 0, 0, ""});
    } else {
      rows.push_back(relacy_run(*s, params, weft::RelacySearch::kFull, repeats));
    }
    if (p.bug) {
      rows.push_back(relacy_run(*s, params, weft::RelacySearch::kBound, repeats));
      rows.push_back(relacy_run(*s, params, weft::RelacySearch::kRandom, repeats));
    }
    for (Row& r : rows) {
      // The CSV stays splittable on commas (the chart's awk reads it).
      std::replace(r.outcome.begin(), r.outcome.end(), ',', ';');
      std::replace(r.note.begin(), r.note.end(), ',', ';');
      const double rate = r.seconds > 0 ? static_cast<double>(r.executions) / r.seconds : 0;
      std::printf("%-16s %-44s %-7s %-7s %-30s %12llu %10.4f %12.0f  %s\n", p.label, sizes(p).c_str(), r.engine.c_str(),
                  r.search.c_str(), r.outcome.substr(0, 30).c_str(), static_cast<unsigned long long>(r.executions),
                  r.seconds, rate, r.note.c_str());
      csv << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.6f},{:.0f},{}\n", date, machine, p.label, p.scenario,
                         sizes(p), p.size, p.bug ? "bug" : "exhaust", r.engine, r.search, r.outcome, r.executions,
                         r.seconds, rate, r.note);
    }
    std::fflush(stdout);
  }
  return 0;
}
