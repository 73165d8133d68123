// lsm/wal/format.hpp — the constants of the log format shared by the WAL and
// the MANIFEST: 32 KiB blocks, 7-byte fragment headers, the fragment types,
// and the fragment checksum. The byte-level format is docs/format/wal.md.
//
// Thread safety: constants and pure functions.
// Invariants: a fragment never crosses a block boundary; a block tail shorter
// than a header is zero-filled; every fragment's checksum is the masked
// CRC32C of its type byte followed by its payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "lsm/io/crc32c.hpp"

namespace lsm {
inline namespace v0 {
namespace detail::wal {

/// The version of the framing described in docs/format/wal.md.
inline constexpr std::uint32_t format_version = 1;

inline constexpr std::size_t block_size = 32768;
/// checksum (fixed32) + length (fixed16) + type (1 byte).
inline constexpr std::size_t header_size = 7;
/// The largest payload of one fragment.
inline constexpr std::size_t max_fragment_payload = block_size - header_size;

/// The type of a fragment. Persisted: the values never change.
enum class record_type : std::uint8_t {
  zero = 0,    ///< reserved, never written (zero-filled space)
  full = 1,    ///< a whole record
  first = 2,   ///< the first fragment of a record
  middle = 3,  ///< an inner fragment
  last = 4,    ///< the last fragment of a record
};
inline constexpr std::uint8_t max_record_type = static_cast<std::uint8_t>(record_type::last);

inline constexpr std::string_view record_type_name(std::uint8_t type) noexcept {
  switch (type) {
    case 0:
      return "zero";
    case 1:
      return "full";
    case 2:
      return "first";
    case 3:
      return "middle";
    case 4:
      return "last";
    default:
      return "unknown";
  }
}

/// The stored (masked) checksum of a fragment: mask(crc32c(type ‖ payload)).
inline std::uint32_t fragment_checksum(record_type type, std::string_view payload) noexcept {
  const char t = static_cast<char>(type);
  return crc32c::mask(crc32c::extend(crc32c::value(&t, 1), payload.data(), payload.size()));
}

/// "0x1f2e3d4c": how error messages print a checksum (or a byte).
inline std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

}  // namespace detail::wal
}  // namespace v0
}  // namespace lsm
