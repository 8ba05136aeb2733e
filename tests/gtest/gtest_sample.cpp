// WEFT_TESTs run by gtest_integration_test.cpp in a subprocess: one passes, two fail on purpose
// (their output, replay lines and knobs are what the integration tests check). Not a ctest.
#include "weft/gtest.hpp"
#include "weft/sync.hpp"

WEFT_TEST(Sample, Passes) {
  weft::mutex m;
  weft::var<int> n(0);
  weft::thread a([&] {
    weft::lock_guard<weft::mutex> g(m);
    n.store(n.load() + 1);
  });
  {
    weft::lock_guard<weft::mutex> g(m);
    n.store(n.load() + 1);
  }
  a.join();
  WEFT_ASSERT(n.load() == 2);
}

// A deliberate bug: two locks taken in opposite orders.
WEFT_TEST(Sample, OppositeOrders) {
  weft::mutex first;
  weft::mutex second;
  weft::thread a([&] {
    weft::lock_guard<weft::mutex> g1(first);
    weft::lock_guard<weft::mutex> g2(second);  // sample-a-second
  });
  {
    weft::lock_guard<weft::mutex> g2(second);
    weft::lock_guard<weft::mutex> g1(first);  // sample-main-first
  }
  a.join();
}

// A deliberate bug: a lost update the assertion sees.
WEFT_TEST(Sample, LostUpdate) {
  weft::atomic<int> n(0);
  weft::thread a([&] { n.store(n.load() + 1); });
  n.store(n.load() + 1);
  a.join();
  WEFT_ASSERT(n.load() == 2);  // sample-assert
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
