// std::atomic's and a plain variable's operators, written once over a backend's atomic<T> / var<T>
// members (CRTP bases used by every facade).
//
// An operator with an operand (`a += 2`, `a = 3`) records the caller's line: the operand converts
// to Operand<T>, whose constructor's defaulted SourceLoc is evaluated at the expression. Operators
// without one (`a++`, `++a`, `--`, the implicit conversion `int v = a`) cannot see their call site:
// their events carry the object's declaration instead (call fetch_add / load for an exact line).
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "weft/source_loc.hpp"

namespace weft::detail {

// An operand of a facade operator, with the location of the expression that produced it.
template <class T>
struct Operand {
  T value;
  SourceLoc loc;
  Operand(T v, SourceLoc l = SourceLoc::current()) : value(std::move(v)), loc(l) {}  // NOLINT: implicit
};

template <class T>
struct AtomicDifference {
  using type = T;
};
template <class T>
struct AtomicDifference<T*> {
  using type = std::ptrdiff_t;
};
template <class T>
using atomic_difference_t = typename AtomicDifference<T>::type;

template <class T>
inline constexpr bool kAtomicIntegral = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <class T>
inline constexpr bool kAtomicArithmetic = kAtomicIntegral<T> || std::is_pointer_v<T> || std::is_floating_point_v<T>;

// Derived provides load(mo, loc), store(v, mo, loc), exchange, fetch_add / fetch_sub (integral,
// pointer, floating), fetch_and / fetch_or / fetch_xor (integral) and decl() (its declaration).
template <class Derived, class T>
class AtomicOps {
  using D = atomic_difference_t<T>;
  static constexpr auto kSc = std::memory_order_seq_cst;
  Derived& self() { return static_cast<Derived&>(*this); }

 public:
  T operator=(Operand<T> v) {
    self().store(v.value, kSc, v.loc);
    return v.value;
  }
  operator T() { return self().load(kSc, self().decl()); }  // NOLINT: implicit, as std::atomic

  T operator++()
    requires(kAtomicIntegral<T> || std::is_pointer_v<T>)
  {
    return static_cast<T>(self().fetch_add(D(1), kSc, self().decl()) + D(1));
  }
  T operator--()
    requires(kAtomicIntegral<T> || std::is_pointer_v<T>)
  {
    return static_cast<T>(self().fetch_sub(D(1), kSc, self().decl()) - D(1));
  }
  T operator++(int)
    requires(kAtomicIntegral<T> || std::is_pointer_v<T>)
  {
    return self().fetch_add(D(1), kSc, self().decl());
  }
  T operator--(int)
    requires(kAtomicIntegral<T> || std::is_pointer_v<T>)
  {
    return self().fetch_sub(D(1), kSc, self().decl());
  }
  T operator+=(Operand<D> d)
    requires kAtomicArithmetic<T>
  {
    return static_cast<T>(self().fetch_add(d.value, kSc, d.loc) + d.value);
  }
  T operator-=(Operand<D> d)
    requires kAtomicArithmetic<T>
  {
    return static_cast<T>(self().fetch_sub(d.value, kSc, d.loc) - d.value);
  }
  T operator&=(Operand<T> d)
    requires kAtomicIntegral<T>
  {
    return static_cast<T>(self().fetch_and(d.value, kSc, d.loc) & d.value);
  }
  T operator|=(Operand<T> d)
    requires kAtomicIntegral<T>
  {
    return static_cast<T>(self().fetch_or(d.value, kSc, d.loc) | d.value);
  }
  T operator^=(Operand<T> d)
    requires kAtomicIntegral<T>
  {
    return static_cast<T>(self().fetch_xor(d.value, kSc, d.loc) ^ d.value);
  }
};

// Derived provides load(loc), store(v, loc) and decl(). Compound operators are one read and one
// write (two visible operations on the model), as the plain `x += d` they stand for.
template <class Derived, class T>
class VarOps {
  Derived& self() { return static_cast<Derived&>(*this); }

 public:
  Derived& operator=(Operand<T> v) {
    self().store(std::move(v.value), v.loc);
    return self();
  }
  operator T() { return self().load(self().decl()); }  // NOLINT: implicit, as reading a T

#define WEFT_VAR_COMPOUND(op)                                     \
  Derived& operator op##=(Operand<T> d) {                         \
    T cur = self().load(d.loc);                                   \
    self().store(static_cast<T>(cur op d.value), d.loc);          \
    return self();                                                \
  }
  WEFT_VAR_COMPOUND(+)
  WEFT_VAR_COMPOUND(-)
  WEFT_VAR_COMPOUND(*)
  WEFT_VAR_COMPOUND(/)
  WEFT_VAR_COMPOUND(%)
  WEFT_VAR_COMPOUND(&)
  WEFT_VAR_COMPOUND(|)
  WEFT_VAR_COMPOUND(^)
  WEFT_VAR_COMPOUND(<<)
  WEFT_VAR_COMPOUND(>>)
#undef WEFT_VAR_COMPOUND

  T operator++() {
    T v = static_cast<T>(self().load(self().decl()) + 1);
    self().store(v, self().decl());
    return v;
  }
  T operator--() {
    T v = static_cast<T>(self().load(self().decl()) - 1);
    self().store(v, self().decl());
    return v;
  }
  T operator++(int) {
    T old = self().load(self().decl());
    self().store(static_cast<T>(old + 1), self().decl());
    return old;
  }
  T operator--(int) {
    T old = self().load(self().decl());
    self().store(static_cast<T>(old - 1), self().decl());
    return old;
  }
};

}  // namespace weft::detail
