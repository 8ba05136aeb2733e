// The list of checkers every exploration runs, in order (a later one sees the earlier ones'
// findings in `out`: livelock upgrades the runtime's step_bound).
#include "checkers.hpp"
#include "weft/checker.hpp"

namespace weft {

std::vector<std::unique_ptr<Checker>> default_checkers() {
  std::vector<std::unique_ptr<Checker>> out;
  out.push_back(make_data_race_checker());
  out.push_back(make_lock_order_checker());
  out.push_back(make_livelock_checker());
  out.push_back(make_starvation_checker());
  out.push_back(make_priority_inversion_checker());
  return out;
}

}  // namespace weft
