// Byte flips: one damaged byte in any file of a tree directory either leaves
// every read correct or makes the damage an error (errc::corruption; for
// CURRENT also io_error or invalid_argument), never a silently wrong answer.
//
// "Correct" (docs/durability.md): every get and both full scans agree with
// the tree as written, except that damage in the WAL's last records may drop
// them as a torn tail: the reads must then agree with the tree as of the
// records wholly before the damaged byte, or a later prefix of the records.
// A read that fails may fail; every read that succeeds must be right.
//
// LSM_FLIP_TRIALS scales the number of trials (default 100000, 10000 under
// sanitizers); LSM_TEST_SEED replays a run.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "support/crash_util.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_byte_flip_test {

namespace {

using db_type = lsm::tree<std::string, std::string>;
using lsm_test::crash::env_u64;
using lsm_test::crash::file_map;
using state = std::map<std::string, std::string>;

const std::string tree_dir = "/db";

lsm::options tree_options(std::shared_ptr<lsm::file_system> fs) {
  lsm::options o;
  o.file_system = std::move(fs);
  o.write_buffer_size = 1 << 20;  // flushes only when asked
  o.block_size = 256;
  o.block_restart_interval = 4;
  o.block_cache_capacity = 0;
  return o;
}

std::string key_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%03d", i);
  return buf;
}
std::string value_of(int i, int version) {
  return "value-" + std::to_string(version) + "-" + key_of(i) +
         std::string(static_cast<std::size_t>(10 + (i * 7 + version) % 40), 'x');
}

/// The regions a flip lands in.
enum class region : std::uint8_t {
  wal,
  sst_data,
  sst_filter,
  sst_range_del,
  sst_properties,
  sst_metaindex,
  sst_index,
  sst_footer,
  manifest,
  current,
};
constexpr std::size_t region_count = 10;
constexpr const char* region_names[region_count] = {
    "WAL",           "SST data",  "SST filter", "SST range_del", "SST properties",
    "SST metaindex", "SST index", "SST footer", "MANIFEST",      "CURRENT"};

struct span {
  std::string file;
  std::uint64_t begin, end;  // [begin, end)
};

/// The source tree: its files, the byte spans of each region, and the
/// states it may legitimately read as.
struct source_tree {
  file_map files;
  std::array<std::vector<span>, region_count> regions;
  std::vector<std::string> universe;
  std::vector<state> wal_states;          // wal_states[p]: after the first p WAL records
  std::vector<std::uint64_t> record_end;  // end offset of WAL record i
  std::string wal_name;
  std::string manifest_name;
  std::uint64_t manifest_last_header = 0;  // offset of the MANIFEST's last fragment header
};

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

/// Splits an SST into its regions (docs/format/sst.md): the footer's
/// handles locate the metaindex and index; the metaindex's entries (restart
/// interval 1: no shared prefixes) locate the filter, range_del and
/// properties blocks; the data blocks come first.
void map_table(const std::string& name, const std::string& bytes, source_tree& t) {
  const std::uint64_t size = bytes.size();
  REQUIRE(size >= 56);
  std::string_view footer(bytes.data() + size - 56, 40);
  std::uint64_t meta_off, meta_size, index_off, index_size;
  REQUIRE(get_varint(footer, meta_off));
  REQUIRE(get_varint(footer, meta_size));
  REQUIRE(get_varint(footer, index_off));
  REQUIRE(get_varint(footer, index_size));
  std::map<std::uint64_t, std::pair<region, std::uint64_t>> blocks;  // offset -> (region, size)
  blocks[meta_off] = {region::sst_metaindex, meta_size};
  blocks[index_off] = {region::sst_index, index_size};
  // Metaindex entries: shared (0), non_shared, value_length, key, handle.
  const std::string_view meta(bytes.data() + meta_off, meta_size);
  const auto restarts =
      static_cast<std::uint32_t>(static_cast<unsigned char>(meta[meta.size() - 4])) |
      static_cast<std::uint32_t>(static_cast<unsigned char>(meta[meta.size() - 3])) << 8;
  std::string_view entries = meta.substr(0, meta.size() - 4 - 4 * std::size_t{restarts});
  while (!entries.empty()) {
    std::uint64_t shared, non_shared, value_len, off, len;
    REQUIRE(get_varint(entries, shared));
    REQUIRE(get_varint(entries, non_shared));
    REQUIRE(get_varint(entries, value_len));
    const std::string key(entries.substr(0, non_shared));
    entries.remove_prefix(non_shared);
    std::string_view handle = entries.substr(0, value_len);
    entries.remove_prefix(value_len);
    REQUIRE(get_varint(handle, off));
    REQUIRE(get_varint(handle, len));
    region r = region::sst_properties;
    if (key.find("filter") != std::string::npos) r = region::sst_filter;
    if (key.find("range") != std::string::npos) r = region::sst_range_del;
    blocks[off] = {r, len};
  }
  const std::uint64_t first_meta = blocks.begin()->first;
  t.regions[static_cast<std::size_t>(region::sst_data)].push_back({name, 0, first_meta});
  for (const auto& [off, rs] : blocks)  // each block with its 5-byte trailer
    t.regions[static_cast<std::size_t>(rs.first)].push_back({name, off, off + rs.second + 5});
  t.regions[static_cast<std::size_t>(region::sst_footer)].push_back({name, size - 56, size});
}

