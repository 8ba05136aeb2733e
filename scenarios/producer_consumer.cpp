// The producer-consumer family: a bounded buffer under condition variables or semaphores, correct and buggy.
//
// Thread ids (model): 0 is the main thread, producers are 1..P, consumers P+1..P+C (spawn order).
// Items are encoded as producer * kItemStride + sequence + 1, so 0 never is an item (an empty slot).
//
// Every variant checks, with WEFT_ASSERT (each assertion's line carries its tag in square brackets;
// tests find the lines by the tags):
//   - no overflow / underflow: a put finds a free slot, a take finds an item (pc:overflow,
//     pc:underflow);
//   - FIFO per producer: items of one producer leave the buffer in the order they were put (pc:fifo);
//   - exactly once: after every thread joined, each produced item was consumed exactly once
//     (pc:exactly-once), and each consumer saw each producer's items in order (pc:consumer-order).
//
// Native expectations: the native backend runs real threads under ThreadSanitizer with seeded
// perturbation at sync points. TSan reports data races whatever the timing; a deadlock shows as a
// `hang` (the native watchdog) and an assertion fires only when the OS schedule enters the bug's
// window, which the perturbation makes likely for these small windows but never certain. The
// declared native kind is what a run reports when the bug manifests.
#include <cstdint>
#include <memory>
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

constexpr int kMaxCapacity = 8;
constexpr int kMaxItems = 16;
constexpr int kItemStride = 100;  // > kMaxItems: an item encodes its producer and sequence number

// Defaults: the smallest size at which the buggy variants fail (two consumers compete, and a
// capacity of 2 lets a put happen on a non-empty buffer) and at which DFS exhausts every correct
// variant in about a second. shared-cv needs a producer that waits on a full buffer: capacity 1.
// The shutdown variants put 1 item per producer: consumers that loop until the close multiply the
// interleavings (the complete DFS of shutdown takes 38,308 executions with 1 item, 766,064 with 2).
std::vector<weft::ParamSpec> family_params(std::int64_t capacity, std::int64_t items) {
  return {
      {"producers", 1, 1, 4, "producer threads"},
      {"consumers", 2, 1, 4, "consumer threads"},
      {"capacity", capacity, 1, kMaxCapacity, "buffer slots"},
      {"items", items, 1, kMaxItems, "items put by each producer"},
  };
}
const std::vector<weft::ParamSpec> kParams = family_params(2, 2);
const std::vector<weft::ParamSpec> kParamsCapacity1 = family_params(1, 2);
const std::vector<weft::ParamSpec> kParamsShutdown = family_params(2, 1);

struct Config {
  explicit Config(const weft::Params& p)
      : producers(p.get_int("producers")),
        consumers(p.get_int("consumers")),
        capacity(p.get_int("capacity")),
        items(p.get_int("items")) {}
  int total() const { return producers * items; }
  // Consumers with fixed quotas share the items as evenly as possible (the first ones take one more).
  int quota(int consumer) const { return total() / consumers + (consumer < total() % consumers ? 1 : 0); }

  int producers;
  int consumers;
  int capacity;
  int items;
};

int make_item(int producer, int sequence) { return producer * kItemStride + sequence + 1; }
int producer_of(int item) { return (item - 1) / kItemStride; }
int sequence_of(int item) { return (item - 1) % kItemStride; }

// The test oracle: what left the buffer and who consumed it. It is not part of the algorithm under
// test, so it uses plain memory: on_take runs under the buffer's lock (variants that have one),
// each consumer appends only to its own log, and the main thread reads the logs after joining.
class Oracle {
 public:
  explicit Oracle(const Config& cfg) : cfg_(cfg), logs_(cfg.consumers), next_take_(cfg.producers, 0) {
    for (std::vector<int>& log : logs_) log.reserve(static_cast<std::size_t>(cfg.total()));
  }

  bool valid(int item) const {
    return item > 0 && producer_of(item) < cfg_.producers && sequence_of(item) < cfg_.items;
  }

  // An item left the buffer (under the buffer's lock): items of one producer leave in FIFO order.
  void on_take(int item) {
    if (!valid(item)) return;  // reported by the exactly-once check
    const int p = producer_of(item);
    WEFT_ASSERT(sequence_of(item) == next_take_[p]);  // [pc:fifo]
    ++next_take_[p];
  }

