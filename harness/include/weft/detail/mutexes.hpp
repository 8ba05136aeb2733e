// recursive_mutex, timed_mutex, recursive_timed_mutex, shared_mutex, shared_timed_mutex: built once
// from the backend's mutex and condition_variable (every facade includes it).
//
// Being made of the runtime's primitives, they are visible to happens-before (through the internal
// mutex: an unlock happens-before the next lock of any kind) and to DPOR's dependency relation
// (every operation locks the internal mutex, so all operations on one of them are dependent: a
// sound over-approximation for two readers). Internal objects carry the user's declaration, so
// findings name the user's object: "mutex#3 (queue.hpp:12)". Blocking (a writer waiting for readers,
// a reader for a writer) is a wait on the internal condition variable: the deadlock checker sees it.
// Static storage (model): their own state is restored with the internal mutex (detail::set_restore).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "weft/source_loc.hpp"

namespace weft {

// Reentrant mutex: the owner may lock it again; it is released by as many unlocks. The owner's
// re-entries are not visible operations (they cannot block or race).
class recursive_mutex {
 public:
  explicit recursive_mutex(SourceLoc decl = SourceLoc::current()) : m_(decl) {
    detail::set_restore(m_, this, [](void* p) {
      auto* r = static_cast<recursive_mutex*>(p);
      r->owner_.store(-1, std::memory_order_relaxed);
      r->depth_ = 0;
    });
  }
  recursive_mutex(const recursive_mutex&) = delete;
  recursive_mutex& operator=(const recursive_mutex&) = delete;

  void lock(SourceLoc loc = SourceLoc::current()) {
    if (reenter()) return;
    m_.lock(loc);
    take();
  }
  bool try_lock(SourceLoc loc = SourceLoc::current()) {
    if (reenter()) return true;
    if (!m_.try_lock(loc)) return false;
    take();
    return true;
  }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    if (reenter()) return true;
    if (!m_.try_lock_for(d, loc)) return false;
    take();
    return true;
  }
  template <class TimePoint>
  bool try_lock_until(const TimePoint& t, SourceLoc loc = SourceLoc::current()) {
    if (reenter()) return true;
    if (!m_.try_lock_until(t, loc)) return false;
    take();
    return true;
  }
  // Unlocked by a thread that does not own it: the backend's unlock misuse (the model's
  // api_misuse "unlocks ..., which is held by ...").
  void unlock(SourceLoc loc = SourceLoc::current()) {
    if (owner_.load(std::memory_order_relaxed) != this_thread_id()) {
      m_.unlock(loc);  // not the owner: the backend reports the misuse
      return;
    }
    if (--depth_ > 0) return;
    owner_.store(-1, std::memory_order_relaxed);
    m_.unlock(loc);
  }

 private:
  bool reenter() {
    if (owner_.load(std::memory_order_relaxed) != this_thread_id()) return false;
    ++depth_;
    return true;
  }
  void take() {
    owner_.store(this_thread_id(), std::memory_order_relaxed);
    depth_ = 1;
  }

  mutex m_;
  // Read by non-owners only to compare with their own id: relaxed std atomics, invisible to the
  // model and race-free natively.
  std::atomic<int> owner_{-1};
  unsigned depth_ = 0;  // written by the owner only
};

// The facade's mutex already has try_lock_for / try_lock_until.
// (Constructors are spelled out: an inherited constructor's defaulted SourceLoc would be this
// header's line, not the declaration's.)
class timed_mutex : public mutex {
 public:
  explicit timed_mutex(SourceLoc decl = SourceLoc::current()) : mutex(decl) {}
};
class recursive_timed_mutex : public recursive_mutex {
 public:
  explicit recursive_timed_mutex(SourceLoc decl = SourceLoc::current()) : recursive_mutex(decl) {}
};

// Reader/writer mutex: any number of readers together, or one writer alone. Readers do not
// starve writers' progress guarantees beyond what std promises (none). A reader that calls lock()
// (an "upgrade") waits for itself forever: the deadlock checker reports it.
class shared_mutex {
 public:
  explicit shared_mutex(SourceLoc decl = SourceLoc::current()) : m_(decl), cv_(decl) {
    detail::set_restore(m_, this, [](void* p) {
      auto* s = static_cast<shared_mutex*>(p);
      s->readers_ = 0;
      s->writer_ = -1;
    });
  }
  shared_mutex(const shared_mutex&) = delete;
  shared_mutex& operator=(const shared_mutex&) = delete;

  void lock(SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> g(m_, loc);
    while (writer_ >= 0 || readers_ > 0) cv_.wait(g, loc);
    writer_ = this_thread_id();
  }
  bool try_lock(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    if (writer_ >= 0 || readers_ > 0) return false;
    writer_ = this_thread_id();
    return true;
  }
  void unlock(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    if (writer_ != this_thread_id()) {
      detail::facade_misuse("shared_mutex::unlock by a thread that does not hold it exclusively", loc);
      return;
    }
    writer_ = -1;
    cv_.notify_all(loc);
  }
  void lock_shared(SourceLoc loc = SourceLoc::current()) {
    unique_lock<mutex> g(m_, loc);
    while (writer_ >= 0) cv_.wait(g, loc);
    ++readers_;
  }
  bool try_lock_shared(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    if (writer_ >= 0) return false;
    ++readers_;
    return true;
  }
  void unlock_shared(SourceLoc loc = SourceLoc::current()) {
    lock_guard<mutex> g(m_, loc);
    if (readers_ == 0) {
      detail::facade_misuse("shared_mutex::unlock_shared without a shared lock held", loc);
      return;
    }
    if (--readers_ == 0) cv_.notify_all(loc);
  }

 protected:
  // Timed acquisition on the backend's clock (the model's virtual clock; Relacy: skipped).
  template <class TimePoint>
  bool lock_until(const TimePoint& t, bool shared, SourceLoc loc) {
    unique_lock<mutex> g(m_, loc);
    while (writer_ >= 0 || (!shared && readers_ > 0)) {
      if (cv_.wait_until(g, t, loc) == std::cv_status::timeout && (writer_ >= 0 || (!shared && readers_ > 0))) {
        return false;
      }
    }
    if (shared) {
      ++readers_;
    } else {
      writer_ = this_thread_id();
    }
    return true;
  }

 private:
  mutex m_;
  condition_variable cv_;
  int readers_ = 0;  // guarded by m_
  int writer_ = -1;  // the exclusive holder's thread id, -1 none; guarded by m_
};

class shared_timed_mutex : public shared_mutex {
 public:
  explicit shared_timed_mutex(SourceLoc decl = SourceLoc::current()) : shared_mutex(decl) {}
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return lock_until(clock::now() + std::chrono::duration_cast<clock::duration>(d), false, loc);
  }
  bool try_lock_until(clock::time_point t, SourceLoc loc = SourceLoc::current()) { return lock_until(t, false, loc); }
  template <class Rep, class Period>
  bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& d, SourceLoc loc = SourceLoc::current()) {
    return lock_until(clock::now() + std::chrono::duration_cast<clock::duration>(d), true, loc);
  }
  bool try_lock_shared_until(clock::time_point t, SourceLoc loc = SourceLoc::current()) {
    return lock_until(t, true, loc);
  }
};

}  // namespace weft
