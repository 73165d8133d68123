// lsm/io/fault_injection_file_system.hpp — an in-memory file system that
// keeps the durable state a disk under a page cache would have, for crash and
// error tests:
//   - per file, the bytes written and the length made durable by sync();
//   - per directory, the entries made durable by sync_dir(): creations,
//     renames and removals since its last sync_dir are not durable.
// simulate_crash() is a power loss (unsynced bytes and directory changes are
// lost) or a process crash (everything is kept, and what was not durable stays
// not durable: a later power loss can still drop it); afterwards every handle
// opened before the crash fails with errc::io_error and every lock is free.
// A truncating open (new_writable_file of an existing file) makes the file
// durably empty: a power loss before the next sync leaves it empty.
//
// Fault injection: fail_after(op, n, err, forever) fails the n-th operation of
// a kind from now (once, or that one and every later one) with errc::io_error
// (errc::resource_exhausted for ENOSPC). A failed operation changes nothing: a
// failed append writes no byte, a failed sync does not advance the durable
// length, a failed sync_dir does not make the directory's entries durable.
//
// Crash-state enumeration: every append, sync, sync_dir, rename, create
// (new_writable_file, new_appendable_file, create_dir) and remove counts as
// one mutation (mutation_count()). After crash_after_mutations(k), the k
// mutations that follow run and every later one fails with
// io_error("simulated crash") and changes nothing (the file system is
// frozen), so simulate_crash() then shows the state as of the k-th mutation.
// Counting: a mutation counts when it reaches the file system and is not
// refused by the freeze, whether it then succeeds or fails (an injected fault
// or a missing file still counts), so a deterministic workload makes the same
// sequence every run. Operations on dead handles do not count, nor do the
// ones refused by the freeze (they do not advance fault rules either).
// lock_file is not a mutation (it creates its file, which is not durable
// until sync_dir).
//
// Thread safety: thread-safe; one mutex guards the whole state (the one of
// the shared core, see io/memory_file_system.hpp).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lsm/error.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/io/memory_file_system.hpp"