/// Builds three tables (puts; erases, a range erase and overwrites; more
/// puts), then leaves WAL records unflushed, and closes the tree.
source_tree build_source() {
  source_tree t;
  auto fs = std::make_shared<lsm::memory_file_system>();
  state model;
  {
    db_type db(tree_dir, tree_options(fs));
    for (int i = 0; i < 150; ++i) {
      db.put(key_of(i), value_of(i, 0));
      model[key_of(i)] = value_of(i, 0);
    }
    db.flush();
    for (int i = 0; i < 150; i += 9) {
      db.erase(key_of(i));
      model.erase(key_of(i));
    }
    db.erase_range(key_of(40), key_of(55));
    for (int i = 40; i < 55; ++i) model.erase(key_of(i));
    for (int i = 1; i < 150; i += 5) {
      db.put(key_of(i), value_of(i, 1));
      model[key_of(i)] = value_of(i, 1);
    }
    db.flush();
    for (int i = 150; i < 190; ++i) {
      db.put(key_of(i), value_of(i, 0));
      model[key_of(i)] = value_of(i, 0);
    }
    db.flush();
    // The unflushed tail: one WAL record per write.
    auto children = fs->get_children(tree_dir);
    REQUIRE(children.ok());
    for (const auto& n : *children)
      if (n.size() > 4 && n.substr(n.size() - 4) == ".log") t.wal_name = n;
    REQUIRE(!t.wal_name.empty());
    t.wal_states.push_back(model);
    for (int i = 0; i < 24; ++i) {
      const int k = (i * 37) % 200;
      const lsm::write_options wo{.sync = i % 4 == 3};
      if (i % 6 == 5) {
        db.erase(key_of(k), wo);
        model.erase(key_of(k));
      } else if (i == 10) {
        db.erase_range(key_of(60), key_of(66), wo);
        for (int j = 60; j < 66; ++j) model.erase(key_of(j));
      } else if (i == 16) {
        db_type::batch b;
        for (int j = 190; j < 195; ++j) {
          b.put(key_of(j), value_of(j, 2));
          model[key_of(j)] = value_of(j, 2);
        }
        b.erase(key_of(2));
        model.erase(key_of(2));
        db.write(b, wo);
      } else {
        db.put(key_of(k), value_of(k, 3 + i));
        model[key_of(k)] = value_of(k, 3 + i);
      }
      t.wal_states.push_back(model);
      auto size = fs->file_size(tree_dir + "/" + t.wal_name);
      REQUIRE(size.ok());
      t.record_end.push_back(*size);
    }
  }
  REQUIRE(lsm_test::crash::read_directory(*fs, tree_dir, t.files).ok());
  for (int i = 0; i < 200; ++i) t.universe.push_back(key_of(i));
  for (const auto& [name, bytes] : t.files) {
    if (bytes.empty()) continue;  // LOCK
    const std::uint64_t size = bytes.size();
    if (name == t.wal_name)
      t.regions[static_cast<std::size_t>(region::wal)].push_back({name, 0, size});
    else if (name.size() > 4 && name.substr(name.size() - 4) == ".sst")
      map_table(name, bytes, t);
    else if (name.rfind("MANIFEST-", 0) == 0) {
      t.regions[static_cast<std::size_t>(region::manifest)].push_back({name, 0, size});
      t.manifest_name = name;
      // Walk the fragments (docs/format/wal.md; a small MANIFEST is one block).
      REQUIRE(size < 32768);
      for (std::uint64_t pos = 0; pos + 7 <= size;) {
        t.manifest_last_header = pos;
        pos += 7 + (static_cast<unsigned char>(bytes[pos + 4]) |
                    static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[pos + 5])) << 8);
      }
    } else if (name == "CURRENT")
      t.regions[static_cast<std::size_t>(region::current)].push_back({name, 0, size});
  }
  return t;
}

