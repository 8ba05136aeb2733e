// `weft check`: weft's SC model and Relacy must agree on scenarios whose atomics are all seq_cst.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "check/check.hpp"

namespace weft::check {

// The finding kinds both engines can report, as Relacy names them: the model's step_bound is
// Relacy's livelock; kinds only one engine reports (lock_order_inversion, starvation,
// priority_inversion, deadline_miss, memory_leak, hang) are left out.
std::vector<FindingKind> comparable_kinds(const std::vector<FindingKind>& kinds);

// For a scenario that does not declare weak_orders, where both the model and Relacy ran: the
// disagreement, if any (one clean and the other not, or no comparable kind in common), as one
// line saying which engine saw what; nullopt when they agree or the rule does not apply.
std::optional<std::string> sc_disagreement(const Scenario& scenario, const EngineVerdict& model,
                                           const EngineVerdict& relacy);

// Applies the rule to one scenario's checks: a disagreement makes the Relacy row a mismatch
// (counted, not matching) whose note says which engine saw what.
void apply_sc_agreement(const Scenario& scenario, std::vector<EngineCheck>& engines);

}  // namespace weft::check
