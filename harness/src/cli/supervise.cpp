// The supervised child: fork, a MAP_SHARED crash mirror, and the report of a child that died.
#include "cli/supervise.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <stdexcept>

#include "untrusted.hpp"
#include "write_check.hpp"

namespace weft::cli {

ChildOutcome run_in_child(const std::function<int(int payload_fd)>& child) {
  void* page = mmap(nullptr, sizeof(detail::CrashMirror), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) throw std::runtime_error("cannot map the crash mirror page");
  auto* mirror = new (page) detail::CrashMirror();
  int fds[2];
  if (pipe(fds) != 0) {
    munmap(page, sizeof(detail::CrashMirror));
    throw std::runtime_error("cannot create the supervisor's pipe");
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    munmap(page, sizeof(detail::CrashMirror));
    throw std::runtime_error("cannot fork the supervised child");
  }
  if (pid == 0) {
    close(fds[0]);
    detail::set_crash_mirror(mirror);
    int code = 2;  // an internal error is exit 2 (README, exit codes), as in main()
    try {
      code = child(fds[1]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "weft: internal error: %s\n", one_line(e.what()).c_str());
    }
    if (const std::string why = stdout_write_error(); !why.empty()) {
      std::fprintf(stderr, "weft: error: cannot write the output to stdout: %s\n", why.c_str());
      code = 2;
    }
    std::fflush(nullptr);
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  ChildOutcome out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.payload.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    out.died = true;
    out.signal = WTERMSIG(status);
    out.execution = mirror->execution.load();
    out.recorded = mirror->recorded.load(std::memory_order_acquire) != 0;
    if (out.recorded) {
      out.record = mirror->record;
      out.location = mirror->location;
      out.op = mirror->op;
      out.choices.assign(mirror->choices,
                         mirror->choices + std::min(mirror->choice_count, detail::CrashMirror::kMaxChoices));
      out.choices_truncated = mirror->choices_truncated;
    }
  } else {
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
  }
  mirror->~CrashMirror();
  munmap(page, sizeof(detail::CrashMirror));
  return out;
}

Finding died_finding(const ChildOutcome& c, const Scenario& scenario, const Params& params, const Options& options) {
  Finding f;
  f.kind = FindingKind::kCrash;
  f.execution = c.execution;
  f.message =
      fmt::format("the search process died of {} during execution {}", detail::signal_name(c.signal), c.execution);
  f.details.push_back("reported by the supervising weft process: the crash could not be isolated in process");
  if (c.recorded && !c.choices_truncated) {
    const FindingKind kind = c.record.kind == detail::CrashKind::kHang ? FindingKind::kHang : FindingKind::kCrash;
    f.threads.push_back(c.record.thread);
    f.location = c.location;
    f.operation = std::string(op_name(c.op));
    f.step = c.record.step;
    f.message += fmt::format(" (thread t{} raised {} after its last visible operation, {} at {})", c.record.thread,
                             detail::signal_name(c.record.signal), f.operation, format_location(c.location));
    f.schedule = detail::crash_token(scenario, params, options, kind, c.record.step, c.choices);
    if (kind != FindingKind::kCrash) f.kind = kind;
  } else {
    f.replayable = false;
    f.details.push_back(c.recorded
                            ? "the execution's choices did not fit the crash mirror: no replay token"
                            : "the signal could not be recorded in process (SIGKILL, or a fault outside a simulated "
                              "thread): no replay token");
  }
  return f;
}

}  // namespace weft::cli
