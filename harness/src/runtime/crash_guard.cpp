// Crash isolation: the fault handlers, the alternate signal stack, the watchdog, crash findings.
#include "runtime/crash_guard.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

#include "runtime/execution.hpp"

namespace weft::detail {

namespace {

constexpr std::array<int, 5> kFaultSignals = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr std::size_t kAltStackBytes = 64 * 1024;

std::atomic<CrashMirror*> g_mirror{nullptr};

std::mutex g_install_mu;
int g_installed = 0;  // guards alive (under g_install_mu)
struct sigaction g_old[NSIG];
std::terminate_handler g_old_terminate = nullptr;

// Set by the terminate handler on the thread that called std::terminate, read after the jump.
thread_local bool tl_terminating = false;
thread_local char tl_terminate_type[160];

// Not a simulated thread's fault: what would have happened without weft's handler.
void chain(int sig, siginfo_t* info, void* uc) {
  const struct sigaction& old = g_old[sig];
  if ((old.sa_flags & SA_SIGINFO) != 0 && old.sa_sigaction != nullptr) {
    old.sa_sigaction(sig, info, uc);
    return;
  }
  if (old.sa_handler == SIG_IGN || sig == watchdog_signal()) return;
  if (old.sa_handler != SIG_DFL && old.sa_handler != nullptr) {
    old.sa_handler(sig);
    return;
  }
  // Default action: reset it; a fault re-executes its instruction on return, a sent signal
  // (kill, raise, abort) is raised again and delivered once this handler returns.
  signal(sig, SIG_DFL);
  if (info == nullptr || info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

void on_signal(int sig, siginfo_t* info, void* uc) {
  const int saved_errno = errno;
  Execution* exec = tl_execution;
  if (exec != nullptr) exec->on_signal(sig, info, uc);  // returns only when not ours to handle
  chain(sig, info, uc);
  errno = saved_errno;
}

[[noreturn]] void on_terminate() {
  if (tl_execution != nullptr && tl_execution->current_thread() >= 0) {
    tl_terminating = true;
    const std::type_info* type = abi::__cxa_current_exception_type();
    std::snprintf(tl_terminate_type, sizeof tl_terminate_type, "%s", type != nullptr ? type->name() : "");
    std::abort();  // SIGABRT: the handler ends the execution
  }
  if (g_old_terminate != nullptr) g_old_terminate();
  std::abort();
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && d != nullptr) ? d : name;
  std::free(d);
  return out;
}

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

int watchdog_signal() { return SIGRTMIN + 7; }

void set_crash_mirror(CrashMirror* mirror) { g_mirror.store(mirror, std::memory_order_relaxed); }
CrashMirror* crash_mirror() { return g_mirror.load(std::memory_order_relaxed); }

// ---------------------------------------------------------------------------------------
// Installation

CrashGuard::CrashGuard() {
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) != 0) {
    void* mem = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED) {
      stack_t ss{};
      ss.ss_sp = mem;
      ss.ss_size = kAltStackBytes;
      if (sigaltstack(&ss, nullptr) == 0) {
        alt_stack_ = mem;
      } else {
        munmap(mem, kAltStackBytes);
      }
    }
  }
  std::lock_guard<std::mutex> lock(g_install_mu);
  if (g_installed++ > 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = &on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int s : kFaultSignals) sigaddset(&sa.sa_mask, s);
  sigaddset(&sa.sa_mask, watchdog_signal());
  for (int s : kFaultSignals) sigaction(s, &sa, &g_old[s]);
  sigaction(watchdog_signal(), &sa, &g_old[watchdog_signal()]);
  g_old_terminate = std::set_terminate(&on_terminate);
}

CrashGuard::~CrashGuard() {
  {
    std::lock_guard<std::mutex> lock(g_install_mu);
    if (--g_installed == 0) {
      for (int s : kFaultSignals) sigaction(s, &g_old[s], nullptr);
      sigaction(watchdog_signal(), &g_old[watchdog_signal()], nullptr);
      std::set_terminate(g_old_terminate);
    }
  }
  if (alt_stack_ != nullptr) {
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    munmap(alt_stack_, kAltStackBytes);
  }
}

// ---------------------------------------------------------------------------------------
// The watchdog

Watchdog::Watchdog(Execution& exec, const std::atomic<std::uint64_t>& execution_index, double timeout_seconds)
    : exec_(exec), index_(execution_index), timeout_(timeout_seconds), runner_(pthread_self()) {
  thread_ = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Watchdog::loop() {
  using Clock = std::chrono::steady_clock;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_));
  const auto tick = std::clamp<Clock::duration>(timeout / 4, std::chrono::milliseconds(5), std::chrono::seconds(1));
  std::uint64_t last_index = ~std::uint64_t{0};
  std::size_t last_events = 0;
  Clock::time_point since = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, tick, [this] { return stop_; })) {
    const std::uint64_t index = index_.load(std::memory_order_relaxed);
    const std::size_t events = exec_.progress();
    const Clock::time_point now = Clock::now();
    if (index != last_index || events != last_events) {
      last_index = index;
      last_events = events;
      since = now;
      continue;
    }
    if (now - since < timeout) continue;
    // No visible operation for the timeout: interrupt the runner. Ignored there unless a
    // simulated thread runs; then asked again at the next tick while nothing moves.
    exec_.request_hang();
    pthread_kill(static_cast<pthread_t>(runner_), watchdog_signal());
  }
}

// ---------------------------------------------------------------------------------------
// Execution's side

