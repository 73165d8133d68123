// lsm/sst/format.hpp — the shared pieces of the SST format
// (docs/format/sst.md): block handles, the block trailer, the footer, the
// magic number and format version, and read_block(), which reads one block
// and checks its bounds, compression type and checksum.
//
// Thread safety: values and pure functions; read_block() only calls the
// thread-safe random_access_file::read().
// Invariant: every decoder here rejects malformed input with a status; none
// reads outside the bytes it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/io/crc32c.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/sst/read_settings.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// First 8 bytes of SHA-256("lsm sorted string table"), big-endian.
inline constexpr std::uint64_t table_magic_number = 0x5fde88a36a51df2cull;
inline constexpr std::uint32_t table_format_version = 1;

/// Compression type byte of a block trailer. Persisted.
enum class block_compression : std::uint8_t { none = 0 };

inline constexpr std::size_t block_trailer_size = 5;  // type byte + fixed32 crc
inline constexpr std::size_t max_block_handle_length = 2 * max_varint64_length;
inline constexpr std::size_t footer_handles_length = 2 * max_block_handle_length;  // 40
inline constexpr std::size_t footer_size = footer_handles_length + 4 + 4 + 8;      // 56

/// How tables are built (and, for codec_name, checked when opened).
struct table_options {
  std::size_t block_size = 4096;            ///< target size of a data block's contents
  std::size_t block_restart_interval = 16;  ///< keys between restart points (data blocks)
  std::string codec_name;                   ///< persisted; checked on open when non-empty
  /// false: open a table written with another comparator (for tools that
  /// read it in file order; a lookup or seek would then compare wrongly).
  bool check_comparator = true;
};

/// Hex form of v, e.g. "0x5fde88a36a51df2c", for error messages.
inline std::string sst_hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Where a block's contents lie in the file (its trailer follows them).
struct block_handle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;

  void encode_to(std::string& dst) const {
    put_varint64(dst, offset);
    put_varint64(dst, size);
  }
  /// Consumes a handle from in; false when truncated or malformed.
  bool decode_from(std::string_view& in) noexcept {
    return get_varint64(in, offset) && get_varint64(in, size);
  }
  /// True when contents and trailer end at or before `limit`.
  bool fits_before(std::uint64_t limit) const noexcept {
    return offset <= limit && size <= limit - offset && block_trailer_size <= limit - offset - size;
  }
};

/// Decodes a handle that must be the whole of `in` (an index or metaindex
/// value).
inline bool decode_exact_handle(std::string_view in, block_handle& h) noexcept {
  return h.decode_from(in) && in.empty();
}

/// The fixed-size tail of every table.
struct footer {
  block_handle metaindex;
  block_handle index;
  std::uint32_t version = table_format_version;

  void encode_to(std::string& dst) const {
    const std::size_t base = dst.size();
    metaindex.encode_to(dst);
    index.encode_to(dst);
    dst.resize(base + footer_handles_length, '\0');
    put_fixed32(dst, version);
    put_fixed32(dst, crc32c::mask(crc32c::value(dst.data() + base, dst.size() - base)));
    put_fixed64(dst, table_magic_number);
  }

  /// REQUIRES: file_size >= footer_size.
  /// Decodes the last footer_size bytes of a file of `file_size` bytes named
  /// `file_name`; checks magic, checksum, version, padding and that both
  /// handles lie before the footer.
  status decode_from(std::string_view in, std::uint64_t file_size, const std::string& file_name) {
    const std::uint64_t at = file_size - footer_size;
    auto bad = [&](std::uint64_t off, const std::string& what) {
      return status::corruption(file_name + ": footer at offset " + std::to_string(off) + ": " +
                                what);
    };
    if (in.size() != footer_size)
      return bad(at, "expected " + std::to_string(footer_size) + " bytes, found " +
                         std::to_string(in.size()));
    const std::uint64_t magic = decode_fixed64(in.data() + footer_size - 8);
    if (magic != table_magic_number)
      return bad(at + footer_size - 8, "bad magic number: expected " + sst_hex(table_magic_number) +
                                           ", found " + sst_hex(magic) + " (not an SST file?)");
    const std::uint32_t stored = crc32c::unmask(decode_fixed32(in.data() + 44));
    const std::uint32_t actual = crc32c::value(in.data(), 44);
    if (stored != actual)
      return bad(at + 44, "footer checksum mismatch: stored " + sst_hex(stored) + ", computed " +
                              sst_hex(actual));
    version = decode_fixed32(in.data() + footer_handles_length);
    if (version != table_format_version)
      return bad(at + footer_handles_length, "unsupported format version: expected " +
                                                 std::to_string(table_format_version) + ", found " +
                                                 std::to_string(version));
    std::string_view handles = in.substr(0, footer_handles_length);
    if (!metaindex.decode_from(handles) || !index.decode_from(handles))
      return bad(at, "malformed block handles");
    for (const char c : handles)
      if (c != '\0') return bad(at, "non-zero padding after the block handles");
    if (!metaindex.fits_before(at))
      return bad(at, "metaindex handle (offset " + std::to_string(metaindex.offset) + ", size " +
                         std::to_string(metaindex.size) +
                         ") extends past the data region ending at " + std::to_string(at));
    if (!index.fits_before(at))
      return bad(at, "index handle (offset " + std::to_string(index.offset) + ", size " +
                         std::to_string(index.size) + ") extends past the data region ending at " +
                         std::to_string(at));
    return {};
  }
};

