// Formatting virtual time for findings, traces and reports.
#include <fmt/format.h>

#include "weft/priority.hpp"

namespace weft {

std::string format_vtime(VTime t) {
  if (t == 0) return "0";
  const char* sign = t < 0 ? "-" : "";
  const std::uint64_t a = t < 0 ? static_cast<std::uint64_t>(-(t + 1)) + 1 : static_cast<std::uint64_t>(t);
  // The largest unit that shows the value exactly with at most three decimals.
  struct Unit {
    std::uint64_t ns;
    const char* name;
  };
  constexpr Unit kUnits[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}};
  for (const Unit& u : kUnits) {
    if (a >= u.ns && (a * 1000) % u.ns == 0) {
      std::string digits = fmt::format("{}.{:03}", a / u.ns, (a % u.ns) * 1000 / u.ns);
      while (digits.back() == '0') digits.pop_back();
      if (digits.back() == '.') digits.pop_back();
      return fmt::format("{}{} {}", sign, digits, u.name);
    }
  }
  return fmt::format("{}{} ns", sign, a);
}

}  // namespace weft
