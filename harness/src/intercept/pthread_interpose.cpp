// pthread and sched_yield definitions in the executable: simulated threads reach weft's runtime,
// every other caller the real glibc function (dlsym(RTLD_NEXT) / dlvsym for pthread_cond_*).
//
// Definitions in the executable take precedence for calls from libstdc++.so too (std::thread's
// start, condition_variable::wait). Supported on a simulated thread: pthread_create (attributes:
// only the detach state), join, detach, self (pthread_equal is inline in glibc's header: it compares
// the fake handles); mutex lock/trylock/unlock (normal mutexes,
// statically initialised or not; recursive and error-checking ones are reported as api_misuse);
// cond wait/signal/broadcast, timedwait/clockwait as a wait that may time out at any point (then
// the virtual clock jumps to its deadline); clock_gettime (a virtual clock, every clock id);
// sched_yield.
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "state.hpp"

namespace weft::intercept {
namespace {

// Resolved on first use; aborts with a message when glibc lacks the symbol (cannot happen on
// the glibc versions weft supports).
void* resolve(const char* name, const char* version) {
  void* f = version != nullptr ? dlvsym(RTLD_NEXT, name, version) : dlsym(RTLD_NEXT, name);
  if (f == nullptr) f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "weft intercept: cannot resolve the real %s\n", name);
    std::abort();
  }
  return f;
}

template <class Fn>
Fn real(Fn& cache, const char* name, const char* version = nullptr) {
  Fn f = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
  if (f == nullptr) {
    f = reinterpret_cast<Fn>(resolve(name, version));
    __atomic_store_n(&cache, f, __ATOMIC_RELEASE);
  }
  return f;
}

constexpr const char* kCondVersion = "GLIBC_2.3.2";  // x86-64: the current pthread_cond_* ABI

using CreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
using JoinFn = int (*)(pthread_t, void**);
using ThreadFn = int (*)(pthread_t);
using SelfFn = pthread_t (*)();
using MutexFn = int (*)(pthread_mutex_t*);
using CondWaitFn = int (*)(pthread_cond_t*, pthread_mutex_t*);
using CondTimedFn = int (*)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
using CondClockFn = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
using CondFn = int (*)(pthread_cond_t*);
using YieldFn = int (*)();
using ClockFn = int (*)(clockid_t, struct timespec*);

CreateFn g_create;
JoinFn g_join;
ThreadFn g_detach;
SelfFn g_self;
MutexFn g_lock, g_trylock, g_unlock;
CondWaitFn g_wait;
CondTimedFn g_timedwait;
CondClockFn g_clockwait;
CondFn g_signal, g_broadcast;
YieldFn g_yield;
ClockFn g_clock;

// Return values of the simulated threads of the current execution, by thread id.
constexpr int kMaxThreads = 1024;
void* g_retval[kMaxThreads];

struct Start {
  void* (*fn)(void*);
  void* arg;
};

void run_start(void* obj) {
  const Start s = *static_cast<Start*>(obj);
  const int tid = detail::current_thread();
  reset_thread(tid);
  enter_body();
  void* r = nullptr;
  try {
    r = s.fn(s.arg);
  } catch (...) {
    leave_body();
    throw;
  }
  leave_body();  // back in the runtime's run_thread
  if (tid >= 0 && tid < kMaxThreads) g_retval[tid] = r;
}

// The model mutex behind a pthread mutex.
Entry* mutex_entry(pthread_mutex_t* m, const detail::SimContext& ctx, SourceLoc loc) {
  Entry* e = lookup(m, Use::kMutex, ctx, loc);
  const int kind = m->__data.__kind & 0x7f;
  if (e != nullptr && kind != PTHREAD_MUTEX_NORMAL && kind != PTHREAD_MUTEX_ADAPTIVE_NP) [[unlikely]] {
    InRuntime in;
    detail::report_misuse("weft intercept: recursive and error-checking pthread mutexes are not modelled yet", loc);
  }
  return e;
}

// The virtual clock of simulated threads (every clock id): starts at kClockBase in each execution
// and jumps to a timed wait's deadline when the wait times out, so that code which decides
// "timed out" by reading the clock (libstdc++'s condition_variable::wait_until) sees it, and every
// execution reads the same times.
constexpr std::int64_t kClockBase = 1'000'000'000'000'000'000;  // ns
std::uint64_t g_clock_serial = 0;
std::int64_t g_clock_ns = 0;

std::int64_t& virtual_now(const detail::SimContext& ctx) {
  if (g_clock_serial != ctx.serial) {
    g_clock_serial = ctx.serial;
    g_clock_ns = kClockBase;
  }
  return g_clock_ns;
}

int cond_wait(pthread_cond_t* cv, pthread_mutex_t* m, const struct timespec* deadline, const void* pc,
              const detail::SimContext& ctx) {
  const bool timed = deadline != nullptr;
  const SourceLoc loc = here_sync(pc, ctx.thread);
  Entry* c = lookup(cv, Use::kCondVar, ctx, loc);
  Entry* mx = mutex_entry(m, ctx, loc);
  if (c == nullptr || mx == nullptr) return EINVAL;
  if (!timed) {
    guarded([&] { detail::cv_wait(c->cv, mx->mutex, loc); });
    return 0;
  }
  const bool woken = guarded([&] { return detail::cv_wait_until(c->cv, mx->mutex, 1, loc); });
  if (woken) return 0;
  std::int64_t& now = virtual_now(ctx);
  const std::int64_t at = static_cast<std::int64_t>(deadline->tv_sec) * 1'000'000'000 + deadline->tv_nsec;
  if (at > now) now = at;
  return ETIMEDOUT;
}

}  // namespace
}  // namespace weft::intercept

