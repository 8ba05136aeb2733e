// A worker thread that runs submitted jobs until stopped: a job count and a stop flag guarded by
// one mutex and one condition variable. The stop flag is set under the mutex; the bug
// (FOUR_BUGS_BUGGY) sets it outside, so the worker can test it, miss the notification and wait
// forever (a lost wake-up: the join deadlocks).
#pragma once

#include "weft/std.hpp"

namespace four_bugs {
namespace sync = weft::sync;

class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // noexcept(false): under weft, an execution that deadlocks in the join ends by unwinding it.
  ~Worker() noexcept(false) {
#ifdef FOUR_BUGS_BUGGY
    stop_.store(true);  // worker-stop
#else
    {
      sync::lock_guard<sync::mutex> g(m_);
      stop_.store(true);  // worker-stop
    }
#endif
    wake_.notify_all();
    thread_.join();  // worker-join
  }

  void submit() {
    {
      sync::lock_guard<sync::mutex> g(m_);
      pending_.store(pending_.load() + 1);
    }
    wake_.notify_all();
  }

  // Jobs run so far (read after the destructor's join, or under the mutex).
  int done() {
    sync::lock_guard<sync::mutex> g(m_);
    return done_.load();
  }

 private:
  void loop() {
    sync::unique_lock<sync::mutex> lock(m_);
    for (;;) {
      while (pending_.load() == 0 && !stop_.load()) wake_.wait(lock);  // worker-wait
      if (pending_.load() == 0) return;                                // stopped with nothing left to run
      pending_.store(pending_.load() - 1);
      done_.store(done_.load() + 1);
    }
  }

  sync::mutex m_;
  sync::condition_variable wake_;
  sync::var<int> pending_{0};
  sync::var<int> done_{0};
#ifdef FOUR_BUGS_BUGGY
  sync::atomic<bool> stop_{false};
#else
  sync::var<bool> stop_{false};
#endif
  sync::thread thread_;  // last: starts once the members above exist
};

}  // namespace four_bugs
