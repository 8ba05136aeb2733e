// Scenario parameters: lookup, NAME=VALUE parsing and range checks.
#include "weft/params.hpp"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

#include "untrusted.hpp"

namespace weft {

Params::Params(const std::vector<ParamSpec>& specs) : specs_(specs) {
  values_.reserve(specs_.size());
  for (const ParamSpec& s : specs_) values_.push_back(s.default_value);
}

std::int64_t Params::get(std::string_view name) const {
  // A scenario usually reads a parameter by the same string literal that declares it (one copy
  // per translation unit): same address and length first, then by content.
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name.data() == name.data() && specs_[i].name.size() == name.size()) return values_[i];
  }
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return values_[i];
  }
  undeclared(name);
}

void Params::undeclared(std::string_view name) {
  throw std::logic_error(fmt::format("weft: scenario reads undeclared parameter '{}'", name));
}

std::string Params::set(std::string_view name, std::int64_t value) {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name != name) continue;
    if (value < specs_[i].min || value > specs_[i].max) {
      return fmt::format("parameter {} must be in [{}, {}], got {}", quote_untrusted(name), specs_[i].min,
                         specs_[i].max, value);
    }
    values_[i] = value;
    return {};
  }
  std::string known;
  for (const ParamSpec& s : specs_) known += (known.empty() ? "" : ", ") + std::string(s.name);
  return fmt::format("unknown parameter {} (this scenario has: {})", quote_untrusted(name),
                     known.empty() ? "none" : known);
}

std::string Params::set(std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fmt::format("--set expects NAME=VALUE, got {}", quote_untrusted(assignment));
  }
  const std::string_view name = assignment.substr(0, eq);
  const std::string_view text = assignment.substr(eq + 1);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range && ptr == text.data() + text.size()) {
    return fmt::format("parameter {} value {} is out of range", quote_untrusted(name), quote_untrusted(text));
  }
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return fmt::format("parameter {} needs an integer value, got {}", quote_untrusted(name), quote_untrusted(text));
  }
  return set(name, value);
}

std::string Params::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", specs_[i].name, values_[i]);
  }
  return out;
}

}  // namespace weft
