// The policy an exploration runs with: the only place that maps Options to a policy.
#include "runtime/execution.hpp"
#include "runtime/policies/any_policy.hpp"
#include "runtime/policies/fair_policy.hpp"
#include "runtime/policies/priority_policy.hpp"

namespace weft::detail {

// The priority policy decides every scheduling point itself, so the fair mode does not apply
// under it; otherwise the fair mode narrows the any-interleaving policy.
std::unique_ptr<SchedulingPolicy> make_policy(const Options& options, Execution& exec) {
  if (options.policy == SchedPolicy::kPriority) return std::make_unique<PriorityPolicy>(exec, options);
  if (options.fair) return std::make_unique<FairPolicy>(exec);
  return std::make_unique<AnyPolicy>(exec);
}

}  // namespace weft::detail
