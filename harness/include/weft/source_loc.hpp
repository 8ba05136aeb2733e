// Source locations captured at facade call sites (clang 14 has no std::source_location builtin).
#pragma once

namespace weft {

// A call site. `file` has static storage duration (it comes from __builtin_FILE).
struct SourceLoc {
  const char* file = "";
  int line = 0;

  // Use as a defaulted trailing parameter: the default is evaluated at the caller.
  static constexpr SourceLoc current(const char* file = __builtin_FILE(),
                                     int line = __builtin_LINE()) noexcept {
    return SourceLoc{file, line};
  }
  constexpr bool known() const noexcept { return line > 0; }
};

}  // namespace weft
