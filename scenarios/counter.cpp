// The counter family: N threads increment one shared counter, racy and correct variants.
#include <vector>

#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

const std::vector<weft::ParamSpec> kParams = {
    {"threads", 2, 1, 16, "incrementing threads"},
    {"iterations", 2, 1, 1000, "increments per thread"},
};

// Spawns `threads` threads running `fn`, joins them all.
template <class Fn>
void run_threads(int threads, Fn fn) {
  std::vector<weft::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) pool.push_back(weft::thread(fn));
  for (weft::thread& t : pool) t.join();
}

// Plain `++` on a shared int: a non-atomic read then write.
void racy(const weft::Params& p) {
  const int threads = p.get_int("threads");
  const int iterations = p.get_int("iterations");
  weft::var<int> counter(0);
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) counter.store(counter.load() + 1);
  });
  WEFT_ASSERT(counter.load() == threads * iterations);
}

// Atomic load then atomic store: no data race, but increments are lost.
void lost_update(const weft::Params& p) {
  const int threads = p.get_int("threads");
  const int iterations = p.get_int("iterations");
  weft::atomic<int> counter(0);
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) {
      const int seen = counter.load();
      counter.store(seen + 1);
    }
  });
  WEFT_ASSERT(counter.load() == threads * iterations);
}

void atomic_add(const weft::Params& p) {
  const int threads = p.get_int("threads");
  const int iterations = p.get_int("iterations");
  weft::atomic<int> counter(0);
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) counter.fetch_add(1);
  });
  WEFT_ASSERT(counter.load() == threads * iterations);
}

void mutex_protected(const weft::Params& p) {
  const int threads = p.get_int("threads");
  const int iterations = p.get_int("iterations");
  weft::mutex m;
  weft::var<int> counter(0);
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) {
      weft::lock_guard<weft::mutex> guard(m);
      counter.store(counter.load() + 1);
    }
  });
  WEFT_ASSERT(counter.load() == threads * iterations);
}

using weft::FindingKind;

WEFT_REGISTER_SCENARIO({
    .name = "counter/racy",
    .description = "plain ++ on a shared int from several threads: updates are lost",
    .params = kParams,
    .model = {.kinds = {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
    // TSan reports the race in every run; a lost update (the assertion) needs an unlucky real
    // schedule, likely with --perturb, rare without.
    .native = {.kinds = {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kDataRace}},
    .body = &racy,
});

WEFT_REGISTER_SCENARIO({
    .name = "counter/lost-update",
    .description = "atomic load then atomic store: race-free, but increments are lost",
    .params = kParams,
    .model = {.kinds = {FindingKind::kAssertionFailure}},
    .native = {.kinds = {FindingKind::kAssertionFailure}},
    .relacy = {.kinds = {FindingKind::kAssertionFailure}},
    .body = &lost_update,
});

WEFT_REGISTER_SCENARIO({
    .name = "counter/atomic",
    .description = "fetch_add on an atomic counter: correct",
    .params = kParams,
    .body = &atomic_add,
    .dfs_executions = 19,  // see tests/model/explore_counts_test.cpp for the derivation
    .dpor_executions = 6,  // C(4,2) orders of the four fetch_adds: tests/model/dpor_test.cpp
});

WEFT_REGISTER_SCENARIO({
    .name = "counter/mutex",
    .description = "++ under a mutex: correct",
    .params = kParams,
    .body = &mutex_protected,
    .dfs_executions = 118,
    .dpor_executions = 6,  // C(4,2) orders of the four critical sections: tests/model/dpor_test.cpp
});

}  // namespace