  void record(int consumer, int item) { logs_[consumer].push_back(item); }

  // Main thread, after every thread joined.
  void check() const {
    std::vector<int> times(static_cast<std::size_t>(cfg_.total()), 0);
    for (const std::vector<int>& log : logs_) {
      std::vector<int> last(static_cast<std::size_t>(cfg_.producers), -1);
      for (const int item : log) {
        WEFT_ASSERT(valid(item));  // [pc:valid-item]
        if (!valid(item)) continue;
        const int p = producer_of(item);
        WEFT_ASSERT(sequence_of(item) > last[p]);  // [pc:consumer-order]
        last[p] = sequence_of(item);
        ++times[p * cfg_.items + sequence_of(item)];
      }
    }
    for (const int n : times) WEFT_ASSERT(n == 1);  // [pc:exactly-once]
  }

 private:
  const Config& cfg_;
  std::vector<std::vector<int>> logs_;
  std::vector<int> next_take_;
};

// A ring of `capacity` slots, for the variants that guard it with a mutex. Precondition of every
// member: the caller holds that mutex. Its fields are plain memory on purpose: under the mutex no
// other thread can observe them, so a scheduling point at each access would only add equivalent
// interleavings to the DFS (tracked variables here cost the semaphores variant 200x more
// executions). The unsynchronized variant, whose accesses are unguarded, uses tracked variables.
class Ring {
 public:
  explicit Ring(int capacity) : capacity_(capacity), slots_(static_cast<std::size_t>(capacity), 0) {}

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == capacity_; }
  int size() const { return count_; }

  void put(int item) {
    WEFT_ASSERT(count_ < capacity_);  // [pc:overflow]
    if (count_ >= capacity_) return;  // native backend: the failure is recorded; stay in bounds
    slots_[static_cast<std::size_t>((head_ + count_) % capacity_)] = item;
    ++count_;
  }

  // Returns the oldest item.
  int take() {
    WEFT_ASSERT(count_ > 0);    // [pc:underflow]
    if (count_ <= 0) return 0;  // native backend: the failure is recorded; stay in bounds
    const int item = slots_[static_cast<std::size_t>(head_)];
    head_ = (head_ + 1) % capacity_;
    --count_;
    return item;
  }

 private:
  const int capacity_;
  int count_ = 0;
  int head_ = 0;
  std::vector<int> slots_;
};

// Spawns the producers (ids 1..P) then the consumers (P+1..P+C) and joins them all.
template <class Producer, class Consumer>
void run_all(const Config& cfg, Producer producer, Consumer consumer) {
  std::vector<weft::thread> threads;
  threads.reserve(static_cast<std::size_t>(cfg.producers + cfg.consumers));
  for (int p = 0; p < cfg.producers; ++p) threads.push_back(weft::thread([&producer, p] { producer(p); }));
  for (int c = 0; c < cfg.consumers; ++c) threads.push_back(weft::thread([&consumer, c] { consumer(c); }));
  for (weft::thread& t : threads) t.join();  // [pc:join]
}

// ---------------------------------------------------------------------------------------------
// Condition variables

// Correct: one mutex, `not_full` and `not_empty`, every wait in a while loop, notify_one per change.
void bounded_buffer(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;   // [pc:bb-not-full]
  weft::condition_variable not_empty;  // [pc:bb-not-empty]
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.full()) not_full.wait(lock);
          ring.put(make_item(p, i));
          not_empty.notify_one();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.empty()) not_empty.wait(lock);
          const int item = ring.take();
          oracle.on_take(item);
          not_full.notify_one();
          lock.unlock();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: the consumer tests `empty` with `if`, not `while`. Woken, it takes without re-checking,
// but another consumer may have taken the item between the notify and the re-lock (or the
// wake-up was spurious): it takes from an empty buffer.
void if_not_while(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;  // [pc:inw-not-empty]
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.full()) not_full.wait(lock);
          ring.put(make_item(p, i));
          not_empty.notify_one();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          weft::unique_lock<weft::mutex> lock(m);
          if (ring.empty()) not_empty.wait(lock);  // BUG: `if`, not `while`
          const int item = ring.take();
          oracle.on_take(item);
          not_full.notify_one();
          lock.unlock();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: one condition variable for both conditions, with notify_one. A consumer's notify meant for
