// Parsing ThreadSanitizer's text reports (LLVM 14 format) into weft findings.
#include "native/tsan_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

namespace weft::native {

namespace {

constexpr std::string_view kDelimiter = "==================";
constexpr std::string_view kWarning = "WARNING: ThreadSanitizer: ";
constexpr std::string_view kSummary = "SUMMARY: ThreadSanitizer: ";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Removes trailing " (...)" groups: "(module+0x12)", "(BuildId: ...)".
std::string_view strip_trailing_groups(std::string_view s) {
  for (;;) {
    s = trim(s);
    if (s.empty() || s.back() != ')') return s;
    int depth = 0;
    std::size_t i = s.size();
    while (i > 0) {
      --i;
      if (s[i] == ')') ++depth;
      if (s[i] == '(' && --depth == 0) break;
    }
    if (depth != 0 || i == 0 || s[i - 1] != ' ') return s;
    s = s.substr(0, i);
  }
}

// "#3 function file:line:col (module+0x..)" (already trimmed, starts with '#').
std::optional<TsanFrame> parse_frame(std::string_view line) {
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto index = to_int(line.substr(1, space - 1));
  if (!index) return std::nullopt;
  TsanFrame f;
  f.index = *index;
  std::string_view rest = strip_trailing_groups(line.substr(space + 1));
  const std::size_t last = rest.rfind(' ');
  std::string_view where = last == std::string_view::npos ? rest : rest.substr(last + 1);
  f.function = std::string(last == std::string_view::npos ? std::string_view() : trim(rest.substr(0, last)));
  if (where == "<null>") return f;
  // file:line:col or file:line
  std::string_view file = where;
  std::size_t colon = file.rfind(':');
  if (colon != std::string_view::npos) {
    const auto a = to_int(file.substr(colon + 1));
    if (a) {
      std::string_view head = file.substr(0, colon);
      const std::size_t colon2 = head.rfind(':');
      const auto b = colon2 == std::string_view::npos ? std::nullopt : to_int(head.substr(colon2 + 1));
      if (b) {
        f.line = *b;
        f.column = *a;
        file = head.substr(0, colon2);
      } else {
        f.line = *a;
        file = head;
      }
    }
  }
  if (f.line == 0) {
    // No line: a module-only frame such as "foo (module+0x1)" whose file is unknown.
    f.function = std::string(rest);
    return f;
  }
  f.file = std::filesystem::path(std::string(file)).lexically_normal().string();
  return f;
}

// "Thread T2 'weft-t1' (tid=..., running) created by ..." / "Thread T1 (tid=...) ...".
std::optional<TsanThread> parse_thread_header(std::string_view h) {
  if (!starts_with(h, "Thread T")) return std::nullopt;
  std::string_view rest = h.substr(8);
  std::size_t n = 0;
  while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
  const auto id = to_int(rest.substr(0, n));
  if (!id) return std::nullopt;
  TsanThread t;
  t.tsan_id = *id;
  rest.remove_prefix(n);
  if (starts_with(rest, " '")) {
    const std::size_t close = rest.find('\'', 2);
    if (close != std::string_view::npos) t.name = std::string(rest.substr(2, close - 2));
  }
  return t;
}

// The TSan thread id an access header names: "by thread T3", "in thread T2", "by main thread".
std::optional<int> header_thread(std::string_view h) {
  if (h.find("main thread") != std::string_view::npos) return 0;
  for (std::string_view key : {"by thread T", "in thread T"}) {
    const std::size_t at = h.find(key);
    if (at == std::string_view::npos) continue;
    std::string_view rest = h.substr(at + key.size());
    std::size_t n = 0;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (const auto id = to_int(rest.substr(0, n))) return *id;
  }
  return std::nullopt;
}

enum class StackRole { kSite, kThread, kOther };

StackRole stack_role(std::string_view header) {
  if (starts_with(header, "Thread T")) return StackRole::kThread;
  for (std::string_view p : {"Write ", "Read ", "Atomic write ", "Atomic read ", "Previous write ", "Previous read ",
                             "Previous atomic write ", "Previous atomic read "}) {
    if (starts_with(header, p)) return StackRole::kSite;
  }
  if (starts_with(header, "Mutex M") && (header.find(" acquired here") != std::string_view::npos ||
                                         header.find(" previously acquired") != std::string_view::npos)) {
    return StackRole::kSite;
  }
  if (header.empty()) return StackRole::kSite;  // frames right after the title: the current stack
  return StackRole::kOther;                     // "Mutex M0 (0x..) created at", "Location is heap block ..."
}

std::string site_operation(std::string_view header) {
  std::string_view h = header;
  if (starts_with(h, "Previous ")) h.remove_prefix(9);
  if (starts_with(h, "Atomic write") || starts_with(h, "atomic write")) return "atomic.store";
  if (starts_with(h, "Atomic read") || starts_with(h, "atomic read")) return "atomic.load";
  if (starts_with(h, "Write") || starts_with(h, "write")) return "var.write";
  if (starts_with(h, "Read") || starts_with(h, "read")) return "var.read";
  if (starts_with(h, "Mutex M")) return "mutex.lock";
  return "";
}

// "Mutex M1 acquired here ..." -> "M1".
std::string mutex_name(std::string_view header) {
  if (!starts_with(header, "Mutex M")) return "";
  const std::size_t end = header.find(' ', 6);
  return std::string(header.substr(6, end == std::string_view::npos ? std::string_view::npos : end - 6));
}

const TsanFrame* scenario_frame(const std::vector<TsanFrame>& frames) {
  for (const TsanFrame& f : frames) {
    if (is_scenario_frame(f)) return &f;
  }
  return nullptr;
}

}  // namespace

const char* intern_path(std::string_view path) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> paths;
  std::lock_guard<std::mutex> lock(mu);
  auto it = paths.find(path);
  if (it == paths.end()) it = paths.emplace(path).first;
  return it->c_str();
}

