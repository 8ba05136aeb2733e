// stop_token, stop_source, stop_callback and jthread: built once from the backend's atomic, mutex
// and thread (every facade includes it).
//
// The stop flag is a facade atomic<bool> (seq_cst: request_stop happens-before every
// stop_requested() that returns true), set under a facade mutex that also guards the callbacks,
// which run on the requesting thread, or at registration when a stop was already requested.
// Departure from std: stop_possible() is true while any token or source shares the state.
#pragma once

#include <atomic>
#include <functional>
#include <type_traits>
#include <utility>

#include "weft/source_loc.hpp"

namespace weft {

namespace detail {
struct StopCallbackNode {
  void (*run)(StopCallbackNode*) = nullptr;
  StopCallbackNode* next = nullptr;
  StopCallbackNode* prev = nullptr;
};

// Shared by a stop_source and its tokens; reference-counted (the count is bookkeeping, not a
// visible operation).
struct StopState {
  explicit StopState(SourceLoc decl) : requested(false, decl), m(decl) {}
  atomic<bool> requested;
  mutex m;                              // guards callbacks
  StopCallbackNode* callbacks = nullptr;
  std::atomic<int> refs{1};
};
inline StopState* stop_ref(StopState* s) {
  if (s != nullptr) s->refs.fetch_add(1, std::memory_order_relaxed);
  return s;
}
inline void stop_unref(StopState* s) {
  if (s != nullptr && s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
}
}  // namespace detail

struct nostopstate_t {
  explicit nostopstate_t() = default;
};
inline constexpr nostopstate_t nostopstate{};

class stop_token {
 public:
  stop_token() noexcept = default;
  stop_token(const stop_token& o) noexcept : s_(detail::stop_ref(o.s_)) {}
  stop_token(stop_token&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  stop_token& operator=(stop_token o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~stop_token() { detail::stop_unref(s_); }
  bool stop_requested(SourceLoc loc = SourceLoc::current()) const {
    return s_ != nullptr && s_->requested.load(std::memory_order_seq_cst, loc);
  }
  bool stop_possible() const noexcept { return s_ != nullptr; }
  void swap(stop_token& o) noexcept { std::swap(s_, o.s_); }
  friend bool operator==(const stop_token& a, const stop_token& b) noexcept { return a.s_ == b.s_; }

 private:
  friend class stop_source;
  template <class>
  friend class stop_callback;
  explicit stop_token(detail::StopState* s) noexcept : s_(detail::stop_ref(s)) {}
  detail::StopState* s_ = nullptr;
};

class stop_source {
 public:
  explicit stop_source(SourceLoc decl = SourceLoc::current()) : s_(new detail::StopState(decl)) {}
  explicit stop_source(nostopstate_t) noexcept {}
  stop_source(const stop_source& o) noexcept : s_(detail::stop_ref(o.s_)) {}
  stop_source(stop_source&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  stop_source& operator=(stop_source o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~stop_source() { detail::stop_unref(s_); }

  stop_token get_token() const noexcept { return stop_token(s_); }
  bool stop_possible() const noexcept { return s_ != nullptr; }
  bool stop_requested(SourceLoc loc = SourceLoc::current()) const {
    return s_ != nullptr && s_->requested.load(std::memory_order_seq_cst, loc);
  }
  // The first call sets the flag and runs the callbacks registered at that moment (on this
  // thread); true then. Flag and callbacks change under the state's mutex, held while callbacks
  // run: a stop_callback destroyed meanwhile waits for its callback to finish (as std requires);
  // a callback must not create or destroy a stop_callback of the same state.
  bool request_stop(SourceLoc loc = SourceLoc::current()) {
    if (s_ == nullptr) return false;
    lock_guard<mutex> g(s_->m, loc);
    if (s_->requested.exchange(true, std::memory_order_seq_cst, loc)) return false;
    while (detail::StopCallbackNode* n = s_->callbacks) {
      s_->callbacks = n->next;
      if (n->next != nullptr) n->next->prev = nullptr;
      n->next = n->prev = n;  // marks it run (its destructor does not unlink it)
      n->run(n);
    }
    return true;
  }
  void swap(stop_source& o) noexcept { std::swap(s_, o.s_); }

 private:
  detail::StopState* s_ = nullptr;
};

template <class Callback>
class stop_callback : detail::StopCallbackNode {
 public:
  using callback_type = Callback;
  template <class C>
  explicit stop_callback(const stop_token& token, C&& cb, SourceLoc loc = SourceLoc::current())
      : cb_(std::forward<C>(cb)), s_(detail::stop_ref(token.s_)), loc_(loc) {
    this->run = [](detail::StopCallbackNode* n) { std::invoke(static_cast<stop_callback*>(n)->cb_); };
    if (s_ == nullptr) return;
    unique_lock<mutex> g(s_->m, loc);
    if (s_->requested.load(std::memory_order_seq_cst, loc)) {
      g.unlock(loc);
      this->next = this->prev = this;
      std::invoke(cb_);
      return;
    }
    this->next = s_->callbacks;
    if (s_->callbacks != nullptr) s_->callbacks->prev = this;
    s_->callbacks = this;
  }
  stop_callback(const stop_callback&) = delete;
  stop_callback& operator=(const stop_callback&) = delete;
  ~stop_callback() noexcept(false) {
    if (s_ == nullptr) return;
    {
      lock_guard<mutex> g(s_->m, loc_);
      if (this->next != this) {  // still registered: unlink
        if (this->prev != nullptr) this->prev->next = this->next;
        if (s_->callbacks == this) s_->callbacks = this->next;
        if (this->next != nullptr) this->next->prev = this->prev;
      }
    }
    detail::stop_unref(s_);
  }

 private:
  Callback cb_;
  detail::StopState* s_;
  SourceLoc loc_;
};
template <class Callback>
stop_callback(stop_token, Callback) -> stop_callback<Callback>;

// A thread that requests stop and joins on destruction. A callable whose first parameter is a
// stop_token receives the jthread's token.
class jthread {
 public:
  using id = thread::id;
  jthread() noexcept : ss_(nostopstate) {}
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, jthread>>>
  explicit jthread(F&& f, SourceLoc loc = SourceLoc::current()) : ss_(loc) {
    if constexpr (std::is_invocable_v<std::decay_t<F>, stop_token>) {
      t_ = thread([fn = std::decay_t<F>(std::forward<F>(f)), tok = ss_.get_token()]() mutable { std::invoke(fn, tok); },
                  loc);
    } else {
      t_ = thread(std::forward<F>(f), loc);
    }
  }
  // With arguments: decay-copied as thread(f, args...) does (no call-site location either).
  template <class F, class A1, class... Args, class = std::enable_if_t<!std::is_same_v<std::decay_t<A1>, SourceLoc>>>
  explicit jthread(F&& f, A1&& a1, Args&&... args) {
    if constexpr (std::is_invocable_v<std::decay_t<F>, stop_token, std::decay_t<A1>, std::decay_t<Args>...>) {
      t_ = thread(std::forward<F>(f), ss_.get_token(), std::forward<A1>(a1), std::forward<Args>(args)...);
    } else {
      t_ = thread(std::forward<F>(f), std::forward<A1>(a1), std::forward<Args>(args)...);
    }
  }
  jthread(jthread&&) noexcept = default;
  jthread(const jthread&) = delete;
  jthread& operator=(const jthread&) = delete;
  ~jthread() noexcept(false) {
    if (t_.joinable()) {
      ss_.request_stop();
      t_.join();
    }
  }

  bool joinable() const noexcept { return t_.joinable(); }
  void join(SourceLoc loc = SourceLoc::current()) { t_.join(loc); }
  void detach() { t_.detach(); }
  id get_id() const noexcept { return t_.get_id(); }
  stop_source get_stop_source() noexcept { return ss_; }
  stop_token get_stop_token() const noexcept { return ss_.get_token(); }
  bool request_stop(SourceLoc loc = SourceLoc::current()) { return ss_.request_stop(loc); }

 private:
  stop_source ss_;
  thread t_;
};

}  // namespace weft