// the producer can wake the other consumer instead, which finds the buffer empty and sleeps again:
// the wake-up is wasted and everyone left ends up waiting.
void shared_cv(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable changed;  // [pc:shared-cv]
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.full()) changed.wait(lock);  // [pc:scv-producer-wait]
          ring.put(make_item(p, i));
          changed.notify_one();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.empty()) changed.wait(lock);  // [pc:scv-consumer-wait]
          const int item = ring.take();
          oracle.on_take(item);
          changed.notify_one();
          lock.unlock();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: a producer notifies only when its put made the buffer non-empty, a consumer only when its
// take made it non-full ("nobody can be waiting otherwise"). With two waiting consumers, two puts
// in a row wake only one of them: the other sleeps next to an item.
void missing_notify(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;   // [pc:mn-not-full]
  weft::condition_variable not_empty;  // [pc:mn-not-empty]
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.full()) not_full.wait(lock);
          const bool was_empty = ring.empty();
          ring.put(make_item(p, i));
          if (was_empty) not_empty.notify_one();  // BUG: a second put must notify too
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.empty()) not_empty.wait(lock);  // [pc:mn-consumer-wait]
          const bool was_full = ring.full();
          const int item = ring.take();
          oracle.on_take(item);
          if (was_full) not_full.notify_one();  // BUG: same mistake on the consumer side
          lock.unlock();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: the consumer checks for an item without holding the mutex (an atomic mirror of the size,
// so the bug is not a data race), then locks and waits without re-checking. A put and its notify
// that fall between the check and the wait find no waiter and are lost: the consumer sleeps with
// an item in the buffer.
void unlocked_check(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;  // [pc:uc-not-empty]
  weft::atomic<int> size(0);           // mirrors the ring's count; written under `m`
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::unique_lock<weft::mutex> lock(m);
          while (ring.full()) not_full.wait(lock);
          ring.put(make_item(p, i));
          size.store(ring.size());
          not_empty.notify_one();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          for (;;) {
            if (size.load() == 0) {  // BUG: checked without the mutex
              weft::unique_lock<weft::mutex> lock(m);
              not_empty.wait(lock);  // [pc:uc-wait] no re-check: a notify since the check is lost
              continue;
            }
            weft::unique_lock<weft::mutex> lock(m);
            if (ring.empty()) continue;  // another consumer was first: check again
            const int item = ring.take();
            oracle.on_take(item);
            size.store(ring.size());
            not_full.notify_one();
            lock.unlock();
            oracle.record(c, item);
            break;
          }
        }
      });
  oracle.check();
}

// ---------------------------------------------------------------------------------------------
// Semaphores

