// lsm/engine/published.hpp — detail::published<T>: a shared_ptr<const T> that
// one writer replaces from time to time and many readers pin, each for a
// short while (the engine's super version: memtables and current version).
//
// A plain mutex-guarded shared_ptr makes every reader lock the same mutex and
// count a reference in the same control block: two cache lines every reader
// thread writes. Here (RocksDB's thread-local super version, on a fixed set of
// slots) each thread has a slot of its own, on its own cache line, holding a
// reference to the value it used last: a pin is one exchange and one
// compare-exchange on that line and a read of the generation, which changes
// only when a value is published. Publishing empties every slot, so an idle
// thread does not keep an old value (old memtables, old table files) alive.
//
// Slots are chosen by thread index modulo slot_count; two threads sharing a
// slot stay correct (the second one to pin while the first holds it falls
// back to a locked copy). Each slot also carries a few event counters that
// pins add to (readers' statistics without a shared cache line).
//
// Thread safety: publish() calls must not overlap (the engine calls it with
// its mutex held); current(), pin and counter() from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace lsm {
inline namespace v0 {
namespace detail {

template <class T>
class published {
 public:
  using ptr = std::shared_ptr<const T>;
  static constexpr std::size_t slot_count = 32;
  static constexpr std::size_t counter_count = 2;

 private:
  struct entry {
    ptr value;
    std::uint64_t generation = 0;
  };
  struct alignas(64) slot {
    std::atomic<entry*> cached{nullptr};
    std::array<std::atomic<std::uint64_t>, counter_count> counters{};
  };

 public:
  published() = default;
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() { clear_slots(); }

  /// Makes `value` the current value; later pins see it.
  void publish(ptr value) {
    const std::uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
    ptr old;
    {
      // The generation moves under the lock too: a thread that copied the
      // new value under it then never finds an older one current.
      std::lock_guard lock(mu_);
      old = std::exchange(current_, std::move(value));
      current_generation_ = generation;
      generation_.store(generation, std::memory_order_release);
    }
    clear_slots();
  }

  /// The current value, for a holder that keeps it (an iterator).
  ptr current() const {
    std::lock_guard lock(mu_);
    return current_;
  }

  /// Drops every value the slots hold (publish does; also before a holder
  /// of T's referents goes away).
  void clear_slots() {
    for (auto& s : slots_) {
      entry* e = s.cached.exchange(nullptr, std::memory_order_acq_rel);
      if (e != nullptr && e != in_use()) delete e;
    }
  }

  /// Total of counter i over the slots (pins add theirs when they end).
  std::uint64_t counter(std::size_t i) const {
    std::uint64_t total = 0;
    for (const auto& s : slots_) total += s.counters[i].load(std::memory_order_relaxed);
    return total;
  }

  /// The current value, pinned until the pin goes out of scope.
  class pin {
   public:
    explicit pin(const published& p) : owner_(p), slot_(p.slots_[thread_index() % slot_count]) {
      entry* e = slot_.cached.exchange(p.in_use(), std::memory_order_acquire);
      if (e == p.in_use()) {  // another thread of this slot holds it: copy under the lock
        std::lock_guard lock(p.mu_);
        local_ = p.current_;
        value_ = local_.get();
        return;
      }
      const std::uint64_t generation = p.generation_.load(std::memory_order_acquire);
      if (e == nullptr) e = new entry;
      if (e->value == nullptr || e->generation != generation) {
        std::lock_guard lock(p.mu_);
        e->value = p.current_;
        e->generation = p.current_generation_;
      }
      entry_ = e;
      value_ = e->value.get();
    }
    pin(const pin&) = delete;
    pin& operator=(const pin&) = delete;
    ~pin() {
      for (std::size_t i = 0; i < counter_count; ++i)
        if (counts_[i] != 0) slot_.counters[i].fetch_add(counts_[i], std::memory_order_relaxed);
      if (entry_ == nullptr) return;
      entry* expected = owner_.in_use();
      if (!slot_.cached.compare_exchange_strong(expected, entry_, std::memory_order_release,
                                                std::memory_order_relaxed))
        delete entry_;  // publish() emptied the slot meanwhile
    }

    const T& operator*() const noexcept { return *value_; }
    const T* operator->() const noexcept { return value_; }
    /// Counts one event of kind i (added to the slot when the pin ends).
    void count(std::size_t i) noexcept { ++counts_[i]; }

   private:
    const published& owner_;
    slot& slot_;
    entry* entry_ = nullptr;  // the slot's entry, held while pinned
    ptr local_;               // or a copy of its own
    const T* value_ = nullptr;
    std::array<std::uint64_t, counter_count> counts_{};
  };

 private:
  /// Marks a slot whose entry a pin holds.
  entry* in_use() const noexcept { return const_cast<entry*>(&in_use_marker_); }

  /// This thread's index: threads are numbered as they first pin.
  static std::size_t thread_index() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
    return index;
  }

  mutable std::mutex mu_;
  ptr current_;                           // guarded by mu_
  std::uint64_t current_generation_ = 0;  // guarded by mu_
  std::atomic<std::uint64_t> generation_{0};
  mutable std::array<slot, slot_count> slots_{};
  entry in_use_marker_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
