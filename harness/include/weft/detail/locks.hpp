// The RAII lock types of every facade (lock_guard, unique_lock, scoped_lock, shared_lock, lock,
// try_lock): backend-independent, written once against the Lockable interface of weft's mutexes.
//
// Included by weft/{model,native,relacy}/sync.hpp after their mutex types. A Mutex here has
// lock(SourceLoc), try_lock(SourceLoc), unlock(SourceLoc) (and the timed / shared variants a lock
// type's member needs). Every operation passes the caller's SourceLoc on; a destructor's unlock
// carries the location where the lock was taken. Destructors are noexcept(false): on the model an
// unlock is a scheduling point through which an aborted execution unwinds its threads
// (detail::AbortExecution), which must not terminate the process.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <shared_mutex>
#include <tuple>
#include <utility>

#include "weft/source_loc.hpp"

namespace weft {

using std::adopt_lock;
using std::adopt_lock_t;
using std::defer_lock;
using std::defer_lock_t;
using std::try_to_lock;
using std::try_to_lock_t;

namespace detail {

// A type-erased reference to one Lockable, for the deadlock-avoiding multi-lock algorithm.
struct LockRef {
  void* m;
  void (*lock)(void*, SourceLoc);
  bool (*try_lock)(void*, SourceLoc);
  void (*unlock)(void*, SourceLoc);
};

template <class M>
LockRef lock_ref(M& m) {
  return LockRef{&m, [](void* p, SourceLoc loc) { static_cast<M*>(p)->lock(loc); },
                 [](void* p, SourceLoc loc) { return static_cast<M*>(p)->try_lock(loc); },
                 [](void* p, SourceLoc loc) { static_cast<M*>(p)->unlock(loc); }};
}

// std::lock's algorithm: block on one, try the others in order; on a failure release what is held
// and start again by blocking on the one that failed. No deadlock whatever order others use.
template <std::size_t N>
void lock_all(std::array<LockRef, N>& ms, SourceLoc loc) {
  std::size_t first = 0;
  for (;;) {
    ms[first].lock(ms[first].m, loc);
    std::size_t failed = N;
    for (std::size_t k = 1; k < N; ++k) {
      const std::size_t i = (first + k) % N;
      if (!ms[i].try_lock(ms[i].m, loc)) {
        failed = i;
        for (std::size_t j = 0; j < k; ++j) {
          const std::size_t u = (first + k - 1 - j) % N;
          ms[u].unlock(ms[u].m, loc);
        }
        break;
      }
    }
    if (failed == N) return;
    first = failed;
  }
}

template <class TimePoint>
concept TimePointLike = requires { typename TimePoint::clock; typename TimePoint::duration; };

}  // namespace detail

// Locks every argument without deadlock (std::lock). The call site is not known to the facade:
// its events carry no location (use scoped_lock for that).
template <class L1, class L2, class... L>
void lock(L1& a, L2& b, L&... rest) {
  std::array<detail::LockRef, 2 + sizeof...(L)> ms{detail::lock_ref(a), detail::lock_ref(b), detail::lock_ref(rest)...};
  detail::lock_all(ms, SourceLoc{});
}

// Tries each argument in order (std::try_lock): -1 when all were locked, otherwise the 0-based
// index of the one that failed (and nothing is held).
template <class L1, class L2, class... L>
int try_lock(L1& a, L2& b, L&... rest) {
  std::array<detail::LockRef, 2 + sizeof...(L)> ms{detail::lock_ref(a), detail::lock_ref(b), detail::lock_ref(rest)...};
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (!ms[i].try_lock(ms[i].m, SourceLoc{})) {
      for (std::size_t j = i; j-- > 0;) ms[j].unlock(ms[j].m, SourceLoc{});
      return static_cast<int>(i);
    }
  }
  return -1;
}

template <class Mutex>
class lock_guard {
 public:
  using mutex_type = Mutex;
  explicit lock_guard(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(m), loc_(loc) { m_.lock(loc); }
  lock_guard(Mutex& m, adopt_lock_t, SourceLoc loc = SourceLoc::current()) : m_(m), loc_(loc) {}
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;
  ~lock_guard() noexcept(false) { m_.unlock(loc_); }

 private:
  Mutex& m_;
  SourceLoc loc_;
};

template <class Mutex>
class unique_lock {
 public:
  using mutex_type = Mutex;
  unique_lock() noexcept = default;
  explicit unique_lock(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    m_->lock(loc);
    owns_ = true;
  }
  unique_lock(Mutex& m, defer_lock_t, SourceLoc loc = SourceLoc::current()) noexcept : m_(&m), loc_(loc) {}
  unique_lock(Mutex& m, try_to_lock_t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    owns_ = m_->try_lock(loc);
  }
  unique_lock(Mutex& m, adopt_lock_t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc), owns_(true) {}
  template <class Rep, class Period>
  unique_lock(Mutex& m, const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current())
      : m_(&m), loc_(loc) {
    owns_ = m_->try_lock_for(d, loc);
  }
  template <detail::TimePointLike TimePoint>
  unique_lock(Mutex& m, const TimePoint& t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    owns_ = m_->try_lock_until(t, loc);
  }
  unique_lock(unique_lock&& o) noexcept
      : m_(std::exchange(o.m_, nullptr)), loc_(o.loc_), owns_(std::exchange(o.owns_, false)) {}
  unique_lock& operator=(unique_lock&& o) noexcept(false) {
    if (owns_) m_->unlock(loc_);
    m_ = std::exchange(o.m_, nullptr);
    loc_ = o.loc_;
    owns_ = std::exchange(o.owns_, false);
    return *this;
  }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;
  ~unique_lock() noexcept(false) {
    if (owns_) m_->unlock(loc_);
  }

