// fuzz/make_corpus.cpp — writes the seed corpus of every fuzz target
// (fuzz/corpus/<target>/<seed name>) from data the library itself writes:
// WAL files, blocks, tables, manifest edits, write batches and whole tree
// directories. Deterministic: running it again rewrites the same bytes.
//
// Usage: make_corpus <corpus dir>   (the committed corpus is fuzz/corpus)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "targets.hpp"

namespace {

namespace d = lsm::detail;

std::filesystem::path corpus_root;
int files_written = 0;

void write_seed(const char* target, const std::string& name, std::string_view bytes) {
  const auto dir = corpus_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "make_corpus: cannot write %s/%s\n", target, name.c_str());
    std::exit(1);
  }
  ++files_written;
}

std::string key_of(std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%06llu", static_cast<unsigned long long>(i));
  return buf;
}

// --- write batches -------------------------------------------------------

std::vector<std::pair<std::string, d::write_batch>> batches() {
  std::vector<std::pair<std::string, d::write_batch>> out;
  d::write_batch empty;
  empty.set_sequence(1);
  out.emplace_back("batch_empty", empty);

  d::write_batch one;
  one.set_sequence(7);
  one.put("apple", "100");
  out.emplace_back("batch_one_put", one);

  d::write_batch mixed;
  mixed.set_sequence(1000);
  mixed.put("a", "1");
  mixed.erase("b");
  mixed.erase_range("c", "f");
  mixed.put("", "");
  mixed.put("g", std::string(300, 'v'));
  out.emplace_back("batch_mixed", mixed);

  d::write_batch many;
  many.set_sequence(123456789);
  for (std::uint64_t i = 0; i < 40; ++i) {
    if (i % 5 == 4)
      many.erase(key_of(i));
    else
      many.put(key_of(i), "value" + std::to_string(i));
  }
  out.emplace_back("batch_many", many);
  return out;
}

void write_batch_seeds() {
  for (const auto& [name, b] : batches()) write_seed("write_batch", name, b.contents());
}

// --- version edits -------------------------------------------------------

std::vector<std::pair<std::string, d::version_edit>> edits() {
  std::vector<std::pair<std::string, d::version_edit>> out;
  d::version_edit first;
  first.format_version = d::manifest_format_version;
  first.comparator_name = "lsm.bytewise";
  first.codec_name = "lsm.codec<std::string,std::string>";
  first.filter_name = "lsm.bloom.v1";
  first.log_number = 3;
  first.next_file_number = 9;
  first.last_sequence = 1234;
  out.emplace_back("edit_first_record", first);

  d::version_edit flush;
  flush.log_number = 5;
  flush.next_file_number = 6;
  flush.last_sequence = 2000;
  d::file_meta f;
  f.number = 4;
  f.file_size = 4096;
  f.smallest = d::make_internal_key("apple", 1, lsm::value_kind::value);
  f.largest = d::make_internal_key("zebra", 1999, lsm::value_kind::deletion);
  f.smallest_seq = 1;
  f.largest_seq = 1999;
  f.num_entries = 1500;
  f.num_deletions = 20;
  flush.new_files.emplace_back(0, f);
  out.emplace_back("edit_flush", flush);

  d::version_edit compaction;
  compaction.deleted_files = {{0, 4}, {0, 7}, {1, 2}};
  for (std::uint64_t n = 10; n < 13; ++n) {
    d::file_meta g;
    g.number = n;
    g.file_size = 2 << 20;
    g.smallest = d::make_internal_key(key_of(n * 100), n, lsm::value_kind::value);
    g.largest = d::make_internal_key(key_of(n * 100 + 99), n + 5, lsm::value_kind::range_deletion);
    g.smallest_seq = n;
    g.largest_seq = n + 5;
    g.num_entries = 100;
    compaction.new_files.emplace_back(1, g);
  }
  compaction.compact_pointers.emplace_back(1, d::make_internal_key("m", 77, lsm::value_kind::value));
  compaction.last_sequence = lsm::max_sequence_number;
  out.emplace_back("edit_compaction", compaction);

  out.emplace_back("edit_empty", d::version_edit{});
  return out;
}

