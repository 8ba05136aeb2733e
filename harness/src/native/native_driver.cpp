// Driving weft-native: spawn, per-run watchdog, protocol and TSan report parsing, de-duplication.
#include "native/native_driver.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "native/native_runtime.hpp"
#include "native/tsan_report.hpp"
#include "subprocess.hpp"

extern char** environ;

namespace weft::native {

namespace {

using Clock = std::chrono::steady_clock;

// One run's share of the output stream.
struct Segment {
  std::uint64_t run = 0;  // 0: before the first run
  std::string text;
};

// Key of a finding for de-duplication: kind, primary location and site locations.
std::string finding_key(const Finding& f) {
  std::string key = fmt::format("{}@{}", kind_name(f.kind), format_location(f.location));
  std::vector<std::string> sites;
  for (const FindingSite& s : f.sites) sites.push_back(format_location(s.location) + s.operation);
  std::sort(sites.begin(), sites.end());
  for (const std::string& s : sites) key += "|" + s;
  return key;
}

class Collector {
 public:
  explicit Collector(std::uint64_t runs) { result_.runs_requested = runs; }

  void feed_line(std::string_view line) {
    if (line.substr(0, std::strlen(kProtocolMarker)) == kProtocolMarker) {
      protocol(line.substr(std::strlen(kProtocolMarker)));
      return;
    }
    if (segments_.empty()) segments_.push_back({0, {}});
    if (!line.empty()) {
      tail_.emplace_back(line.substr(0, 300));
      if (tail_.size() > 3) tail_.pop_front();
    }
    segments_.back().text.append(line);
    segments_.back().text.push_back('\n');
    if (line.find("ThreadSanitizer") != std::string_view::npos) tsan_line(line);
  }

  std::uint64_t current_run() const { return current_run_; }
  // The last few non-protocol output lines, joined with " | ".
  std::string tail() const {
    std::string out;
    for (const std::string& l : tail_) out += (out.empty() ? "" : " | ") + l;
    return out;
  }
  bool done() const { return done_; }

  NativeResult finish() {
    std::size_t parsed = 0;
    for (const Segment& seg : segments_) {
      for (const TsanReport& report : parse_tsan_log(seg.text)) {
        ++parsed;
        Finding f = tsan_finding(report);
        add(std::move(f), seg.run);
      }
    }
    if (result_.error.empty() && reported_ >= 0 && static_cast<std::size_t>(reported_) != parsed) {
      result_.error = fmt::format("ThreadSanitizer reported {} warnings but weft parsed {}", reported_, parsed);
    }
    for (std::size_t i = 0; i < result_.findings.size(); ++i) {
      Finding& f = result_.findings[i];
      const std::uint64_t n = runs_seen_[i].size();
      f.details.push_back(fmt::format("first in run {} of {}; in {} run{} that reported it", f.execution,
                                      result_.runs_requested, n, n == 1 ? "" : "s"));
    }
    return std::move(result_);
  }

  NativeResult& result() { return result_; }

 private:
  void protocol(std::string_view body) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (result_.error.empty()) result_.error = fmt::format("malformed protocol line from weft-native: {}", body);
      return;
    }
    const std::string event = j.value("event", "");
    const std::uint64_t run = j.value("run", std::uint64_t{0});
    if (event == "begin") {
      current_run_ = run;
      segments_.push_back({run, {}});
    } else if (event == "end") {
      ++result_.runs_completed;
      current_run_ = 0;
    } else if (event == "done") {
      done_ = true;
    } else if (event == "assert" || event == "exception") {
      Finding f;
      const bool exception = event == "exception";
      f.kind = exception ? FindingKind::kUncaughtException : FindingKind::kAssertionFailure;
      const int thread = j.value("thread", -1);
      const std::string file = j.value("file", "");
      const int line = j.value("line", 0);
      if (!file.empty() && line > 0) {
        f.location = SourceLoc{intern_path(std::filesystem::path(file).lexically_normal().string()), line};
      }
      f.threads = {thread};
      if (exception) {
        f.operation = "thread.exit";
        f.message = fmt::format("exception escaped thread t{}: {}", thread, j.value("what", ""));
      } else {
        f.operation = "assert";
        f.message = fmt::format("assertion `{}` failed in t{}", j.value("expr", ""), thread);
      }
      add(std::move(f), run);
    }
  }

  // "ThreadSanitizer: reported N warnings"; FATAL / CHECK failures are backend errors.
  void tsan_line(std::string_view line) {
    constexpr std::string_view kReported = "ThreadSanitizer: reported ";
    const std::size_t at = line.find(kReported);
    if (at != std::string_view::npos) {
      reported_ = std::atoi(std::string(line.substr(at + kReported.size())).c_str());
      return;
    }
    if ((line.find("FATAL: ThreadSanitizer") != std::string_view::npos ||
         line.find("ThreadSanitizer: CHECK failed") != std::string_view::npos) &&
        result_.error.empty()) {
      result_.error = std::string(line);
    }
  }

  void add(Finding f, std::uint64_t run) {
    f.execution = run;
    const std::string key = finding_key(f);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == key) {
        runs_seen_[i].insert(run);
        return;
      }
    }
    keys_.push_back(key);
    runs_seen_.push_back({run});
    result_.findings.push_back(std::move(f));
  }

  NativeResult result_;
  std::vector<Segment> segments_;
  std::vector<std::string> keys_;
  std::vector<std::set<std::uint64_t>> runs_seen_;
  std::uint64_t current_run_ = 0;
  bool done_ = false;
  long reported_ = -1;
  std::deque<std::string> tail_;
};