namespace lsm {
inline namespace v0 {

/// How much survives simulate_crash().
enum class crash_mode : std::uint8_t {
  drop_unsynced = 0,         ///< power loss: every file cut to its durable length
  drop_random_unsynced = 1,  ///< power loss: each file keeps a random prefix of its
                             ///< unsynced tail (set_seed() makes it reproducible)
  keep_unsynced = 2,         ///< process crash: page cache and directory changes survive
};

/// The kinds of operation fail_after() can fail.
enum class fs_operation : std::uint8_t {
  read = 0,          ///< sequential_file::read, random_access_file::read
  write = 1,         ///< writable_file::append
  sync = 2,          ///< writable_file::sync and file_system::sync_dir
  rename = 3,        ///< rename_file
  create = 4,        ///< new_writable_file, new_appendable_file, create_dir (of a new directory)
  remove = 5,        ///< remove_file
  any_mutation = 6,  ///< every kind above but read
};

namespace detail {

inline fs_operation fault_kind_of(memory_fs_op op) {
  switch (op) {
    case memory_fs_op::read:
      return fs_operation::read;
    case memory_fs_op::append:
      return fs_operation::write;
    case memory_fs_op::sync:
    case memory_fs_op::sync_dir:
      return fs_operation::sync;
    case memory_fs_op::rename:
      return fs_operation::rename;
    case memory_fs_op::create_file:
    case memory_fs_op::create_dir:
      return fs_operation::create;
    case memory_fs_op::remove:
      return fs_operation::remove;
  }
  return fs_operation::any_mutation;
}

/// The fault and crash-point bookkeeping; runs under the core's mutex.
class fault_state final : public memory_fs_hook {
 public:
  struct rule {
    fs_operation op;
    std::uint64_t countdown;  // matching operations until the fault, then 0
    int err;
    bool forever;
  };

  status before(memory_fs_op op, const std::string& path) override {
    const bool mutation = op != memory_fs_op::read;
    if (mutation && crash_budget_.has_value()) {
      if (*crash_budget_ == 0)
        return status::io_error(path + ": " + memory_fs_op_name(op) +
                                ": simulated crash (file system frozen after mutation " +
                                std::to_string(mutations_) + ")");
      --*crash_budget_;
    }
    if (mutation) ++mutations_;
    const fs_operation kind = fault_kind_of(op);
    int err = 0;
    for (rule& r : rules_) {
      if (r.op != kind && !(r.op == fs_operation::any_mutation && mutation)) continue;
      if (r.countdown == 0) {
        if (r.forever) err = r.err;
      } else if (--r.countdown == 0) {
        err = r.err;
      }
    }
    if (err == 0) return {};
    ++injected_;
    std::string msg = path + ": " + memory_fs_op_name(op) +
                      ": injected fault: " + std::strerror(err) + " (errno " + std::to_string(err) +
                      ")";
    if (err == ENOSPC) return status::resource_exhausted(std::move(msg));
    return status::io_error(std::move(msg));
  }

  std::vector<rule> rules_;
  std::uint64_t mutations_ = 0;
  std::uint64_t injected_ = 0;
  std::optional<std::uint64_t> crash_budget_;  // mutations left before the freeze
  std::mt19937_64 rng_{0x5eedu};
};

}  // namespace detail

/// An in-memory file system that can lose unsynced data and fail operations
/// on demand (see the file comment).
class fault_injection_file_system final : public file_system {
 public:
  using operation = fs_operation;

  fault_injection_file_system() : core_(std::make_shared<detail::memory_fs_core>(true)) {
    auto state = std::make_unique<detail::fault_state>();
    state_ = state.get();
    core_->set_hook(std::move(state));
  }
  explicit fault_injection_file_system(std::uint64_t seed) : fault_injection_file_system() {
    set_seed(seed);
  }
  fault_injection_file_system(const fault_injection_file_system&) = delete;
  fault_injection_file_system& operator=(const fault_injection_file_system&) = delete;

  // --- file_system ----------------------------------------------------------

  result<std::unique_ptr<sequential_file>> new_sequential_file(const std::string& path) override {
    return core_->new_sequential_file(path);
  }
  result<std::unique_ptr<random_access_file>> new_random_access_file(
      const std::string& path) override {
    return core_->new_random_access_file(path);
  }
  result<std::unique_ptr<writable_file>> new_writable_file(const std::string& path) override {
    return core_->new_writable_file(path, true);
  }
  result<std::unique_ptr<writable_file>> new_appendable_file(const std::string& path) override {
    return core_->new_writable_file(path, false);
  }
  bool file_exists(const std::string& path) override { return core_->file_exists(path); }
  result<std::vector<std::string>> get_children(const std::string& dir) override {
    return core_->get_children(dir);
  }
  status remove_file(const std::string& path) override { return core_->remove_file(path); }
  status create_dir(const std::string& dir) override { return core_->create_dir(dir); }
  result<std::uint64_t> file_size(const std::string& path) override {
    return core_->file_size(path);
  }
  status rename_file(const std::string& from, const std::string& to) override {
    return core_->rename_file(from, to);
  }
  status sync_dir(const std::string& dir) override { return core_->sync_dir(dir); }
  result<std::unique_ptr<file_lock>> lock_file(const std::string& path) override {
    return core_->lock_file(path);
  }

  // --- crashes ----------------------------------------------------------------

  /// Crashes now (see crash_mode). Open handles die, locks are released and
  /// the crash point is reset (the file system is no longer frozen); the
  /// fault rules stay.
  void simulate_crash(crash_mode mode) {
    auto guard = core_->lock();
    state_->crash_budget_.reset();
    switch (mode) {
      case crash_mode::keep_unsynced:
        core_->crash_locked(false, [](const detail::memory_file_node& n) { return n.data.size(); });
        break;
      case crash_mode::drop_unsynced:
        core_->crash_locked(true, [](const detail::memory_file_node& n) { return n.durable_size; });
        break;
      case crash_mode::drop_random_unsynced:
        core_->crash_locked(true, [this](const detail::memory_file_node& n) {
          const std::size_t unsynced = n.data.size() - n.durable_size;
          if (unsynced == 0) return n.durable_size;
          std::uniform_int_distribution<std::size_t> keep(0, unsynced);
          return n.durable_size + keep(state_->rng_);
        });
        break;
    }
  }

  /// The mutations so far (see the file comment for what counts).
  std::uint64_t mutation_count() const {
    auto guard = core_->lock();
    return state_->mutations_;
  }

  /// Lets k more mutations run, then freezes: every later mutation fails with
  /// io_error ("simulated crash") and changes nothing, until
  /// reset_crash_point() or simulate_crash(). k = 0 freezes now.
  void crash_after_mutations(std::uint64_t k) {
    auto guard = core_->lock();
    state_->crash_budget_ = k;
  }
  void reset_crash_point() {
    auto guard = core_->lock();
    state_->crash_budget_.reset();
  }
  /// True when the crash point was reached: mutations are refused.
  bool frozen() const {
    auto guard = core_->lock();
    return state_->crash_budget_.has_value() && *state_->crash_budget_ == 0;
  }

  // --- faults ---------------------------------------------------------------

  /// The n-th operation of kind op from now fails with err (EIO gives
  /// errc::io_error, ENOSPC errc::resource_exhausted, any other errno
  /// io_error): only that one, or with forever that one and every later one.
  /// Rules accumulate; each counts the operations it matches on its own.
  /// REQUIRES: n >= 1 (n = 1 is the next operation; 0 is taken as 1); err > 0.
  void fail_after(operation op, std::uint64_t n, int err = EIO, bool forever = false) {
    auto guard = core_->lock();
    state_->rules_.push_back(detail::fault_state::rule{op, n == 0 ? 1 : n, err, forever});
  }
  /// Removes every fault rule.
  void clear_faults() {
    auto guard = core_->lock();
    state_->rules_.clear();
  }
  /// The number of operations failed by fault rules so far.
  std::uint64_t injected_fault_count() const {
    auto guard = core_->lock();
    return state_->injected_;
  }

  /// Seeds the random choices of crash_mode::drop_random_unsynced.
  void set_seed(std::uint64_t seed) {
    auto guard = core_->lock();
    state_->rng_.seed(seed);
  }

 private:
  std::shared_ptr<detail::memory_fs_core> core_;
  detail::fault_state* state_;  // owned by core_
};

}  // namespace v0
}  // namespace lsm
