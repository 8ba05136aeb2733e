// weft-rt's runner: a forked child per run pins itself to one CPU, switches to SCHED_FIFO, installs
// the native facade's real-time hooks (priorities, arrivals, PTHREAD_PRIO_* mutexes, timed locks)
// and runs the scenario body under a watchdog; the parent collects the measurements on a pipe.
#include "rt/rt_runner.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "subprocess.hpp"
#include "weft/native/sync.hpp"

namespace weft::rt {

namespace {

constexpr int kMainFifo = 90;      // the scenario's main thread: spawns before anything runs
constexpr int kWatchdogFifo = 99;  // above everything of the scenario
constexpr int kMaxScenarioFifo = 80;
constexpr int kMaxThreads = 64;
// RLIMIT_RTTIME (microseconds of CPU a real-time thread may use without blocking): SIGXCPU at
// the soft limit, SIGKILL at the hard one. Each weft::work call is at most 50 ms of CPU.
constexpr rlim_t kRtTimeSoftUs = 500000;
constexpr rlim_t kRtTimeHardUs = 1000000;

std::int64_t mono_ns() { return detail::native_clock_ns(CLOCK_MONOTONIC); }

// Per-run state of the child (each run is a fresh process: no reset needed).
struct Stat {
  std::array<char, 32> name{};
  int priority = 0;
  int fifo = 0;
  std::atomic<std::int64_t> blocked{0};
  std::atomic<std::int64_t> max_block{0};
  std::atomic<int> locks{0};
};
std::array<Stat, kMaxThreads> g_stats;
std::atomic<int> g_threads{0};
std::atomic<unsigned> g_protocols{0};  // bit (1 << PTHREAD_PRIO_*) per protocol used
std::atomic<int> g_sched_errno{0};     // first failure to set a thread's SCHED_FIFO priority
std::int64_t g_epoch = 0;              // CLOCK_MONOTONIC at the start of the body
std::atomic<bool> g_done{false};
int g_fd = -1;  // the pipe to the parent
thread_local int tl_slot = -1;

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void set_fifo(int priority) {
  sched_param sp{};
  sp.sched_priority = priority;
  const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  if (err != 0) {
    int expected = 0;
    g_sched_errno.compare_exchange_strong(expected, err);
  }
}

void hook_thread_begin(const thread_options& o) {
  const int slot = g_threads.fetch_add(1);
  if (slot < kMaxThreads) {
    tl_slot = slot;
    Stat& s = g_stats[static_cast<std::size_t>(slot)];
    std::snprintf(s.name.data(), s.name.size(), "%s", o.name != nullptr ? o.name : "");
    s.priority = o.priority;
    s.fifo = fifo_priority(o.priority);
  }
  set_fifo(fifo_priority(o.priority));
  const std::int64_t arrival = (o.arrival + o.jitter).count();
  if (arrival > 0) {
    const std::int64_t at = g_epoch + arrival;
    timespec ts{static_cast<time_t>(at / 1000000000), static_cast<long>(at % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
  }
}

void hook_set_priority(int priority) {
  if (tl_slot >= 0) g_stats[static_cast<std::size_t>(tl_slot)].fifo = fifo_priority(priority);
  set_fifo(fifo_priority(priority));
}

void hook_mutex_init(std::mutex& m, mutex_protocol protocol, int ceiling) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  int proto = PTHREAD_PRIO_NONE;
  if (protocol == mutex_protocol::inherit || protocol == mutex_protocol::inherit_direct) proto = PTHREAD_PRIO_INHERIT;
  if (protocol == mutex_protocol::ceiling) {
    proto = PTHREAD_PRIO_PROTECT;
    pthread_mutexattr_setprioceiling(&attr, fifo_priority(ceiling));
  }
  pthread_mutexattr_setprotocol(&attr, proto);
  // std::mutex is a pthread mutex initialized statically and never locked yet: re-initialize it
  // with the protocol (glibc keeps no other state for it).
  pthread_mutex_init(m.native_handle(), &attr);
  pthread_mutexattr_destroy(&attr);
  g_protocols.fetch_or(1u << proto);
}

void hook_lock(std::mutex& m) {
  const std::int64_t t0 = mono_ns();
  m.lock();
  const std::int64_t dt = mono_ns() - t0;
  if (tl_slot < 0) return;
  Stat& s = g_stats[static_cast<std::size_t>(tl_slot)];
  s.blocked.fetch_add(dt);
  if (dt > s.max_block.load()) s.max_block.store(dt);
  s.locks.fetch_add(1);
}

constexpr detail::NativeRtHooks kHooks = {&hook_thread_begin, &hook_set_priority, &hook_mutex_init, &hook_lock};

struct WatchdogArgs {
  std::int64_t timeout_ns = 0;
};

// At the highest priority: after the timeout, stops every busy loop; a second later, if the body
// still has not returned (a real deadlock), reports a hang and ends the child.
void* watchdog_main(void* p) {
  const auto* args = static_cast<const WatchdogArgs*>(p);
  const std::int64_t start = mono_ns();
  const auto wait_until = [](std::int64_t deadline) {
    while (!g_done.load() && mono_ns() < deadline) {
      timespec ts{0, 1000000};  // 1 ms
      nanosleep(&ts, nullptr);
    }
    return g_done.load();
  };
  if (wait_until(start + args->timeout_ns)) return nullptr;
  detail::native_rt_stop.store(true);
  if (wait_until(mono_ns() + 1000000000)) {
    write_all(g_fd, "stopped the watchdog stopped the busy loops after the timeout\n");
    return nullptr;
  }
  write_all(g_fd, "hang the body did not return within a second of the watchdog's stop (a real deadlock?)\n");
  ::_exit(3);
}

[[noreturn]] void child(const Scenario& scenario, const Params& params, const RtConfig& config, int fd) {
  g_fd = fd;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(config.cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    write_all(fd, fmt::format("skip cannot pin to CPU {}: sched_setaffinity: {}\n", config.cpu, std::strerror(errno)));
    ::_exit(0);
  }
  const rlimit rt{kRtTimeSoftUs, kRtTimeHardUs};
  setrlimit(RLIMIT_RTTIME, &rt);  // only ever lowers the limit: cannot fail for lack of privilege
  sched_param sp{};
  sp.sched_priority = kMainFifo;
  if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
    const int err = errno;
    write_all(fd, fmt::format("skip SCHED_FIFO is not permitted: sched_setscheduler: {} ({}){}\n",
                              err == EPERM ? "EPERM" : std::to_string(err), std::strerror(err),
                              err == EPERM ? "; needs root, CAP_SYS_NICE or an RLIMIT_RTPRIO (ulimit -r) of 99" : ""));
    ::_exit(0);
  }
  WatchdogArgs args{config.timeout_ms * 1000000};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
  pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
  sched_param wp{};
  wp.sched_priority = kWatchdogFifo;
  pthread_attr_setschedparam(&attr, &wp);
  pthread_t watchdog;
  if (pthread_create(&watchdog, &attr, &watchdog_main, &args) != 0) {
    write_all(fd, "skip cannot start the SCHED_FIFO watchdog thread\n");
    ::_exit(0);
  }
  pthread_attr_destroy(&attr);

  detail::native_rt_hooks = &kHooks;
  g_epoch = mono_ns();
  try {
    scenario.body(params);
  } catch (...) {
    write_all(fd, "error an exception escaped the scenario's main thread\n");
  }
  const std::int64_t wall = mono_ns() - g_epoch;
  g_done.store(true);
  detail::native_rt_hooks = nullptr;
  pthread_join(watchdog, nullptr);

  std::string out;
  const int n = std::min(g_threads.load(), kMaxThreads);
  for (int i = 0; i < n; ++i) {
    const Stat& s = g_stats[static_cast<std::size_t>(i)];
    out += fmt::format("thread {} {} {} {} {} {}\n", s.priority, s.fifo, s.blocked.load(), s.max_block.load(),
                       s.locks.load(), s.name.data());
  }
  out += fmt::format("protocols {}\n", g_protocols.load());
  if (g_sched_errno.load() != 0)
    out += fmt::format("error pthread_setschedparam: {}\n", std::strerror(g_sched_errno.load()));
  out += fmt::format("wall {}\nend\n", wall);
  write_all(fd, out);
  ::_exit(0);
}

int default_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  for (int c = CPU_SETSIZE - 1; c >= 0; --c) {
    if (CPU_ISSET(c, &set)) return c;
  }
  return 0;
}

}  // namespace

