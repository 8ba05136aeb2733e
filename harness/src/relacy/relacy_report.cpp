// Parsing Relacy's text report into weft findings (see relacy_report.hpp for the format).
#include "relacy/relacy_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

namespace weft::relacy {

namespace {

// Relacy's result strings (rl::test_result_str), longest first where one prefixes another.
constexpr std::array<std::string_view, 27> kResults = {
    "ATTEMPT TO UPGRADE EXCLUSIVE MUTEX OWNERSHIP TO SHARED",
    "ATTEMPT TO UPGRADE SHARED MUTEX OWNERSHIP TO EXCLUSIVE",
    "DOUBLE INITIALIZATION OF CONDITION VARIABLE",
    "USAGE OF NON INITIALIZED CONDITION VARIABLE",
    "DOUBLE INITIALIZATION OF SEMAPHORE",
    "USAGE OF NON INITIALIZED SEMAPHORE",
    "DOUBLE INITIALIZATION OF MUTEX",
    "USAGE OF NON INITIALIZED MUTEX",
    "DOUBLE INITIALIZATION OF EVENT",
    "USAGE OF NON INITIALIZED EVENT",
    "RECURSION ON NON-RECURSIVE MUTEX",
    "UNLOCKING MUTEX W/O OWNERSHIP",
    "DESTROYING OWNED MUTEX",
    "ACCESS TO UNINITIALIZED VARIABLE",
    "ACCESS TO FREED MEMORY",
    "INCONSISTENT TEST SUITE",
    "UNTIL CONDITION HIT",
    "USER INVARIANT FAILED",
    "USER ASSERT FAILED",
    "RESOURCE LEAK",
    "MEMORY LEAK",
    "DOUBLE FREE",
    "DATA RACE",
    "DEADLOCK",
    "LIVELOCK",
    "UNKNOWN ERROR",
    "SUCCESS",
};

// Prefixes the facade puts in the detail of the failures it raises itself.
constexpr std::string_view kAssertionPrefix = "assertion: ";
constexpr std::string_view kExceptionPrefix = "weft uncaught_exception: ";
constexpr std::string_view kMisusePrefix = "weft api_misuse: ";

// Long histories (a livelock runs to the scheduling-point limit) keep their head and tail.
constexpr std::size_t kTraceHead = 40;
constexpr std::size_t kTraceTail = 200;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// "[<i>] <t>: <event>, in <function>, <file>(<line>)". The suffix is parsed from the right (the
// event text may contain anything); a line without it keeps the whole text as the event.
std::optional<HistoryEvent> parse_history_line(std::string_view line) {
  if (line.empty() || line[0] != '[') return std::nullopt;
  const std::size_t close = line.find("] ");
  const std::size_t colon = line.find(": ", close == std::string_view::npos ? 0 : close);
  if (close == std::string_view::npos || colon == std::string_view::npos) return std::nullopt;
  HistoryEvent e;
  if (!parse_number(line.substr(1, close - 1), e.index)) return std::nullopt;
  if (!parse_number(line.substr(close + 2, colon - close - 2), e.thread)) return std::nullopt;
  std::string_view rest = line.substr(colon + 2);
  e.event = std::string(rest);
  if (rest.empty() || rest.back() != ')') return e;
  const std::size_t open = rest.rfind('(');
  if (open == std::string_view::npos) return e;
  int number = 0;
  if (!parse_number(rest.substr(open + 1, rest.size() - open - 2), number)) return e;
  const std::string_view before = rest.substr(0, open);
  const std::size_t file_sep = before.rfind(", ");
  if (file_sep == std::string_view::npos) return e;
  const std::string_view head = before.substr(0, file_sep);
  const std::size_t in = head.rfind(", in ");
  if (in == std::string_view::npos) return e;
  e.event = std::string(head.substr(0, in));
  e.function = std::string(head.substr(in + 5));
  e.file = std::string(before.substr(file_sep + 2));
  e.line = number;
  return e;
}

// Tells the scenario's events from Relacy's own (those logged in its headers, under `dir`).
class Locator {
 public:
  explicit Locator(const std::string& dir) : dir_(dir) {}