std::vector<TsanReport> parse_tsan_log(std::string_view log) {
  std::vector<TsanReport> out;
  TsanReport* cur = nullptr;
  TsanStack* stack = nullptr;  // the stack collecting frames
  std::vector<TsanFrame>* thread_frames = nullptr;
  std::deque<std::vector<TsanFrame>> discard;  // frames of stacks weft does not use
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t end = log.find('\n', pos);
    if (end == std::string_view::npos) end = log.size();
    const std::string_view raw = log.substr(pos, end - pos);
    pos = end + 1;
    const std::string_view line = trim(raw);
    if (cur == nullptr) {
      if (starts_with(line, kWarning)) {
        TsanReport& r = out.emplace_back();
        cur = &r;
        std::string_view title = line.substr(kWarning.size());
        const std::size_t pid = title.rfind(" (pid=");
        if (pid != std::string_view::npos) title = title.substr(0, pid);
        r.title = std::string(title);
        r.text = std::string(kDelimiter) + "\n" + std::string(raw) + "\n";
        stack = nullptr;
        thread_frames = nullptr;
      }
      continue;
    }
    if (line == kDelimiter) {
      cur->text += std::string(raw) + "\n";
      cur = nullptr;
      continue;
    }
    cur->text += std::string(raw) + "\n";
    if (line.empty()) {
      stack = nullptr;
      thread_frames = nullptr;
      continue;
    }
    if (starts_with(line, kSummary)) {
      cur->summary = std::string(line.substr(kSummary.size()));
      continue;
    }
    if (line.front() == '#') {
      const auto frame = parse_frame(line);
      if (!frame) continue;
      if (thread_frames != nullptr) {
        thread_frames->push_back(*frame);
      } else {
        if (stack == nullptr) {
          stack = &cur->stacks.emplace_back();  // frames right after the title
        }
        stack->frames.push_back(*frame);
      }
      continue;
    }
    // A header or a note.
    std::string_view header = line;
    const bool has_frames = header.back() == ':';
    if (has_frames) header.remove_suffix(1);
    stack = nullptr;
    thread_frames = nullptr;
    switch (stack_role(header)) {
      case StackRole::kThread:
        if (auto t = parse_thread_header(header)) {
          cur->threads.push_back(*t);
          thread_frames = &cur->threads.back().created_at;
        } else {
          thread_frames = &discard.emplace_back();
        }
        break;
      case StackRole::kSite:
        stack = &cur->stacks.emplace_back();
        stack->header = std::string(header);
        break;
      case StackRole::kOther:
        cur->notes.push_back(std::string(header));
        if (has_frames) thread_frames = &discard.emplace_back();
        break;
    }
  }
  return out;
}

std::optional<FindingKind> tsan_kind(std::string_view title) {
  if (starts_with(title, "data race") || starts_with(title, "heap-use-after-free") ||
      starts_with(title, "race on external object")) {
    return FindingKind::kDataRace;
  }
  if (starts_with(title, "lock-order-inversion")) return FindingKind::kLockOrderInversion;
  for (std::string_view misuse :
       {"thread leak", "destroy of a locked mutex", "double lock of a mutex", "use of an invalid mutex",
        "unlock of an unlocked mutex", "read lock of a write locked mutex", "read unlock of a write locked mutex",
        "signal-unsafe call inside of a signal", "signal handler spoils errno", "mutex held in wrong context"}) {
    if (starts_with(title, misuse)) return FindingKind::kApiMisuse;
  }
  return std::nullopt;
}

