// lsm/version/version_edit.hpp — one MANIFEST record: the changes to the set
// of table files (added, deleted, per level) and to the counters recovery
// needs, plus the persisted policy names and the manifest magic/version.
// The byte-level encoding is docs/format/manifest.md §2.
//
// Thread safety: a value type; no shared state.
// Invariants: encode_to then decode_from gives back an equal edit; every
// proper prefix of an encoding, an unknown tag, a repeated singleton field, a
// level >= 64, an internal key shorter than 8 bytes, a sequence number above
// max_sequence_number and trailing bytes are rejected (errc::corruption naming
// the field and its byte offset in the edit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/version/file_meta.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// The first 8 bytes of SHA-256("lsm manifest"), big-endian; stored fixed64.
inline constexpr std::uint64_t manifest_magic = 0x4319eedaab9dd15eull;
/// The MANIFEST format version this code writes and the newest it reads.
inline constexpr std::uint32_t manifest_format_version = 1;
/// Levels in an edit are < this (the tree uses fewer).
inline constexpr int max_persisted_levels = 64;

/// The field tags of an encoded edit. Persisted: the values never change.
enum class edit_tag : std::uint32_t {
  end = 0,
  magic = 1,
  comparator_name = 2,
  codec_name = 3,
  filter_name = 4,
  log_number = 5,
  next_file_number = 6,
  last_sequence = 7,
  compact_pointer = 8,
  deleted_file = 9,
  new_file = 10,
};

class version_edit {
 public:
  /// Set in the first record of a MANIFEST: encodes the `magic` field
  /// (manifest_magic and this version). Decoding sets it from that field.
  std::optional<std::uint32_t> format_version;
  std::optional<std::string> comparator_name, codec_name, filter_name;  // persisted policy names
  std::optional<std::uint64_t> log_number, next_file_number;
  std::optional<sequence_number> last_sequence;
  std::vector<std::pair<int, std::string>> compact_pointers;  // (level, internal key)
  std::vector<std::pair<int, std::uint64_t>> deleted_files;   // (level, file number)
  std::vector<std::pair<int, file_meta>> new_files;           // (level, file)

  bool operator==(const version_edit&) const = default;

  void clear() { *this = version_edit{}; }

  /// Appends the encoding of this edit to dst.
  /// REQUIRES: every level in [0, max_persisted_levels); every internal key
  /// at least 8 bytes; sequence numbers <= max_sequence_number.
  void encode_to(std::string& dst) const {
    if (format_version) {
      put_tag(dst, edit_tag::magic);
      put_fixed64(dst, manifest_magic);
      put_varint32(dst, *format_version);
    }
    put_name(dst, edit_tag::comparator_name, comparator_name);
    put_name(dst, edit_tag::codec_name, codec_name);
    put_name(dst, edit_tag::filter_name, filter_name);
    put_number(dst, edit_tag::log_number, log_number);
    put_number(dst, edit_tag::next_file_number, next_file_number);
    put_number(dst, edit_tag::last_sequence, last_sequence);
    for (const auto& [level, key] : compact_pointers) {
      put_tag(dst, edit_tag::compact_pointer);
      put_varint32(dst, static_cast<std::uint32_t>(level));
      put_length_prefixed(dst, key);
    }
    for (const auto& [level, number] : deleted_files) {
      put_tag(dst, edit_tag::deleted_file);
      put_varint32(dst, static_cast<std::uint32_t>(level));
      put_varint64(dst, number);
    }
    for (const auto& [level, f] : new_files) {
      put_tag(dst, edit_tag::new_file);
      put_varint32(dst, static_cast<std::uint32_t>(level));
      put_varint64(dst, f.number);
      put_varint64(dst, f.file_size);
      put_length_prefixed(dst, f.smallest);
      put_length_prefixed(dst, f.largest);
      put_varint64(dst, f.smallest_seq);
      put_varint64(dst, f.largest_seq);
      put_varint64(dst, f.num_entries);
      put_varint64(dst, f.num_deletions);
    }
    put_tag(dst, edit_tag::end);
  }