  bool in_scenario(const HistoryEvent& e) const {
    if (e.line <= 0 || e.file.empty()) return false;
    if (!dir_.empty()) return !starts_with(e.file, dir_);
    return e.file.find("/relacy/") == std::string::npos || e.file.find(".hpp") == std::string::npos;
  }
  SourceLoc loc(const HistoryEvent& e) const {
    return in_scenario(e) ? SourceLoc{intern_file(e.file), e.line} : SourceLoc{};
  }
  std::string where(const HistoryEvent& e) const { return in_scenario(e) ? format_location(loc(e)) : std::string("?"); }
  // The last event of `thread` at a scenario line, at or before history position `before`.
  const HistoryEvent* last_scenario_event(const std::vector<HistoryEvent>& h, std::size_t before, int thread) const {
    for (std::size_t i = std::min(before + 1, h.size()); i-- > 0;) {
      if (h[i].thread == thread && in_scenario(h[i])) return &h[i];
    }
    return nullptr;
  }

 private:
  const std::string& dir_;
};

// "<0x55…>" at the start of a memory event, or empty.
std::string_view address_of(std::string_view event) {
  if (event.empty() || event[0] != '<') return {};
  const std::size_t end = event.find('>');
  return end == std::string_view::npos ? std::string_view() : event.substr(0, end + 1);
}

// The access an event after its address: "load", "store", "atomic load", ...
bool is_write(std::string_view event) {
  const std::string_view addr = address_of(event);
  const std::string_view what = event.substr(addr.size());
  return what.find(" store") != std::string_view::npos || what.find(" rmw") != std::string_view::npos ||
         what.find("exchange") != std::string_view::npos || what.find("fetch") != std::string_view::npos ||
         what.find("CAS") != std::string_view::npos || what.find("cas") != std::string_view::npos;
}

std::string trace_of(const Report& r, int dynamic_threads) {
  std::string out;
  const std::size_t n = r.history_lines.size();
  const bool elide = n > kTraceHead + kTraceTail + 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (elide && i == kTraceHead) {
      out += fmt::format("    ... {} history lines omitted ...\n", n - kTraceHead - kTraceTail);
      i = n - kTraceTail;
    }
    const std::string& line = r.history_lines[i];
    // "[<i>] <t>: ..." → "[<i>] t<weft id>: ..."
    const std::size_t close = line.find("] ");
    const std::size_t colon = close == std::string::npos ? std::string::npos : line.find(": ", close);
    int index = 0;
    if (colon != std::string::npos &&
        parse_number(std::string_view(line).substr(close + 2, colon - close - 2), index)) {
      out += fmt::format("    {}] t{}{}\n", line.substr(0, close), weft_thread(index, dynamic_threads),
                         line.substr(colon));
    } else {
      out += "    " + line + "\n";
    }
  }
  return out;
}

std::string threads_text(const std::vector<int>& threads) {
  std::string out;
  for (int t : threads) out += fmt::format("{}t{}", out.empty() ? "" : ", ", t);
  return out;
}

}  // namespace

const char* intern_file(std::string_view path) {
  static std::set<std::string, std::less<>> files;  // node-based: c_str() stays valid
  auto it = files.find(path);
  if (it == files.end()) it = files.emplace(path).first;
  return it->c_str();
}

int weft_thread(int index, int dynamic_threads) { return index <= 0 ? 0 : dynamic_threads + 1 - index; }

ReportParse parse_report(std::string_view text) {
  ReportParse out;
  const std::vector<std::string_view> lines = split_lines(text);
  if (lines.size() < 2) {
    out.error = "the Relacy report is empty or truncated";
    return out;
  }
  Report r;
  // lines[0] is the test name.
  if (starts_with(lines[1], "iterations: ")) {
    if (!parse_number(lines[1].substr(12), r.iteration)) {
      out.error = fmt::format("malformed Relacy summary line '{}'", lines[1]);
      return out;
    }
    out.report = std::move(r);
    return out;
  }
  const std::string_view headline = lines[1];
  for (std::string_view result : kResults) {
    if (!starts_with(headline, result)) continue;
    std::string_view rest = headline.substr(result.size());
    if (!rest.empty() && (rest.size() < 3 || !starts_with(rest, " (") || rest.back() != ')')) continue;
    r.failed = true;
    r.result = std::string(result);
    if (!rest.empty()) r.detail = std::string(rest.substr(2, rest.size() - 3));
    break;
  }
  if (!r.failed) {
    out.error = fmt::format("unrecognized Relacy result line '{}'", headline);
    return out;
  }
  if (lines.size() < 3 || !starts_with(lines[2], "iteration: ") || !parse_number(lines[2].substr(11), r.iteration)) {
    out.error = "the Relacy report has no 'iteration:' line after its result";
    return out;
  }
  std::size_t i = 3;
  while (i < lines.size() && !starts_with(lines[i], "execution history (")) ++i;
  if (i == lines.size()) {
    out.error = "the Relacy report has no execution history";
    return out;
  }
  for (++i; i < lines.size() && !lines[i].empty(); ++i) {
    r.history_lines.emplace_back(lines[i]);
    std::optional<HistoryEvent> e = parse_history_line(lines[i]);
    if (!e) {
      out.error = fmt::format("malformed Relacy history line '{}'", lines[i]);
      return out;
    }
    r.history.push_back(std::move(*e));
  }
  if (r.history.empty()) {
    out.error = "the Relacy report's execution history is empty";
    return out;
  }
  // Every iteration starts with "[CTOR BEGIN]", logged in Relacy's context.hpp.
  if (r.history[0].event == "[CTOR BEGIN]") {
    const std::size_t slash = r.history[0].file.rfind('/');
    if (slash != std::string::npos) r.relacy_dir = r.history[0].file.substr(0, slash + 1);
  }
  for (; i < lines.size(); ++i) {
    if (lines[i] != "memory allocations:") continue;
    for (++i; i < lines.size() && !lines[i].empty(); ++i) {
      const std::size_t space = lines[i].find(' ');
      r.leaked.emplace_back(lines[i].substr(0, space));
    }
    break;
  }
  out.report = std::move(r);
  return out;
}

