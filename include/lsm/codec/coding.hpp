// lsm/codec/coding.hpp — fixed-width little-endian and varint encoding of
// integers, and length-prefixed byte strings: the primitives of every on-disk
// format (see docs/format/).
//
// Thread safety: pure functions.
// Decoders take a std::string_view by reference, consume what they decode and
// return false (leaving the input unspecified) when it is truncated or malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::size_t max_varint32_length = 5;
inline constexpr std::size_t max_varint64_length = 10;

inline void encode_fixed32(char* dst, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
inline void encode_fixed64(char* dst, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xffu);
}
inline std::uint32_t decode_fixed32(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline std::uint64_t decode_fixed64(const char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline void put_fixed32(std::string& dst, std::uint32_t v) {
  char buf[4];
  encode_fixed32(buf, v);
  dst.append(buf, 4);
}
inline void put_fixed64(std::string& dst, std::uint64_t v) {
  char buf[8];
  encode_fixed64(buf, v);
  dst.append(buf, 8);
}

/// Writes v as a varint at dst; returns one past the last byte written.
/// REQUIRES: dst has room for max_varint64_length bytes.
inline char* encode_varint64(char* dst, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *dst++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}
inline char* encode_varint32(char* dst, std::uint32_t v) noexcept {
  return encode_varint64(dst, v);
}
inline void put_varint64(std::string& dst, std::uint64_t v) {
  char buf[max_varint64_length];
  char* end = encode_varint64(buf, v);
  dst.append(buf, static_cast<std::size_t>(end - buf));
}
inline void put_varint32(std::string& dst, std::uint32_t v) { put_varint64(dst, v); }

inline std::size_t varint_length(std::uint64_t v) noexcept {
  std::size_t len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

/// Decodes a varint64 from [p, limit). Returns one past its last byte, or
/// nullptr when the input is truncated or longer than 10 bytes.
inline const char* decode_varint64(const char* p, const char* limit, std::uint64_t& v) noexcept {
  std::uint64_t result = 0;
  for (unsigned shift = 0; shift <= 63 && p < limit; shift += 7) {
    const auto byte = static_cast<std::uint64_t>(static_cast<unsigned char>(*p++));
    if (byte & 0x80) {
      result |= (byte & 0x7f) << shift;
    } else {
      result |= byte << shift;
      v = result;
      return p;
    }
  }
  return nullptr;
}
inline const char* decode_varint32(const char* p, const char* limit, std::uint32_t& v) noexcept {
  std::uint32_t result = 0;
  for (unsigned shift = 0; shift <= 28 && p < limit; shift += 7) {
    const auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(*p++));
    if (byte & 0x80) {
      result |= (byte & 0x7f) << shift;
    } else {
      result |= byte << shift;
      v = result;
      return p;
    }
  }
  return nullptr;
}

inline bool get_varint64(std::string_view& in, std::uint64_t& v) noexcept {
  const char* end = decode_varint64(in.data(), in.data() + in.size(), v);
  if (end == nullptr) return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()));
  return true;
}
inline bool get_varint32(std::string_view& in, std::uint32_t& v) noexcept {
  const char* end = decode_varint32(in.data(), in.data() + in.size(), v);
  if (end == nullptr) return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()));
  return true;
}
inline bool get_fixed32(std::string_view& in, std::uint32_t& v) noexcept {
  if (in.size() < 4) return false;
  v = decode_fixed32(in.data());
  in.remove_prefix(4);
  return true;
}
inline bool get_fixed64(std::string_view& in, std::uint64_t& v) noexcept {
  if (in.size() < 8) return false;
  v = decode_fixed64(in.data());
  in.remove_prefix(8);
  return true;
}

inline void put_length_prefixed(std::string& dst, std::string_view s) {
  put_varint64(dst, s.size());
  dst.append(s.data(), s.size());
}
inline bool get_length_prefixed(std::string_view& in, std::string_view& out) noexcept {
  std::uint64_t len = 0;
  if (!get_varint64(in, len) || len > in.size()) return false;
  out = in.substr(0, static_cast<std::size_t>(len));
  in.remove_prefix(static_cast<std::size_t>(len));
  return true;
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
