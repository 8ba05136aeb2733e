// weft-rt: the native real-time rerun of priority scenarios (also reached as `weft rt`). Prints,
// per scenario, each thread's time blocked in mutex locks over the runs (median, max, min).
// Exit codes: 0 measured or skipped (say which), 1 a run hung or was stopped by the watchdog,
// 2 usage or input error.
#include <fmt/format.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "rt/rt_runner.hpp"

namespace {

struct Summary {
  std::int64_t median = 0;
  std::int64_t max = 0;
  std::int64_t min = 0;
};

Summary summarize(std::vector<std::int64_t> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.max = v.back();
  s.min = v.front();
  return s;
}

std::string ms(std::int64_t ns) { return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6); }

struct ThreadSeries {
  std::string name;
  int index = 0;
  int priority = 0;
  int fifo = 0;
  int locks = 0;  // most mutex locks in one run
  std::vector<std::int64_t> blocked;
};

// Per thread (by its position in the runs), the blocking of the runs that did not hang.
std::vector<ThreadSeries> series_of(const weft::rt::RtReport& r) {
  std::vector<ThreadSeries> out;
  for (const weft::rt::RtRun& run : r.runs) {
    if (run.hung) continue;
    for (std::size_t i = 0; i < run.threads.size(); ++i) {
      if (out.size() <= i) {
        out.push_back(ThreadSeries{
            run.threads[i].name, static_cast<int>(i), run.threads[i].priority, run.threads[i].fifo_priority, {}});
      }
      out[i].blocked.push_back(run.threads[i].blocked_ns);
      out[i].locks = std::max(out[i].locks, run.threads[i].locks);
    }
  }
  return out;
}

}  // namespace

// Nothing was measured for some scenario (and no run hung): skipped is never a pass.
constexpr int kExitSkipped = 3;

