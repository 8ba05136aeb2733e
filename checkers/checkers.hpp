// The built-in checkers (one per file in checkers/) and helpers they share for naming.
#pragma once

#include <memory>
#include <string>

#include "weft/checker.hpp"

namespace weft {

// data_race: plain `weft::var` accesses (at least one a write) not ordered by happens-before.
std::unique_ptr<Checker> make_data_race_checker();
// lock_order_inversion: cycles in the lock-order graph accumulated across executions.
std::unique_ptr<Checker> make_lock_order_checker();
// livelock: under fair exploration, a step-bound execution whose tail repeats a cycle of
// failed retries is upgraded from step_bound to livelock.
std::unique_ptr<Checker> make_livelock_checker();
// starvation: under fair exploration, a thread waits for a mutex or semaphore while the
// others acquire it more than ExecutionView::starvation_bound times in a row.
std::unique_ptr<Checker> make_starvation_checker();
// priority_inversion / deadline_miss: under the priority policy, a waiter's holder preempted by a
// medium-priority thread (or a bounded wait above Options::max_blocking), and late jobs.
std::unique_ptr<Checker> make_priority_inversion_checker();

namespace checkers {

// "t3".
std::string thread_label(int thread);
// "mutex#2 (scenarios/lock_ordering.cpp:31)"; "object#N" for an id outside the view.
std::string object_label(const ExecutionView& view, int object);
// Same source line of the same file (files compared by content: the same file may have
// several copies of its __FILE__ string).
bool same_location(SourceLoc a, SourceLoc b);
// The object an event acts on for naming: the mutex for cv.wait / cv.wake (aux), else object.
int acted_object(const Event& e);
// A site of a finding for event `e` of `view`.
FindingSite site_of(const ExecutionView& view, const Event& e);
// "t1, t2".
std::string thread_list(const std::vector<int>& threads);

}  // namespace checkers
}  // namespace weft
