// The 15 std idioms compiled WITHOUT WEFT_MODEL: weft::sync is std, var<T> a plain T; the
// program runs them on real threads and checks the same results as the model test.
#include <cstdio>

#include "std_idioms.hpp"

int main() {
  const idioms::Results r = idioms::run_all();
  // a: 0 +1 +2 (v = 3) +3 by t -> 6; counter = 6 + 3.
  const bool ok = r.counter == 9 && r.flags == 4 && r.once_runs == 1 && r.shared_reads == 4 && r.recursive_depth == 2;
  std::printf("std idioms (std mode): counter=%d flags=%d once_runs=%d x=%d depth=%d %s\n", r.counter, r.flags,
              r.once_runs, r.shared_reads, r.recursive_depth, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
