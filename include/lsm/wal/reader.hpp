// lsm/wal/reader.hpp — reads back the records of a log (WAL or MANIFEST)
// written by wal::writer, in order, and tells a torn tail from damage
// (docs/format/wal.md §4).
//
// Thread safety: none; one thread at a time.
// Invariants: reading stops at the end of the file or at the first problem and
// never resumes past it, so the records returned are always a prefix of the
// records written. A problem with no valid fragment anywhere after it is a torn
// tail (a crash mid-append): the incomplete record is dropped and the status
// stays ok. A problem followed by valid data is damage: errc::corruption with
// the file name, the offset, the expected and the found value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/wal/format.hpp"

namespace lsm {
inline namespace v0 {
namespace detail::wal {

class reader {
 public:
  /// Reads src from its current position, which must be the start of the log.
  /// file_name is used in error messages. With verify_checksums false the
  /// checksums of returned fragments are not checked.
  /// REQUIRES: src outlives the reader.
  reader(sequential_file& src, std::string file_name, bool verify_checksums = true)
      : src_(src),
        file_name_(std::move(file_name)),
        verify_(verify_checksums),
        buffer_(block_size, '\0') {}

  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  /// Sets record to the next complete record and returns true; returns false
  /// at the end (then see get_status()). record views either the reader's
  /// block buffer or scratch, and stays valid until the next call.
  bool read_record(std::string_view& record, std::string& scratch) {
    if (done_) return false;
    scratch.clear();
    bool in_record = false;
    std::uint64_t record_start = 0;
    for (;;) {
      fragment f;
      switch (next_fragment(f)) {
        case step::fragment:
          break;
        case step::end:
          torn_ = in_record;  // the file ends after a first or middle fragment
          return finish();
        case step::problem:
          classify_problem();
          return finish();
        case step::failed:
          return finish();
      }
      switch (static_cast<record_type>(f.type)) {
        case record_type::full:
          if (in_record) return sequence_error(f, record_start);
          last_record_offset_ = f.offset;
          record = f.payload;
          return true;
        case record_type::first:
          if (in_record) return sequence_error(f, record_start);
          in_record = true;
          record_start = f.offset;
          scratch.assign(f.payload.data(), f.payload.size());
          break;
        case record_type::middle:
        case record_type::last:
          if (!in_record) return sequence_error(f, std::nullopt);
          scratch.append(f.payload.data(), f.payload.size());
          if (static_cast<record_type>(f.type) == record_type::last) {
            last_record_offset_ = record_start;
            record = scratch;
            return true;
          }
          break;
        case record_type::zero:  // rejected by next_fragment
          return finish();
      }
    }
  }

  /// ok while reading and at a clean end or a torn tail; otherwise the
  /// corruption or I/O error that stopped the reading.
  const status& get_status() const noexcept { return status_; }

  /// The file offset of the first header of the last record returned.
  std::uint64_t last_record_offset() const noexcept { return last_record_offset_; }

  /// True once the reader has dropped an incomplete record or invalid bytes
  /// at the end of the file (a torn tail); the status is still ok.
  bool torn_tail() const noexcept { return torn_; }

 private:
  enum class step { fragment, end, problem, failed };
  struct fragment {
    std::uint8_t type = 0;
    std::string_view payload;
    std::uint64_t offset = 0;
  };

  bool finish() {
    done_ = true;
    return false;
  }

  // Reads the next block into block_; false (status_ set) on an I/O error.
  bool load_block() {
    if (started_) block_start_ += block_.size();
    started_ = true;
    pos_ = 0;
    status s = src_.read(block_size, buffer_.data(), block_);
    if (!s.ok()) {
      status_ = status(s.code(), file_name_ + ": read of the block at offset " +
                                     std::to_string(block_start_) + " failed: " + s.message());
      block_ = {};
      return false;
    }
    eof_ = block_.size() < block_size;
    return true;
  }

  step problem(std::string what) {
    problem_offset_ = block_start_ + pos_;
    problem_ = std::move(what);
    return step::problem;
  }

  // Parses the fragment at pos_, loading blocks as needed.
  step next_fragment(fragment& f) {
    for (;;) {
      if (!started_ && !load_block()) return step::failed;
      const std::size_t remaining = block_.size() - pos_;
      if (remaining < header_size) {
        if (eof_) {
          if (remaining == 0) return step::end;
          return problem("fragment header cut short: expected " + std::to_string(header_size) +
                         " bytes, found " + std::to_string(remaining) +
                         " before the end of the file");
        }
        for (std::size_t i = pos_; i < block_.size(); ++i) {
          if (block_[i] != '\0')
            return problem("block trailer: expected zero padding, found byte " +
                           hex(static_cast<unsigned char>(block_[i])) + " at offset " +
                           std::to_string(block_start_ + i));
        }
        if (!load_block()) return step::failed;
        continue;
      }
      const char* h = block_.data() + pos_;
      const std::uint32_t stored = decode_fixed32(h);
      const std::size_t length = static_cast<std::size_t>(static_cast<unsigned char>(h[4])) |
                                 static_cast<std::size_t>(static_cast<unsigned char>(h[5])) << 8;
      const auto type = static_cast<std::uint8_t>(h[6]);
      if (stored == 0 && length == 0 && type == 0)
        return problem("expected a fragment header, found " + std::to_string(header_size) +
                       " zero bytes");
      if (type == 0 || type > max_record_type)
        return problem("unknown fragment type " + std::to_string(type) + " (expected 1 to " +
                       std::to_string(max_record_type) + ")");
      if (header_size + length > block_size - pos_)
        return problem("bad fragment length " + std::to_string(length) + " (expected at most " +
                       std::to_string(block_size - pos_ - header_size) +
                       ", the rest of the block)");
      if (header_size + length > remaining)
        return problem("fragment cut short: expected " + std::to_string(length) +
                       " payload bytes, found " + std::to_string(remaining - header_size) +
                       " before the end of the file");
      const std::string_view payload = block_.substr(pos_ + header_size, length);
      if (verify_) {
        const std::uint32_t actual = fragment_checksum(static_cast<record_type>(type), payload);
        if (actual != stored)
          return problem("fragment checksum mismatch: stored " + hex(stored) + ", computed " +
                         hex(actual) + " (type " + std::string(record_type_name(type)) +
                         ", length " + std::to_string(length) + ")");
      }
      f.type = type;
      f.payload = payload;
      f.offset = block_start_ + pos_;
      pos_ += header_size + length;
      return step::fragment;
    }
  }

  // True when a fragment the writer could have written starts at pos: it is
  // complete, a `middle` or `last` starts its block, a `first` or `middle`
  // fills its block to the end, and its checksum matches.
  static bool valid_fragment_at(std::string_view block, std::size_t pos) noexcept {
    if (pos + header_size > block.size()) return false;
    const char* h = block.data() + pos;
    const auto type = static_cast<record_type>(h[6]);
    if (h[6] == 0 || static_cast<std::uint8_t>(h[6]) > max_record_type) return false;
    const std::size_t length = static_cast<std::size_t>(static_cast<unsigned char>(h[4])) |
                               static_cast<std::size_t>(static_cast<unsigned char>(h[5])) << 8;
    const std::size_t end = pos + header_size + length;
    if (end > block.size()) return false;
    if ((type == record_type::middle || type == record_type::last) && pos != 0) return false;
    if ((type == record_type::first || type == record_type::middle) && end != block_size)
      return false;
    return decode_fixed32(h) == fragment_checksum(type, block.substr(pos + header_size, length));
  }

  // The first position >= from in block where a valid fragment starts. Past
  // the block start only `full` and `first` fragments can start, so the scan
  // jumps (memchr) between bytes that could be their type byte.
  static std::optional<std::size_t> find_valid_fragment(std::string_view block,
                                                        std::size_t from) noexcept {
    if (block.size() < header_size) return std::nullopt;
    if (from == 0) {
      if (valid_fragment_at(block, 0)) return 0;
      from = 1;
    }
    if (from > block.size() - header_size) return std::nullopt;
    const char* base = block.data();
    const char* end = base + block.size();
    const char* type_byte = base + from + header_size - 1;
    auto next = [end](const char* p, char value) {
      return static_cast<const char*>(std::memchr(p, value, static_cast<std::size_t>(end - p)));
    };
    const char* full = next(type_byte, static_cast<char>(record_type::full));
    const char* first = next(type_byte, static_cast<char>(record_type::first));
    while (full != nullptr || first != nullptr) {
      const bool is_full = first == nullptr || (full != nullptr && full < first);
      const char* t = is_full ? full : first;
      const auto pos = static_cast<std::size_t>(t - base) - (header_size - 1);
      if (valid_fragment_at(block, pos)) return pos;
      if (is_full)
        full = next(t + 1, static_cast<char>(record_type::full));
      else
        first = next(t + 1, static_cast<char>(record_type::first));
    }
    return std::nullopt;
  }

  // After a problem at problem_offset_: damage if a valid fragment starts at
  // any later byte of the file, a torn tail otherwise. The later blocks are
  // checked first (with real data after the damage, the next block start is a
  // valid fragment: one checksum), then the rest of the damaged block.
  void classify_problem() {
    const std::uint64_t damaged_start = block_start_;
    const std::string damaged(block_);
    std::optional<std::uint64_t> found;
    while (!found && !eof_) {
      if (!load_block()) return;
      if (auto pos = find_valid_fragment(block_, 0)) found = block_start_ + *pos;
    }
    if (!found) {
      const auto from = static_cast<std::size_t>(problem_offset_ - damaged_start) + 1;
      if (auto pos = find_valid_fragment(damaged, from)) found = damaged_start + *pos;
    }
    if (!found) {
      torn_ = true;
      return;
    }
    status_ = status::corruption(file_name_ + ": damaged log at offset " +
                                 std::to_string(problem_offset_) + ": " + problem_ +
                                 "; valid data follows at offset " + std::to_string(*found));
  }

  bool sequence_error(const fragment& f, std::optional<std::uint64_t> open_record) {
    std::string what = "fragment of type " + std::string(record_type_name(f.type));
    if (open_record)
      what += " while the record begun at offset " + std::to_string(*open_record) +
              " is incomplete (expected middle or last)";
    else
      what += " with no first fragment before it (expected full or first)";
    status_ = status::corruption(file_name_ + ": damaged log at offset " +
                                 std::to_string(f.offset) + ": " + what);
    return finish();
  }

  sequential_file& src_;
  std::string file_name_;
  bool verify_;
  std::string buffer_;             // block_size bytes: the read scratch
  std::string_view block_;         // the bytes of the current block
  std::uint64_t block_start_ = 0;  // file offset of block_
  std::size_t pos_ = 0;            // next header within block_
  bool started_ = false;           // a block has been read
  bool eof_ = false;               // block_ is the last block of the file
  bool done_ = false;
  bool torn_ = false;
  status status_;
  std::uint64_t last_record_offset_ = 0;
  std::uint64_t problem_offset_ = 0;
  std::string problem_;
};

}  // namespace detail::wal
}  // namespace v0
}  // namespace lsm
