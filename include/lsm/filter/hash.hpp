// lsm/filter/hash.hpp — detail::hash64, the 64-bit hash of user keys that
// filters are built from. Persisted through every filter block: its definition
// is part of the SST format (docs/format/sst.md §6) and must never change.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "lsm/codec/coding.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::uint64_t hash_mul_m = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio
inline constexpr std::uint64_t hash_mul_a = 0xff51afd7ed558ccdull;
inline constexpr std::uint64_t hash_mul_b = 0xc4ceb9fe1a85ec53ull;
inline constexpr std::uint64_t hash_seed = 0x2545f4914f6cdd1dull;

inline constexpr std::uint64_t hash_rotl(std::uint64_t x, unsigned r) noexcept {
  return (x << r) | (x >> (64 - r));
}

inline constexpr std::uint64_t hash_mix_word(std::uint64_t w) noexcept {
  w *= hash_mul_a;
  w ^= w >> 32;
  return w * hash_mul_b;
}

/// Reads up to 8 bytes as a little-endian word, zero-padded.
/// REQUIRES: n <= 8.
inline std::uint64_t hash_load_le(const char* p, std::size_t n) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i)
    w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return w;
}

/// A fast, well-mixed 64-bit hash (multiply-xorshift over 8-byte words and a
/// murmur-style finaliser). Endianness-independent.
inline std::uint64_t hash64(std::string_view key) noexcept {
  const char* p = key.data();
  std::size_t n = key.size();
  std::uint64_t h = hash_seed ^ (static_cast<std::uint64_t>(n) * hash_mul_m);
  while (n >= 8) {
    h = hash_rotl(h ^ hash_mix_word(hash_load_le(p, 8)), 29) * hash_mul_m;
    p += 8;
    n -= 8;
  }
  if (n > 0) h = hash_rotl(h ^ hash_mix_word(hash_load_le(p, n)), 29) * hash_mul_m;
  h ^= h >> 33;
  h *= hash_mul_a;
  h ^= h >> 33;
  h *= hash_mul_b;
  h ^= h >> 33;
  return h;
}

/// Whether tables ordered by Comparator carry a filter: unless the
/// comparator declares `filterable = false` (keys it finds equal may differ
/// in their bytes, and it has no hash they share).
template <class Comparator>
inline constexpr bool comparator_filterable = !requires {
  requires !Comparator::filterable;
};

/// The hash a filter stores for user_key: hash64 of its bytes, or, when
/// Comparator declares hash(key) (which keys it finds equal share), that
/// hash mixed by hash64.
template <class Comparator>
inline std::uint64_t filter_hash(std::string_view user_key) noexcept {
  if constexpr (requires { Comparator::hash(user_key); }) {
    char bytes[8];
    encode_fixed64(bytes, static_cast<std::uint64_t>(Comparator::hash(user_key)));
    return hash64(std::string_view(bytes, 8));
  } else {
    return hash64(user_key);
  }
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