void version_edit_seeds() {
  for (const auto& [name, e] : edits()) {
    std::string bytes;
    e.encode_to(bytes);
    write_seed("version_edit", name, bytes);
  }
}

// --- WAL files -----------------------------------------------------------

std::string log_of(const std::vector<std::string>& records) {
  std::string log;
  lsm_fuzz::string_writable_file out(log);
  d::wal::writer w(out);
  for (const auto& r : records) (void)w.add_record(r);
  return log;
}

void wal_seeds() {
  std::vector<std::string> batch_records;
  for (const auto& [name, b] : batches()) batch_records.emplace_back(b.contents());
  const std::string wal = log_of(batch_records);
  write_seed("wal_reader", "log_batches", wal);
  write_seed("wal_reader", "log_torn_tail", wal.substr(0, wal.size() - 9));

  std::vector<std::string> edit_records;
  for (const auto& [name, e] : edits()) {
    std::string bytes;
    e.encode_to(bytes);
    edit_records.push_back(bytes);
  }
  write_seed("wal_reader", "manifest_edits", log_of(edit_records));

  // Records fragmented across the 32 KiB block boundary (first/middle/last),
  // and a block trailer of zero padding.
  std::vector<std::string> spanning;
  spanning.emplace_back(32768 - 7 - 7 - 3, 'a');  // leaves 3 bytes: a zero trailer
  spanning.emplace_back(100, 'b');
  spanning.emplace_back(33000, 'c');
  write_seed("wal_reader", "log_fragments", log_of(spanning));
  write_seed("wal_reader", "empty", "");
}

// --- blocks --------------------------------------------------------------

void block_seeds() {
  for (const std::size_t interval : {std::size_t{1}, std::size_t{4}, std::size_t{16}}) {
    d::block_builder plain(interval);
    for (std::uint64_t i = 0; i < 40; ++i) plain.add(key_of(i), "v" + std::to_string(i));
    write_seed("block", "plain_keys_restart_" + std::to_string(interval), plain.finish());

    d::block_builder internal(interval);
    for (std::uint64_t i = 0; i < 40; ++i) {
      // Two versions of each user key, newest first (internal key order).
      internal.add(d::make_internal_key(key_of(i), 100 - i, lsm::value_kind::value), "new");
      internal.add(d::make_internal_key(key_of(i), 50 - i, lsm::value_kind::deletion), "");
    }
    write_seed("block", "internal_keys_restart_" + std::to_string(interval), internal.finish());
  }
  d::block_builder empty(16);
  write_seed("block", "empty_block", empty.finish());
}

// --- tables --------------------------------------------------------------

std::string table_of(std::size_t entries, std::size_t block_size, bool tombstones,
                     std::uint64_t seed) {
  std::string bytes;
  lsm_fuzz::string_writable_file out(bytes);
  d::table_options opts;
  opts.block_size = block_size;
  opts.block_restart_interval = 4;
  opts.codec_name = "fuzz";
  d::table_builder<lsm::bytewise_comparator, lsm::filter::bloom<10>> b(opts, out);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < entries; ++i) {
    const auto kind = rng() % 4 == 0 ? lsm::value_kind::deletion : lsm::value_kind::value;
    const std::string value = kind == lsm::value_kind::value ? std::string(rng() % 40, 'x') : "";
    b.add(d::make_internal_key(key_of(i * 3), 1000 + i, kind), value);
  }
  if (tombstones) {
    b.add_range_tombstone(key_of(10), key_of(20), 5000);
    b.add_range_tombstone(key_of(5), key_of(7), 4000);
  }
  if (!b.finish().ok()) {
    std::fprintf(stderr, "make_corpus: table_builder failed\n");
    std::exit(1);
  }
  return bytes;
}

void table_seeds() {
  write_seed("table", "table_empty", table_of(0, 4096, false, 1));
  write_seed("table", "table_one_block", table_of(20, 4096, false, 2));
  write_seed("table", "table_small_blocks", table_of(60, 256, true, 3));
  write_seed("table", "table_tombstones_only", table_of(0, 4096, true, 4));
}