int fifo_priority(int scenario_priority) { return std::clamp(scenario_priority, 1, kMaxScenarioFifo); }

int RtReport::hangs() const {
  int n = 0;
  for (const RtRun& r : runs) n += r.hung ? 1 : 0;
  return n;
}

RtReport run(const Scenario& scenario, const Params& params, const RtConfig& in) {
  RtConfig config = in;
  if (config.cpu < 0) config.cpu = default_cpu();
  RtReport report;
  report.scenario = std::string(scenario.name);
  report.cpu = config.cpu;
  unsigned protocols = 0;
  for (int i = 0; i < config.runs; ++i) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    if (pid == 0) {
      ::close(fds[0]);
      child(scenario, params, config, fds[1]);
    }
    ::close(fds[1]);
    // Read the child's report; kill it if it outlives the watchdog by far (the last resort). The
    // child stays in weft-rt's process group: only the process itself is killed.
    const ChildExit exit = wait_child(Spawned{.pid = pid, .out_fd = fds[0], .own_group = false},
                                      static_cast<double>(config.timeout_ms + 5000) / 1000.0);
    const std::string& text = exit.out;
    const bool killed = exit.timed_out;
    const int status = exit.status;

    RtRun run;
    bool ended = false;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream in_line(line);
      std::string key;
      in_line >> key;
      std::string rest;
      std::getline(in_line, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (key == "skip") {
        report.skipped = true;
        report.skip_reason = rest;
        return report;
      }
      if (key == "thread") {
        RtThread t;
        std::istringstream f(rest);
        f >> t.priority >> t.fifo_priority >> t.blocked_ns >> t.max_block_ns >> t.locks;
        std::getline(f, t.name);
        if (!t.name.empty() && t.name[0] == ' ') t.name.erase(0, 1);
        run.threads.push_back(t);
      } else if (key == "protocols") {
        protocols |= static_cast<unsigned>(std::stoul(rest));
      } else if (key == "wall") {
        run.wall_ns = std::stoll(rest);
      } else if (key == "stopped" || key == "hang" || key == "error") {
        run.hung = run.hung || key != "error";
        run.problem += (run.problem.empty() ? "" : "; ") + rest;
      } else if (key == "end") {
        ended = true;
      }
    }
    if (killed) {
      run.hung = true;
      run.problem += (run.problem.empty() ? "" : "; ") + std::string("killed by the parent after its timeout");
    } else if (WIFSIGNALED(status)) {
      run.hung = true;
      run.problem += (run.problem.empty() ? "" : "; ") +
                     fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (!ended && !run.hung) {
      run.hung = true;
      run.problem += (run.problem.empty() ? "" : "; ") + std::string("ended without a report");
    }
    report.runs.push_back(std::move(run));
  }
  for (const auto& [bit, name] :
       {std::pair{PTHREAD_PRIO_NONE, "PTHREAD_PRIO_NONE"}, std::pair{PTHREAD_PRIO_INHERIT, "PTHREAD_PRIO_INHERIT"},
        std::pair{PTHREAD_PRIO_PROTECT, "PTHREAD_PRIO_PROTECT"}}) {
    if ((protocols & (1u << bit)) != 0) report.protocols.push_back(name);
  }
  return report;
}

}  // namespace weft::rt
