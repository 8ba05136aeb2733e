// libFuzzer target: the --set NAME=VALUE parser (Params::set) on arbitrary text. Success must
// leave the value inside the declared range; a rejection must be one printable line of at most
// 1 KiB (echoed input is quoted, escaped and cut at 64 bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "weft/params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<weft::ParamSpec> kSpecs = {
      {"threads", 2, 1, 8, "threads"},
      {"iterations", 2, 0, 1000000, "iterations"},
      {"offset", 0, INT64_MIN, INT64_MAX, "any value"},
  };
  weft::Params params(kSpecs);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string error = params.set(text);
  if (error.empty()) {
    for (std::size_t i = 0; i < kSpecs.size(); ++i) {
      const std::int64_t v = params.values()[i];
      if (v < kSpecs[i].min || v > kSpecs[i].max) std::abort();
    }
    return 0;
  }
  if (error.size() > 1024) std::abort();
  for (const char c : error) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
  }
  return 0;
}