std::string signal_text(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? fmt::format("signal {} (SIG{})", sig, name) : fmt::format("signal {}", sig);
}

}  // namespace

std::string default_native_binary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path candidate = self.parent_path() / "weft-native";
  return std::filesystem::exists(candidate, ec) ? candidate.string() : std::string();
}

std::string tsan_options() {
  std::string opts = "halt_on_error=0 exitcode=66 log_path=stderr detect_deadlocks=1 second_deadlock_stack=1";
  for (const char* symbolizer : {"/usr/lib/llvm-14/bin/llvm-symbolizer", "/usr/bin/llvm-symbolizer"}) {
    if (::access(symbolizer, X_OK) == 0) {
      opts += fmt::format(" external_symbolizer_path={}", symbolizer);
      break;
    }
  }
  return opts;
}

NativeResult parse_native_output(std::string_view output, std::uint64_t runs_requested) {
  Collector c(runs_requested);
  std::size_t pos = 0;
  while (pos < output.size()) {
    std::size_t end = output.find('\n', pos);
    if (end == std::string_view::npos) end = output.size();
    c.feed_line(output.substr(pos, end - pos));
    pos = end + 1;
  }
  return c.finish();
}

NativeResult run_native(const Scenario& scenario, const Params& params, const NativeOptions& options) {
  const auto start = Clock::now();
  Collector collector(options.runs);
  NativeResult& early = collector.result();

  std::vector<std::string> args = {"weft-native",
                                   "run",
                                   std::string(scenario.name),
                                   "--runs",
                                   std::to_string(options.runs),
                                   "--seed",
                                   std::to_string(options.seed)};
  std::string rerun = fmt::format("weft native {} --runs {} --seed {}", scenario.name, options.runs, options.seed);
  if (options.perturb) {
    args.push_back("--perturb");
    rerun += " --perturb";
  }
  for (std::size_t i = 0; i < params.specs().size(); ++i) {
    const std::string set = fmt::format("{}={}", params.specs()[i].name, params.values()[i]);
    args.push_back("--set");
    args.push_back(set);
    if (params.values()[i] != params.specs()[i].default_value) rerun += " --set " + shell_quote(set);
  }
  early.rerun = rerun;

  const std::string binary = options.binary.empty() ? default_native_binary() : options.binary;
  if (binary.empty() || ::access(binary.c_str(), X_OK) != 0) {
    early.error = binary.empty() ? "the native backend is not built (no weft-native next to weft)"
                                 : fmt::format("the native backend is not built ({} is missing)", binary);
    NativeResult r = std::move(early);
    return r;
  }

  // Environment: ours, with TSAN_OPTIONS = user's + weft's.
  std::vector<std::string> env;
  std::string user_tsan;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TSAN_OPTIONS=", 13) == 0) {
      user_tsan = *e + 13;
      continue;
    }
    env.emplace_back(*e);
  }
  env.push_back("TSAN_OPTIONS=" + (user_tsan.empty() ? std::string() : user_tsan + " ") + tsan_options());
  const Spawned child = spawn_captured(binary, std::move(args), /*merge_stderr=*/true, std::move(env));
  if (!child.error.empty()) {
    early.error = child.error;
    return std::move(early);
  }
  // The watchdog deadline restarts at every "begin": each run has its own timeout.
  std::uint64_t last_begun = 0;
  const ChildExit exit = wait_child(child, options.timeout_seconds, [&](std::string_view line) {
    collector.feed_line(line);
    if (collector.current_run() <= last_begun) return false;
    last_begun = collector.current_run();
    return true;
  });
  const bool hung = exit.timed_out;
  const int status = exit.status;
  const bool done = collector.done();
  const std::uint64_t running = collector.current_run();
  const std::string tail = collector.tail();
  NativeResult r = collector.finish();
  r.rerun = rerun;

  if (hung) {
    r.hang = true;
    r.hang_run = running != 0 ? running : r.runs_completed + 1;
    Finding f;
    f.kind = FindingKind::kHang;
    f.execution = r.hang_run;
    f.operation = "run";
    f.message = fmt::format(
        "{}: run {} of {} did not finish within {:g} s on real threads; the watchdog killed it "
        "(a deadlock or livelock on real cores)",
        scenario.name, r.hang_run, options.runs, options.timeout_seconds);
    if (r.hang_run < options.runs) {
      f.details.push_back(fmt::format("runs {}..{} were not executed", r.hang_run + 1, options.runs));
    }
    r.findings.push_back(std::move(f));
  } else if (r.error.empty()) {
    if (WIFSIGNALED(status)) {
      r.error = fmt::format("weft-native was killed by {} in run {}", signal_text(WTERMSIG(status)),
                            running != 0 ? running : r.runs_completed);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 66) {
      r.error = fmt::format("weft-native exited with status {}", WEXITSTATUS(status));
    } else if (!done) {
      r.error =
          fmt::format("weft-native stopped after {} of {} runs without finishing", r.runs_completed, options.runs);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 66 && r.findings.empty()) {
      r.error = "ThreadSanitizer reported something weft could not parse";
    }
    if (!r.error.empty() && !tail.empty()) r.error += "; last output: " + tail;
  }
  if (r.error.find("unexpected memory mapping") != std::string::npos) {
    r.error += " (clang 14's ThreadSanitizer needs vm.mmap_rnd_bits <= 28: sysctl -w vm.mmap_rnd_bits=28)";
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace weft::native
