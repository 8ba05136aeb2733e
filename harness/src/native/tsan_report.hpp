// Parsing ThreadSanitizer's text reports into weft findings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/finding.hpp"

namespace weft::native {

// One stack frame line: "#3 function file:line:col (module+0x...)".
struct TsanFrame {
  int index = 0;
  std::string function;
  std::string file;  // lexically normalized; empty when TSan printed <null>
  int line = 0;
  int column = 0;
};

// One titled stack of a report, e.g. "Write of size 4 at 0x... by thread T2:" with its frames.
struct TsanStack {
  std::string header;  // the line before the frames, without the trailing ':'
  std::vector<TsanFrame> frames;
};

// A "Thread T2 'weft-t1' (tid=..., running) created by ..." description.
struct TsanThread {
  int tsan_id = -1;
  std::string name;  // empty when unnamed
  std::vector<TsanFrame> created_at;
};

struct TsanReport {
  std::string title;                // after "WARNING: ThreadSanitizer: ", without " (pid=...)"
  std::vector<TsanStack> stacks;    // access / acquisition stacks, in report order
  std::vector<TsanThread> threads;  // thread descriptions
  std::vector<std::string> notes;   // other indented lines: "Location is ...", "Cycle in lock order graph: ..."
  std::string summary;              // the SUMMARY line's text, if any
  std::string text;                 // the whole report, delimiters included
};

// Splits a log (TSan output possibly mixed with other lines) into reports. Lines outside a
// "==================" ... "==================" block that starts with "WARNING: ThreadSanitizer:"
// are ignored.
std::vector<TsanReport> parse_tsan_log(std::string_view log);

// The finding kind of a report title; nullopt for a title weft does not know.
std::optional<FindingKind> tsan_kind(std::string_view title);

// True for a frame inside the scenario's own code: a known file that is neither a system
// header (/usr/...) nor part of weft's facade or native runner (include/weft/, src/native/).
bool is_scenario_frame(const TsanFrame& frame);

// Converts a report into a finding: kind (unknown titles become api_misuse with the title in
// the message), sites (one per stack, at its first scenario frame; thread mapped to weft's id
// through the "weft-t<id>" thread name, -1 if unnamed), primary location (the first site's, or
// for reports without access stacks such as a thread leak, the thread's creation site),
// threads (distinct site threads in order), details (notes and TSan's summary) and the report
// text as the trace.
Finding tsan_finding(const TsanReport& report);

// A stable string for a file path in a SourceLoc (interned: valid for the process lifetime).
const char* intern_path(std::string_view path);

}  // namespace weft::native
