// The model engine in `weft check`: exactly `weft explore <scenario>` (the scenario's own
// exploration options, stopping at the first failure; potential findings such as data races and
// lock-order inversions do not stop it, so a racy scenario shows its race and its failure), run
// in a supervised child per scenario (cli/supervise.hpp) unless CheckSettings::isolate is off.
// A crash, isolated in process or not, makes the verdict `error`: the search was cut short and
// the scenario's declared expectation cannot be judged.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "check/engine.hpp"
#include "cli/supervise.hpp"
#include "weft/explore.hpp"

namespace weft::check {

namespace {

// Findings count as the same when kind and primary location agree.
std::string key_of(const Finding& f) { return fmt::format("{}@{}", kind_name(f.kind), format_location(f.location)); }

// The verdict crosses from the child to the parent as length-prefixed fields. Source locations
// cross as pointers: the child is a fork of the parent, so their file names (static strings of
// the executable) are at the same addresses in both.
class Writer {
 public:
  void u64(std::uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    out_ += s;
  }
  void loc(SourceLoc l) {
    u64(reinterpret_cast<std::uintptr_t>(l.file));
    u64(static_cast<std::uint64_t>(l.line));
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  std::uint64_t u64() {
    std::uint64_t v = 0;
    if (pos_ + sizeof v > in_.size()) {
      ok_ = false;
      return 0;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  SourceLoc loc() {
    SourceLoc l;
    l.file = reinterpret_cast<const char*>(static_cast<std::uintptr_t>(u64()));
    l.line = static_cast<int>(u64());
    if (l.file == nullptr) l.file = "";
    return l;
  }
  bool ok() const { return ok_ && pos_ == in_.size(); }

 private:
  const std::string& in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void put(Writer& w, const Finding& f) {
  w.u64(static_cast<std::uint64_t>(f.kind));
  w.str(f.message);
  w.u64(f.threads.size());
  for (int t : f.threads) w.u64(static_cast<std::uint64_t>(t));
  w.str(f.operation);
  w.loc(f.location);
  w.u64(f.step);
  w.u64(f.execution);
  w.str(f.schedule);
  w.u64(f.sites.size());
  for (const FindingSite& s : f.sites) {
    w.u64(static_cast<std::uint64_t>(s.thread));
    w.str(s.operation);
    w.str(s.object);
    w.loc(s.location);
    w.u64(s.step);
  }
  w.u64(f.details.size());
  for (const std::string& d : f.details) w.str(d);
  w.str(f.trace);
  w.u64(f.replayable ? 1 : 0);
}

Finding get_finding(Reader& r) {
  Finding f;
  f.kind = static_cast<FindingKind>(r.u64() % kFindingKindCount);
  f.message = r.str();
  for (std::uint64_t n = r.u64(); n > 0 && n <= (1u << 24); --n) f.threads.push_back(static_cast<int>(r.u64()));
  f.operation = r.str();
  f.location = r.loc();
  f.step = r.u64();
  f.execution = r.u64();
  f.schedule = r.str();
  for (std::uint64_t n = r.u64(); n > 0 && n <= (1u << 24); --n) {
    FindingSite s;
    s.thread = static_cast<int>(r.u64());
    s.operation = r.str();
    s.object = r.str();
    s.location = r.loc();
    s.step = r.u64();
    f.sites.push_back(std::move(s));
  }
  for (std::uint64_t n = r.u64(); n > 0 && n <= (1u << 24); --n) f.details.push_back(r.str());
  f.trace = r.str();
  f.replayable = r.u64() != 0;
  return f;
}

std::string serialize(const EngineVerdict& v) {
  Writer w;
  w.u64(static_cast<std::uint64_t>(v.state));
  w.str(v.reason);
  w.u64(v.executions);
  w.u64(v.complete ? 1 : 0);
  w.str(v.bounded_by);
  std::uint64_t secs = 0;
  std::memcpy(&secs, &v.seconds, sizeof secs);
  w.u64(secs);
  w.u64(v.findings.size());
  for (const Finding& f : v.findings) put(w, f);
  return w.bytes();
}

bool deserialize(const std::string& bytes, EngineVerdict& v) {
  Reader r(bytes);
  v.state = static_cast<VerdictState>(r.u64() % 3);
  v.reason = r.str();
  v.executions = r.u64();
  v.complete = r.u64() != 0;
  v.bounded_by = r.str();
  const std::uint64_t secs = r.u64();
  std::memcpy(&v.seconds, &secs, sizeof secs);
  const std::uint64_t n = r.u64();
  for (std::uint64_t i = 0; i < n && i < bytes.size(); ++i) v.findings.push_back(get_finding(r));
  return r.ok();
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

class ModelEngine final : public CheckEngine {
 public:
  explicit ModelEngine(const CheckSettings& settings) : settings_(settings) {}
  Engine engine() const override { return Engine::kModel; }

  EngineVerdict run(const Scenario& scenario, const Params& params) override {
    const Options o = options_for(scenario);
    if (!settings_.isolate) return explore_here(scenario, params, o);
    const cli::ChildOutcome c =
        cli::run_in_child([&](int fd) { return write_all(fd, serialize(explore_here(scenario, params, o))) ? 0 : 3; });
    EngineVerdict v;
    v.engine = Engine::kModel;
    v.rerun = fmt::format("weft explore {}", scenario.name);
    if (c.died) {
      const Finding f = cli::died_finding(c, scenario, params, o);
      v.state = VerdictState::kError;
      v.executions = c.execution;
      v.bounded_by = "crash";
      v.reason = "the model engine crashed: " + f.message +
                 (f.schedule.empty() ? "" : fmt::format(" (replay: weft replay {} {})", scenario.name, f.schedule));
      v.findings.push_back(f);
      return v;
    }
    if (c.exit_code != 0 || !deserialize(c.payload, v)) {
      v = EngineVerdict{};
      v.engine = Engine::kModel;
      v.rerun = fmt::format("weft explore {}", scenario.name);
      v.state = VerdictState::kError;
      v.reason = fmt::format("the model engine's child process failed (exit code {})", c.exit_code);
    }
    return v;
  }

 private:
  // DPOR, or DFS with the scenario's bounds in the fair mode or under the priority policy.
  Options options_for(const Scenario& scenario) const {
    Options o = default_search_options(scenario);
    o.stack_size = settings_.stack_size;
    o.max_seconds = settings_.max_seconds;
    o.exec_timeout = settings_.exec_timeout;
    return o;
  }

  static EngineVerdict explore_here(const Scenario& scenario, const Params& params, const Options& o) {
    EngineVerdict v;
    v.engine = Engine::kModel;
    const Result r = explore_scenario(scenario, params, o);
    v.executions = r.executions;
    v.complete = r.complete;
    v.bounded_by = r.bounded_by;
    v.seconds = r.seconds;
    v.rerun = fmt::format("weft explore {}", scenario.name);
    if (!r.divergence.empty()) {
      v.state = VerdictState::kError;
      v.reason = "nondeterministic scenario: " + r.divergence;
    }
    std::vector<std::string> keys;
    for (const Finding& f : r.findings) {
      const std::string key = key_of(f);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      keys.push_back(key);
      v.findings.push_back(f);
      if (f.kind == FindingKind::kCrash && v.state == VerdictState::kRan) {
        v.state = VerdictState::kError;
        v.reason = fmt::format("the code under test crashed: {} (replay: weft replay {} {})", f.message, scenario.name,
                               f.schedule);
      }
    }
    return v;
  }

  CheckSettings settings_;
};

}  // namespace

std::unique_ptr<CheckEngine> make_model_engine(const CheckSettings& settings) {
  return std::make_unique<ModelEngine>(settings);
}

std::vector<FindingKind> EngineVerdict::kinds() const {
  std::vector<FindingKind> out;
  for (const Finding& f : findings) {
    if (std::find(out.begin(), out.end(), f.kind) == out.end()) out.push_back(f.kind);
  }
  return out;
}

std::vector<std::unique_ptr<CheckEngine>> make_engines(const CheckSettings& settings) {
  std::vector<std::unique_ptr<CheckEngine>> out;
  out.push_back(make_model_engine(settings));
  out.push_back(make_native_engine(settings));
  out.push_back(make_relacy_engine(settings));
  return out;
}

}  // namespace weft::check
