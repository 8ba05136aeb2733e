// The 15 std idioms of issue 14, written once against weft/std.hpp: compiled with WEFT_MODEL
// (tests/model/std_idioms_test.cpp, under the explorer) and without it (std_idioms_plain.cpp, std).
#pragma once

#include "weft/std.hpp"

namespace idioms {
namespace sync = weft::sync;

struct Results {
  int counter = 0;
  int flags = 0;
  int once_runs = 0;
  int shared_reads = 0;
  int recursive_depth = 0;
};

inline void add_to(sync::atomic<int>* a, int by) { a->fetch_add(by); }

// Every idiom, in one body with two threads. Deterministic result whatever the interleaving.
inline Results run_all() {
  Results out;
  sync::atomic<int> a = 0;                   // 1. atomic<int> a = 0
  a++;                                       // 2. a++
  a += 2;                                    // 3. a += 2
  int v = a;                                 // 4. int v = a
  sync::atomic<unsigned> bits = 0u;
  bits.fetch_or(4u);                         // 5. fetch_or
  sync::atomic_thread_fence(std::memory_order_seq_cst);  // 6. atomic_thread_fence
  sync::mutex m;
  { sync::scoped_lock lock(m); }             // 7. scoped_lock of one mutex
  sync::thread t(add_to, &a, 3);             // 8. thread(f, 3)
  sync::var<int> x = 0;
  x = 3;                                     // 9. var = 3
  sync::shared_mutex rw;                     // 10. shared_mutex
  sync::once_flag once;                      // 11. once_flag / call_once
  sync::condition_variable_any cv;           // 12. condition_variable_any
  sync::recursive_mutex rm;                  // 14. recursive_mutex
  sync::latch done(1);                       // 15. latch
  sync::var<int> once_runs = 0;
  sync::var<bool> ready = false;
  sync::thread u([&] {
    sync::call_once(once, [&] { once_runs = once_runs + 1; });
    {
      sync::shared_lock<sync::shared_mutex> r(rw);
      (void)static_cast<int>(x);
    }
    {
      sync::unique_lock<sync::mutex> g(m);
      ready = true;
    }
    cv.notify_one();
    done.count_down();
  });
  sync::call_once(once, [&] { once_runs = once_runs + 1; });
  {
    sync::unique_lock<sync::mutex> g(m);
    while (!static_cast<bool>(ready)) cv.wait(g);
  }
  done.wait();
  sync::this_thread::yield();                // 13. this_thread::yield
  {
    sync::lock_guard<sync::recursive_mutex> g1(rm);
    sync::lock_guard<sync::recursive_mutex> g2(rm);
    out.recursive_depth = 2;
  }
  {
    sync::unique_lock<sync::shared_mutex> w(rw);
    x = 4;
  }
  t.join();
  u.join();
  out.counter = a.load() + v;
  out.flags = static_cast<int>(bits.load());
  out.once_runs = once_runs;
  out.shared_reads = x;
  return out;
}

}  // namespace idioms
