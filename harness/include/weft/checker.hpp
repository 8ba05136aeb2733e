// The checker interface: fed each execution's events, returns typed findings.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "weft/event.hpp"
#include "weft/finding.hpp"

namespace weft {

// A checker never stops the process and never changes the execution; it only reads the
// event log. It may keep state across the executions of one exploration (e.g. to report a
// lock-order cycle once), cleared by reset().
class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string_view name() const = 0;
  // Called before an exploration starts.
  virtual void reset() {}
  // Called after every execution (finished or aborted); appends findings to `out`. Each
  // finding's `step` must be the index of an event of `view`.
  virtual void check(const ExecutionView& view, std::vector<Finding>& out) = 0;
};

// The checkers every exploration runs (defined in checkers/).
std::vector<std::unique_ptr<Checker>> default_checkers();

}  // namespace weft