std::optional<FindingKind> finding_kind(const Report& r) {
  if (!r.failed) return std::nullopt;
  const std::string_view res = r.result;
  if (res == "USER ASSERT FAILED") {
    if (starts_with(r.detail, kExceptionPrefix)) return FindingKind::kUncaughtException;
    if (starts_with(r.detail, kMisusePrefix)) return FindingKind::kApiMisuse;
    if (starts_with(r.detail, "weft ")) return std::nullopt;  // the runner's own (skip) failures
    return FindingKind::kAssertionFailure;
  }
  if (res == "USER INVARIANT FAILED") return FindingKind::kAssertionFailure;
  if (res == "DATA RACE") return FindingKind::kDataRace;
  if (res == "DEADLOCK") return FindingKind::kDeadlock;
  if (res == "LIVELOCK") return FindingKind::kLivelock;
  if (res == "MEMORY LEAK" || res == "RESOURCE LEAK") return FindingKind::kMemoryLeak;
  if (res == "INCONSISTENT TEST SUITE" || res == "UNTIL CONDITION HIT" || res == "UNKNOWN ERROR" || res == "SUCCESS") {
    return std::nullopt;
  }
  // Double free, access to freed or uninitialized memory, mutex / condition variable /
  // semaphore / event misuse.
  return FindingKind::kApiMisuse;
}

