// Parsing Relacy's text report (what rl::simulate prints) into weft findings.
//
// A failing report reads:
//   <test name>
//   <RESULT>[ (<detail>)]                 e.g. "DATA RACE (data race detected)"
//   iteration: <n>
//
//   execution history (<count>):
//   [<i>] <thread>: <event>, in <function>, <file>(<line>)
//   ...                                    the last line repeats the failure
//   thread <t>:                            the same events grouped by thread (ignored)
//   ...
//   memory allocations:                    MEMORY LEAK only: "<address> [<size>]" lines
// A successful one: "<test name>", "iterations: <n>", "total time: ...", "throughput: ...".
// <thread> is Relacy's thread index: 0 is the scenario's main thread, and Relacy hands out its
// K dynamic threads from the end of its table, so weft thread n (n-th spawned) is index K + 1 - n.
// For weft's facade calls <function> is the weft operation ("var.read", "mutex.lock", ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/finding.hpp"

namespace weft::relacy {

// One line of the execution history.
struct HistoryEvent {
  std::uint64_t index = 0;
  int thread = -1;       // Relacy's thread index
  std::string event;     // e.g. "<0x55…> atomic load, value=0, order=seq_cst"
  std::string function;  // e.g. "var.read"; empty when the line did not have the usual shape
  std::string file;      // as Relacy printed it (may be empty)
  int line = 0;
};

struct Report {
  bool failed = false;
  std::string result;                      // "DATA RACE", "USER ASSERT FAILED", ... (failed only)
  std::string detail;                      // the text in parentheses after it, e.g. "assertion: x == 2"
  std::uint64_t iteration = 0;             // the failing iteration, or the iterations run on success
  std::vector<HistoryEvent> history;       // the "execution history" block
  std::vector<std::string> history_lines;  // the same block, verbatim
  std::vector<std::string> leaked;         // addresses under "memory allocations:"
  // Directory of Relacy's own headers (from the first history line, "[CTOR BEGIN]" in
  // context.hpp): events there are Relacy's, not the scenario's.
  std::string relacy_dir;
};

struct ReportParse {
  std::optional<Report> report;
  std::string error;  // one line when report is empty
};

// Parses Relacy's report text (test name line first).
ReportParse parse_report(std::string_view text);

// weft thread id of Relacy thread `index` in a suite with `dynamic_threads` dynamic threads.
int weft_thread(int index, int dynamic_threads);

// The finding kind of a failed report; empty for results weft does not map (Relacy internals).
std::optional<FindingKind> finding_kind(const Report& report);

// The finding of a failed report: kind, message, threads (weft ids), operation, location,
// sites (a race's two accesses, a deadlock's blocked threads), step (the failing history
// index), execution (the iteration) and trace (the history with weft thread ids, long ones
// elided in the middle). Precondition: report.failed and finding_kind(report) has a value.
Finding to_finding(const Report& report, int dynamic_threads);

// A path with static storage duration equal to `path` (SourceLoc::file needs one).
const char* intern_file(std::string_view path);

}  // namespace weft::relacy
