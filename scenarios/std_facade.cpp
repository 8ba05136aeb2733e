// The std-facade family: code written once against weft/std.hpp's `sync::` names (as a library
// would), run by every engine: readers/writer, call_once, latch, atomics' operators, a static mutex.
#define WEFT_MODEL 1  // scenarios always take the facade (the backend comes from weft/sync.hpp)
#include "weft/std.hpp"

#include <vector>

#include "weft/scenario.hpp"

namespace {

namespace sync = weft::sync;
using weft::FindingKind;

const std::vector<weft::ParamSpec> kParams = {};

// Two readers under shared_lock and one writer under unique_lock: readers never see the writer
// inside, and the var they read is written only under the exclusive lock.
void readers_writer(const weft::Params&) {
  sync::shared_mutex rw;
  sync::atomic<int> writing = 0;
  sync::var<int> data = 0;
  auto reader = [&] {
    sync::shared_lock<sync::shared_mutex> g(rw);
    WEFT_ASSERT(writing.load() == 0);
    (void)data.load();
  };
  sync::thread r1(reader);
  sync::thread r2(reader);
  {
    sync::unique_lock<sync::shared_mutex> g(rw);
    writing = 1;
    data = 1;
    writing = 0;
  }
  r1.join();
  r2.join();
}

// Lazy initialization through call_once from two threads: the initializer runs once and both
// threads see its write.
void call_once_init(const weft::Params&) {
  sync::once_flag once;
  sync::var<int> value = 0;
  sync::atomic<int> runs = 0;
  auto use = [&] {
    sync::call_once(once, [&] {
      runs++;
      value = 42;
    });
    WEFT_ASSERT(value.load() == 42);
  };
  sync::thread t(use);
  use();
  t.join();
  WEFT_ASSERT(runs.load() == 1);
}

// A latch expecting three arrivals gets two: both waiters block forever.
void latch_missing_arrival(const weft::Params&) {
  sync::latch ready(3);
  sync::thread t([&] { ready.arrive_and_wait(); });
  ready.arrive_and_wait();
  t.join();
}

// std::atomic's operators from two threads (a++, +=, |=, fetch_or, exchange, CAS, fences).
void atomic_operators(const weft::Params&) {
  sync::atomic<int> n = 0;
  sync::atomic<unsigned> bits = 0u;
  sync::thread t([&] {
    n++;
    bits |= 1u;
    sync::atomic_thread_fence(std::memory_order_seq_cst);
  });
  n += 2;
  bits.fetch_or(2u);
  t.join();
  int expected = 3;
  WEFT_ASSERT(n.compare_exchange_strong(expected, 10) && n.exchange(11) == 10);
  const int v = n;
  WEFT_ASSERT(v == 11 && bits.load() == 3u);
}

// A function-local static mutex (as real code has) guarding a var from two threads.
sync::mutex& registry_mutex() {
  static sync::mutex m;
  return m;
}
void static_mutex(const weft::Params&) {
  sync::var<int> entries = 0;
  sync::thread t([&] {
    sync::lock_guard<sync::mutex> g(registry_mutex());
    entries += 1;
  });
  {
    sync::lock_guard<sync::mutex> g(registry_mutex());
    entries += 1;
  }
  t.join();
  WEFT_ASSERT(entries.load() == 2);
}

WEFT_REGISTER_SCENARIO({
    .name = "std-facade/readers-writer",
    .description = "shared_mutex: two readers under shared_lock, a writer under unique_lock (correct)",
    .params = kParams,
    .body = &readers_writer,
});

WEFT_REGISTER_SCENARIO({
    .name = "std-facade/call-once",
    .description = "once_flag/call_once lazy initialization from two threads (correct)",
    .params = kParams,
    .body = &call_once_init,
});

WEFT_REGISTER_SCENARIO({
    .name = "std-facade/latch-missing-arrival",
    .description = "a latch of three gets two arrivals: both waiters block forever",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDeadlock}},
    .native = {.kinds = {FindingKind::kHang}},  // real threads wait until the watchdog
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &latch_missing_arrival,
});

WEFT_REGISTER_SCENARIO({
    .name = "std-facade/atomic-operators",
    .description = "std::atomic's operators and members from two threads (correct)",
    .params = kParams,
    .body = &atomic_operators,
});

WEFT_REGISTER_SCENARIO({
    .name = "std-facade/static-mutex",
    .description = "a function-local static mutex guarding a counter from two threads (correct)",
    .params = kParams,
    .relacy = {.skip_reason = "Relacy's objects live within one iteration: a static sync object cannot be modeled"},
    .body = &static_mutex,
});

}  // namespace