// --- whole trees ---------------------------------------------------------

/// The records of the log at path, as `varint32 size | bytes` each.
std::string records_of(lsm::file_system& fs, const std::string& path) {
  std::string bytes;
  (void)lsm::read_file_to_string(fs, path, bytes);
  lsm_fuzz::bytes_sequential_file src(bytes);
  d::wal::reader r(src, path);
  std::string out, scratch;
  std::string_view record;
  while (r.read_record(record, scratch)) d::put_length_prefixed(out, record);
  return out;
}

/// The tree_open input describing directory lsm_fuzz::tree_dir of fs;
/// logs and manifests as records (raw_logs: as their bytes).
std::string tree_input(lsm::file_system& fs, bool raw_logs) {
  using kind = lsm_fuzz::tree_file_kind;
  std::string out;
  auto children = fs.get_children(lsm_fuzz::tree_dir);
  if (!children.ok()) return out;
  for (const std::string& name : *children) {
    const std::string path = std::string(lsm_fuzz::tree_dir) + "/" + name;
    std::uint64_t number = 0;
    d::file_type type{};
    if (!d::parse_file_name(name, number, type)) continue;
    if (number > 255) continue;
    const auto n = static_cast<std::uint8_t>(number);
    std::string bytes;
    (void)lsm::read_file_to_string(fs, path, bytes);
    switch (type) {
      case d::file_type::log:
        if (raw_logs)
          lsm_fuzz::append_tree_file(out, kind::log_raw, n, bytes);
        else
          lsm_fuzz::append_tree_file(out, kind::log_records, n, records_of(fs, path));
        break;
      case d::file_type::manifest:
        if (raw_logs)
          lsm_fuzz::append_tree_file(out, kind::manifest_raw, n, bytes);
        else
          lsm_fuzz::append_tree_file(out, kind::manifest_records, n, records_of(fs, path));
        break;
      case d::file_type::table:
        lsm_fuzz::append_tree_file(out, kind::table, n, bytes);
        break;
      case d::file_type::current:
        lsm_fuzz::append_tree_file(out, kind::current, 0, bytes);
        break;
      default:
        break;
    }
  }
  return out;
}

void tree_seeds() {
  auto make = [](const char* name, auto&& fill) {
    auto fs = std::make_shared<lsm::memory_file_system>();
    lsm::options opts;
    opts.file_system = fs;
    opts.write_buffer_size = 64 << 10;
    {
      lsm_fuzz::fuzz_tree db(lsm_fuzz::tree_dir, opts);
      fill(db);
    }
    write_seed("tree_open", std::string(name) + "_records", tree_input(*fs, false));
    write_seed("tree_open", std::string(name) + "_raw", tree_input(*fs, true));
  };
  make("tree_wal_only", [](lsm_fuzz::fuzz_tree& db) {
    db.put("apple", "1");
    db.put("banana", "2");
    db.erase("apple");
    db.erase_range("c", "d");
  });
  make("tree_flushed", [](lsm_fuzz::fuzz_tree& db) {
    for (std::uint64_t i = 0; i < 60; ++i) db.put(key_of(i), std::string(50, 'v'));
    db.flush();
    db.erase_range(key_of(10), key_of(20));
    db.put(key_of(100), "in the log");
  });
  make("tree_compacted", [](lsm_fuzz::fuzz_tree& db) {
    for (int round = 0; round < 3; ++round) {
      for (std::uint64_t i = 0; i < 30; ++i)
        db.put(key_of(i * 7 % 50), std::to_string(round) + std::string(20, 'w'));
      db.flush();
    }
    db.compact();
    db.erase(key_of(7));
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus <corpus dir>\n");
    return 2;
  }
  corpus_root = argv[1];
  write_batch_seeds();
  version_edit_seeds();
  wal_seeds();
  block_seeds();
  table_seeds();
  tree_seeds();
  std::printf("make_corpus: wrote %d seed files under %s\n", files_written, argv[1]);
  return 0;
}