struct observation {
  bool open_failed = false;
  std::error_code first_error;
  std::vector<std::optional<std::optional<std::string>>> gets;  // nullopt: the get failed
  std::vector<std::pair<std::string, std::string>> forward, backward;
  bool forward_failed = false, backward_failed = false;
};

observation read_everything(const file_map& files, const source_tree& t) {
  observation o;
  auto fs = std::make_shared<lsm::memory_file_system>();
  REQUIRE(lsm_test::crash::write_directory(*fs, tree_dir, files).ok());
  std::error_code ec;
  db_type db(tree_dir, tree_options(fs), ec);
  if (ec) {
    o.open_failed = true;
    o.first_error = ec;
    return o;
  }
  auto note = [&](std::error_code e) {
    if (e && !o.first_error) o.first_error = e;
  };
  for (const std::string& k : t.universe) {
    auto v = db.get(k, ec);
    note(ec);
    if (ec)
      o.gets.emplace_back(std::nullopt);
    else
      o.gets.emplace_back(std::move(v));
  }
  try {
    auto cur = db.cursor();
    for (cur.seek_to_first(); cur.valid(); cur.next())
      o.forward.emplace_back(cur.key(), cur.value());
    o.forward_failed = static_cast<bool>(cur.error());
    note(cur.error());
    for (cur.seek_to_last(); cur.valid(); cur.prev())
      o.backward.emplace_back(cur.key(), cur.value());
    o.backward_failed = static_cast<bool>(cur.error());
    note(cur.error());
  } catch (const lsm::error& e) {
    o.forward_failed = o.backward_failed = true;
    note(e.code());
  }
  return o;
}

/// True when every read that succeeded agrees with s; else `why` says which.
bool agrees(const observation& o, const state& s, const source_tree& t,
            std::string* why = nullptr) {
  if (o.open_failed) return true;
  for (std::size_t i = 0; i < t.universe.size(); ++i) {
    if (!o.gets[i]) continue;
    auto it = s.find(t.universe[i]);
    const std::optional<std::string> want =
        it == s.end() ? std::nullopt : std::optional<std::string>(it->second);
    if (*o.gets[i] != want) {
      if (why)
        *why = "get " + t.universe[i] + " = " + o.gets[i]->value_or("<absent>") + ", expected " +
               want.value_or("<absent>");
      return false;
    }
  }
  if (why)
    *why = "scan (forward failed: " + std::to_string(o.forward_failed) +
           ", backward failed: " + std::to_string(o.backward_failed) + ")";
  const std::vector<std::pair<std::string, std::string>> all(s.begin(), s.end());
  // A scan that ends in an error has reported the damage (the cursor may have
  // stepped over the damaged block first); one that ends cleanly must be exact.
  if (!o.forward_failed && o.forward != all) return false;
  if (!o.backward_failed &&
      !std::equal(o.backward.begin(), o.backward.end(), all.rbegin(), all.rend()))
    return false;
  return true;
}

}  // namespace