/// Appends the trailer of block `contents` (compression none) to dst.
inline void append_block_trailer(std::string& dst, std::string_view contents) {
  const char type = static_cast<char>(block_compression::none);
  std::uint32_t crc = crc32c::value(contents);
  crc = crc32c::extend(crc, &type, 1);
  dst.push_back(type);
  put_fixed32(dst, crc32c::mask(crc));
}

/// Checks the trailer of the block whose handle.size contents and trailer
/// are at `p`: the checksum (if verify_checksum) and the compression type.
inline status check_block_trailer(const std::string& file_name, const block_handle& handle,
                                  const char* p, bool verify_checksum) {
  const auto size = static_cast<std::size_t>(handle.size);
  const auto type = static_cast<unsigned char>(p[size]);
  if (verify_checksum) {
    const std::uint32_t stored = crc32c::unmask(decode_fixed32(p + size + 1));
    const std::uint32_t actual = crc32c::value(p, size + 1);
    if (stored != actual)
      return status::corruption(file_name + ": block at offset " + std::to_string(handle.offset) +
                                " (size " + std::to_string(handle.size) +
                                "): checksum mismatch: stored " + sst_hex(stored) + ", computed " +
                                sst_hex(actual));
  }
  if (type != static_cast<unsigned char>(block_compression::none))
    return status::corruption(file_name + ": block at offset " + std::to_string(handle.offset) +
                              ": unknown compression type: expected 0, found " +
                              std::to_string(type));
  return {};
}

inline status block_past_limit(const std::string& file_name, const block_handle& handle,
                               std::uint64_t limit) {
  return status::corruption(file_name + ": block handle (offset " + std::to_string(handle.offset) +
                            ", size " + std::to_string(handle.size) +
                            ") extends past the block region ending at offset " +
                            std::to_string(limit));
}

/// The error of a read that returned `got` of the n bytes of the block at
/// `offset` (the file ends before the block does).
inline status short_block_read(const std::string& file_name, std::uint64_t offset, std::uint64_t n,
                               std::uint64_t got) {
  return status::corruption(file_name + ": block at offset " + std::to_string(offset) +
                            ": expected " + std::to_string(n) + " bytes, read " +
                            std::to_string(got) + " (truncated file?)");
}

/// Reads the contents of the block at `handle` into `out`, checking that the
/// block and its trailer end at or before `limit` (the start of the footer),
/// that the compression type is none, and (when verify_checksum) its CRC.
/// As read_block below, into a fresh buffer that is never zero-filled:
/// `out` receives handle.size + trailer bytes, of which the first
/// handle.size are the contents.
inline status read_block_bytes(const random_access_file& file, const std::string& file_name,
                               std::uint64_t limit, const block_handle& handle,
                               bool verify_checksum, std::unique_ptr<char[]>& out) {
  if (!handle.fits_before(limit)) return block_past_limit(file_name, handle, limit);
  const auto n = static_cast<std::size_t>(handle.size + block_trailer_size);
  out.reset(new char[n]);
  std::string_view got;
  if (status s = file.read(handle.offset, n, out.get(), got); !s.ok()) return s;
  if (got.size() != n) return short_block_read(file_name, handle.offset, n, got.size());
  if (got.data() != out.get()) std::memcpy(out.get(), got.data(), n);
  return check_block_trailer(file_name, handle, out.get(), verify_checksum);
}

/// The block at handle viewed in `mapped` (the whole file in memory), its
/// trailer checked: `contents` receives the handle.size contents bytes.
/// `mapped` may also hold only the file's bytes from offset `base` on (a
/// scan's chunk): then it must hold the whole block.
inline status view_block(std::string_view mapped, const std::string& file_name, std::uint64_t limit,
                         const block_handle& handle, bool verify_checksum,
                         std::string_view& contents, std::uint64_t base = 0) {
  if (!handle.fits_before(limit)) return block_past_limit(file_name, handle, limit);
  const std::uint64_t n = handle.size + block_trailer_size;
  if (handle.offset < base || handle.offset - base > mapped.size() ||
      n > mapped.size() - (handle.offset - base))
    return status::corruption(file_name + ": block at offset " + std::to_string(handle.offset) +
                              ": expected " + std::to_string(n) + " bytes, the file has " +
                              std::to_string(base + mapped.size()) + " (truncated file?)");
  const char* p = mapped.data() + (handle.offset - base);
  if (status s = check_block_trailer(file_name, handle, p, verify_checksum); !s.ok()) return s;
  contents = std::string_view(p, static_cast<std::size_t>(handle.size));
  return {};
}

inline status read_block(const random_access_file& file, const std::string& file_name,
                         std::uint64_t limit, const block_handle& handle, bool verify_checksum,
                         std::string& out) {
  std::unique_ptr<char[]> bytes;
  if (status s = read_block_bytes(file, file_name, limit, handle, verify_checksum, bytes); !s.ok())
    return s;
  out.assign(bytes.get(), static_cast<std::size_t>(handle.size));
  return {};
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
