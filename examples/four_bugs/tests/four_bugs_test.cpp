// The four components under weft: every interleaving of the default search (DPOR) is clean.
#include "four_bugs/bounded_queue.hpp"
#include "four_bugs/lazy_config.hpp"
#include "four_bugs/shared_buffer.hpp"
#include "four_bugs/worker.hpp"
#include "weft/gtest.hpp"

// One producer of two items, two consumers of one each, capacity one.
WEFT_TEST(BoundedQueue, TwoConsumersOneSlot) {
  four_bugs::BoundedQueue<1> q;
  four_bugs::sync::atomic<int> got{0};
  four_bugs::sync::thread c1([&] { got.fetch_add(q.pop()); });
  four_bugs::sync::thread c2([&] { got.fetch_add(q.pop()); });
  q.push(1);
  q.push(2);
  c1.join();
  c2.join();
  WEFT_ASSERT(got.load() == 3);
}

WEFT_TEST(LazyConfig, TwoFirstUsers) {
  four_bugs::LazyConfig config;
  four_bugs::sync::thread a([&] { WEFT_ASSERT(config.get().threads.load() == 4); });
  WEFT_ASSERT(config.get().threads.load() == 4);
  a.join();
}

WEFT_TEST(Worker, StopsAfterItsJobs) {
  four_bugs::Worker w;
  w.submit();
}

WEFT_TEST(SharedBuffer, TwoOwners) {
  four_bugs::SharedBuffer* b = four_bugs::SharedBuffer::create(2);
  int last_a = -1;
  int last_main = -1;
  four_bugs::sync::thread a([&] {
    b->write(1);
    b->release(&last_a);
  });
  b->release(&last_main);  // main only drops its reference
  a.join();
  WEFT_ASSERT(last_a == 1 || last_main == 1);  // the last owner saw the write
}
