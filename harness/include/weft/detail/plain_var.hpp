// weft::sync::var<T> of a normal (non-WEFT_MODEL) build: a plain T with var's interface, no cost.
#pragma once

#include <type_traits>
#include <utility>

namespace weft::sync {

// A plain shared variable: in a normal build just a T (load/store/assignment/conversion and the
// compound operators compile to plain accesses); under WEFT_MODEL weft::var<T>, whose every
// access is a visible operation checked for data races.
template <class T>
class var {
 public:
  var() = default;
  var(T initial) : value_(std::move(initial)) {}  // NOLINT: implicit, like `T x = v;`
  var(const var&) = delete;
  var& operator=(const var&) = delete;

  T load() const { return value_; }
  void store(T v) { value_ = std::move(v); }
  var& operator=(T v) {
    value_ = std::move(v);
    return *this;
  }
  operator T() const { return value_; }  // NOLINT: implicit, like reading a T

  var& operator+=(const T& d) { return *this = static_cast<T>(value_ + d); }
  var& operator-=(const T& d) { return *this = static_cast<T>(value_ - d); }
  var& operator*=(const T& d) { return *this = static_cast<T>(value_ * d); }
  var& operator/=(const T& d) { return *this = static_cast<T>(value_ / d); }
  var& operator%=(const T& d) { return *this = static_cast<T>(value_ % d); }
  var& operator&=(const T& d) { return *this = static_cast<T>(value_ & d); }
  var& operator|=(const T& d) { return *this = static_cast<T>(value_ | d); }
  var& operator^=(const T& d) { return *this = static_cast<T>(value_ ^ d); }
  var& operator<<=(const T& d) { return *this = static_cast<T>(value_ << d); }
  var& operator>>=(const T& d) { return *this = static_cast<T>(value_ >> d); }
  T operator++() { return value_ = static_cast<T>(value_ + 1); }
  T operator--() { return value_ = static_cast<T>(value_ - 1); }
  T operator++(int) { return std::exchange(value_, static_cast<T>(value_ + 1)); }
  T operator--(int) { return std::exchange(value_, static_cast<T>(value_ - 1)); }

 private:
  T value_{};
};

}  // namespace weft::sync
