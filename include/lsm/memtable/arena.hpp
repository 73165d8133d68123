// lsm/memtable/arena.hpp — a bump allocator for memtable entries and index
// nodes: memory is carved out of 4 KiB blocks and released all at once when
// the arena dies. Allocations larger than a quarter block get a block of
// their own, so a big value never wastes the rest of the current block.
//
// Thread safety: allocate() and allocate_aligned() need external
// synchronization (the memtable's single writer); memory_usage() may be
// called from any thread at any time. Memory handed out stays valid and at
// the same address until the arena is destroyed; bytes published to readers
// through an atomic (release/acquire) may be read concurrently with further
// allocations.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lsm {
inline namespace v0 {
namespace detail {

class arena {
 public:
  static constexpr std::size_t default_block_size = 4096;
  /// Every allocate_aligned() result is aligned at least this much: enough
  /// for pointers, atomics and 64-bit integers.
  static constexpr std::size_t alignment =
      alignof(std::max_align_t) < 8 ? 8 : alignof(std::max_align_t);

  /// REQUIRES: block_size >= 64.
  explicit arena(std::size_t block_size = default_block_size) : block_size_(block_size) {}
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  ~arena() = default;

  /// Returns `bytes` bytes with no alignment guarantee (for byte strings).
  /// REQUIRES: bytes > 0; external synchronization among allocators.
  char* allocate(std::size_t bytes) {
    if (bytes <= remaining_) {
      char* result = current_;
      current_ += bytes;
      remaining_ -= bytes;
      return result;
    }
    return allocate_fallback(bytes);
  }

  /// Returns `bytes` bytes aligned to `arena::alignment`.
  /// REQUIRES: bytes > 0; external synchronization among allocators.
  char* allocate_aligned(std::size_t bytes) {
    const auto address = reinterpret_cast<std::uintptr_t>(current_);
    const std::size_t misalignment = address & (alignment - 1);
    const std::size_t padding = misalignment == 0 ? 0 : alignment - misalignment;
    if (bytes + padding <= remaining_) {
      char* result = current_ + padding;
      current_ += bytes + padding;
      remaining_ -= bytes + padding;
      return result;
    }
    // New blocks come from operator new[]: aligned for any fundamental type.
    return allocate_fallback(bytes);
  }

  /// Bytes obtained from the system so far, including block bookkeeping.
  std::size_t memory_usage() const noexcept {
    return memory_usage_.load(std::memory_order_relaxed);
  }

 private:
  char* allocate_fallback(std::size_t bytes) {
    if (bytes > block_size_ / 4) {
      // Large: its own block, and keep carving the current one.
      return allocate_block(bytes);
    }
    current_ = allocate_block(block_size_);
    current_ += bytes;
    remaining_ = block_size_ - bytes;
    return current_ - bytes;
  }

  char* allocate_block(std::size_t bytes) {
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes));
    memory_usage_.fetch_add(bytes + sizeof(std::unique_ptr<char[]>), std::memory_order_relaxed);
    return blocks_.back().get();
  }

  std::size_t block_size_;
  char* current_ = nullptr;
  std::size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<std::size_t> memory_usage_{0};
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