// Correct: `empty_slots` counts free slots, `full_slots` items; the mutex guards the ring and is
// taken only after the semaphore.
void semaphores(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::counting_semaphore<kMaxCapacity> empty_slots(cfg.capacity);
  weft::counting_semaphore<kMaxCapacity> full_slots(0);
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          empty_slots.acquire();
          {
            weft::lock_guard<weft::mutex> guard(m);
            ring.put(make_item(p, i));
          }
          full_slots.release();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          full_slots.acquire();
          int item;
          {
            weft::lock_guard<weft::mutex> guard(m);
            item = ring.take();
            oracle.on_take(item);
          }
          empty_slots.release();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: the mutex is taken before waiting on the semaphore. A consumer holding the mutex blocks on
// `full_slots` while the producer that would release it blocks on the mutex (or the mirror image
// with a full buffer).
void semaphore_order(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;                                                     // [pc:so-mutex]
  weft::counting_semaphore<kMaxCapacity> empty_slots(cfg.capacity);  // [pc:so-empty]
  weft::counting_semaphore<kMaxCapacity> full_slots(0);              // [pc:so-full]
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          weft::lock_guard<weft::mutex> guard(m);  // [pc:so-producer-lock]
          empty_slots.acquire();                   // BUG: waits while holding the mutex
          ring.put(make_item(p, i));
          full_slots.release();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          int item;
          {
            weft::lock_guard<weft::mutex> guard(m);
            full_slots.acquire();  // [pc:so-consumer-acquire] BUG: waits while holding the mutex
            item = ring.take();
            oracle.on_take(item);
            empty_slots.release();
          }
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// Bug: the semaphores order each producer against the consumers, but the ring's indices are plain
// shared variables updated without a lock, so two producers (or two consumers) race on them: two
// puts can land in one slot (an item is overwritten) and two takes can read one slot (an item is
// consumed twice, another never). Correct with one producer and one consumer.
void unsynchronized_ring(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  weft::counting_semaphore<kMaxCapacity> empty_slots(cfg.capacity);
  weft::counting_semaphore<kMaxCapacity> full_slots(0);
  weft::var<int> head(0);  // [pc:ring-head] next slot to take (monotonic; the slot is head % capacity)
  weft::var<int> tail(0);  // [pc:ring-tail] next slot to fill
  std::unique_ptr<weft::var<int>[]> slots(new weft::var<int>[cfg.capacity]);  // 0: empty
  run_all(
      cfg,
      [&](int p) {
        for (int i = 0; i < cfg.items; ++i) {
          empty_slots.acquire();
          const int t = tail.load();  // [pc:ring-tail-read]
          weft::var<int>& slot = slots[t % cfg.capacity];
          WEFT_ASSERT(slot.load() == 0);  // [pc:overwrite] a put lands in a slot that holds an item
          slot.store(make_item(p, i));
          tail.store(t + 1);  // [pc:ring-tail-write]
          full_slots.release();
        }
      },
      [&](int c) {
        for (int k = 0; k < cfg.quota(c); ++k) {
          full_slots.acquire();
          const int h = head.load();  // [pc:ring-head-read]
          weft::var<int>& slot = slots[h % cfg.capacity];
          const int item = slot.load();
          WEFT_ASSERT(item != 0);  // [pc:empty-slot] a take reads a slot that holds no item
          slot.store(0);
          head.store(h + 1);  // [pc:ring-head-write]
          empty_slots.release();
          oracle.record(c, item);
        }
      });
  oracle.check();
}

// ---------------------------------------------------------------------------------------------
// Shutdown

// Shared shape of the shutdown variants: consumers have no quota; they run until the buffer is
// closed. The main thread joins the producers, sets `closed` under the mutex and notifies all.
// `closed` is plain memory read and written only under the mutex (see Ring).
template <class Consumer>
void run_with_shutdown(const Config& cfg, Ring& ring, weft::mutex& m, weft::condition_variable& not_full,
                       weft::condition_variable& not_empty, bool& closed, Consumer consumer) {
  std::vector<weft::thread> producers;
  std::vector<weft::thread> consumers;
  producers.reserve(static_cast<std::size_t>(cfg.producers));
  consumers.reserve(static_cast<std::size_t>(cfg.consumers));
  for (int p = 0; p < cfg.producers; ++p) {
    producers.push_back(weft::thread([&, p] {
      for (int i = 0; i < cfg.items; ++i) {
        weft::unique_lock<weft::mutex> lock(m);
        while (ring.full()) not_full.wait(lock);
        ring.put(make_item(p, i));
        not_empty.notify_one();
      }
    }));
  }
  for (int c = 0; c < cfg.consumers; ++c) consumers.push_back(weft::thread([&consumer, c] { consumer(c); }));
  for (weft::thread& t : producers) t.join();
  {
    weft::lock_guard<weft::mutex> guard(m);
    closed = true;
    not_empty.notify_all();
  }
  for (weft::thread& t : consumers) t.join();
}

// Correct: a consumer leaves only when the buffer is closed and drained.
void shutdown(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;
  bool closed = false;
  run_with_shutdown(cfg, ring, m, not_full, not_empty, closed, [&](int c) {
    for (;;) {
      weft::unique_lock<weft::mutex> lock(m);
      while (ring.empty() && !closed) not_empty.wait(lock);
      if (ring.empty()) return;  // closed and drained
      const int item = ring.take();
      oracle.on_take(item);
      not_full.notify_one();
      lock.unlock();
      oracle.record(c, item);
    }
  });
  oracle.check();
}

// Bug: a consumer leaves as soon as it sees the flag, without re-checking the buffer: items put
// before the close but not yet taken are never consumed.
void shutdown_flag_only(const weft::Params& params) {
  const Config cfg(params);
  Oracle oracle(cfg);
  Ring ring(cfg.capacity);
  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;
  bool closed = false;
  run_with_shutdown(cfg, ring, m, not_full, not_empty, closed, [&](int c) {
    for (;;) {
      weft::unique_lock<weft::mutex> lock(m);
      while (ring.empty() && !closed) not_empty.wait(lock);
      if (closed) return;  // BUG: items may still be in the buffer
      const int item = ring.take();
      oracle.on_take(item);
      not_full.notify_one();
      lock.unlock();
      oracle.record(c, item);
    }
  });
  oracle.check();
}

using weft::FindingKind;

// dfs_executions: executions of the complete DFS at default parameters with the default options
// (spurious wake-ups on, at most 1 per execution). Pinned by tests/model/producer_consumer_test.cpp.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/bounded-buffer",
    .description = "mutex, not_full/not_empty condition variables, while loops: correct",
    .params = kParams,
    .body = &bounded_buffer,
    .dfs_executions = 6242,
    .dpor_executions = 126,
});