bool Execution::on_signal(int signal, const void* info_v, const void* uc_v) noexcept {
  const int tid = current_;
  if (tid < 0 || tid >= static_cast<int>(threads_.size()) || tid >= static_cast<int>(stacks_.size())) return false;
  const auto* info = static_cast<const siginfo_t*>(info_v);
  CrashRecord c;
  if (signal == watchdog_signal()) {
    if (!hang_requested_.exchange(false, std::memory_order_relaxed)) return false;
    c.kind = CrashKind::kHang;
  } else {
    if (!options_.catch_crashes) return false;
    c.kind = CrashKind::kSignal;
    c.code = info != nullptr ? info->si_code : 0;
    c.address = info != nullptr ? reinterpret_cast<std::uintptr_t>(info->si_addr) : 0;
    const bool fault = signal == SIGSEGV || signal == SIGBUS;
    c.overflow = fault && pool_.in_guard(reinterpret_cast<const void*>(c.address));
#if defined(__x86_64__)
    if (fault && uc_v != nullptr) {
      const auto* uc = static_cast<const ucontext_t*>(uc_v);
      const auto sp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
      const auto top = reinterpret_cast<std::uintptr_t>(stacks_[tid].sp);
      c.overflow =
          c.overflow || (sp < top - stacks_[tid].size && sp + StackPool::kGuardBytes >= top - stacks_[tid].size);
    }
#endif
  }
  c.signal = signal;
  c.thread = tid;
  c.step = events_.size();
  crash_ = c;
  if (CrashMirror* m = crash_mirror()) {
    m->record = c;
    m->location = threads_[tid].pending_loc;
    m->op = threads_[tid].pending;
    const std::size_t n = std::min<std::size_t>(choices_.size(), CrashMirror::kMaxChoices);
    std::memcpy(m->choices, choices_.data(), n * sizeof(std::uint32_t));
    m->choice_count = static_cast<std::uint32_t>(n);
    m->choices_truncated = n < choices_.size();
    m->recorded.store(1, std::memory_order_release);
  }
  // To the root, suspended in switch_to(0) (Execution::run): it stores the handler's context as
  // this thread's, which finish_crash replaces.
  switched_from_ = tid;
  current_ = -1;
  jump_fcontext(ctxs_[0], this);
  __builtin_unreachable();
}

void Execution::finish_crash() {
  const CrashRecord c = crash_;
  crash_ = CrashRecord{};
  hang_requested_.store(false, std::memory_order_relaxed);
  // The handler ran with its signal and the others of its sa_mask blocked, and never returned.
  sigset_t unblock;
  sigemptyset(&unblock);
  for (int s : kFaultSignals) sigaddset(&unblock, s);
  sigaddset(&unblock, watchdog_signal());
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
  // Abandon every fiber: fresh worker contexts on the same stacks (nothing is unwound).
  for (std::size_t w = 0; w < stacks_.size(); ++w) {
    ctxs_[w + 1] = make_fcontext(stacks_[w].sp, stacks_[w].size, &Execution::worker_entry);
  }
  spawn_body_ = nullptr;
  *eh_ = root_eh_;  // the crashed thread's exception state is dropped with its stack
  root_eh_ = EhState{};
  eh_saved_ = 0;
  const bool terminating = tl_terminating;
  tl_terminating = false;

  const ThreadState& t = threads_[c.thread];
  const std::string who = fmt::format("thread t{}", c.thread);
  std::string message;
  std::vector<std::string> details;
  if (c.kind == CrashKind::kHang) {
    message = fmt::format("{} made no visible operation for {:g} s (an infinite loop with no visible operation?)", who,
                          options_.exec_timeout);
    details.push_back(
        fmt::format("stopped by the per-execution watchdog (exec_timeout {:g} s)", options_.exec_timeout));
  } else if (c.overflow) {
    message = fmt::format("{} overflowed its stack ({} in the guard region; stack size {} bytes)", who,
                          signal_name(c.signal), pool_.stack_size());
    details.push_back("stack overflow: raise Options::stack_size / --stack-size, or bound the recursion");
  } else if (terminating) {
    const std::string type = tl_terminate_type[0] != '\0' ? demangle(tl_terminate_type) : std::string();
    message = type.empty() ? fmt::format("{} called std::terminate", who)
                           : fmt::format(
                                 "{} called std::terminate with {} in flight (thrown out of a noexcept "
                                 "function?)",
                                 who, type);
    details.push_back("std::terminate: SIGABRT");
  } else if (c.signal == SIGABRT) {
    message = fmt::format("{} aborted (SIGABRT: abort() or a failed assert())", who);
  } else {
    message = fmt::format("{} crashed: {} at address {:#x}", who, signal_name(c.signal), c.address);
  }
  if (c.kind == CrashKind::kSignal) {
    details.push_back(fmt::format("signal {} ({}), si_code {}, fault address {:#x}", signal_name(c.signal), c.signal,
                                  c.code, c.address));
  }
  details.push_back(fmt::format("last visible operation of t{}: {} at {}", c.thread, op_name(t.pending),
                                format_location(t.pending_loc)));
  details.push_back("the execution's threads were abandoned without unwinding (what they owned is leaked)");
  current_ = c.thread;  // add_finding names the current thread
  Finding& f = add_finding(c.kind == CrashKind::kHang ? FindingKind::kHang : FindingKind::kCrash, std::move(message),
                           t.pending_loc);
  current_ = -1;
  f.operation = std::string(op_name(t.pending));
  f.step = c.step;
  f.details = std::move(details);
  aborting_ = true;
  for (ThreadState& th : threads_) th.finished = true;
  ready_mask_ = join_mask_ = wait_mask_ = 0;
}

}  // namespace weft::detail