  /// Replaces this edit by the one encoded in src. On failure the edit is
  /// left unchanged and the status is errc::corruption (errc::not_supported
  /// for a format version newer than manifest_format_version) naming the
  /// field and its byte offset in src.
  status decode_from(std::string_view src) {
    decoder d{src, src};
    version_edit e;
    for (;;) {
      d.field_start = d.offset();
      std::uint32_t raw_tag = 0;
      if (!get_varint32(d.in, raw_tag))
        return d.fail(d.in.empty() ? "end tag missing (edit cut short)" : "tag: bad varint");
      switch (static_cast<edit_tag>(raw_tag)) {
        case edit_tag::end:
          if (!d.in.empty())
            return d.fail("end: expected nothing after it, found " + std::to_string(d.in.size()) +
                          " bytes");
          *this = std::move(e);
          return {};
        case edit_tag::magic: {
          if (e.format_version) return d.fail("magic: repeated");
          std::uint64_t magic = 0;
          if (!get_fixed64(d.in, magic)) return d.fail("magic: cut short");
          if (magic != manifest_magic)
            return d.fail("magic: expected " + hex64(manifest_magic) + ", found " + hex64(magic));
          std::uint32_t version = 0;
          if (!get_varint32(d.in, version)) return d.fail("magic.format_version: cut short");
          if (version == 0)
            return d.fail("magic.format_version: expected 1 to " +
                          std::to_string(manifest_format_version) + ", found 0");
          if (version > manifest_format_version)
            return status::not_supported("version edit: MANIFEST format version " +
                                         std::to_string(version) +
                                         " is newer than the newest this library reads (" +
                                         std::to_string(manifest_format_version) + ")");
          e.format_version = version;
          break;
        }
        case edit_tag::comparator_name:
          if (status s = d.name("comparator_name", e.comparator_name); !s.ok()) return s;
          break;
        case edit_tag::codec_name:
          if (status s = d.name("codec_name", e.codec_name); !s.ok()) return s;
          break;
        case edit_tag::filter_name:
          if (status s = d.name("filter_name", e.filter_name); !s.ok()) return s;
          break;
        case edit_tag::log_number:
          if (status s = d.number("log_number", e.log_number); !s.ok()) return s;
          break;
        case edit_tag::next_file_number:
          if (status s = d.number("next_file_number", e.next_file_number); !s.ok()) return s;
          break;
        case edit_tag::last_sequence:
          if (status s = d.number("last_sequence", e.last_sequence); !s.ok()) return s;
          if (*e.last_sequence > max_sequence_number)
            return d.fail("last_sequence: expected at most " + std::to_string(max_sequence_number) +
                          ", found " + std::to_string(*e.last_sequence));
          break;
        case edit_tag::compact_pointer: {
          int level = 0;
          std::string key;
          if (status s = d.level("compact_pointer.level", level); !s.ok()) return s;
          if (status s = d.internal_key("compact_pointer.key", key); !s.ok()) return s;
          e.compact_pointers.emplace_back(level, std::move(key));
          break;
        }
        case edit_tag::deleted_file: {
          int level = 0;
          std::uint64_t number = 0;
          if (status s = d.level("deleted_file.level", level); !s.ok()) return s;
          if (!get_varint64(d.in, number)) return d.fail("deleted_file.number: cut short");
          e.deleted_files.emplace_back(level, number);
          break;
        }
        case edit_tag::new_file: {
          int level = 0;
          file_meta f;
          if (status s = d.level("new_file.level", level); !s.ok()) return s;
          if (!get_varint64(d.in, f.number)) return d.fail("new_file.number: cut short");
          if (!get_varint64(d.in, f.file_size)) return d.fail("new_file.file_size: cut short");
          if (status s = d.internal_key("new_file.smallest", f.smallest); !s.ok()) return s;
          if (status s = d.internal_key("new_file.largest", f.largest); !s.ok()) return s;
          if (status s = d.sequence("new_file.smallest_seq", f.smallest_seq); !s.ok()) return s;
          if (status s = d.sequence("new_file.largest_seq", f.largest_seq); !s.ok()) return s;
          if (f.smallest_seq > f.largest_seq)
            return d.fail("new_file.largest_seq: expected at least smallest_seq " +
                          std::to_string(f.smallest_seq) + ", found " +
                          std::to_string(f.largest_seq));
          if (!get_varint64(d.in, f.num_entries)) return d.fail("new_file.num_entries: cut short");
          if (!get_varint64(d.in, f.num_deletions))
            return d.fail("new_file.num_deletions: cut short");
          e.new_files.emplace_back(level, std::move(f));
          break;
        }
        default:
          return d.fail("unknown tag " + std::to_string(raw_tag));
      }
    }
  }

