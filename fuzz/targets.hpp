// fuzz/targets.hpp — the fuzz targets: one function per decoder that takes
// arbitrary bytes, decodes them the way the engine does and checks what must
// hold for every input. Each libFuzzer entry point (fuzz/*_fuzzer.cpp) calls
// one of them; the replay test (tests/fuzz_replay/) runs every committed corpus
// file and reproducer through the same functions in the ordinary test suite.
//
// Thread safety: every target is self-contained (its own files, cache and
// state); targets may run on any number of threads at once.
// Invariants: a target returns for every input, reads nothing out of bounds
// and leaks nothing; an error status is a fine outcome. A broken property
// (e.g. an edit that decodes, re-encodes and decodes to something else) calls
// fail(), which aborts: the fuzzer records it like a crash.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <lsm/lsm.hpp>

namespace lsm_fuzz {

/// Reports a broken property and aborts (the fuzzer saves the input).
[[noreturn]] inline void fail(const char* target, const char* what) {
  std::fprintf(stderr, "lsm fuzz target %s: property broken: %s\n", target, what);
  std::fflush(stderr);
  std::abort();
}

inline void check(bool ok, const char* target, const char* what) {
  if (!ok) fail(target, what);
}

/// Reads every byte of s, so that a view into freed or foreign memory is seen
/// by AddressSanitizer even when nothing else would read it.
inline std::uint32_t touch(std::string_view s) { return lsm::detail::crc32c::value(s); }

/// Upper bound on the entries any target walks, so that no input can make a
/// run slow (libFuzzer treats a slow run as a hang).
inline constexpr std::size_t max_steps = 20000;

/// A sequential_file over bytes the caller owns.
class bytes_sequential_file final : public lsm::sequential_file {
 public:
  explicit bytes_sequential_file(std::string_view data) : data_(data) {}
  lsm::status read(std::size_t n, char* scratch, std::string_view& out) override {
    const std::size_t k = std::min(n, data_.size() - pos_);
    if (k > 0) std::memcpy(scratch, data_.data() + pos_, k);
    pos_ += k;
    out = std::string_view(scratch, k);
    return {};
  }
  lsm::status skip(std::uint64_t n) override {
    pos_ += static_cast<std::size_t>(std::min<std::uint64_t>(n, data_.size() - pos_));
    return {};
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

/// A random_access_file owning a copy of its bytes.
class bytes_random_access_file final : public lsm::random_access_file {
 public:
  explicit bytes_random_access_file(std::string data) : data_(std::move(data)) {}
  lsm::status read(std::uint64_t offset, std::size_t n, char* scratch,
                   std::string_view& out) const override {
    if (offset >= data_.size()) {
      out = std::string_view(scratch, 0);
      return {};
    }
    const auto at = static_cast<std::size_t>(offset);
    n = std::min(n, data_.size() - at);
    std::memcpy(scratch, data_.data() + at, n);
    out = std::string_view(scratch, n);
    return {};
  }

 private:
  std::string data_;
};

/// Appends to a string the caller owns.
class string_writable_file final : public lsm::writable_file {
 public:
  explicit string_writable_file(std::string& out) : out_(out) {}
  lsm::status append(std::string_view data) override {
    out_.append(data.data(), data.size());
    return {};
  }
  lsm::status flush() override { return {}; }
  lsm::status sync() override { return {}; }
  lsm::status close() override { return {}; }

 private:
  std::string& out_;
};

// ---------------------------------------------------------------------------
// Write batch: detail::write_batch::set_contents + for_each.

/// One decoded record of a batch.
using batch_record = std::tuple<lsm::value_kind, std::string, std::string>;

inline std::vector<batch_record> batch_records(const lsm::detail::write_batch& b,
                                               lsm::status& s) {
  std::vector<batch_record> out;
  s = b.for_each([&](lsm::value_kind kind, std::string_view key, std::string_view value) {
    out.emplace_back(kind, std::string(key), std::string(value));
  });
  return out;
}

/// Decodes input as a WAL record holding a batch. A batch that decodes is
/// rebuilt through put/erase/erase_range and must decode to the same records.
inline void write_batch_target(std::string_view input) {
  constexpr const char* name = "write_batch";
  lsm::detail::write_batch b;
  const lsm::status s = b.set_contents(input);
  if (!s.ok()) {
    check(s.code() == lsm::errc::corruption, name, "a rejected batch is not errc::corruption");
    return;
  }
  lsm::status each;
  const auto records = batch_records(b, each);
  check(each.ok(), name, "for_each fails on a batch set_contents accepted");
  check(records.size() == b.count(), name, "record count differs from the header");
  lsm::detail::write_batch rebuilt;
  for (const auto& [kind, key, value] : records) {
    touch(key);
    touch(value);
    switch (kind) {
      case lsm::value_kind::value:
        rebuilt.put(key, value);
        break;
      case lsm::value_kind::deletion:
        check(value.empty(), name, "a deletion record has a value");
        rebuilt.erase(key);
        break;
      case lsm::value_kind::range_deletion:
        rebuilt.erase_range(key, value);
        break;
      default:
        fail(name, "for_each passed an unknown kind");
    }
  }
  rebuilt.set_sequence(b.sequence());
  lsm::detail::write_batch again;
  check(again.set_contents(rebuilt.contents()).ok(), name, "a rebuilt batch does not decode");
  check(again.sequence() == b.sequence() && again.count() == b.count(), name,
        "a rebuilt batch has another header");
  const auto records_again = batch_records(again, each);
  check(each.ok() && records_again == records, name, "a rebuilt batch has other records");
}

// ---------------------------------------------------------------------------
// Manifest record: detail::version_edit::decode_from.

/// Decodes input as one MANIFEST record. A failed decode leaves the edit
/// unchanged; an edit that decodes re-encodes to bytes that decode to it.
inline void version_edit_target(std::string_view input) {
  constexpr const char* name = "version_edit";
  lsm::detail::version_edit before;
  before.log_number = 7;
  before.deleted_files.emplace_back(1, 42);
  lsm::detail::version_edit e = before;
  const lsm::status s = e.decode_from(input);
  if (!s.ok()) {
    check(s.code() == lsm::errc::corruption || s.code() == lsm::errc::not_supported, name,
          "a rejected edit is neither errc::corruption nor errc::not_supported");
    check(e == before, name, "a failed decode changed the edit");
    return;
  }
  touch(e.debug_string());
  std::string encoded;
  e.encode_to(encoded);
  lsm::detail::version_edit again;
  check(again.decode_from(encoded).ok(), name, "a re-encoded edit does not decode");
  check(again == e, name, "a re-encoded edit decodes to another edit");
}

// ---------------------------------------------------------------------------
// WAL: detail::wal::reader over an in-memory file.

/// Reads input as a log, with and without checksums, and decodes every
/// record as a batch and as a version edit (what WAL and MANIFEST replay do).
/// The records read with checksums are a prefix of those read without.
inline void wal_reader_target(std::string_view input) {
  constexpr const char* name = "wal_reader";
  std::vector<std::string> verified;
  for (const bool verify : {true, false}) {
    bytes_sequential_file src(input);
    lsm::detail::wal::reader r(src, "fuzz.log", verify);
    std::string scratch;
    std::string_view record;
    std::size_t count = 0, bytes = 0;
    while (count < max_steps && r.read_record(record, scratch)) {
      bytes += record.size();
      check(bytes <= input.size(), name, "records hold more bytes than the file");
      check(r.last_record_offset() < input.size(), name, "a record starts past the file's end");
      touch(record);
      if (verify) {
        verified.emplace_back(record);
      } else if (count < verified.size()) {
        check(verified[count] == record, name,
              "a record read with checksums differs from the one read without");
      }
      ++count;
      lsm::detail::write_batch batch;
      if (batch.set_contents(record).ok()) {
        (void)batch.for_each([](lsm::value_kind, std::string_view k, std::string_view v) {
          touch(k);
          touch(v);
        });
      }
      lsm::detail::version_edit edit;
      (void)edit.decode_from(record);
    }
    if (count == max_steps) continue;
    check(!r.read_record(record, scratch), name, "the reader resumed after its end");
    if (!verify) {
      check(count >= verified.size(), name, "fewer records without checksums than with them");
    }
    const lsm::status& s = r.get_status();
    check(s.ok() || s.code() == lsm::errc::corruption, name,
          "an in-memory log failed with an error other than corruption");
    touch(s.message());
  }
}

// ---------------------------------------------------------------------------
// Block: detail::block and detail::block_iterator.

using internal_bytewise = lsm::detail::internal_key_comparator<lsm::bytewise_comparator>;

template <class Cmp>
void block_walk(const lsm::detail::block& b) {
  constexpr const char* name = "block";
  std::vector<std::string> keys;
  {
    lsm::detail::block_iterator<Cmp> it(b);
    std::size_t n = 0;
    for (it.seek_to_first(); it.valid() && n < max_steps; it.next(), ++n) {
      touch(it.key());
      touch(it.value());
      if (keys.size() < 8) keys.emplace_back(it.key());
    }
    touch(it.get_status().message());
  }
  {
    // The same walk, rebuilding keys in a caller's buffer, sees the same keys.
    std::string scratch;
    lsm::detail::block_iterator<Cmp> it(b, scratch);
    std::size_t n = 0;
    for (it.seek_to_first(); it.valid() && n < keys.size(); it.next(), ++n)
      check(it.key() == keys[n], name, "a walk with a caller's key buffer sees other keys");
  }
  {
    lsm::detail::block_iterator<Cmp> it(b);
    std::size_t n = 0;
    for (it.seek_to_last(); it.valid() && n < max_steps; it.prev(), ++n) {
      touch(it.key());
      touch(it.value());
    }
  }
  // A valid seek result is never below its target, whatever the block holds.
  std::vector<std::string> targets = keys;
  targets.emplace_back(std::string(8, '\0'));
  targets.emplace_back(std::string(12, '\xff'));
  if (!keys.empty()) targets.push_back(keys.front() + std::string(1, '\0'));
  for (const std::string& target : targets) {
    if (target.size() < lsm::detail::block_min_key_size<Cmp>) continue;
    lsm::detail::block_iterator<Cmp> it(b);
    it.seek(target);
    if (!it.valid()) continue;
    check(Cmp::compare(it.key(), target) >= 0, name, "seek landed below its target");
    it.prev();
    if (it.valid()) touch(it.key());
    it.next();
    if (it.valid()) touch(it.value());
  }
}

/// Reads input as the contents of a block (no trailer) and walks it forward,
/// backward and by seeks, ordered bytewise and as internal keys.
inline void block_target(std::string_view input) {
  const lsm::detail::block b{std::string(input)};
  touch(b.get_status().message());
  block_walk<lsm::bytewise_comparator>(b);
  block_walk<internal_bytewise>(b);
}

// ---------------------------------------------------------------------------
// Table: detail::table_reader over an in-memory file.

/// Rewrites the checksums of the footer and of every block the footer, the
/// metaindex and the index point to, so that mutated tables get past the
/// checksums into the decoders behind them. Best effort: stops at the first
/// structure it cannot follow.
inline void repair_table_checksums(std::string& t) {
  namespace d = lsm::detail;
  if (t.size() < d::footer_size) return;
  const std::size_t at = t.size() - d::footer_size;
  d::encode_fixed32(t.data() + at + 44,
                    d::crc32c::mask(d::crc32c::value(t.data() + at, 44)));
  d::footer f;
  if (!f.decode_from(std::string_view(t).substr(at), t.size(), "fuzz.sst").ok()) return;
  auto fix = [&](const d::block_handle& h) -> bool {
    if (!h.fits_before(at)) return false;
    const auto off = static_cast<std::size_t>(h.offset);
    const auto size = static_cast<std::size_t>(h.size);
    const std::uint32_t crc = d::crc32c::value(t.data() + off, size + 1);
    d::encode_fixed32(t.data() + off + size + 1, d::crc32c::mask(crc));
    return true;
  };
  auto fix_children = [&](const d::block_handle& parent, auto cmp_tag) {
    using cmp = decltype(cmp_tag);
    if (!fix(parent)) return;
    const d::block b{t.substr(static_cast<std::size_t>(parent.offset),
                              static_cast<std::size_t>(parent.size))};
    d::block_iterator<cmp> it(b);
    std::size_t n = 0;
    for (it.seek_to_first(); it.valid() && n < max_steps; it.next(), ++n) {
      d::block_handle h;
      if (d::decode_exact_handle(it.value(), h)) fix(h);
    }
  };
  fix_children(f.metaindex, lsm::bytewise_comparator{});
  fix_children(f.index, internal_bytewise{});
}

using fuzz_table_reader =
    lsm::detail::table_reader<lsm::bytewise_comparator, lsm::filter::bloom<10>>;

inline void table_once(std::string bytes) {
  namespace d = lsm::detail;
  const std::uint64_t size = bytes.size();
  d::block_cache cache(64 << 10);
  auto opened = fuzz_table_reader::open(
      d::table_options{}, std::make_unique<bytes_random_access_file>(std::move(bytes)), size,
      "fuzz.sst", &cache);
  if (!opened.ok()) {
    touch(opened.take_status().message());
    return;
  }
  const fuzz_table_reader& t = **opened;
  for (const auto& rt : t.range_tombstones()) {
    touch(rt.first);
    touch(rt.last);
  }
  std::vector<std::string> keys;
  for (const bool verify : {true, false}) {
    const d::read_settings settings{verify, verify};
    keys.clear();
    auto it = t.new_iterator(settings);
    std::size_t n = 0;
    for (it->seek_to_first(); it->valid() && n < max_steps; it->next(), ++n) {
      touch(it->key());
      touch(it->value());
      if (keys.size() < 8) keys.emplace_back(it->key());
    }
    touch(it->get_status().message());
    n = 0;
    for (it->seek_to_last(); it->valid() && n < max_steps; it->prev(), ++n) {
      touch(it->key());
      touch(it->value());
    }
    for (const std::string& k : keys) {
      it->seek(k);
      if (it->valid()) touch(it->value());
    }
  }
  keys.emplace_back("absent key\x01\x01\x01\x01\x01\x01\x01\x01");
  for (const std::string& k : keys) {
    if (k.size() < lsm::detail::internal_key_trailer_size) continue;
    const std::string_view user_key = d::extract_user_key(k);
    fuzz_table_reader::lookup out;
    for (const bool verify : {true, false}) {
      const lsm::status s =
          t.get(user_key, lsm::max_sequence_number, d::read_settings{verify, true}, out);
      if (s.ok() && out.found) {
        touch(out.internal_key);
        touch(out.value);
      }
    }
    (void)t.approximate_offset_of(k);
  }
}

/// Opens input as a table file, as it is and with its checksums repaired;
/// walks every entry both ways (with and without checksum verification) and
/// looks up every key it saw.
inline void table_target(std::string_view input) {
  table_once(std::string(input));
  std::string repaired(input);
  repair_table_checksums(repaired);
  if (repaired != input) table_once(std::move(repaired));
}

// ---------------------------------------------------------------------------
// Whole tree: lsm::tree opened on a directory built from the input.
//
// Input: a sequence of files, each `kind (1 byte) | number (1 byte) |
// length (varint32) | length bytes`; a malformed tail is ignored. By kind % 6:
//   0 NNNNNN.log written by wal::writer from records `varint32 size | bytes`
//   1 NNNNNN.log holding the bytes as they are
//   2 MANIFEST-NNNNNN written by wal::writer from records as in kind 0
//   3 MANIFEST-NNNNNN holding the bytes as they are
//   4 NNNNNN.sst holding the bytes with their checksums repaired
//   5 CURRENT holding the bytes as they are
// so that mutations of the records reach the decoders behind the checksums.

inline constexpr const char* tree_dir = "db";

/// The tree type the whole-tree target opens (and the seed corpus is made with).
using fuzz_tree = lsm::tree<std::string, std::string>;

enum class tree_file_kind : std::uint8_t {
  log_records = 0,
  log_raw = 1,
  manifest_records = 2,
  manifest_raw = 3,
  table = 4,
  current = 5,
};
inline constexpr std::uint8_t num_tree_file_kinds = 6;

/// Appends one file of the whole-tree input format to out.
inline void append_tree_file(std::string& out, tree_file_kind kind, std::uint8_t number,
                             std::string_view bytes) {
  out.push_back(static_cast<char>(kind));
  out.push_back(static_cast<char>(number));
  lsm::detail::put_length_prefixed(out, bytes);
}

/// The bytes of a log holding `records` (each `varint32 size | bytes`; a
/// malformed tail is dropped) as wal::writer writes them.
inline std::string log_from_records(std::string_view records) {
  std::string log;
  string_writable_file out(log);
  lsm::detail::wal::writer w(out);
  std::string_view record;
  while (lsm::detail::get_length_prefixed(records, record)) (void)w.add_record(record);
  return log;
}

/// Builds the directory tree_dir in fs from input.
inline void build_tree_dir(lsm::file_system& fs, std::string_view input) {
  (void)fs.create_dir(tree_dir);
  const std::string dir = tree_dir;
  while (input.size() >= 2) {
    const auto kind = static_cast<tree_file_kind>(static_cast<std::uint8_t>(input[0]) %
                                                  num_tree_file_kinds);
    const auto number = static_cast<std::uint8_t>(input[1]);
    input.remove_prefix(2);
    std::string_view bytes;
    if (!lsm::detail::get_length_prefixed(input, bytes)) break;
    std::string path, contents;
    switch (kind) {
      case tree_file_kind::log_records:
        path = lsm::detail::log_file_name(dir, number);
        contents = log_from_records(bytes);
        break;
      case tree_file_kind::log_raw:
        path = lsm::detail::log_file_name(dir, number);
        contents = bytes;
        break;
      case tree_file_kind::manifest_records:
        path = lsm::detail::manifest_file_name(dir, number);
        contents = log_from_records(bytes);
        break;
      case tree_file_kind::manifest_raw:
        path = lsm::detail::manifest_file_name(dir, number);
        contents = bytes;
        break;
      case tree_file_kind::table:
        path = lsm::detail::table_file_name(dir, number);
        contents = bytes;
        repair_table_checksums(contents);
        break;
      case tree_file_kind::current:
        path = lsm::detail::current_file_name(dir);
        contents = bytes;
        break;
    }
    (void)lsm::write_string_to_file(fs, contents, path, false);
  }
}

/// Opens a tree on the directory input describes (never creating one), then
/// reads everything both ways and looks up what it saw, and closes it.
inline void tree_open_target(std::string_view input) {
  auto fs = std::make_shared<lsm::memory_file_system>();
  build_tree_dir(*fs, input);
  lsm::options opts;
  opts.create_if_missing = false;
  opts.file_system = fs;
  opts.write_buffer_size = 64 << 10;
  opts.block_cache_capacity = 256 << 10;
  std::error_code ec;
  std::optional<fuzz_tree> opened(std::in_place, tree_dir, opts, ec);
  if (ec) {
    touch(ec.message());
    // A damaged tree: repair may fail, but once it succeeds the tree opens.
    // A repair is a whole open, merge and close: one input in four (by its
    // size, so a replay does the same) keeps the target fast.
    if (ec != lsm::errc::corruption || input.size() % 4 != 0) return;
    opened.reset();
    fuzz_tree::repair(tree_dir, opts, ec);
    if (ec) {
      touch(ec.message());
      return;
    }
    opened.emplace(tree_dir, opts, ec);
    check(!ec, "tree_open", "a repaired tree did not open");
  }
  fuzz_tree& db = *opened;
  std::vector<std::string> keys;
  {
    auto c = db.cursor();
    std::size_t n = 0;
    for (c.seek_to_first(); c.valid() && n < max_steps; c.next(), ++n) {
      touch(c.raw_key());
      touch(c.raw_value());
      if (keys.size() < 8) keys.emplace_back(c.raw_key());
    }
    n = 0;
    for (c.seek_to_last(); c.valid() && n < max_steps; c.prev(), ++n) {
      touch(c.raw_key());
      touch(c.raw_value());
    }
    touch(c.error().message());
  }
  for (const std::string& raw : keys) {
    std::string key;
    try {
      key = lsm::codec<std::string, std::string>::decode_key(raw);
    } catch (const lsm::error&) {
      continue;  // a key that does not decode is reported, not a crash
    }
    (void)db.get(key, ec);
  }
  // A write after recovery goes through the recovered WAL and MANIFEST state.
  db.put("fuzz", "value", ec);
}

// ---------------------------------------------------------------------------

/// A target: its name (the corpus directory fuzz/corpus/<name>) and function.
struct target {
  const char* name;
  void (*run)(std::string_view);
};

inline constexpr std::array<target, 6> all_targets{{
    {"wal_reader", wal_reader_target},
    {"block", block_target},
    {"table", table_target},
    {"version_edit", version_edit_target},
    {"write_batch", write_batch_target},
    {"tree_open", tree_open_target},
}};

}  // namespace lsm_fuzz
