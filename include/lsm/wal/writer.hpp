// lsm/wal/writer.hpp — appends records to a log (WAL or MANIFEST) in the
// block/fragment framing of docs/format/wal.md.
//
// Thread safety: none; one thread at a time (the engine's writer queue or the
// manifest mutex serializes callers).
// Invariants: offset() is the size the file has once every append issued so
// far has landed; each fragment (with the zero trailer that may precede it)
// is handed to the file with one append() call; add_record never flushes nor
// syncs: the caller calls dest.flush() / dest.sync(). After a failed append
// the file's content is unknown and every later add_record fails.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/wal/format.hpp"

namespace lsm {
inline namespace v0 {
namespace detail::wal {

class writer {
 public:
  /// Writes to dest, whose current size is initial_offset (0 for a new file).
  /// REQUIRES: dest outlives the writer; when initial_offset > 0 the file ends
  /// at a record boundary written in this format.
  explicit writer(writable_file& dest, std::uint64_t initial_offset = 0)
      : dest_(dest),
        offset_(initial_offset),
        block_offset_(static_cast<std::size_t>(initial_offset % block_size)) {}

  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  /// Appends record (any size, 0 bytes included) as one or more fragments.
  status add_record(std::string_view record) {
    if (!sticky_.ok()) return sticky_;
    bool begin = true;
    do {
      buffer_.clear();
      const std::size_t leftover = block_size - block_offset_;
      if (leftover < header_size) {
        // No header fits: zero-fill the block tail, start a new block.
        buffer_.append(leftover, '\0');
        block_offset_ = 0;
      }
      const std::size_t avail = block_size - block_offset_ - header_size;
      const std::size_t n = std::min(avail, record.size());
      const bool end = n == record.size();
      const record_type type = begin && end ? record_type::full
                               : begin      ? record_type::first
                               : end        ? record_type::last
                                            : record_type::middle;
      append_fragment(type, record.substr(0, n));
      status s = dest_.append(buffer_);
      if (!s.ok()) {
        sticky_ = status(s.code(), "log writer: append at offset " + std::to_string(offset_) +
                                       " failed: " + s.message());
        return sticky_;
      }
      offset_ += buffer_.size();
      block_offset_ += header_size + n;
      record.remove_prefix(n);
      begin = false;
    } while (!record.empty());
    return {};
  }

  /// The file size once every record added so far is written.
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  void append_fragment(record_type type, std::string_view payload) {
    char header[header_size];
    encode_fixed32(header, fragment_checksum(type, payload));
    header[4] = static_cast<char>(payload.size() & 0xffu);
    header[5] = static_cast<char>((payload.size() >> 8) & 0xffu);
    header[6] = static_cast<char>(type);
    buffer_.append(header, header_size);
    buffer_.append(payload.data(), payload.size());
  }

  writable_file& dest_;
  std::uint64_t offset_;
  std::size_t block_offset_;  // position of the next byte within its block
  std::string buffer_;        // trailer + header + payload of one fragment
  status sticky_;
};

}  // namespace detail::wal
}  // namespace v0
}  // namespace lsm
