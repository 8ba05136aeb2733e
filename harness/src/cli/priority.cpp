// The CLI's priority options (--policy, --cpus, --max-blocking) and `weft rt`, which hands over
// to weft-rt (the native SCHED_FIFO rerun, built without the model engine).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
#include "untrusted.hpp"

namespace weft::cli {

std::optional<std::int64_t> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double ns;
  };
  constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  for (const Unit& u : kUnits) {
    if (text.size() <= u.suffix.size() || text.substr(text.size() - u.suffix.size()) != u.suffix) continue;
    const std::string number(text.substr(0, text.size() - u.suffix.size()));
    if (number.find_first_not_of("0123456789.") != std::string::npos) continue;  // "5ms" is not "5m" + "s"
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || errno != 0 || !(v >= 0) || v * u.ns > 9.0e18) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(v * u.ns));
  }
  return std::nullopt;
}

void apply_priority_options(const Scenario& s, const std::string& policy, int cpus, const std::string& max_blocking,
                            Options& o) {
  o.policy = s.explore.policy;
  o.cpus = s.explore.cpus;
  if (!policy.empty()) o.policy = policy == "priority" ? SchedPolicy::kPriority : SchedPolicy::kAny;
  if (cpus != 0) {
    if (o.policy != SchedPolicy::kPriority)
      throw InputError("--cpus applies to the priority policy: add --policy priority");
    o.cpus = cpus;
  }
  if (!max_blocking.empty()) {
    if (o.policy != SchedPolicy::kPriority) {
      throw InputError("--max-blocking applies to the priority policy: add --policy priority");
    }
    const std::optional<std::int64_t> ns = parse_duration(max_blocking);
    if (!ns) {
      throw InputError(fmt::format("--max-blocking: {} is not a duration (a number with ns, us, ms or s, e.g. 2ms)",
                                   quote_untrusted(max_blocking)));
    }
    o.max_blocking = std::chrono::nanoseconds(*ns);
  }
}

// weft-rt replaces this process (execv): its exit status is the command's.
void add_rt_command(CLI::App& app, int& /*exit_code*/) {
  auto* rt = app.add_subcommand(
      "rt",
      "Rerun priority scenarios natively on one CPU with SCHED_FIFO priorities and PTHREAD_PRIO_* mutexes, "
      "measuring the high-priority thread's blocking (runs weft-rt; see 'weft rt --help')");
  rt->prefix_command();  // everything after `rt` goes to weft-rt, --help included
  rt->set_help_flag();
  rt->callback([rt] {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) throw InputError("cannot locate the weft executable (/proc/self/exe) to find weft-rt next to it");
    self[n] = '\0';
    std::string path(self);
    path = path.substr(0, path.rfind('/') + 1) + "weft-rt";
    if (::access(path.c_str(), X_OK) != 0) {
      throw InputError(fmt::format("{} is missing: build the weft-rt target", path));
    }
    std::vector<std::string> args = rt->remaining();
    std::vector<char*> argv;
    argv.push_back(path.data());
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    ::execv(path.c_str(), argv.data());
    throw InputError(fmt::format("cannot run {}: {}", path, std::strerror(errno)));
  });
}

}  // namespace weft::cli
