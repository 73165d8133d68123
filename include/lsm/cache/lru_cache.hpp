// lsm/cache/lru_cache.hpp — detail::lru_cache<T>, a sharded LRU cache of
// immutable shared values keyed by (cache id, offset), charged in bytes; and
// detail::block_cache, the cache of SST data blocks.
//
// Thread safety: every member function is thread-safe. The key space is split
// over 16 shards, each with its own mutex, hash map and LRU list, so threads
// touching different blocks rarely contend. No lock is held while a caller
// uses a value: lookups hand out std::shared_ptr, so a value evicted while in
// use stays alive until its last user drops it.
// Invariants: per shard, usage_ is the sum of the charges of its entries and
// stays <= its capacity after every insert (an entry larger than a shard's
// capacity is not cached).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace lsm {
inline namespace v0 {
namespace detail {

template <class T>
class lru_cache {
 public:
  static constexpr std::size_t num_shard_bits = 4;
  static constexpr std::size_t num_shards = std::size_t{1} << num_shard_bits;

  /// capacity: total bytes of charge; each shard holds capacity / 16.
  explicit lru_cache(std::size_t capacity)
      : capacity_(capacity), shard_capacity_((capacity + num_shards - 1) / num_shards) {}

  lru_cache(const lru_cache&) = delete;
  lru_cache& operator=(const lru_cache&) = delete;

  /// A fresh id for one user of the cache (one per opened table), so that
  /// offsets of different files never collide. Never 0.
  std::uint64_t new_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  /// The cached value, or null; counts a hit or a miss and marks the entry
  /// most recently used.
  std::shared_ptr<const T> lookup(std::uint64_t cache_id, std::uint64_t offset) {
    const cache_key k{cache_id, offset};
    shard& s = shard_for(k);
    {
      std::lock_guard lock(s.mutex);
      auto it = s.map.find(k);
      if (it != s.map.end()) {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second->value;
      }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }

  /// Inserts (or replaces) the value for (cache_id, offset) with the given
  /// charge, evicting least recently used entries of its shard as needed.
  /// A value whose charge exceeds a shard's capacity is not cached.
  void insert(std::uint64_t cache_id, std::uint64_t offset, std::shared_ptr<const T> value,
              std::size_t charge) {
    const cache_key k{cache_id, offset};
    shard& s = shard_for(k);
    // Values evicted here are destroyed after the lock is released.
    std::list<entry> evicted;
    std::shared_ptr<const T> dropped;
    {
      std::lock_guard lock(s.mutex);
      auto it = s.map.find(k);
      if (it != s.map.end()) {
        s.usage -= it->second->charge;
        evicted.splice(evicted.end(), s.lru, it->second);
        s.map.erase(it);
      }
      if (charge <= shard_capacity_) {
        if (!s.lru.empty() && s.usage + charge > shard_capacity_) {
          // Full (the steady state of a cache smaller than the data): the
          // least recently used entry's list and map nodes take the new
          // entry, so an insert allocates nothing.
          auto last = std::prev(s.lru.end());
          auto node = s.map.extract(last->key);
          s.usage -= last->charge;
          dropped = std::move(last->value);
          *last = entry{k, std::move(value), charge};
          s.lru.splice(s.lru.begin(), s.lru, last);
          node.key() = k;
          s.map.insert(std::move(node));
        } else {
          s.lru.push_front(entry{k, std::move(value), charge});
          s.map.emplace(k, s.lru.begin());
        }
        s.usage += charge;
        while (s.usage > shard_capacity_) {
          auto last = std::prev(s.lru.end());
          s.usage -= last->charge;
          s.map.erase(last->key);
          evicted.splice(evicted.end(), s.lru, last);
        }
      }
    }
  }

  /// Drops the entry for (cache_id, offset) if cached.
  void erase(std::uint64_t cache_id, std::uint64_t offset) {
    const cache_key k{cache_id, offset};
    shard& s = shard_for(k);
    std::list<entry> evicted;
    std::lock_guard lock(s.mutex);
    auto it = s.map.find(k);
    if (it == s.map.end()) return;
    s.usage -= it->second->charge;
    evicted.splice(evicted.end(), s.lru, it->second);
    s.map.erase(it);
  }

  std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }
  std::size_t capacity() const noexcept { return capacity_; }
  /// The total charge of the cached entries.
  std::size_t usage() const {
    std::size_t total = 0;
    for (const shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      total += s.usage;
    }
    return total;
  }
  /// The number of cached entries.
  std::size_t size() const {
    std::size_t total = 0;
    for (const shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      total += s.map.size();
    }
    return total;
  }

 private:
  struct cache_key {
    std::uint64_t id;
    std::uint64_t offset;
    bool operator==(const cache_key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const cache_key& k) const noexcept {
      return static_cast<std::size_t>(mix(k));
    }
  };
  static std::uint64_t mix(const cache_key& k) noexcept {
    std::uint64_t h = k.id * 0x9e3779b97f4a7c15ull ^ k.offset;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  struct entry {
    cache_key key;
    std::shared_ptr<const T> value;
    std::size_t charge;
  };
  struct shard {
    mutable std::mutex mutex;
    std::list<entry> lru;  // most recently used first
    std::unordered_map<cache_key, typename std::list<entry>::iterator, key_hash> map;
    std::size_t usage = 0;
  };

  shard& shard_for(const cache_key& k) noexcept {
    return shards_[static_cast<std::size_t>(mix(k) >> (64 - num_shard_bits))];
  }

  const std::size_t capacity_;
  const std::size_t shard_capacity_;
  shard shards_[num_shards];
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

class block;  // sst/block.hpp

/// The cache of SST data blocks (charge: block contents size).
using block_cache = lru_cache<block>;

}  // namespace detail
}  // namespace v0
}  // namespace lsm
