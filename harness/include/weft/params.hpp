// Scenario parameters: declared with defaults and ranges, overridden with --set NAME=VALUE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct ParamSpec {
  std::string_view name;
  std::int64_t default_value = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::string_view help;
};

// Values for a scenario's declared parameters, in declaration order.
class Params {
 public:
  Params() = default;
  explicit Params(const std::vector<ParamSpec>& specs);

  // Precondition: `name` is declared (an undeclared name is a bug in the scenario: it throws
  // std::logic_error).
  std::int64_t get(std::string_view name) const;
  int get_int(std::string_view name) const { return static_cast<int>(get(name)); }

  // Parses "NAME=VALUE" against the specs. Returns an error message, empty on success.
  std::string set(std::string_view assignment);
  // Sets by name; returns an error message (unknown name, out of range), empty on success.
  std::string set(std::string_view name, std::int64_t value);

  const std::vector<ParamSpec>& specs() const { return specs_; }
  const std::vector<std::int64_t>& values() const { return values_; }
  std::vector<std::int64_t>& mutable_values() { return values_; }
  // "threads=2 iterations=2"
  std::string to_string() const;

 private:
  [[noreturn, gnu::cold, gnu::noinline]] static void undeclared(std::string_view name);  // get()'s failure

  std::vector<ParamSpec> specs_;
  std::vector<std::int64_t> values_;
};

}  // namespace weft
