// The production build of the four components: plain std (no WEFT_MODEL), no weft linked.
#include <cstdio>

#include "four_bugs/bounded_queue.hpp"
#include "four_bugs/lazy_config.hpp"
#include "four_bugs/shared_buffer.hpp"
#include "four_bugs/worker.hpp"

int main() {
  four_bugs::BoundedQueue<2> q;
  four_bugs::sync::thread producer([&] {
    for (int i = 1; i <= 100; ++i) q.push(i);
  });
  long sum = 0;
  for (int i = 0; i < 100; ++i) sum += q.pop();
  producer.join();
  four_bugs::LazyConfig config;
  int done = 0;
  {
    four_bugs::Worker w;
    for (int i = 0; i < 10; ++i) w.submit();
    four_bugs::sync::this_thread::yield();
  }
  four_bugs::SharedBuffer* b = four_bugs::SharedBuffer::create(1);
  b->write(7);
  int last = 0;
  b->release(&last);
  std::printf("sum %ld threads %d last %d\n", sum, config.get().threads.load(), last + done);
  return sum == 5050 && config.get().threads.load() == 4 && last == 7 ? 0 : 1;
}
