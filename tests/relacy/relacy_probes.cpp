// Test-only scenarios for the Relacy backend: one per Relacy verdict the catalog does not produce.
//
// Compiled only into weft_relacy_probes (the weft-relacy runner plus these), never into the
// catalog: they exist to make Relacy report a livelock, a leak, an escaped exception, an API
// misuse, and to hit what the backend cannot run. The [probe:...] markers sit on the lines the
// tests expect the findings at; tests find the lines by them.
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

// A spin loop on a flag nobody sets: every iteration exceeds the scheduling-point limit.
void livelock(const weft::Params&) {
  weft::atomic<int> flag(0);
  weft::thread spinner([&] {
    while (flag.load() == 0) weft::yield();  // [probe:spin]
  });
  spinner.join();
}

// An allocation never freed (Relacy sees it with --track-heap).
void leak(const weft::Params&) {
  int* p = new int(7);  // [probe:leak]
  WEFT_ASSERT(*p == 7);
}

// Two mutexes taken in opposite orders by two threads.
void deadlock(const weft::Params&) {
  weft::mutex a;
  weft::mutex b;
  weft::thread t1([&] {
    weft::lock_guard<weft::mutex> ga(a);
    weft::lock_guard<weft::mutex> gb(b);  // [probe:t1-second]
  });
  weft::thread t2([&] {
    weft::lock_guard<weft::mutex> gb(b);
    weft::lock_guard<weft::mutex> ga(a);  // [probe:t2-second]
  });
  t1.join();
  t2.join();
}

void exception(const weft::Params&) {
  weft::thread t([] { throw std::runtime_error("boom"); });  // [probe:throw]
  t.join();
}

// A thread object destroyed while joinable.
void unjoined(const weft::Params&) {
  weft::atomic<int> x(0);
  {
    weft::thread t([&] { x.store(1); });  // [probe:unjoined] destroyed at the closing brace
  }
}

// Unlocking a mutex that is not locked.
void bad_unlock(const weft::Params&) {
  weft::mutex m;
  m.unlock();  // [probe:bad-unlock]
}

// Two threads write a shared variable without synchronization: Relacy detects the race at a write.
void write_race(const weft::Params&) {
  weft::var<int> v(0);
  weft::thread a([&] { v.store(1); });  // [probe:write-a]
  weft::thread b([&] { v.store(2); });  // [probe:write-b]
  a.join();
  b.join();
}

// Clean on every backend but Relacy: stands in for an engine bug in the `weft check` agreement
// tests (the model side compiles the same body against the model facade).
void engine_divergence(const weft::Params&) {
  WEFT_ASSERT(std::string_view(weft::kBackendName) != "relacy");  // [probe:divergence]
}

// More threads than the backend's largest suite.
void many_threads(const weft::Params&) {
  weft::atomic<int> n(0);
  std::vector<weft::thread> pool;
  for (int i = 0; i < 17; ++i) pool.push_back(weft::thread([&] { n.fetch_add(1); }));
  for (weft::thread& t : pool) t.join();
}

void sleeps(const weft::Params&) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(1));  // [probe:sleep]
}

// A relaxed atomic in a scenario that does not declare `weak_orders`.
void undeclared_relaxed(const weft::Params&) {
  weft::atomic<int> x(0);
  x.store(1, std::memory_order_relaxed);  // [probe:relaxed]
  WEFT_ASSERT(x.load() == 1);
}

WEFT_REGISTER_SCENARIO({.name = "relacy-probe/livelock",
                        .description = "spins on a flag nobody sets",
                        .body = &livelock});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/leak", .description = "new without delete", .body = &leak});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/deadlock", .description = "AB/BA locking", .body = &deadlock});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/exception", .description = "a thread throws", .body = &exception});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/unjoined",
                        .description = "a joinable thread destroyed",
                        .body = &unjoined});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/bad-unlock", .description = "unlock without lock", .body = &bad_unlock});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/write-race", .description = "two unordered writes", .body = &write_race});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/engine-divergence",
                        .description = "fails only under Relacy",
                        .body = &engine_divergence});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/many-threads", .description = "17 threads", .body = &many_threads});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/sleeps", .description = "sleep_for on weft's clock", .body = &sleeps});
WEFT_REGISTER_SCENARIO({.name = "relacy-probe/undeclared-relaxed",
                        .description = "a relaxed store, `weak_orders` not declared",
                        .body = &undeclared_relaxed});

}  // namespace
