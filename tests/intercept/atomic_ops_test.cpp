// Every width and operation of the __tsan_atomic* callbacks: the value semantics inside an
// exploration (one event each) and natively, and one scheduling point per operation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "weft/intercept.hpp"

namespace {

// Runs every operation once on an atomic of T; returns how many results were as expected (15).
template <class T>
[[gnu::noinline]] int all_ops() {
  std::atomic<T> a(T(6));
  int ok = 0;
  ok += a.load(std::memory_order_acquire) == T(6);
  a.store(T(5), std::memory_order_release);
  ok += a.load(std::memory_order_relaxed) == T(5);
  ok += a.exchange(T(9), std::memory_order_acq_rel) == T(5);
  ok += a.fetch_add(T(1)) == T(9);   // 10
  ok += a.fetch_sub(T(2)) == T(10);  // 8
  ok += a.fetch_and(T(12)) == T(8);  // 8
  ok += a.fetch_or(T(3)) == T(8);    // 11
  ok += a.fetch_xor(T(1)) == T(11);  // 10
  ok += a.load() == T(10);
  T expected = T(10);
  ok += a.compare_exchange_strong(expected, T(20));
  ok += expected == T(10);
  expected = T(7);
  ok += !a.compare_exchange_weak(expected, T(30), std::memory_order_seq_cst, std::memory_order_relaxed);
  ok += expected == T(20);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  ok += a.load() == T(20);
  ok += __atomic_nand_fetch(reinterpret_cast<T*>(&a), T(0), __ATOMIC_SEQ_CST) == static_cast<T>(~T(0));
  return ok;
}

int every_width() {
  // 16 bytes: without -mcx16 clang lowers them to libatomic calls, which the pass does not
  // instrument (the __tsan_atomic128_* definitions serve -mcx16 builds).
  return all_ops<std::int8_t>() + all_ops<std::int16_t>() + all_ops<std::int32_t>() + all_ops<std::int64_t>();
}

TEST(InterceptAtomics, EveryWidthAndOperationNatively) { EXPECT_EQ(every_width(), 4 * 15); }

TEST(InterceptAtomics, EveryWidthAndOperationInsideAnExploration) {
  int seen = 0;
  const weft::Result r = weft::intercept::explore([&] { seen = every_width(); });
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].message;
  EXPECT_EQ(r.executions, 1u);
  EXPECT_EQ(seen, 4 * 15);
}

// A relaxed flag between two threads: each load and store is a scheduling point. main: S1 (spawn),
// L (load), J (join); t1: W (store) before J. Orders of {S1 < L < J, S1 < W < J}: W before or
// after L: 2 executions under DFS.
TEST(InterceptAtomics, EachAtomicOperationIsOneSchedulingPoint) {
  const weft::Result r = weft::intercept::explore([] {
    std::atomic<bool> flag(false);
    std::thread t([&] { flag.store(true, std::memory_order_relaxed); });
    (void)flag.load(std::memory_order_relaxed);
    t.join();
  });
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].message;
  EXPECT_EQ(r.executions, 2u);
}

}  // namespace