  void lock(SourceLoc loc = SourceLoc::current()) {
    m_->lock(loc);
    owns_ = true;
  }
  bool try_lock(SourceLoc loc = SourceLoc::current()) { return owns_ = m_->try_lock(loc); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return owns_ = m_->try_lock_for(d, loc);
  }
  template <class TimePoint>
  bool try_lock_until(const TimePoint& t, SourceLoc loc = SourceLoc::current()) {
    return owns_ = m_->try_lock_until(t, loc);
  }
  void unlock(SourceLoc loc = SourceLoc::current()) {
    owns_ = false;
    m_->unlock(loc);
  }
  Mutex* release() noexcept {
    owns_ = false;
    return std::exchange(m_, nullptr);
  }
  void swap(unique_lock& o) noexcept {
    std::swap(m_, o.m_);
    std::swap(loc_, o.loc_);
    std::swap(owns_, o.owns_);
  }
  bool owns_lock() const noexcept { return owns_; }
  explicit operator bool() const noexcept { return owns_; }
  Mutex* mutex() const noexcept { return m_; }

 private:
  Mutex* m_ = nullptr;
  SourceLoc loc_;
  bool owns_ = false;
};

// Reader side of a shared mutex (lock_shared / unlock_shared), with unique_lock's constructors.
template <class Mutex>
class shared_lock {
 public:
  using mutex_type = Mutex;
  shared_lock() noexcept = default;
  explicit shared_lock(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    m_->lock_shared(loc);
    owns_ = true;
  }
  shared_lock(Mutex& m, defer_lock_t, SourceLoc loc = SourceLoc::current()) noexcept : m_(&m), loc_(loc) {}
  shared_lock(Mutex& m, try_to_lock_t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    owns_ = m_->try_lock_shared(loc);
  }
  shared_lock(Mutex& m, adopt_lock_t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc), owns_(true) {}
  template <class Rep, class Period>
  shared_lock(Mutex& m, const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current())
      : m_(&m), loc_(loc) {
    owns_ = m_->try_lock_shared_for(d, loc);
  }
  template <detail::TimePointLike TimePoint>
  shared_lock(Mutex& m, const TimePoint& t, SourceLoc loc = SourceLoc::current()) : m_(&m), loc_(loc) {
    owns_ = m_->try_lock_shared_until(t, loc);
  }
  shared_lock(shared_lock&& o) noexcept
      : m_(std::exchange(o.m_, nullptr)), loc_(o.loc_), owns_(std::exchange(o.owns_, false)) {}
  shared_lock& operator=(shared_lock&& o) noexcept(false) {
    if (owns_) m_->unlock_shared(loc_);
    m_ = std::exchange(o.m_, nullptr);
    loc_ = o.loc_;
    owns_ = std::exchange(o.owns_, false);
    return *this;
  }
  shared_lock(const shared_lock&) = delete;
  shared_lock& operator=(const shared_lock&) = delete;
  ~shared_lock() noexcept(false) {
    if (owns_) m_->unlock_shared(loc_);
  }

  void lock(SourceLoc loc = SourceLoc::current()) {
    m_->lock_shared(loc);
    owns_ = true;
  }
  bool try_lock(SourceLoc loc = SourceLoc::current()) { return owns_ = m_->try_lock_shared(loc); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return owns_ = m_->try_lock_shared_for(d, loc);
  }
  template <class TimePoint>
  bool try_lock_until(const TimePoint& t, SourceLoc loc = SourceLoc::current()) {
    return owns_ = m_->try_lock_shared_until(t, loc);
  }
  void unlock(SourceLoc loc = SourceLoc::current()) {
    owns_ = false;
    m_->unlock_shared(loc);
  }
  Mutex* release() noexcept {
    owns_ = false;
    return std::exchange(m_, nullptr);
  }
  bool owns_lock() const noexcept { return owns_; }
  explicit operator bool() const noexcept { return owns_; }
  Mutex* mutex() const noexcept { return m_; }

 private:
  Mutex* m_ = nullptr;
  SourceLoc loc_;
  bool owns_ = false;
};

// Locks all its mutexes without deadlock (lock_all), releases them in reverse order. Of one mutex
// it is a lock_guard; of none it does nothing.
template <class... Mutexes>
class scoped_lock {
 public:
  explicit scoped_lock(Mutexes&... ms, SourceLoc loc = SourceLoc::current()) : ms_(ms...), loc_(loc) {
    if constexpr (sizeof...(Mutexes) == 1) {
      std::get<0>(ms_).lock(loc);
    } else if constexpr (sizeof...(Mutexes) > 1) {
      std::array<detail::LockRef, sizeof...(Mutexes)> refs{detail::lock_ref(ms)...};
      detail::lock_all(refs, loc);
    }
  }
  explicit scoped_lock(adopt_lock_t, Mutexes&... ms, SourceLoc loc = SourceLoc::current()) : ms_(ms...), loc_(loc) {}
  scoped_lock(const scoped_lock&) = delete;
  scoped_lock& operator=(const scoped_lock&) = delete;
  ~scoped_lock() noexcept(false) {
    std::apply([this](Mutexes&... ms) { unlock_reverse(ms...); }, ms_);
  }

 private:
  void unlock_reverse() {}
  template <class M, class... Rest>
  void unlock_reverse(M& first, Rest&... rest) {
    unlock_reverse(rest...);
    first.unlock(loc_);
  }

  std::tuple<Mutexes&...> ms_;
  SourceLoc loc_;
};
template <class... Mutexes>
scoped_lock(Mutexes&...) -> scoped_lock<Mutexes...>;
template <class... Mutexes>
scoped_lock(adopt_lock_t, Mutexes&...) -> scoped_lock<Mutexes...>;

}  // namespace weft
