// The memory-order family: message passing, Dekker's entry protocol and an SPSC ring under weak orders.
//
// What each engine can see. weft's model executes sequentially consistently: every load reads
// the latest store, so it never shows a stale read or store buffering; its happens-before race
// checker does honour the orders (a relaxed publish orders nothing), so it reports races on
// plain data. Relacy implements the C++ memory model: a load may read an older store the
// orders allow, so it finds the stale reads and store-buffering bugs the SC model misses.
// ThreadSanitizer (native) reports races on plain data whenever the racy path runs; reorderings
// happen on real cores only rarely.
//
// Thread ids (model): 0 is the main thread, then 1 and 2 in spawn order.
// The bracketed markers sit on the lines findings point at; tests find the lines by them.
#include <memory>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

constexpr int kPayload = 42;

// Data published through a flag: the producer writes `data`, then sets `ready` with
// `publish`; the consumer reads the data only after it has seen the flag set with `observe`.
void message_passing(std::memory_order publish, std::memory_order observe) {
  weft::var<int> data(0);
  weft::atomic<int> ready(0);
  weft::thread producer([&] {
    data.store(kPayload);     // [mo:mp-write]
    ready.store(1, publish);  // [mo:mp-publish]
  });
  weft::thread consumer([&] {
    if (ready.load(observe) == 1) {
      WEFT_ASSERT(data.load() == kPayload);  // [mo:mp-read]
    }
  });
  producer.join();
  consumer.join();
}

// Bug: the flag is stored and loaded relaxed, so seeing it orders nothing: the read of `data`
// races with its write (and under the C++ memory model may see the old value).
void message_passing_relaxed(const weft::Params&) {
  message_passing(std::memory_order_relaxed, std::memory_order_relaxed);
}

// Correct: a release store of the flag, read by an acquire load, orders the data write before
// the data read.
void message_passing_release_acquire(const weft::Params&) {
  message_passing(std::memory_order_release, std::memory_order_acquire);
}

// Bug: the payload itself is a relaxed atomic, so there is no data race anywhere, but the
// consumer may see the flag and still read the old payload: a stale read. The SC model always
// reads the latest store and cannot show it.
void message_passing_relaxed_atomic(const weft::Params&) {
  weft::atomic<int> data(0);
  weft::atomic<int> ready(0);
  weft::thread producer([&] {
    data.store(kPayload, std::memory_order_relaxed);
    ready.store(1, std::memory_order_relaxed);
  });
  weft::thread consumer([&] {
    if (ready.load(std::memory_order_relaxed) == 1) {
      WEFT_ASSERT(data.load(std::memory_order_relaxed) == kPayload);  // [mo:mpa-read]
    }
  });
  producer.join();
  consumer.join();
}

// Dekker's entry protocol: each thread raises its own flag, then enters the critical section
// only if the other's flag is down (otherwise it backs off). Sequentially consistent, at most
// one of the two enters while the other is inside. `inside` counts the threads in the critical
// section (its read-modify-writes always read the latest value, whatever their order).
void dekker(std::memory_order store, std::memory_order load, std::memory_order count) {
  weft::atomic<int> flag0(0);
  weft::atomic<int> flag1(0);
  weft::atomic<int> inside(0);
  auto enter = [&](weft::atomic<int>& mine, weft::atomic<int>& other) {
    mine.store(1, store);
    if (other.load(load) == 0) {
      WEFT_ASSERT(inside.fetch_add(1, count) == 0);  // [mo:dekker-cs] mutual exclusion
      inside.fetch_sub(1, count);
    }
    mine.store(0, store);
  };
  weft::thread t0([&] { enter(flag0, flag1); });
  weft::thread t1([&] { enter(flag1, flag0); });
  t0.join();
  t1.join();
}

// Bug: release stores and acquire loads do not order a store before a later load of another
// location (store buffering): both threads can read the other's flag as 0 and both enter.
void dekker_release_acquire(const weft::Params&) {
  dekker(std::memory_order_release, std::memory_order_acquire, std::memory_order_relaxed);
}

// Correct: seq_cst stores and loads are totally ordered, so one thread sees the other's flag.
void dekker_seq_cst(const weft::Params&) {
  dekker(std::memory_order_seq_cst, std::memory_order_seq_cst, std::memory_order_seq_cst);
}

const std::vector<weft::ParamSpec> kRingParams = {
    {"items", 2, 1, 8, "items the producer pushes"},
    {"capacity", 1, 1, 4, "ring slots"},
    {"retries", 2, 1, 8, "attempts per push or pop before giving up (bounds the search)"},
};

