// libFuzzer target: decode_schedule on arbitrary text. A decoded schedule must re-encode to a
// token that decodes to the same schedule; a rejection must be one printable line of at most 1 KiB.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "weft/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  const weft::ScheduleParse parsed = weft::decode_schedule(token);
  if (!parsed.schedule) {
    if (parsed.error.empty() || parsed.error.size() > 1024) std::abort();
    for (const char c : parsed.error) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
    }
    return 0;
  }
  const weft::ScheduleParse again = weft::decode_schedule(weft::encode_schedule(*parsed.schedule));
  if (!again.schedule || !(*again.schedule == *parsed.schedule)) std::abort();
  return 0;
}
