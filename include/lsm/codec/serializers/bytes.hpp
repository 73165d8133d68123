// lsm/codec/serializers/bytes.hpp — the built-in serializers of byte
// strings: std::string, std::vector<std::byte> and std::vector<std::uint8_t>.
//
// Encoding (persisted; never change it): the bytes themselves, unchanged.
// Byte order is the strings' operator< order (lexicographic on unsigned bytes,
// a prefix first), so all three are order preserving. Inside a pair, tuple or
// array they are escaped and terminated like every variable-length component
// (see lsm/codec/serializers/composite.hpp). Names: "string" for std::string,
// "bytes" for both vectors (the two share one encoding).
// decode accepts any bytes.
//
// Thread safety: stateless types and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/codec/serializers/primary.hpp"

namespace lsm {
inline namespace v0 {

/// std::string: its bytes.
template <>
struct serializer<std::string> {
  static constexpr bool order_preserving = true;
  static constexpr std::string_view name = "string";

  static void encode(const std::string& v, std::string& out) { out.append(v); }
  static std::string decode(std::string_view in) { return std::string(in); }
};

namespace detail {

/// std::vector<Byte> for a one-byte Byte type: its bytes.
template <class Byte>
struct byte_vector_serializer {
  static_assert(sizeof(Byte) == 1);
  static constexpr bool order_preserving = true;
  static constexpr std::string_view name = "bytes";

  static void encode(const std::vector<Byte>& v, std::string& out) {
    if (v.empty()) return;
    const std::size_t at = out.size();
    out.resize(at + v.size());
    std::memcpy(out.data() + at, v.data(), v.size());
  }
  static std::vector<Byte> decode(std::string_view in) {
    std::vector<Byte> v(in.size());
    if (!in.empty()) std::memcpy(v.data(), in.data(), in.size());
    return v;
  }
};

}  // namespace detail

/// std::vector<std::byte>: its bytes.
template <>
struct serializer<std::vector<std::byte>> : detail::byte_vector_serializer<std::byte> {};

/// std::vector<std::uint8_t>: its bytes.
template <>
struct serializer<std::vector<std::uint8_t>> : detail::byte_vector_serializer<std::uint8_t> {};

}  // namespace v0
}  // namespace lsm