int main(int argc, char** argv) {
  CLI::App app{
      "weft-rt (weft rt): rerun priority scenarios natively on one pinned CPU with SCHED_FIFO priorities\n"
      "and PTHREAD_PRIO_NONE / _INHERIT / _PROTECT mutexes, measuring each thread's blocking in mutex locks.\n"
      "Needs SCHED_FIFO (root, CAP_SYS_NICE or ulimit -r 99); without it every scenario is reported as\n"
      "skipped, with the reason. Exit codes: 0 measured, 1 a run hung, 2 usage or input error (or no result),\n"
      "3 skipped: not run (for instance SCHED_FIFO not permitted), never a pass."};
  std::vector<std::string> names;
  weft::rt::RtConfig config;
  std::vector<std::string> sets;
  bool json = false;
  app.add_option("scenario", names, "Scenarios, family/variant (the priority-inversion family)")->required();
  app.add_option("--runs", config.runs, "Runs per scenario (default 20)")->check(CLI::Range(1, 1000));
  app.add_option("--cpu", config.cpu, "The CPU to pin to (default: the last one available)")
      ->check(CLI::Range(0, 1023));
  app.add_option("--timeout-ms", config.timeout_ms, "Watchdog per run (default 2000)")->check(CLI::Range(100, 60000));
  app.add_option("--set", sets, "Override a scenario parameter, NAME=VALUE (repeatable)");
  app.add_flag("--json", json, "Print one JSON array, an object per scenario");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "weft: error: %s (see --help)\n", e.what());
    return 2;
  }
  if (config.cpu >= 0) {
    // A CPU this process may not run on is bad input, not a skip.
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && !CPU_ISSET(config.cpu, &allowed)) {
      std::fprintf(stderr, "weft: error: --cpu %d: not a CPU this process may run on (%d available)\n", config.cpu,
                   CPU_COUNT(&allowed));
      return 2;
    }
  }
  std::vector<const weft::Scenario*> chosen;
  for (const std::string& n : names) {
    const weft::Scenario* s = weft::find_scenario(n);
    if (s == nullptr) {
      std::fprintf(stderr, "weft: error: unknown scenario '%s' for weft rt (it runs the priority-inversion family)\n",
                   n.c_str());
      return 2;
    }
    chosen.push_back(s);
  }
  nlohmann::json all = nlohmann::json::array();
  int exit_code = 0;
  for (const weft::Scenario* s : chosen) {
    weft::Params params = s->default_params();
    for (const std::string& set : sets) {
      const std::string err = params.set(set);
      if (!err.empty()) {
        std::fprintf(stderr, "weft: error: %s\n", err.c_str());
        return 2;
      }
    }
    weft::rt::RtReport r;
    try {
      r = weft::rt::run(*s, params, config);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "weft: error: %.*s: no result: %s\n", static_cast<int>(s->name.size()), s->name.data(),
                   e.what());
      return 2;
    }
    if (r.hangs() > 0) {
      exit_code = 1;
    } else if (r.skipped && exit_code == 0) {
      exit_code = kExitSkipped;
    }
    const std::vector<ThreadSeries> series = series_of(r);
    // The high-priority thread: the first of the highest priority among those that lock a mutex.
    const ThreadSeries* high = nullptr;
    for (const ThreadSeries& t : series) {
      if (t.locks > 0 && (high == nullptr || t.priority > high->priority)) high = &t;
    }
    if (json) {
      nlohmann::json j;
      j["scenario"] = s->name;
      j["params"] = params.to_string();
      j["engine"] = "native-rt";
      j["status"] = r.skipped ? "skipped" : "measured";
      j["skip_reason"] = r.skipped ? nlohmann::json(r.skip_reason) : nlohmann::json(nullptr);
      j["cpu"] = r.cpu;
      j["runs"] = r.runs.size();
      j["hangs"] = r.hangs();
      j["protocols"] = r.protocols;
      nlohmann::json threads = nlohmann::json::array();
      for (const ThreadSeries& t : series) {
        const Summary b = summarize(t.blocked);
        threads.push_back({{"name", t.name},
                           {"index", t.index},
                           {"priority", t.priority},
                           {"sched_fifo_priority", t.fifo},
                           {"locks", t.locks},
                           {"blocked_ns", {{"median", b.median}, {"max", b.max}, {"min", b.min}}},
                           {"samples", t.blocked}});
      }
      j["threads"] = threads;
      j["high"] = high != nullptr ? nlohmann::json(high->name) : nlohmann::json(nullptr);
      nlohmann::json problems = nlohmann::json::array();
      for (std::size_t i = 0; i < r.runs.size(); ++i) {
        if (r.runs[i].hung) problems.push_back({{"run", i + 1}, {"problem", r.runs[i].problem}});
      }
      j["problems"] = problems;
      all.push_back(j);
      continue;
    }
    std::string out = fmt::format("{}  {}\n", s->name, params.to_string());
    if (r.skipped) {
      out += fmt::format("SKIPPED (not run, not passed): {}\n", r.skip_reason);
      std::cout << out << "\n";
      continue;
    }
    std::string protocols;
    for (const std::string& p : r.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
    out += fmt::format("native SCHED_FIFO on CPU {}, {} run{}, mutexes {}{}\n", r.cpu, r.runs.size(),
                       r.runs.size() == 1 ? "" : "s", protocols.empty() ? "none with a protocol" : protocols,
                       r.hangs() > 0 ? fmt::format(", {} run(s) stopped by the watchdog", r.hangs()) : "");
    out += fmt::format("  {:<12} {:>8} {:>6}   {:>12} {:>12} {:>12}\n", "thread", "priority", "FIFO", "blocked med",
                       "max", "min");
    for (const ThreadSeries& t : series) {
      const Summary b = summarize(t.blocked);
      out += fmt::format("  {:<12} {:>8} {:>6}   {:>12} {:>12} {:>12}{}\n", t.name.empty() ? "?" : t.name, t.priority,
                         t.fifo, ms(b.median), ms(b.max), ms(b.min), &t == high ? "   <- high priority" : "");
    }
    for (std::size_t i = 0; i < r.runs.size(); ++i) {
      if (r.runs[i].hung) out += fmt::format("  run {}: {}\n", i + 1, r.runs[i].problem);
    }
    std::cout << out << "\n";
  }
  if (json) std::cout << all.dump(2) << "\n";
  return exit_code;
}