TEST_CASE(
    "a damaged byte in any file gives correct reads or a corruption error, never a wrong value",
    "[corruption][figures]") {
  const std::uint64_t seed = lsm_test::crash::test_seed();
  const std::uint64_t trials =
      env_u64("LSM_FLIP_TRIALS", lsm_test::crash::sanitized ? 10000 : 100000);
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  const source_tree t = build_source();
  for (std::size_t r = 0; r < region_count; ++r) {
    INFO("region " << region_names[r]);
    REQUIRE(!t.regions[r].empty());
  }
  {  // The undamaged copy reads back exactly.
    const observation o = read_everything(t.files, t);
    REQUIRE(!o.first_error);
    REQUIRE(agrees(o, t.wal_states.back(), t));
  }
  const auto start = std::chrono::steady_clock::now();
  std::array<std::uint64_t, region_count> per_region{};
  std::uint64_t correct = 0, detected = 0, tail_dropped = 0, wrong = 0, wrong_code = 0,
                manifest_cut = 0;
  std::map<std::string, std::uint64_t> codes;
  std::string problems;
  for (std::uint64_t trial = 0; trial < trials; ++trial) {
    const auto r = static_cast<std::size_t>(rng() % region_count);
    const auto& spans = t.regions[r];
    const span& sp = spans[rng() % spans.size()];
    const std::uint64_t offset = sp.begin + rng() % (sp.end - sp.begin);
    file_map damaged = t.files;
    std::string& bytes = damaged[sp.file];
    const auto old = static_cast<unsigned char>(bytes[offset]);
    if (trial % 2 == 0)
      bytes[offset] = static_cast<char>(old ^ (1u << (rng() % 8)));  // one bit
    else
      bytes[offset] = static_cast<char>(rng() % 256);  // any value, maybe the same
    ++per_region[r];
    const observation o = read_everything(damaged, t);
    // The states the reads may show: all of it, or for WAL damage the
    // records wholly before the damaged byte and any later prefix.
    std::size_t lowest = t.wal_states.size() - 1;
    if (static_cast<region>(r) == region::wal) {
      lowest = 0;
      while (lowest < t.record_end.size() && t.record_end[lowest] <= offset) ++lowest;
    }
    std::optional<std::size_t> matched;
    for (std::size_t p = t.wal_states.size(); p-- > lowest;)
      if (agrees(o, t.wal_states[p], t)) {
        matched = p;
        break;
      }
    const bool allowed_code =
        !o.first_error || o.first_error == lsm::errc::corruption ||
        (static_cast<region>(r) == region::current &&
         (o.first_error == lsm::errc::io_error || o.first_error == lsm::errc::invalid_argument));
    if (o.first_error) ++codes[std::to_string(o.first_error.value())];
    // A damaged length that makes the MANIFEST's last fragment run past the
    // end of the file is indistinguishable from a crash during that append.
    bool cut_looking = false;
    if (static_cast<region>(r) == region::manifest &&
        (offset == t.manifest_last_header + 4 || offset == t.manifest_last_header + 5)) {
      const std::uint64_t len =
          static_cast<unsigned char>(bytes[t.manifest_last_header + 4]) |
          static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[t.manifest_last_header + 5]))
              << 8;
      cut_looking = t.manifest_last_header + 7 + len > bytes.size();
    }
    std::string problem;
    if (!matched && cut_looking) {
      ++manifest_cut;
    } else if (!matched) {
      ++wrong;
      problem = "silently wrong reads";
      std::string why;
      agrees(o, t.wal_states.back(), t, &why);
      problem += ": " + why;
    } else if (!allowed_code) {
      ++wrong_code;
      problem = "error of the wrong kind: " + o.first_error.message();
    } else if (o.first_error) {
      ++detected;
    } else if (*matched + 1 < t.wal_states.size()) {
      ++tail_dropped;
    } else {
      ++correct;
    }
    if (!problem.empty() && std::count(problems.begin(), problems.end(), '\n') < 8)
      problems += "\n  trial " + std::to_string(trial) + ": " + region_names[r] + " " + sp.file +
                  " offset " + std::to_string(offset) + " byte " + std::to_string(old) + " -> " +
                  std::to_string(static_cast<unsigned char>(bytes[offset])) + ": " + problem +
                  (o.first_error ? " (error: " + o.first_error.message() + ")" : "");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string per;
  for (std::size_t r = 0; r < region_count; ++r)
    per += std::string(r ? ", " : "") + std::to_string(per_region[r]) + " " + region_names[r];
  std::printf(
      "FIGURE byte flips: %llu trials (%s) in %.1f s: %llu correct, %llu detected as errors, "
      "%llu WAL tails dropped, %llu MANIFEST last edits cut by a damaged length, %llu silently "
      "wrong, %llu errors of the wrong kind\n",
      static_cast<unsigned long long>(trials), per.c_str(), seconds,
      static_cast<unsigned long long>(correct), static_cast<unsigned long long>(detected),
      static_cast<unsigned long long>(tail_dropped), static_cast<unsigned long long>(manifest_cut),
      static_cast<unsigned long long>(wrong), static_cast<unsigned long long>(wrong_code));
  std::string code_list;
  for (const auto& [c, n] : codes) code_list += " errc " + c + ": " + std::to_string(n) + ";";
  INFO("error codes:" << code_list);
  INFO("first problems:" << problems);
  CHECK(wrong == 0);
  CHECK(wrong_code == 0);
}

}  // namespace lsm_test_byte_flip_test