namespace wi = weft::intercept;
using weft::detail::SimContext;
using weft::intercept::sim;

#define WEFT_PC __builtin_return_address(0)

extern "C" {

int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_create, "pthread_create")(thread, attr, fn, arg);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  int detach_state = PTHREAD_CREATE_JOINABLE;
  if (attr != nullptr) pthread_attr_getdetachstate(attr, &detach_state);
  wi::Start start{fn, arg};
  weft::detail::ThreadBody body;
  body.object = &start;
  body.size = sizeof(start);
  body.align = alignof(wi::Start);
  body.relocate = [](void* dst, void* src) { std::memcpy(dst, src, sizeof(wi::Start)); };
  body.run = &wi::run_start;
  body.destroy = [](void*) {};
  const int tid = wi::guarded([&] { return weft::detail::spawn(body, loc); });
  if (tid < 0) return EAGAIN;
  if (tid < wi::kMaxThreads) wi::g_retval[tid] = nullptr;
  *thread = wi::fake_pthread(ctx.serial, tid);
  if (detach_state == PTHREAD_CREATE_DETACHED) {
    wi::InRuntime in;
    weft::detail::detach(tid);
  }
  return 0;
}

int pthread_join(pthread_t thread, void** retval) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_join, "pthread_join")(thread, retval);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  const int tid = wi::fake_thread(thread, ctx.serial);
  if (tid < 0) {
    wi::InRuntime in;
    weft::detail::report_misuse("pthread_join of a thread not created in this execution", loc);
    return ESRCH;
  }
  wi::guarded([&] { weft::detail::join(tid, loc); });
  if (retval != nullptr) *retval = tid < wi::kMaxThreads ? wi::g_retval[tid] : nullptr;
  return 0;
}

int pthread_detach(pthread_t thread) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_detach, "pthread_detach")(thread);
  const int tid = wi::fake_thread(thread, ctx.serial);
  if (tid < 0) return ESRCH;
  wi::InRuntime in;
  weft::detail::detach(tid);
  return 0;
}

pthread_t pthread_self() {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_self, "pthread_self")();
  return wi::fake_pthread(ctx.serial, ctx.thread);
}

int pthread_mutex_lock(pthread_mutex_t* m) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_lock, "pthread_mutex_lock")(m);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::Entry* e = wi::mutex_entry(m, ctx, loc);
  if (e == nullptr) return EINVAL;
  wi::guarded([&] { weft::detail::mutex_lock(e->mutex, loc); });
  return 0;
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_trylock, "pthread_mutex_trylock")(m);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::Entry* e = wi::mutex_entry(m, ctx, loc);
  if (e == nullptr) return EINVAL;
  return wi::guarded([&] { return weft::detail::mutex_try_lock(e->mutex, loc); }) ? 0 : EBUSY;
}

int pthread_mutex_unlock(pthread_mutex_t* m) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_unlock, "pthread_mutex_unlock")(m);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::Entry* e = wi::mutex_entry(m, ctx, loc);
  if (e == nullptr) return EINVAL;
  wi::guarded([&] { weft::detail::mutex_unlock(e->mutex, loc); });
  return 0;
}

int pthread_cond_wait(pthread_cond_t* cv, pthread_mutex_t* m) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_wait, "pthread_cond_wait", wi::kCondVersion)(cv, m);
  return wi::cond_wait(cv, m, nullptr, WEFT_PC, ctx);
}

int pthread_cond_timedwait(pthread_cond_t* cv, pthread_mutex_t* m, const struct timespec* abstime) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_timedwait, "pthread_cond_timedwait", wi::kCondVersion)(cv, m, abstime);
  return wi::cond_wait(cv, m, abstime, WEFT_PC, ctx);
}

int pthread_cond_clockwait(pthread_cond_t* cv, pthread_mutex_t* m, clockid_t clock, const struct timespec* abstime) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_clockwait, "pthread_cond_clockwait")(cv, m, clock, abstime);
  return wi::cond_wait(cv, m, abstime, WEFT_PC, ctx);
}

int pthread_cond_signal(pthread_cond_t* cv) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_signal, "pthread_cond_signal", wi::kCondVersion)(cv);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::Entry* c = wi::lookup(cv, wi::Use::kCondVar, ctx, loc);
  if (c == nullptr) return EINVAL;
  wi::guarded([&] { weft::detail::cv_notify_one(c->cv, loc); });
  return 0;
}

int pthread_cond_broadcast(pthread_cond_t* cv) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_broadcast, "pthread_cond_broadcast", wi::kCondVersion)(cv);
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::Entry* c = wi::lookup(cv, wi::Use::kCondVar, ctx, loc);
  if (c == nullptr) return EINVAL;
  wi::guarded([&] { weft::detail::cv_notify_all(c->cv, loc); });
  return 0;
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_clock, "clock_gettime")(clock, ts);
  const std::int64_t now = wi::virtual_now(ctx);
  ts->tv_sec = static_cast<time_t>(now / 1'000'000'000);
  ts->tv_nsec = static_cast<long>(now % 1'000'000'000);
  return 0;
}

int sched_yield() {
  const SimContext ctx = sim();
  if (ctx.thread < 0) return wi::real(wi::g_yield, "sched_yield")();
  const weft::SourceLoc loc = wi::here_sync(WEFT_PC, ctx.thread);
  wi::guarded([&] { weft::detail::yield(loc); });
  return 0;
}

}  // extern "C"