  /// A readable multi-line rendering, for logs and test failures.
  std::string debug_string() const {
    std::string r = "version_edit {\n";
    if (format_version) r += "  format_version: " + std::to_string(*format_version) + "\n";
    if (comparator_name) r += "  comparator: " + printable(*comparator_name) + "\n";
    if (codec_name) r += "  codec: " + printable(*codec_name) + "\n";
    if (filter_name) r += "  filter: " + printable(*filter_name) + "\n";
    if (log_number) r += "  log_number: " + std::to_string(*log_number) + "\n";
    if (next_file_number) r += "  next_file_number: " + std::to_string(*next_file_number) + "\n";
    if (last_sequence) r += "  last_sequence: " + std::to_string(*last_sequence) + "\n";
    for (const auto& [level, key] : compact_pointers)
      r += "  compact_pointer: level " + std::to_string(level) + " " + internal_key_string(key) +
           "\n";
    for (const auto& [level, number] : deleted_files)
      r += "  deleted_file: level " + std::to_string(level) + " #" + std::to_string(number) + "\n";
    for (const auto& [level, f] : new_files)
      r += "  new_file: level " + std::to_string(level) + " #" + std::to_string(f.number) +
           " size " + std::to_string(f.file_size) + " [" + internal_key_string(f.smallest) +
           " .. " + internal_key_string(f.largest) + "] seq " + std::to_string(f.smallest_seq) +
           ".." + std::to_string(f.largest_seq) + " entries " + std::to_string(f.num_entries) +
           " deletions " + std::to_string(f.num_deletions) + "\n";
    r += "}";
    return r;
  }

 private:
  // Reads fields from `in`, a suffix of `all`, and builds messages naming
  // the field and the byte offset where it starts.
  struct decoder {
    std::string_view all, in;
    std::size_t field_start = 0;

    std::size_t offset() const noexcept { return all.size() - in.size(); }
    status fail(const std::string& what) const {
      return status::corruption("version edit: field at byte " + std::to_string(field_start) +
                                ": " + what);
    }
    status name(const char* field, std::optional<std::string>& out) {
      if (out) return fail(std::string(field) + ": repeated");
      std::string_view v;
      if (!get_length_prefixed(in, v)) return fail(std::string(field) + ": cut short");
      out.emplace(v);
      return {};
    }
    status number(const char* field, std::optional<std::uint64_t>& out) {
      if (out) return fail(std::string(field) + ": repeated");
      std::uint64_t v = 0;
      if (!get_varint64(in, v)) return fail(std::string(field) + ": cut short");
      out = v;
      return {};
    }
    status level(const char* field, int& out) {
      std::uint32_t v = 0;
      if (!get_varint32(in, v)) return fail(std::string(field) + ": cut short");
      if (v >= static_cast<std::uint32_t>(max_persisted_levels))
        return fail(std::string(field) + ": expected less than " +
                    std::to_string(max_persisted_levels) + ", found " + std::to_string(v));
      out = static_cast<int>(v);
      return {};
    }
    status internal_key(const char* field, std::string& out) {
      std::string_view v;
      if (!get_length_prefixed(in, v)) return fail(std::string(field) + ": cut short");
      if (v.size() < internal_key_trailer_size)
        return fail(std::string(field) + ": expected an internal key of at least " +
                    std::to_string(internal_key_trailer_size) + " bytes, found " +
                    std::to_string(v.size()));
      out.assign(v.data(), v.size());
      return {};
    }
    status sequence(const char* field, sequence_number& out) {
      if (!get_varint64(in, out)) return fail(std::string(field) + ": cut short");
      if (out > max_sequence_number)
        return fail(std::string(field) + ": expected at most " +
                    std::to_string(max_sequence_number) + ", found " + std::to_string(out));
      return {};
    }
  };

  static void put_tag(std::string& dst, edit_tag tag) {
    put_varint32(dst, static_cast<std::uint32_t>(tag));
  }
  static void put_name(std::string& dst, edit_tag tag, const std::optional<std::string>& v) {
    if (!v) return;
    put_tag(dst, tag);
    put_length_prefixed(dst, *v);
  }
  static void put_number(std::string& dst, edit_tag tag, const std::optional<std::uint64_t>& v) {
    if (!v) return;
    put_tag(dst, tag);
    put_varint64(dst, *v);
  }
  static std::string hex64(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return buf;
  }
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
