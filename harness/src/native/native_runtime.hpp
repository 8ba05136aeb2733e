// The native runner (inside the TSan-instrumented weft-native): runs a scenario body N times on
// real threads and reports each run on a line protocol that `weft` parses.
#pragma once

#include <cstdint>

#include "weft/params.hpp"
#include "weft/scenario.hpp"

namespace weft::native {

// Marker that starts every protocol line on stderr; the rest of the line is one JSON object:
//   {"event":"begin","run":K}                       before run K
//   {"event":"assert","run":K,"thread":T,"file":F,"line":L,"expr":E}
//   {"event":"exception","run":K,"thread":T,"file":F,"line":L,"what":W}
//   {"event":"end","run":K}                         after run K (all its threads joined)
//   {"event":"done","runs":N}                       after the last run
// TSan's own reports are interleaved on the same stream, between the begin and end of the run
// whose threads raised them.
inline constexpr const char* kProtocolMarker = "@weft ";

struct RunConfig {
  std::uint64_t first_run = 1;
  std::uint64_t runs = 1;
  std::uint64_t seed = 1;
  bool perturb = false;  // random yields and short sleeps at synchronization points
};

// Runs `scenario.body(params)` for runs first_run .. first_run + runs - 1, writing the protocol
// to fd 2. Returns after the last run; a hung run never returns (the driver's watchdog kills it).
void run_scenario(const Scenario& scenario, const Params& params, const RunConfig& config);

}  // namespace weft::native
