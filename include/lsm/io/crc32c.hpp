// lsm/io/crc32c.hpp — CRC32C (Castagnoli), the checksum of every block and
// every log record, and its masked form for checksums stored inside data.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run
// time) and a portable slicing-by-8 table otherwise; both give identical
// results (RFC 3720 known answers are in tests/io/crc32c_test.cpp).
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LSM_CRC32C_HAVE_SSE42_PATH 1
#include <nmmintrin.h>
#endif

namespace lsm {
inline namespace v0 {
namespace detail::crc32c {

inline constexpr std::uint32_t polynomial = 0x82f63b78u;  // reflected 0x1EDC6F41

inline constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ polynomial : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t i = 0; i < 256; ++i)
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xffu];
  return t;
}
inline constexpr auto tables = make_tables();

/// Portable slicing-by-8. `crc` is the running CRC (not inverted).
inline std::uint32_t extend_portable(std::uint32_t crc, const char* data, std::size_t n) noexcept {
  auto p = reinterpret_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  while (n >= 8) {
    const std::uint32_t lo = c ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
                                  std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
    const std::uint32_t hi = std::uint32_t{p[4]} | std::uint32_t{p[5]} << 8 |
                             std::uint32_t{p[6]} << 16 | std::uint32_t{p[7]} << 24;
    c = tables[7][lo & 0xff] ^ tables[6][(lo >> 8) & 0xff] ^ tables[5][(lo >> 16) & 0xff] ^
        tables[4][lo >> 24] ^ tables[3][hi & 0xff] ^ tables[2][(hi >> 8) & 0xff] ^
        tables[1][(hi >> 16) & 0xff] ^ tables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = tables[0][(c ^ *p++) & 0xffu] ^ (c >> 8);
  return ~c;
}

#ifdef LSM_CRC32C_HAVE_SSE42_PATH
/// The crc32 instruction takes a few cycles to give its result but can
/// start one every cycle, so one chain of them runs at a third of the
/// speed the CPU allows. Long inputs are cut into rounds of three stripes,
/// each stripe its own chain (the last two from a zero register), joined
/// afterwards: the CRC register is affine in its start value, so the
/// register after stripes A B C is shift(shift(a) ^ b) ^ c, where a, b, c
/// are the three chains' registers and shift() runs a register over one
/// stripe of zero bytes (a linear map, applied by table, one per byte).
inline constexpr std::size_t stripe_bytes = 256;  // a multiple of 8

struct stripe_shift {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  std::uint32_t operator()(std::uint32_t c) const noexcept {
    return t[0][c & 0xffu] ^ t[1][(c >> 8) & 0xffu] ^ t[2][(c >> 16) & 0xffu] ^ t[3][c >> 24];
  }
};

inline const stripe_shift& shift_over_stripe() noexcept {
  static const stripe_shift shift = [] {
    // Where each single bit of the register goes over stripe_bytes zeros,
    // then every byte value as the sum of its bits.
    std::array<std::uint32_t, 32> bit{};
    for (std::size_t i = 0; i < 32; ++i) {
      std::uint32_t c = std::uint32_t{1} << i;
      for (std::size_t k = 0; k < stripe_bytes; ++k) c = tables[0][c & 0xffu] ^ (c >> 8);
      bit[i] = c;
    }
    stripe_shift s;
    for (std::size_t k = 0; k < 4; ++k)
      for (std::size_t b = 0; b < 256; ++b) {
        std::uint32_t r = 0;
        for (std::size_t i = 0; i < 8; ++i)
          if ((b >> i) & 1u) r ^= bit[8 * k + i];
        s.t[k][b] = r;
      }
    return s;
  }();
  return shift;
}

__attribute__((target("sse4.2"))) inline std::uint32_t extend_sse42(std::uint32_t crc,
                                                                    const char* data,
                                                                    std::size_t n) noexcept {
  std::uint64_t c = ~crc;
  if (n >= 3 * stripe_bytes) {
    const stripe_shift& shift = shift_over_stripe();
    do {
      std::uint64_t c1 = 0, c2 = 0;
      for (std::size_t i = 0; i < stripe_bytes; i += 8) {
        std::uint64_t w0, w1, w2;
        std::memcpy(&w0, data + i, 8);
        std::memcpy(&w1, data + stripe_bytes + i, 8);
        std::memcpy(&w2, data + 2 * stripe_bytes + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
      }
      c = shift(shift(static_cast<std::uint32_t>(c)) ^ static_cast<std::uint32_t>(c1)) ^
          static_cast<std::uint32_t>(c2);
      data += 3 * stripe_bytes;
      n -= 3 * stripe_bytes;
    } while (n >= 3 * stripe_bytes);
  }
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*data++));
  return ~c32;
}
inline bool cpu_has_sse42() noexcept {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

/// Returns the CRC32C of `init_crc`'s message followed by data[0, n).
inline std::uint32_t extend(std::uint32_t init_crc, const char* data, std::size_t n) noexcept {
#ifdef LSM_CRC32C_HAVE_SSE42_PATH
  if (cpu_has_sse42()) return extend_sse42(init_crc, data, n);
#endif
  return extend_portable(init_crc, data, n);
}
inline std::uint32_t value(const char* data, std::size_t n) noexcept { return extend(0, data, n); }
inline std::uint32_t value(std::string_view s) noexcept { return extend(0, s.data(), s.size()); }

inline constexpr std::uint32_t mask_delta = 0xa282ead8u;

/// A CRC of data that itself contains CRCs is weak; stored checksums are
/// masked (rotated and offset) as LevelDB does.
inline constexpr std::uint32_t mask(std::uint32_t crc) noexcept {
  return ((crc >> 15) | (crc << 17)) + mask_delta;
}
inline constexpr std::uint32_t unmask(std::uint32_t masked) noexcept {
  const std::uint32_t rot = masked - mask_delta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace detail::crc32c
}  // namespace v0
}  // namespace lsm

#undef LSM_CRC32C_HAVE_SSE42_PATH
