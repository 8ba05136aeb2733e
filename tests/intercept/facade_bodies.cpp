// Facade bodies the unmodified-code tests compare with, compiled without instrumentation (the
// facade must not share an instrumented object's inline functions with the runtime).
#include <vector>

#include "weft/sync.hpp"

// counter/mutex of the catalog with a plain int instead of weft::var: the scheduling points of
// the std:: counter (2 threads x 2 increments).
void facade_mutex_counter_plain_int() {
  weft::mutex m;
  int counter = 0;
  std::vector<weft::thread> pool;
  pool.reserve(2);
  for (int i = 0; i < 2; ++i) {
    pool.push_back(weft::thread([&] {
      for (int k = 0; k < 2; ++k) {
        weft::lock_guard<weft::mutex> guard(m);
        counter = counter + 1;
      }
    }));
  }
  for (weft::thread& t : pool) t.join();
  WEFT_ASSERT(counter == 4);
}