// Native: needs a consumer to take the item between another consumer's wake-up and its re-lock.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/if-not-while",
    .description = "if instead of while before taking: a consumer takes from an empty buffer",
    .params = kParams,
    .model = {.kinds = {FindingKind::kAssertionFailure}},
    .native = {.kinds = {FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kAssertionFailure}},
    .body = &if_not_while,
});

// Native: a hang when the wasted wake-up happens on the real schedule.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/shared-cv",
    .description = "one condition variable for both conditions with notify_one: everyone ends up waiting",
    .params = kParamsCapacity1,
    .model = {.kinds = {FindingKind::kDeadlock}},
    .native = {.kinds = {FindingKind::kHang}},
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &shared_cv,
});

// Native: a hang when both consumers wait before the two puts.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/missing-notify",
    .description = "notify only on the empty->non-empty transition: a second waiting consumer is never woken",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDeadlock}},
    .native = {.kinds = {FindingKind::kHang}},
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &missing_notify,
});

// Native: a hang when the last put falls between the unlocked check and the wait (a narrow
// window; the perturbation at the mutex lock widens it).
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/unlocked-check",
    .description = "the consumer checks without the mutex, then waits: the notify in between is lost",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDeadlock}},
    .native = {.kinds = {FindingKind::kHang}},
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &unlocked_check,
});

WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/semaphores",
    .description = "empty/full counting semaphores and a mutex taken after them: correct",
    .params = kParams,
    .body = &semaphores,
    .dfs_executions = 200980,
    .dpor_executions = 22,
    // Relacy's full search (no partial-order reduction) does not finish in minutes here.
    .relacy_explore = {.search = weft::RelacySearch::kBound, .context_bound = 3},
});

// Native: a hang whenever a consumer locks before the first put (the usual start-up order).
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/semaphore-order",
    .description = "the mutex taken before waiting on the semaphore: deadlock",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDeadlock}},
    .native = {.kinds = {FindingKind::kHang}},
    .relacy = {.kinds = {FindingKind::kDeadlock}},
    .body = &semaphore_order,
});

// Model: the race checker reports the unordered index accesses; the assertions catch the
// overwritten or twice-read slot. Native: TSan reports the race in every run; the assertion fires
// when two consumers really read one index (with the perturbation, in most runs). Relacy: the race,
// and the assertion in an iteration that reaches it first.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/unsynchronized-ring",
    .description = "ring indices are plain variables shared without a lock: data race, lost or duplicated items",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
    .native = {.kinds = {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
    .body = &unsynchronized_ring,
});

WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/shutdown",
    .description = "consumers stop on a close flag once the buffer is drained: correct",
    .params = kParamsShutdown,
    .body = &shutdown,
    .dfs_executions = 38308,
    .dpor_executions = 576,
    // Relacy's full search (no partial-order reduction) does not finish in minutes here.
    .relacy_explore = {.search = weft::RelacySearch::kBound, .context_bound = 3},
});

// Native: needs the close to come before a consumer drained the buffer.
WEFT_REGISTER_SCENARIO({
    .name = "producer-consumer/shutdown-flag-only",
    .description = "consumers stop on the close flag without re-checking the buffer: items are lost",
    .params = kParamsShutdown,
    .model = {.kinds = {FindingKind::kAssertionFailure}},
    .native = {.kinds = {FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kAssertionFailure}},
    .body = &shutdown_flag_only,
});

}  // namespace