Finding to_finding(const Report& r, int dynamic_threads) {
  const Locator l(r.relacy_dir);
  Finding f;
  f.kind = finding_kind(r).value_or(FindingKind::kApiMisuse);
  f.execution = r.iteration;
  const std::vector<HistoryEvent>& h = r.history;
  const std::size_t last = h.size() - 1;
  const HistoryEvent& fail = h[last];
  const int thread = weft_thread(fail.thread, dynamic_threads);
  f.step = fail.index;
  f.threads = {thread};
  // Where: the failing line itself when it is the scenario's; otherwise (a failure detected in
  // Relacy's own code) the failing thread's last scenario event.
  const HistoryEvent* at = l.in_scenario(fail) ? &fail : l.last_scenario_event(h, last, fail.thread);
  if (at != nullptr) {
    f.location = l.loc(*at);
    f.operation = at->function;
  }
  const std::string headline = r.detail.empty() ? r.result : fmt::format("{} ({})", r.result, r.detail);
  f.details.push_back(fmt::format("Relacy: {}, iteration {}", headline, r.iteration));

  switch (f.kind) {
    case FindingKind::kAssertionFailure: {
      const std::string_view expr = starts_with(r.detail, kAssertionPrefix)
                                        ? std::string_view(r.detail).substr(kAssertionPrefix.size())
                                        : std::string_view(r.detail);
      f.message = r.result == "USER INVARIANT FAILED" ? fmt::format("invariant `{}` failed in t{}", expr, thread)
                                                      : fmt::format("assertion `{}` failed in t{}", expr, thread);
      break;
    }
    case FindingKind::kUncaughtException:
      f.operation = "thread.exit";
      f.message = fmt::format("exception escaped thread t{}: {}", thread, r.detail.substr(kExceptionPrefix.size()));
      break;
    case FindingKind::kDataRace: {
      // The racing access is the failing thread's event just before the failure line; the other
      // side is the latest conflicting access to the same address by another thread.
      const HistoryEvent* access = nullptr;
      for (std::size_t i = last; i-- > 0;) {
        if (h[i].thread == fail.thread && !address_of(h[i].event).empty()) {
          access = &h[i];
          break;
        }
      }
      const HistoryEvent* other = nullptr;
      if (access != nullptr) {
        const std::string_view addr = address_of(access->event);
        const bool write = is_write(access->event);
        for (std::size_t i = static_cast<std::size_t>(access - h.data()); i-- > 0;) {
          if (h[i].thread != fail.thread && address_of(h[i].event) == addr && (write || is_write(h[i].event))) {
            other = &h[i];
            break;
          }
        }
      }
      if (other != nullptr) {
        const int other_thread = weft_thread(other->thread, dynamic_threads);
        f.threads.push_back(other_thread);
        f.sites.push_back(
            {other_thread, other->function, std::string(address_of(other->event)), l.loc(*other), other->index});
        f.message = fmt::format("data race: t{} {} at {} is unordered with t{} {} at {}", thread, f.operation,
                                l.where(fail), other_thread, other->function, l.where(*other));
      } else {
        f.message = fmt::format("data race: t{} {} at {}", thread, f.operation, l.where(fail));
      }
      if (access != nullptr) {
        f.sites.push_back(
            {thread, access->function, std::string(address_of(access->event)), l.loc(*access), access->index});
      }
      break;
    }
    case FindingKind::kDeadlock: {
      // Blocked: every thread whose last event blocks it.
      std::vector<int> seen;
      std::vector<std::string> blocked;
      f.threads.clear();
      for (std::size_t i = h.size(); i-- > 0;) {
        const HistoryEvent& e = h[i];
        if (std::find(seen.begin(), seen.end(), e.thread) != seen.end()) continue;
        seen.push_back(e.thread);
        const bool blocking = e.event == "blocking current thread" || starts_with(e.event, "DEADLOCK");
        if (!blocking) continue;
        const HistoryEvent* site = l.in_scenario(e) ? &e : l.last_scenario_event(h, i, e.thread);
        const int t = weft_thread(e.thread, dynamic_threads);
        f.threads.push_back(t);
        if (site != nullptr) {
          f.sites.push_back({t, site->function, "", l.loc(*site), site->index});
          blocked.push_back(fmt::format("t{} in {} at {}", t, site->function, l.where(*site)));
        }
      }
      std::sort(f.threads.begin(), f.threads.end());
      std::sort(f.sites.begin(), f.sites.end(),
                [](const FindingSite& a, const FindingSite& b) { return a.thread < b.thread; });
      std::sort(blocked.begin(), blocked.end());
      std::string list;
      for (const std::string& b : blocked) list += (list.empty() ? "" : ", ") + b;
      f.message = fmt::format("deadlock: threads {} are all blocked ({})", threads_text(f.threads), list);
      break;
    }
    case FindingKind::kLivelock:
      f.message = fmt::format("livelock: an iteration exceeded Relacy's scheduling-point limit; t{} was last at {}",
                              thread, at != nullptr ? l.where(*at) : std::string("?"));
      break;
    case FindingKind::kMemoryLeak: {
      // The allocation event of the first leaked block, when Relacy recorded one (a `new`
      // expression in scenario code, with --track-heap).
      const HistoryEvent* alloc = nullptr;
      for (const std::string& addr : r.leaked) {
        for (const HistoryEvent& e : h) {
          if (starts_with(e.event, "memory allocation: addr=" + addr + ",")) {
            alloc = &e;
            break;
          }
        }
        if (alloc != nullptr) break;
      }
      if (alloc != nullptr) {
        f.location = l.loc(*alloc);
        f.operation = "new";
        f.threads = {weft_thread(alloc->thread, dynamic_threads)};
        f.message = fmt::format("memory leak: {} block{} never freed; the first was allocated by t{} at {}",
                                r.leaked.size(), r.leaked.size() == 1 ? "" : "s", f.threads[0], l.where(*alloc));
      } else if (r.result == "RESOURCE LEAK") {
        f.message = fmt::format("resource leak: {}", r.detail);
      } else {
        f.message =
            fmt::format("memory leak: {} block{} never freed", r.leaked.size(), r.leaked.size() == 1 ? "" : "s");
      }
      break;
    }
    case FindingKind::kApiMisuse:
      f.message = starts_with(r.detail, kMisusePrefix)
                      ? fmt::format("{} (t{})", r.detail.substr(kMisusePrefix.size()), thread)
                      : fmt::format("{} in t{}", headline, thread);
      break;
    default:
      f.message = headline;
      break;
  }
  f.trace = trace_of(r, dynamic_threads);
  return f;
}

}  // namespace weft::relacy
