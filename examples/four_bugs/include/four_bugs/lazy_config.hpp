// A lazily created shared object with double-checked locking. The pointer is an atomic published
// with release and read with acquire; the bug (FOUR_BUGS_BUGGY) is a plain pointer read outside
// the mutex: a data race with the write that publishes it.
#pragma once

#include "weft/std.hpp"

namespace four_bugs {
namespace sync = weft::sync;

struct Config {
  sync::var<int> threads{0};
};

class LazyConfig {
 public:
  LazyConfig() = default;
  LazyConfig(const LazyConfig&) = delete;
  LazyConfig& operator=(const LazyConfig&) = delete;
  ~LazyConfig() { delete instance_.load(); }

  Config& get() {
#ifdef FOUR_BUGS_BUGGY
    Config* c = instance_.load();  // config-check
    if (c == nullptr) {
      sync::lock_guard<sync::mutex> g(m_);
      c = instance_.load();
      if (c == nullptr) {
        c = new Config;
        c->threads.store(4);
        instance_.store(c);  // config-publish
      }
    }
#else
    Config* c = instance_.load(sync::memory_order_acquire);  // config-check
    if (c == nullptr) {
      sync::lock_guard<sync::mutex> g(m_);
      c = instance_.load(sync::memory_order_relaxed);
      if (c == nullptr) {
        c = new Config;
        c->threads.store(4);
        instance_.store(c, sync::memory_order_release);  // config-publish
      }
    }
#endif
    return *c;
  }

 private:
  sync::mutex m_;
#ifdef FOUR_BUGS_BUGGY
  sync::var<Config*> instance_{nullptr};
#else
  sync::atomic<Config*> instance_{nullptr};
#endif
};

}  // namespace four_bugs
