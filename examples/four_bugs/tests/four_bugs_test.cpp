// The four components under weft: every interleaving of the default search (DPOR) is clean.
#include "four_bugs/bounded_queue.hpp"
#include "four_bugs/lazy_config.hpp"
#include "four_bugs/shared_buffer.hpp"
#include "four_bugs/worker.hpp"
#include "weft/gtest.hpp"

namespace sync = weft::sync;

// One producer of two items, two consumers of one each, capacity one.
WEFT_TEST(BoundedQueue, TwoConsumersOneSlot) {
  four_bugs::BoundedQueue<1> q;
  sync::atomic<int> got{0};
  sync::thread c1([&] { got.fetch_add(q.pop()); });
  sync::thread c2([&] { got.fetch_add(q.pop()); });
  q.push(1);
  q.push(2);
  c1.join();
  c2.join();
  WEFT_ASSERT(got.load() == 3);
}

WEFT_TEST(LazyConfig, TwoFirstUsers) {
  four_bugs::LazyConfig config;
  sync::thread a([&] { WEFT_ASSERT(config.get().threads.load() == 4); });
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
  sync::thread a([&] {
    b->write(1);
    b->release(&last_a);
  });
  b->write(2);
  b->release(&last_main);
  a.join();
  WEFT_ASSERT(last_a != -1 || last_main != -1);
}
