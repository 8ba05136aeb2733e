// The scenario facade for the native backend: std types on real threads (run under TSan).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <semaphore>
#include <thread>
#include <utility>

#include "weft/source_loc.hpp"

namespace weft {

inline constexpr const char* kBackendName = "native";

namespace detail {
// Seeded perturbation at synchronization points (no-op unless enabled by the native runner).
void native_perturb();
// Records a failed assertion for the native runner's report; the thread continues.
void native_assert_failed(const char* expr, SourceLoc loc);
std::uint32_t native_choose(std::uint32_t n);
inline void assertion_failed(const char* expr, SourceLoc loc) { native_assert_failed(expr, loc); }
}  // namespace detail

class thread {
 public:
  thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, thread>>>
  explicit thread(F&& f, SourceLoc = SourceLoc::current()) : t_(std::forward<F>(f)) {}
  bool joinable() const noexcept { return t_.joinable(); }
  void join(SourceLoc = SourceLoc::current()) { t_.join(); }
  void detach() { t_.detach(); }

 private:
  std::thread t_;
};

class mutex {
 public:
  explicit mutex(SourceLoc = SourceLoc::current()) {}
  void lock(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    m_.lock();
  }
  bool try_lock(SourceLoc = SourceLoc::current()) { return m_.try_lock(); }
  void unlock(SourceLoc = SourceLoc::current()) {
    m_.unlock();
    detail::native_perturb();
  }
  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

template <class T>
class atomic {
 public:
  explicit atomic(T initial = T{}, SourceLoc = SourceLoc::current()) : a_(initial) {}
  T load(std::memory_order mo = std::memory_order_seq_cst, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.load(mo);
  }
  void store(T v, std::memory_order mo = std::memory_order_seq_cst, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    a_.store(v, mo);
  }
  T exchange(T v, std::memory_order mo = std::memory_order_seq_cst, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.exchange(v, mo);
  }
  T fetch_add(T d, std::memory_order mo = std::memory_order_seq_cst, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.fetch_add(d, mo);
  }
  T fetch_sub(T d, std::memory_order mo = std::memory_order_seq_cst, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.fetch_sub(d, mo);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = std::memory_order_seq_cst,
                               SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_strong(expected, desired, mo);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = std::memory_order_seq_cst,
                             SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return a_.compare_exchange_weak(expected, desired, mo);
  }

 private:
  std::atomic<T> a_;
};

// A plain shared variable: unsynchronized accesses are real data races that TSan reports.
template <class T>
class var {
 public:
  explicit var(T initial = T{}, SourceLoc = SourceLoc::current()) : value_(std::move(initial)) {}
  __attribute__((noinline)) T load(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    return value_;
  }
  __attribute__((noinline)) void store(T v, SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    value_ = std::move(v);
  }

 private:
  T value_;
};

template <class Mutex>
class unique_lock {
 public:
  explicit unique_lock(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(&m) {
    m_->lock(loc);
    owns_ = true;
  }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;
  ~unique_lock() {
    if (owns_) m_->unlock();
  }
  void lock(SourceLoc loc = SourceLoc::current()) {
    m_->lock(loc);
    owns_ = true;
  }
  void unlock(SourceLoc loc = SourceLoc::current()) {
    owns_ = false;
    m_->unlock(loc);
  }
  bool owns_lock() const noexcept { return owns_; }
  Mutex* mutex() const noexcept { return m_; }

 private:
  Mutex* m_;
  bool owns_ = false;
};

template <class Mutex>
class lock_guard {
 public:
  explicit lock_guard(Mutex& m, SourceLoc loc = SourceLoc::current()) : m_(m) { m_.lock(loc); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;
  ~lock_guard() { m_.unlock(); }

 private:
  Mutex& m_;
};

template <class Mutex>
class scoped_lock {
 public:
  scoped_lock(Mutex& a, Mutex& b, SourceLoc = SourceLoc::current()) : a_(a), b_(b) {
    std::lock(a_.native(), b_.native());
  }
  scoped_lock(const scoped_lock&) = delete;
  scoped_lock& operator=(const scoped_lock&) = delete;
  ~scoped_lock() {
    b_.unlock();
    a_.unlock();
  }

 private:
  Mutex& a_;
  Mutex& b_;
};

class condition_variable {
 public:
  explicit condition_variable(SourceLoc = SourceLoc::current()) {}
  void wait(unique_lock<mutex>& lock, SourceLoc = SourceLoc::current()) { cv_.wait(lock); }
  template <class Pred>
  void wait(unique_lock<mutex>& lock, Pred pred, SourceLoc = SourceLoc::current()) {
    cv_.wait(lock, std::move(pred));
  }
  void notify_one(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    cv_.notify_one();
  }
  void notify_all(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    cv_.notify_all();
  }

 private:
  std::condition_variable_any cv_;
};

template <std::ptrdiff_t LeastMaxValue = 0x7fffffff>
class counting_semaphore {
 public:
  explicit counting_semaphore(std::ptrdiff_t desired, SourceLoc = SourceLoc::current()) : s_(desired) {}
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }
  void acquire(SourceLoc = SourceLoc::current()) {
    detail::native_perturb();
    s_.acquire();
  }
  bool try_acquire(SourceLoc = SourceLoc::current()) { return s_.try_acquire(); }
  void release(std::ptrdiff_t update = 1, SourceLoc = SourceLoc::current()) {
    s_.release(update);
    detail::native_perturb();
  }

 private:
  std::counting_semaphore<LeastMaxValue> s_;
};
using binary_semaphore = counting_semaphore<1>;

inline void yield(SourceLoc = SourceLoc::current()) { std::this_thread::yield(); }
inline std::uint32_t choose(std::uint32_t n, SourceLoc = SourceLoc::current()) { return detail::native_choose(n); }

}  // namespace weft
