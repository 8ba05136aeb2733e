// A schedule: the choices of one execution as plain versioned data, and its text token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/finding.hpp"

namespace weft {

// Token layout (version 1), base64url after the "w1." prefix:
//   flags u8 (bit 0: spurious, bits 1-6: max spurious, bit 7: fair) |
//   [only when fair: starvation bound varint] | max steps varint | scenario hash u32 |
//   #params varint | params zigzag varints |
//   expected kind u8 (0xff: none) | expected step varint |
//   #runs varint | runs (choice varint, run length - 1 varint) |
//   [optional sections, each: tag u8 | length varint | payload] | checksum u16
// Sections appear only when their semantics differ from the defaults, so default tokens keep the
// original layout. Tags: 1 = scheduling policy (policy u8 | cpus varint | max blocking zigzag
// varint, nanoseconds, -1 none). A reader rejects unknown tags.

// Options::starvation_bound's default: more bypasses than this, under the fair mode, is
// starvation.
inline constexpr std::uint32_t kDefaultStarvationBound = 16;

struct Schedule {
  static constexpr std::uint8_t kVersion = 1;
  // Execution semantics the choices depend on: replay must use the same.
  bool spurious = true;                  // spurious wake-ups enabled
  std::uint8_t max_spurious = 1;         // per execution (< 64)
  std::uint32_t max_steps = 20000;       // step bound
  bool fair = false;                     // fair mode (Options::fair)
  std::uint32_t starvation_bound = kDefaultStarvationBound;  // encoded only when fair
  std::uint8_t policy = 0;               // SchedPolicy: 0 any interleaving, 1 priority
  std::uint32_t cpus = 1;                // simulated CPUs of the priority policy
  std::int64_t max_blocking = -1;        // Options::max_blocking in ns; -1 none
  std::uint32_t scenario = 0;            // scenario_hash(name); 0 for ad-hoc test bodies
  std::vector<std::int64_t> params;      // parameter values in declaration order
  std::optional<FindingKind> expected;   // the finding the recorded execution ended with
  std::uint64_t expected_step = 0;
  // Choices made where more than one was possible: a thread id at scheduling points,
  // a value at data choices (notify_one's waiter, spurious wake-up, weft::choose).
  std::vector<std::uint32_t> choices;

  bool operator==(const Schedule&) const = default;
};

std::string encode_schedule(const Schedule& schedule);

struct ScheduleParse {
  std::optional<Schedule> schedule;
  std::string error;  // one line when schedule is empty
};
ScheduleParse decode_schedule(std::string_view token);

}  // namespace weft