bool is_scenario_frame(const TsanFrame& frame) {
  const std::string_view file = frame.file;
  if (file.empty() || frame.line <= 0) return false;
  if (starts_with(file, "/usr/") || file.find("/sysdeps/") != std::string_view::npos) return false;
  if (file.find("/include/weft/") != std::string_view::npos) return false;
  if (file.find("/harness/src/native/") != std::string_view::npos) return false;
  return true;
}

Finding tsan_finding(const TsanReport& report) {
  Finding f;
  const std::optional<FindingKind> kind = tsan_kind(report.title);
  f.kind = kind.value_or(FindingKind::kApiMisuse);

  std::map<int, int> weft_ids;  // TSan thread id -> weft thread id
  bool named = false;
  for (const TsanThread& t : report.threads) {
    if (starts_with(t.name, "weft-t")) {
      if (const auto id = to_int(std::string_view(t.name).substr(6))) {
        weft_ids[t.tsan_id] = *id;
        named = true;
      }
    }
  }
  auto map_thread = [&](std::optional<int> tsan) -> int {
    if (!tsan) return -1;
    const auto it = weft_ids.find(*tsan);
    if (it != weft_ids.end()) return it->second;
    return (*tsan == 0 && !named) ? 0 : -1;  // a plain program's main thread
  };

  int previous_thread = -1;
  for (const TsanStack& s : report.stacks) {
    FindingSite site;
    site.operation = site_operation(s.header);
    const bool same_thread = s.header.find("by the same thread") != std::string::npos;
    site.thread = same_thread ? previous_thread : map_thread(header_thread(s.header));
    previous_thread = site.thread;
    site.object = mutex_name(s.header);
    const TsanFrame* frame = scenario_frame(s.frames);
    if (frame == nullptr && !s.frames.empty()) {
      for (const TsanFrame& fr : s.frames) {
        if (!fr.file.empty() && fr.line > 0) {
          frame = &fr;
          break;
        }
      }
    }
    if (frame != nullptr) site.location = SourceLoc{intern_path(frame->file), frame->line};
    f.sites.push_back(std::move(site));
  }
  for (const FindingSite& s : f.sites) {
    if (s.thread >= 0 && std::find(f.threads.begin(), f.threads.end(), s.thread) == f.threads.end()) {
      f.threads.push_back(s.thread);
    }
  }
  if (!f.sites.empty()) {
    f.location = f.sites.front().location;
    f.operation = f.sites.front().operation;
  }
  if (!f.location.known()) {
    for (const TsanThread& t : report.threads) {
      if (const TsanFrame* frame = scenario_frame(t.created_at)) {
        f.location = SourceLoc{intern_path(frame->file), frame->line};
        f.operation = "thread.spawn";
        const int id = map_thread(t.tsan_id);
        if (id >= 0 && std::find(f.threads.begin(), f.threads.end(), id) == f.threads.end()) f.threads.push_back(id);
        break;
      }
    }
  }

  auto site_text = [](const FindingSite& s) {
    std::string who = s.thread >= 0 ? fmt::format("t{}", s.thread) : std::string("an unnamed thread");
    std::string what = s.operation.empty() ? std::string("access") : s.operation;
    if (!s.object.empty()) what += " " + s.object;
    return fmt::format("{} by {} at {}", what, who, format_location(s.location));
  };
  switch (f.kind) {
    case FindingKind::kDataRace:
      if (f.sites.size() >= 2) {
        f.message = fmt::format("{}: {} races with the previous {}", report.title, site_text(f.sites[0]),
                                site_text(f.sites[1]));
      } else {
        f.message = report.title;
      }
      break;
    case FindingKind::kLockOrderInversion: {
      std::string chain;
      for (const FindingSite& s : f.sites) chain += (chain.empty() ? "" : "; ") + site_text(s);
      f.message = fmt::format("lock-order inversion (potential deadlock): {}", chain);
      break;
    }
    default:
      f.message = kind ? report.title : fmt::format("unrecognized ThreadSanitizer report: {}", report.title);
      if (!f.sites.empty()) f.message += fmt::format(" at {}", format_location(f.location));
      break;
  }
  for (const std::string& n : report.notes) f.details.push_back(n);
  if (!report.summary.empty()) f.details.push_back("TSan: " + report.summary);
  f.trace = report.text;
  return f;
}

}  // namespace weft::native
