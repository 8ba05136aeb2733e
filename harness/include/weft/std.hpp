// One source for production and test: weft::sync is namespace std in a normal build and weft's
// facade when WEFT_MODEL is defined.
//
// A library includes this header and writes its concurrency once, against `sync::`:
//
//   #include <weft/std.hpp>
//   namespace mylib {
//   namespace sync = weft::sync;   // inside your namespace: POSIX declares a global ::sync()
//
//   class Counter {
//     sync::mutex m_;
//     sync::var<int> n_ = 0;   // a plain int in production, race-checked under weft
//     sync::atomic<int> hits_ = 0;
//    public:
//     void add() { sync::lock_guard<sync::mutex> g(m_); n_ += 1; hits_++; }
//   };
//   }  // namespace mylib
//
// Build modes (one macro, set by the build, never by the source):
//   - no macro: every name is the std one (`using std::mutex;` ...); `var<T>` is a plain T with
//     var's interface (weft/detail/plain_var.hpp). Nothing of weft is linked or run.
//   - WEFT_MODEL defined (the test build: `target_compile_definitions(tests PRIVATE WEFT_MODEL)`):
//     every name is weft's facade (weft/sync.hpp), so the library's code runs under weft's explorer
//     (or natively under TSan / under Relacy when weft builds it for those backends: defining
//     WEFT_BACKEND_NATIVE or WEFT_BACKEND_RELACY also selects the facade, and weft/sync.hpp picks
//     the backend).
// Precondition: WEFT_MODEL is defined (or not) identically in every translation unit of one
// program; mixing both modes in one program is an ODR violation.
#pragma once

#if defined(WEFT_MODEL) || defined(WEFT_BACKEND_NATIVE) || defined(WEFT_BACKEND_RELACY)
#define WEFT_SYNC_IS_WEFT 1
#else
#define WEFT_SYNC_IS_WEFT 0
#endif

#if WEFT_SYNC_IS_WEFT

#include "weft/sync.hpp"

namespace weft::sync {
using ::weft::adopt_lock;
using ::weft::adopt_lock_t;
using ::weft::atomic;
using ::weft::atomic_flag;
using ::weft::atomic_signal_fence;
using ::weft::atomic_thread_fence;
using ::weft::barrier;
using ::weft::binary_semaphore;
using ::weft::call_once;
using ::weft::condition_variable;
using ::weft::condition_variable_any;
using ::weft::counting_semaphore;
using ::weft::defer_lock;
using ::weft::defer_lock_t;
using ::weft::jthread;
using ::weft::latch;
using ::weft::lock;
using ::weft::lock_guard;
using ::weft::mutex;
using ::weft::nostopstate;
using ::weft::once_flag;
using ::weft::recursive_mutex;
using ::weft::recursive_timed_mutex;
using ::weft::scoped_lock;
using ::weft::shared_lock;
using ::weft::shared_mutex;
using ::weft::shared_timed_mutex;
using ::weft::stop_callback;
using ::weft::stop_source;
using ::weft::stop_token;
using ::weft::thread;
using ::weft::timed_mutex;
using ::weft::try_lock;
using ::weft::try_to_lock;
using ::weft::try_to_lock_t;
using ::weft::unique_lock;
using ::weft::var;
using std::cv_status;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_consume;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;
namespace this_thread {
using ::weft::this_thread::get_id;
using ::weft::this_thread::sleep_for;
using ::weft::this_thread::sleep_until;
using ::weft::this_thread::yield;
}  // namespace this_thread
}  // namespace weft::sync

#else

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <stop_token>
#include <thread>

#include "weft/detail/plain_var.hpp"

namespace weft::sync {
using std::adopt_lock;
using std::adopt_lock_t;
using std::atomic;
using std::atomic_flag;
using std::atomic_signal_fence;
using std::atomic_thread_fence;
using std::barrier;
using std::binary_semaphore;
using std::call_once;
using std::condition_variable;
using std::condition_variable_any;
using std::counting_semaphore;
using std::cv_status;
using std::defer_lock;
using std::defer_lock_t;
using std::jthread;
using std::latch;
using std::lock;
using std::lock_guard;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_consume;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;
using std::mutex;
using std::nostopstate;
using std::once_flag;
using std::recursive_mutex;
using std::recursive_timed_mutex;
using std::scoped_lock;
using std::shared_lock;
using std::shared_mutex;
using std::shared_timed_mutex;
using std::stop_callback;
using std::stop_source;
using std::stop_token;
using std::thread;
using std::timed_mutex;
using std::try_lock;
using std::try_to_lock;
using std::try_to_lock_t;
using std::unique_lock;
namespace this_thread {
using std::this_thread::get_id;
using std::this_thread::sleep_for;
using std::this_thread::sleep_until;
using std::this_thread::yield;
}  // namespace this_thread
}  // namespace weft::sync

#endif