// A single-producer single-consumer ring: plain slots, a producer index `tail` and a consumer
// index `head`. Each side reads the other's index with acquire and publishes its own with
// `publish` (producer) or release (consumer). Pushes and pops give up after `retries`
// attempts, so every execution is finite; the consumer checks it gets 1, 2, ... in order.
void spsc_ring(const weft::Params& p, std::memory_order publish) {
  const int items = p.get_int("items");
  const unsigned capacity = static_cast<unsigned>(p.get_int("capacity"));
  const int retries = p.get_int("retries");
  std::unique_ptr<weft::var<int>[]> slots(new weft::var<int>[capacity]);
  weft::atomic<unsigned> head(0);  // next slot to pop (written by the consumer)
  weft::atomic<unsigned> tail(0);  // next slot to push (written by the producer)
  auto try_push = [&](int value) {
    const unsigned t = tail.load(std::memory_order_relaxed);
    if (t - head.load(std::memory_order_acquire) == capacity) return false;
    slots[t % capacity].store(value);  // [mo:ring-write]
    tail.store(t + 1, publish);        // [mo:ring-publish]
    return true;
  };
  auto try_pop = [&](int& value) {
    const unsigned h = head.load(std::memory_order_relaxed);
    if (tail.load(std::memory_order_acquire) == h) return false;
    value = slots[h % capacity].load();  // [mo:ring-read]
    head.store(h + 1, std::memory_order_release);
    return true;
  };
  weft::thread producer([&] {
    for (int i = 1; i <= items; ++i) {
      int attempt = 0;
      while (!try_push(i)) {
        if (++attempt == retries) return;
        weft::yield();
      }
    }
  });
  weft::thread consumer([&] {
    int expected = 1;
    while (expected <= items) {
      int value = 0;
      int attempt = 0;
      while (!try_pop(value)) {
        if (++attempt == retries) return;
        weft::yield();
      }
      WEFT_ASSERT(value == expected);  // [mo:ring-order]
      ++expected;
    }
  });
  producer.join();
  consumer.join();
}

// Model: its exhaustive DFS of the default ring takes 2.5 million executions; `weft check` bounds
// it at 3 preemptions (13,425 executions). Relacy's full search covers it (57,038 iterations).

// Correct: the producer publishes `tail` with release.
void spsc_ring_release(const weft::Params& p) { spsc_ring(p, std::memory_order_release); }

// Bug: the producer publishes `tail` relaxed, so a consumer that sees the new index is not
// ordered after the slot write: it races with it (and may read the slot's old value).
void spsc_ring_relaxed_publish(const weft::Params& p) { spsc_ring(p, std::memory_order_relaxed); }

using weft::FindingKind;

// Native: TSan reports the race whenever the consumer sees the flag (nearly every run: the
// producer starts first).
WEFT_REGISTER_SCENARIO({
    .name = "memory-order/message-passing-relaxed",
    .description = "data published through a relaxed flag: the read races with the write",
    .model = {.kinds = {FindingKind::kDataRace}},
    .native = {.kinds = {FindingKind::kDataRace}},
    .relacy = {.kinds = {FindingKind::kDataRace}},
    .body = &message_passing_relaxed,
    .weak_orders = true,
});

WEFT_REGISTER_SCENARIO({
    .name = "memory-order/message-passing-release-acquire",
    .description = "data published through a release store, read after an acquire load: correct",
    .body = &message_passing_release_acquire,
    .dpor_executions = 2,
    .weak_orders = true,
});

// Model: sequentially consistent, it always reads the new payload. Native: x86 keeps stores in
// order, so the stale read is not expected on real cores (the compiler may still reorder).
WEFT_REGISTER_SCENARIO({
    .name = "memory-order/message-passing-relaxed-atomic",
    .description = "a relaxed atomic payload behind a relaxed flag: no race, but a stale read",
    .native = {.kinds = {FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kAssertionFailure}},
    .body = &message_passing_relaxed_atomic,
    .weak_orders = true,
});

// Model: sequentially consistent, one thread always sees the other's flag. Native: store
// buffering does happen on x86, but rarely in a window this small.
WEFT_REGISTER_SCENARIO({
    .name = "memory-order/dekker-release-acquire",
    .description = "Dekker's entry protocol with release/acquire flags: store buffering lets both threads in",
    .native = {.kinds = {FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kAssertionFailure}},
    .body = &dekker_release_acquire,
    .weak_orders = true,
});

WEFT_REGISTER_SCENARIO({
    .name = "memory-order/dekker-seq-cst",
    .description = "Dekker's entry protocol with seq_cst flags: correct",
    .body = &dekker_seq_cst,
    .dpor_executions = 7,
});

WEFT_REGISTER_SCENARIO({
    .name = "memory-order/spsc-ring",
    .description = "single-producer single-consumer ring with release/acquire indices: correct",
    .params = kRingParams,
    .body = &spsc_ring_release,
    .explore = {.preemption_bound = 3},  // for --strategy dfs: its full search takes 2.5 M executions
    .dpor_executions = 15,
    .weak_orders = true,
});

// Model: its happens-before checker sees that the relaxed publish orders nothing.
WEFT_REGISTER_SCENARIO({
    .name = "memory-order/spsc-ring-relaxed-publish",
    .description = "the ring's producer publishes its index relaxed: the consumer's slot read races",
    .params = kRingParams,
    .model = {.kinds = {FindingKind::kDataRace}},
    .native = {.kinds = {FindingKind::kDataRace}},
    .relacy = {.kinds = {FindingKind::kDataRace}},
    .body = &spsc_ring_relaxed_publish,
    .explore = {.preemption_bound = 3},
    .weak_orders = true,
});

}  // namespace
