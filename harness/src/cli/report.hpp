// Rendering exploration results: human-readable text and the public --json schema.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace weft::cli {

// Exit codes: a public contract (see README).
inline constexpr int kExitClean = 0;     // no finding
inline constexpr int kExitFinding = 1;   // at least one finding (or a replay divergence)
inline constexpr int kExitUsage = 2;     // usage or input error
inline constexpr int kExitSkipped = 3;   // nothing judged: the engine cannot run it (never a pass)

nlohmann::json finding_json(const Finding& f);
nlohmann::json result_json(const Scenario& scenario, const Params& params, const Result& r, std::string_view engine);
std::string result_text(const Scenario& scenario, const Params& params, const Result& r, bool with_trace);
std::string expectation_text(const Expectation& e);

}  // namespace weft::cli
