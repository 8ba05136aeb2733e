// Validators for the CLI's numeric options (see cli/commands.hpp).
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "untrusted.hpp"

namespace weft::cli {

CLI::Validator decimal_u64(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (!digits || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
          return fmt::format("expects a decimal integer from 0 to {}, got {}", max, quote_untrusted(text));
        }
        if (ec == std::errc::result_out_of_range || value > max) {
          return fmt::format("{} is out of range (at most {})", quote_untrusted(text), max);
        }
        return {};
      },
      max == UINT64_MAX ? "UINT64" : fmt::format("0-{}", max));
}

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
          return fmt::format("expects a finite number, got {}", quote_untrusted(text));
        }
        return {};
      },
      "NUMBER");
}

}  // namespace weft::cli
