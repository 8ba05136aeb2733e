// weft-rt's runner: reruns a scenario natively on one pinned CPU with SCHED_FIFO priorities and
// PTHREAD_PRIO_* mutexes, once per forked child, and measures each thread's blocking in mutex
// locks. Safe by construction: every busy loop is bounded (weft::detail::native_work), a
// highest-priority watchdog stops the busy loops and then the child, RLIMIT_RTTIME makes the
// kernel kill a runaway real-time thread, and the parent kills a child that outlives its timeout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/params.hpp"
#include "weft/scenario.hpp"

namespace weft::rt {

struct RtConfig {
  int runs = 20;
  int cpu = -1;                    // -1: the last CPU this process may run on
  std::int64_t timeout_ms = 2000;  // per run: the watchdog stops it after this long
};

// One thread of one run (threads are numbered in the order they began, 0-based; the scenario's
// main thread is not measured).
struct RtThread {
  std::string name;
  int priority = 0;             // the scenario's priority
  int fifo_priority = 0;        // the SCHED_FIFO priority it ran at
  std::int64_t blocked_ns = 0;  // time spent inside mutex lock calls
  std::int64_t max_block_ns = 0;
  int locks = 0;
};

struct RtRun {
  bool hung = false;    // the watchdog or the parent stopped it
  std::string problem;  // why, when hung
  std::int64_t wall_ns = 0;
  std::vector<RtThread> threads;
};

struct RtReport {
  std::string scenario;
  bool skipped = false;
  std::string skip_reason;
  int cpu = -1;
  std::vector<std::string> protocols;  // "PTHREAD_PRIO_NONE", ...
  std::vector<RtRun> runs;
  int hangs() const;
};

// SCHED_FIFO priority for a scenario priority: 1..80 (the scenario's main thread runs at 90, the
// watchdog at 99).
int fifo_priority(int scenario_priority);

// Runs `scenario` config.runs times. Never throws for a missing privilege: the report says
// skipped, with the reason (e.g. EPERM from sched_setscheduler).
RtReport run(const Scenario& scenario, const Params& params, const RtConfig& config);

}  // namespace weft::rt
