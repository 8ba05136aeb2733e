// Crash isolation and the per-execution watchdog: fault signals become findings, not weft's death.
//
// While a simulated thread runs, a fault signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, which
// abort() and std::terminate raise) is handled on an alternate signal stack: the handler records
// the signal into the running Execution's preallocated CrashRecord and jumps to the root context
// (the runner's stack, suspended while any simulated thread runs). The execution's fibers are
// abandoned without unwinding: their worker contexts are re-created on the same stacks, and what
// their frames owned (heap memory, exception objects) is leaked. A lock held inside the C library
// at the fault (a crash inside malloc) stays held: the CLI's supervised child (cli/supervise.*) is
// the safety net for such a crash and for any crash outside a simulated thread.
//
// The watchdog is a thread per search that samples the execution's progress (execution index,
// event count); when it does not move for Options::exec_timeout seconds while a simulated thread
// runs, it interrupts the runner thread with kWatchdogSignal, which takes the same path as a fault
// and ends the execution with a hang finding.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "weft/event.hpp"
#include "weft/explore.hpp"
#include "weft/source_loc.hpp"

namespace weft::detail {

// "SIGSEGV" for SIGSEGV (glibc's abbreviation), "signal N" for a number without one.
std::string signal_name(int sig);

class Execution;

enum class CrashKind : std::uint8_t { kNone, kSignal, kHang };

// What the signal handler records (plain data: written in a signal handler, read on the root).
struct CrashRecord {
  CrashKind kind = CrashKind::kNone;
  int signal = 0;
  int code = 0;                // siginfo_t::si_code
  std::uintptr_t address = 0;  // siginfo_t::si_addr (faults)
  int thread = -1;             // the simulated thread that was running
  bool overflow = false;       // the fault was in a stack guard, or the stack pointer left its stack
  std::uint64_t step = 0;      // events recorded before the crash
};

// A page shared with the supervising parent process (cli/supervise.*), when one watches: the
// runner stores the index of each execution as it starts, the signal handler the record and the
// current execution's choices before it jumps, so that a parent outliving a child that died
// anyway can still report where, and with which replay token.
struct CrashMirror {
  static constexpr std::uint32_t kMaxChoices = 16000;
  std::atomic<std::uint64_t> execution{0};  // 1-based index of the execution running
  std::atomic<std::uint32_t> recorded{0};   // 1 once the handler filled the fields below
  CrashRecord record;
  SourceLoc location;  // the thread's last visible operation (file points into the same executable)
  OpKind op = OpKind::kYield;
  std::uint32_t choice_count = 0;
  bool choices_truncated = false;
  std::uint32_t choices[kMaxChoices];
};

// The mirror the runner and the handler write to (null: none). Set before a search starts.
void set_crash_mirror(CrashMirror* mirror);
CrashMirror* crash_mirror();

// The replay token of an execution of `scenario` that ended with `kind` at `step` after `choices`
// (the runner's encoding; used by a supervising parent whose child died).
std::string crash_token(const Scenario& scenario, const Params& params, const Options& options, FindingKind kind,
                        std::uint64_t step, std::span<const std::uint32_t> choices);

// Installs the handlers (process-wide, reference counted: the first guard installs, the last
// restores the previous dispositions and terminate handler) and an alternate signal stack on
// this OS thread if it has none. One per search, on the runner's thread.
class CrashGuard {
 public:
  CrashGuard();
  ~CrashGuard();
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

 private:
  void* alt_stack_ = nullptr;  // ours to release, when this thread had none
};

// The per-search watchdog (see the file comment). timeout_seconds > 0.
class Watchdog {
 public:
  Watchdog(Execution& exec, const std::atomic<std::uint64_t>& execution_index, double timeout_seconds);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void loop();
  Execution& exec_;
  const std::atomic<std::uint64_t>& index_;
  double timeout_;
  unsigned long runner_;  // pthread_t of the runner thread
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The signal the watchdog interrupts the runner with (a real-time signal glibc does not use).
int watchdog_signal();

}  // namespace weft::detail
