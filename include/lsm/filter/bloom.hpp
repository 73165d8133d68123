// lsm/filter/bloom.hpp — lsm::filter::bloom<BitsPerKey>, the default filter
// policy: a cache-line-blocked Bloom filter over 64-bit key hashes. Every
// probe of a key falls in one 64-byte line, so a lookup costs one cache miss.
// Byte layout: docs/format/sst.md §4.3.2.
//
// Thread safety: stateless; build() and may_contain() are pure functions.
// Invariants: the number of probes is stored in the filter, so any bloom<B>
// reads a filter built by any bloom<B'>; a malformed or empty filter answers
// "may contain" for every key (a bad filter costs time, never correctness).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::size_t bloom_line_bytes = 64;
inline constexpr std::size_t bloom_line_bits = bloom_line_bytes * 8;  // 512
inline constexpr unsigned bloom_max_probes = 30;
inline constexpr std::uint32_t bloom_probe_multiplier = 0x9e3779b9u;

/// The number of probes minimising the false-positive rate of a 512-bit
/// blocked filter at b bits per key (index b - 1), from the Poisson model of
/// the keys per line (docs/format/sst.md §4.3.2).
inline constexpr std::array<std::uint8_t, 64> bloom_probes_by_bits_per_key = {
    1,  1,  2,  3,  3,  4,  5,  5,  6,  7,  7,  8,  8,  9,  9,  10, 10, 10, 11, 11, 12, 12,
    12, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 16, 16, 17, 17, 17, 17, 17,
    18, 18, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20, 20};

/// The line of a key hash among `lines` lines (lines < 2^32).
inline std::uint64_t bloom_line_of(std::uint64_t key_hash, std::uint64_t lines) noexcept {
  return ((key_hash >> 32) * lines) >> 32;
}

}  // namespace detail

namespace filter {

/// A cache-line-blocked Bloom filter with BitsPerKey bits per distinct key.
template <unsigned BitsPerKey = 10>
struct bloom {
  static_assert(BitsPerKey >= 1 && BitsPerKey <= 64,
                "lsm::filter::bloom<BitsPerKey>: BitsPerKey must be in [1, 64]");

  /// Persisted in every table; the same for every BitsPerKey (k is stored).
  static constexpr std::string_view name = "lsm.bloom.v1";
  static constexpr unsigned bits_per_key = BitsPerKey;
  static constexpr unsigned num_probes = detail::bloom_probes_by_bits_per_key[BitsPerKey - 1];

  /// Appends the filter of `key_hashes` (hashes of distinct keys) to out.
  static void build(std::span<const std::uint64_t> key_hashes, std::string& out) {
    const std::uint64_t bits = std::uint64_t{key_hashes.size()} * BitsPerKey;
    std::uint64_t lines = (bits + detail::bloom_line_bits - 1) / detail::bloom_line_bits;
    if (lines == 0) lines = 1;
    // More than 2^32 lines (256 GiB) is never reached by a table; cap so the
    // line mapping stays exact. A capped filter is only less selective.
    if (lines > 0xffffffffull) lines = 0xffffffffull;
    const std::size_t base = out.size();
    out.resize(base + static_cast<std::size_t>(lines) * detail::bloom_line_bytes, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data() + base);
    for (const std::uint64_t h : key_hashes) {
      unsigned char* line = bytes + detail::bloom_line_of(h, lines) * detail::bloom_line_bytes;
      auto g = static_cast<std::uint32_t>(h);
      for (unsigned i = 0; i < num_probes; ++i) {
        g *= detail::bloom_probe_multiplier;
        const std::uint32_t bit = g >> 23;
        line[bit >> 3] = static_cast<unsigned char>(line[bit >> 3] | (1u << (bit & 7)));
      }
    }
    out.push_back(static_cast<char>(num_probes));
  }

  /// False only if the key whose hash is key_hash was certainly not among
  /// the keys the filter was built from.
  static bool may_contain(std::string_view filter, std::uint64_t key_hash) noexcept {
    if (filter.size() < detail::bloom_line_bytes + 1 ||
        (filter.size() - 1) % detail::bloom_line_bytes != 0)
      return true;
    const auto k = static_cast<unsigned char>(filter.back());
    if (k == 0 || k > detail::bloom_max_probes) return true;
    const std::uint64_t lines = (filter.size() - 1) / detail::bloom_line_bytes;
    const auto* line = reinterpret_cast<const unsigned char*>(filter.data()) +
                       detail::bloom_line_of(key_hash, lines) * detail::bloom_line_bytes;
    auto g = static_cast<std::uint32_t>(key_hash);
    for (unsigned i = 0; i < k; ++i) {
      g *= detail::bloom_probe_multiplier;
      const std::uint32_t bit = g >> 23;
      if ((line[bit >> 3] & (1u << (bit & 7))) == 0) return false;
    }
    return true;
  }
};

}  // namespace filter
}  // namespace v0
}  // namespace lsm
