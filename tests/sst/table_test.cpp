#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_table_test {

using namespace lsm::detail;
using lsm::bytewise_comparator;
using lsm::sequence_number;
using lsm::value_kind;

namespace {

std::uint64_t test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

/// Appends to a string the test owns.
class sst_sink final : public lsm::writable_file {
 public:
  explicit sst_sink(std::string& out) : out_(out) {}
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

/// Reads from a copy of a string.
class sst_source final : public lsm::random_access_file {
 public:
  explicit sst_source(std::string data) : data_(std::move(data)) {}
  lsm::status read(std::uint64_t offset, std::size_t n, char* scratch,
                   std::string_view& out) const override {
    if (offset >= data_.size()) {
      out = {};
      return {};
    }
    n = std::min<std::size_t>(n, data_.size() - static_cast<std::size_t>(offset));
    std::memcpy(scratch, data_.data() + offset, n);
    out = std::string_view(scratch, n);
    return {};
  }

 private:
  std::string data_;
};

using entry = std::pair<std::string, std::string>;  // (internal key, value)
using bloom_reader = table_reader<bytewise_comparator, lsm::filter::bloom<10>>;
using bloom_builder = table_builder<bytewise_comparator, lsm::filter::bloom<10>>;

std::string build(const std::vector<entry>& entries, const std::vector<range_tombstone>& tombstones,
                  table_options options, table_properties* props = nullptr) {
  std::string file;
  sst_sink sink(file);
  bloom_builder b(options, sink);
  for (const auto& [k, v] : entries) b.add(k, v);
  for (const auto& t : tombstones) b.add_range_tombstone(t.first, t.last, t.seq);
  REQUIRE(b.finish().ok());
  CHECK(b.file_size() == file.size());
  if (props != nullptr) *props = b.properties();
  return file;
}

lsm::result<std::unique_ptr<bloom_reader>> open(const std::string& file,
                                                block_cache* cache = nullptr,
                                                table_options options = {}) {
  return bloom_reader::open(options, std::make_unique<sst_source>(file), file.size(), "000042.sst",
                            cache);
}

std::string user_key(std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%010llu", static_cast<unsigned long long>(i));
  return buf;
}

struct reversed {
  static constexpr std::string_view name = "test.reversed";
  static int compare(std::string_view a, std::string_view b) { return b.compare(a); }
};

bool ikey_less(const std::string& a, const std::string& b) {
  return internal_key_comparator<bytewise_comparator>::compare(a, b) < 0;
}

}  // namespace

TEST_CASE("a table of 100k keys round-trips lookups, scans and seeks", "[sst]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    std::string v(rng() % 64, '\0');
    for (auto& c : v) c = static_cast<char>(rng());
    entries.emplace_back(make_internal_key(user_key(2 * i), i + 1, value_kind::value),
                         std::move(v));
  }
  const std::string file = build(entries, {}, {});
  const bool with_cache = GENERATE(false, true);
  INFO("with cache " << with_cache);
  block_cache cache(1 << 20);
  auto t = open(file, with_cache ? &cache : nullptr);
  REQUIRE(t.ok());
  const bloom_reader& table = **t;
  CHECK(table.has_filter());
  CHECK(table.properties().num_entries == entries.size());
  CHECK(table.properties().num_data_blocks > 100);

  const read_settings rs;
  bloom_reader::lookup out;
  for (std::uint64_t i = 0; i < entries.size(); ++i) {
    REQUIRE(table.get(user_key(2 * i), lsm::max_sequence_number, rs, out).ok());
    REQUIRE(out.found);
    REQUIRE(out.internal_key == entries[i].first);
    REQUIRE(out.value == entries[i].second);
  }
  std::size_t skipped = 0;
  for (std::uint64_t i = 0; i < entries.size(); ++i) {
    REQUIRE(table.get(user_key(2 * i + 1), lsm::max_sequence_number, rs, out).ok());
    REQUIRE_FALSE(out.found);
    skipped += out.filter_skipped ? 1 : 0;
  }
  CHECK(skipped > entries.size() * 97 / 100);  // ~1% false positives at 10 bits/key
  // A key is invisible below its sequence number.
  REQUIRE(table.get(user_key(20), 10, rs, out).ok());
  CHECK_FALSE(out.found);
  REQUIRE(table.get(user_key(20), 11, rs, out).ok());
  CHECK(out.found);
  if (with_cache) {
    CHECK(cache.hits() > 0);
    CHECK(cache.usage() > 0);
    CHECK(cache.usage() <= cache.capacity());
  }

  // Iterators that fill the cache read block by block; those that do not (a
  // compaction's) read the file in chunks of many blocks and view them there.
  const bool fill = GENERATE(true, false);
  INFO("fill_cache " << fill);
  read_settings scan_rs;
  scan_rs.fill_cache = fill;
  const std::size_t misses_before = with_cache ? cache.misses() : 0;
  auto it = table.new_iterator(scan_rs);
  std::size_t n = 0;
  for (it->seek_to_first(); it->valid(); it->next(), ++n) {
    REQUIRE(n < entries.size());
    REQUIRE(it->key() == entries[n].first);
    REQUIRE(it->value() == entries[n].second);
  }
  CHECK(n == entries.size());
  for (it->seek_to_last(); it->valid(); it->prev()) {
    REQUIRE(n > 0);
    --n;
    REQUIRE(it->key() == entries[n].first);
    REQUIRE(it->value() == entries[n].second);
  }
  CHECK(n == 0);
  CHECK(it->get_status().ok());
  if (with_cache && !fill) CHECK(cache.misses() == misses_before);  // chunks skip the cache

  for (int s = 0; s < 20000; ++s) {
    const std::string target =
        make_internal_key(user_key(rng() % 200'010), rng() % 100'010, value_kind::value);
    auto expect = std::lower_bound(
        entries.begin(), entries.end(), target,
        [](const entry& e, const std::string& k) { return ikey_less(e.first, k); });
    it->seek(target);
    if (expect == entries.end()) {
      REQUIRE_FALSE(it->valid());
      continue;
    }
    REQUIRE(it->valid());
    REQUIRE(it->key() == expect->first);
    if (s % 2 == 0) {
      it->next();
      ++expect;
      REQUIRE(it->valid() == (expect != entries.end()));
      if (it->valid()) REQUIRE(it->key() == expect->first);
    } else {
      it->prev();
      REQUIRE(it->valid() == (expect != entries.begin()));
      if (it->valid()) REQUIRE(it->key() == std::prev(expect)->first);
    }
  }
  CHECK(it->get_status().ok());

  // Approximate offsets grow with the key and stay within the data.
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < entries.size(); i += 997) {
    const std::uint64_t off = table.approximate_offset_of(entries[i].first);
    REQUIRE(off >= last);
    last = off;
  }
  CHECK(table.approximate_offset_of(entries.front().first) == 0);
  const std::uint64_t end =
      table.approximate_offset_of(make_internal_key("zzz", 0, value_kind::value));
  CHECK(end >= last);
  CHECK(end < file.size());
  CHECK(end > file.size() / 2);
}

TEST_CASE("a table returns the newest visible version among versions and tombstones", "[sst]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<entry> entries;
  std::vector<std::vector<std::size_t>> by_key(2000);  // entry indexes, newest first
  for (std::uint64_t k = 0; k < 2000; ++k) {
    std::vector<sequence_number> seqs;
    const std::size_t versions = 1 + rng() % 4;
    for (std::size_t v = 0; v < versions; ++v) seqs.push_back(1 + rng() % 1000);
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    for (auto s = seqs.rbegin(); s != seqs.rend(); ++s) {
      const bool del = rng() % 4 == 0;
      by_key[k].push_back(entries.size());
      entries.emplace_back(
          make_internal_key(user_key(k), *s, del ? value_kind::deletion : value_kind::value),
          del ? std::string() : "v" + std::to_string(k) + "@" + std::to_string(*s));
    }
  }
  table_options options;
  options.block_size = 256;
  options.block_restart_interval = 4;
  const std::string file = build(entries, {}, options);
  auto t = open(file);
  REQUIRE(t.ok());
  bloom_reader::lookup out;
  for (int q = 0; q < 20000; ++q) {
    const std::uint64_t k = rng() % 2000;
    const sequence_number snap = rng() % 1100;
    // The reference: the first entry of k with sequence <= snap.
    const entry* expect = nullptr;
    for (const std::size_t i : by_key[k]) {
      if (extract_sequence(entries[i].first) <= snap) {
        expect = &entries[i];
        break;
      }
    }
    REQUIRE((*t)->get(user_key(k), snap, {}, out).ok());
    INFO("key " << k << " snapshot " << snap);
    REQUIRE(out.found == (expect != nullptr));
    if (expect != nullptr) {
      REQUIRE(out.internal_key == expect->first);
      REQUIRE(out.value == expect->second);
    }
  }
}

TEST_CASE("range tombstones and properties round-trip", "[sst]") {
  std::vector<entry> entries;
  std::uint64_t raw_key = 0, raw_value = 0;
  for (std::uint64_t i = 10; i < 500; ++i) {
    const bool del = i % 7 == 0;
    entries.emplace_back(
        make_internal_key(user_key(i), 1000 + i, del ? value_kind::deletion : value_kind::value),
        del ? "" : std::string(i % 50, 'x'));
    raw_key += entries.back().first.size();
    raw_value += entries.back().second.size();
  }
  // Out of order, with a duplicate start and sequence (merged: the larger end wins).
  std::vector<range_tombstone> tombstones = {
      {user_key(300), user_key(310), 2000}, {user_key(5), user_key(20), 7},
      {user_key(300), user_key(320), 2000}, {user_key(300), user_key(305), 1500},
      {user_key(600), user_key(700), 3},
  };
  table_options options;
  options.block_size = 512;
  options.codec_name = "test.codec";
  table_properties built;
  const std::string file = build(entries, tombstones, options, &built);
  auto t = open(file, nullptr, options);
  REQUIRE(t.ok());
  const table_properties& p = (*t)->properties();
  CHECK(p == built);
  CHECK(p.num_entries == entries.size());
  CHECK(p.num_deletions == 70);
  CHECK(p.num_range_deletions == 4);
  CHECK(p.raw_key_size == raw_key);
  CHECK(p.raw_value_size == raw_value);
  CHECK(p.num_data_blocks > 5);
  CHECK(p.smallest == make_internal_key(user_key(5), 7, value_kind::range_deletion));
  CHECK(p.largest ==
        make_internal_key(user_key(700), lsm::max_sequence_number, value_kind::range_deletion));
  CHECK(p.smallest_seq == 3);
  CHECK(p.largest_seq == 2000);
  CHECK(p.comparator_name == "lsm.bytewise");
  CHECK(p.filter_name == "lsm.bloom.v1");
  CHECK(p.codec_name == "test.codec");

  const std::vector<range_tombstone> expect = {
      {user_key(5), user_key(20), 7},
      {user_key(300), user_key(320), 2000},
      {user_key(300), user_key(305), 1500},
      {user_key(600), user_key(700), 3},
  };
  CHECK((*t)->range_tombstones() == expect);

  // Names are checked on open.
  table_options other_codec;
  other_codec.codec_name = "other.codec";
  auto wrong_codec = open(file, nullptr, other_codec);
  REQUIRE_FALSE(wrong_codec.ok());
  CHECK(wrong_codec.get_status().is(lsm::errc::invalid_argument));
  auto wrong_cmp = table_reader<reversed, lsm::filter::bloom<10>>::open(
      {}, std::make_unique<sst_source>(file), file.size(), "x.sst", nullptr);
  REQUIRE_FALSE(wrong_cmp.ok());
  CHECK(wrong_cmp.get_status().is(lsm::errc::invalid_argument));
  CHECK(wrong_cmp.get_status().message().find("lsm.bytewise") != std::string::npos);
  // Another filter policy reads the table without using its filter.
  auto no_filter = table_reader<bytewise_comparator, lsm::filter::none>::open(
      {}, std::make_unique<sst_source>(file), file.size(), "x.sst", nullptr);
  REQUIRE(no_filter.ok());
  table_reader<bytewise_comparator, lsm::filter::none>::lookup out;
  REQUIRE((*no_filter)->get(user_key(11), 5000, {}, out).ok());
  CHECK(out.found);
}

TEST_CASE("empty and tombstone-only tables open and iterate as empty", "[sst]") {
  for (bool with_tombstone : {false, true}) {
    std::vector<range_tombstone> ts;
    if (with_tombstone) ts.push_back({"a", "b", 9});
    const std::string file = build({}, ts, {});
    auto t = open(file);
    REQUIRE(t.ok());
    CHECK((*t)->range_tombstones().size() == ts.size());
    CHECK((*t)->properties().num_data_blocks == 0);
    auto it = (*t)->new_iterator({});
    it->seek_to_first();
    CHECK_FALSE(it->valid());
    it->seek_to_last();
    CHECK_FALSE(it->valid());
    it->seek(make_internal_key("a", 1, value_kind::value));
    CHECK_FALSE(it->valid());
    CHECK(it->get_status().ok());
    bloom_reader::lookup out;
    REQUIRE((*t)->get("a", 100, {}, out).ok());
    CHECK_FALSE(out.found);
  }
}

TEST_CASE("the table builder rejects keys out of order", "[sst]") {
  std::string file;
  sst_sink sink(file);
  bloom_builder b({}, sink);
  b.add(make_internal_key("b", 5, value_kind::value), "1");
  SECTION("the same internal key twice") {
    b.add(make_internal_key("b", 5, value_kind::value), "2");
  }
  SECTION("an older version of a key before a newer one") {
    b.add(make_internal_key("b", 6, value_kind::value), "2");
  }
  SECTION("a smaller user key") { b.add(make_internal_key("a", 1, value_kind::value), "2"); }
  SECTION("at the same sequence number, a value after a deletion would be out of order too") {
    b.add(make_internal_key("b", 5, value_kind::deletion), "");
    REQUIRE(b.get_status().ok());
    b.add(make_internal_key("b", 5, value_kind::value), "2");
  }
  CHECK(b.get_status().is(lsm::errc::invalid_argument));
  CHECK(b.finish().is(lsm::errc::invalid_argument));
}

TEST_CASE("the table builder takes newer-to-older versions of a key and records the bounds",
          "[sst]") {
  table_properties props;
  const std::string file = build({{make_internal_key("a", 9, value_kind::value), "1"},
                                  {make_internal_key("b", 7, value_kind::value), "2"},
                                  {make_internal_key("b", 3, value_kind::deletion), ""},
                                  {make_internal_key("c", 4, value_kind::value), "3"}},
                                 {}, {}, &props);
  CHECK(props.num_entries == 4);
  CHECK(props.smallest == make_internal_key("a", 9, value_kind::value));
  CHECK(props.largest == make_internal_key("c", 4, value_kind::value));
  CHECK(props.smallest_seq == 3);
  CHECK(props.largest_seq == 9);
}

TEST_CASE("a data block goes through the cache only when fill_cache is set", "[sst]") {
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 1000; ++i)
    entries.emplace_back(make_internal_key(user_key(i), 1, value_kind::value), "v");
  const std::string file = build(entries, {}, {});
  block_cache cache(1 << 20);
  auto t = open(file, &cache);
  REQUIRE(t.ok());
  bloom_reader::lookup out;
  read_settings no_fill;
  no_fill.fill_cache = false;
  REQUIRE((*t)->get(user_key(1), 10, no_fill, out).ok());
  CHECK(out.found);
  CHECK(cache.size() == 0);
  CHECK(cache.misses() == 1);
  REQUIRE((*t)->get(user_key(1), 10, {}, out).ok());
  CHECK(cache.size() == 1);
  REQUIRE((*t)->get(user_key(2), 10, {}, out).ok());
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 2);
  // Two tables never share cache entries.
  auto t2 = open(file, &cache);
  REQUIRE(t2.ok());
  REQUIRE((*t2)->get(user_key(2), 10, {}, out).ok());
  CHECK(cache.misses() == 3);
  CHECK(cache.size() == 2);
}

TEST_CASE("one table is read by 4 threads at once through a small cache", "[sst]") {
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 20000; ++i)
    entries.emplace_back(make_internal_key(user_key(i), 1, value_kind::value),
                         "value" + std::to_string(i));
  const std::string file = build(entries, {}, {});
  block_cache cache(64 * 1024);  // far smaller than the table: constant eviction
  auto t = open(file, &cache);
  REQUIRE(t.ok());
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (unsigned th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      std::mt19937_64 rng(seed + th);
      bloom_reader::lookup out;
      for (int q = 0; q < 5000; ++q) {
        const std::uint64_t i = rng() % entries.size();
        if (!(*t)->get(user_key(i), 1, {}, out).ok() || !out.found ||
            out.value != entries[i].second)
          ++wrong;
      }
      auto it = (*t)->new_iterator({});
      std::size_t n = 0;
      for (it->seek(entries[th * 1000].first); it->valid() && n < 3000; it->next(), ++n)
        if (it->key() != entries[th * 1000 + n].first) ++wrong;
      if (!it->get_status().ok()) ++wrong;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.usage() <= cache.capacity());
  CHECK(cache.hits() > 0);
}

TEST_CASE("flipping any byte of a table is detected or harmless (filter only)", "[sst]") {
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 120; ++i)
    entries.emplace_back(make_internal_key(user_key(i * 3), 100 + i,
                                           i % 10 == 0 ? value_kind::deletion : value_kind::value),
                         i % 10 == 0 ? "" : "value" + std::to_string(i));
  table_options options;
  options.block_size = 300;
  options.block_restart_interval = 3;
  const std::string good = build(entries, {{user_key(1), user_key(9), 50}}, options);

  // Locate the filter block (contents + trailer) from the metaindex.
  block_handle filter;
  {
    footer f;
    REQUIRE(
        f.decode_from(std::string_view(good).substr(good.size() - footer_size), good.size(), "x")
            .ok());
    block meta{good.substr(f.metaindex.offset, f.metaindex.size)};
    block_iterator<bytewise_comparator> it(meta);
    it.seek("filter");
    REQUIRE(it.valid());
    REQUIRE(decode_exact_handle(it.value(), filter));
    REQUIRE(filter.size > 0);
  }
  auto t0 = open(good);
  REQUIRE(t0.ok());
  REQUIRE((*t0)->properties().num_data_blocks >= 5);

  std::size_t open_failures = 0, read_failures = 0, filter_flips = 0;
  for (std::size_t off = 0; off < good.size(); ++off) {
    std::string bad = good;
    bad[off] = static_cast<char>(bad[off] ^ (1 << (off % 8)));
    INFO("flipped offset " << off << " of " << good.size());
    auto t = open(bad);
    if (!t.ok()) {
      REQUIRE(t.get_status().is(lsm::errc::corruption));
      REQUIRE(t.get_status().message().find("000042.sst") != std::string::npos);
      ++open_failures;
      continue;
    }
    bool failed = false;
    bloom_reader::lookup out;
    // Every present key (3j), and the absent key after every third one.
    for (std::uint64_t j = 0; j < entries.size(); ++j) {
      for (std::uint64_t i = 3 * j; i <= 3 * j + (j % 3 == 0 ? 1 : 0); ++i) {
        const lsm::status s = (*t)->get(user_key(i), 1000, {}, out);
        if (!s.ok()) {
          REQUIRE(s.is(lsm::errc::corruption));
          failed = true;
          continue;
        }
        REQUIRE(out.found == (i == 3 * j));
        if (out.found) {
          REQUIRE(out.internal_key == entries[j].first);
          REQUIRE(out.value == entries[j].second);
        }
      }
    }
    auto it = (*t)->new_iterator({});
    std::size_t n = 0;
    for (it->seek_to_first(); it->valid(); it->next(), ++n) {
      REQUIRE(n < entries.size());
      REQUIRE(it->key() == entries[n].first);
      REQUIRE(it->value() == entries[n].second);
    }
    if (!it->get_status().ok()) {
      REQUIRE(it->get_status().is(lsm::errc::corruption));
      failed = true;
    } else {
      REQUIRE(n == entries.size());
    }
    // A scan that reads chunks (fill_cache off) finds the same damage.
    read_settings chunked;
    chunked.fill_cache = false;
    auto scan = (*t)->new_iterator(chunked);
    std::size_t scanned = 0;
    for (scan->seek_to_first(); scan->valid(); scan->next(), ++scanned) {
      REQUIRE(scanned < entries.size());
      REQUIRE(scan->key() == entries[scanned].first);
      REQUIRE(scan->value() == entries[scanned].second);
    }
    REQUIRE(scan->get_status().ok() == it->get_status().ok());
    REQUIRE(scanned == n);
    if (!scan->get_status().ok()) {
      REQUIRE(scan->get_status().is(lsm::errc::corruption));
      REQUIRE(scan->get_status().message().find("000042.sst") != std::string::npos);
    }
    // Without checksums the damage may go unseen, but nothing may crash.
    read_settings unchecked;
    unchecked.verify_checksums = false;
    auto raw = (*t)->new_iterator(unchecked);
    for (raw->seek_to_last(); raw->valid(); raw->prev()) {
    }
    const bool in_filter = off >= filter.offset && off < filter.offset + filter.size + 5;
    if (in_filter) {
      REQUIRE_FALSE((*t)->has_filter());
      REQUIRE((*t)->filter_status().is(lsm::errc::corruption));  // what verification reports
      REQUIRE_FALSE(failed);
      ++filter_flips;
    } else {
      REQUIRE((*t)->filter_status().ok());
      REQUIRE(failed);
      ++read_failures;
    }
  }
  CHECK(filter_flips == filter.size + 5);
  CHECK(open_failures + read_failures + filter_flips == good.size());
  CHECK(open_failures > 0);
  CHECK(read_failures > 0);
}

TEST_CASE("truncated files and random garbage fail to open with corruption", "[sst]") {
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 200; ++i)
    entries.emplace_back(make_internal_key(user_key(i), 7, value_kind::value), "v");
  const std::string good = build(entries, {{"a", "b", 3}}, {});
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("truncated to " << n);
    auto t = open(good.substr(0, n));
    REQUIRE_FALSE(t.ok());
    REQUIRE(t.get_status().is(lsm::errc::corruption));
  }
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int g = 0; g < 2000; ++g) {
    std::string junk(rng() % 3000, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (g % 2 == 1) put_fixed64(junk, table_magic_number);  // get past the magic check
    if (g % 4 == 3) {
      // A footer that checks out, with random handles.
      junk.resize(junk.size() - 8);
      footer f;
      f.metaindex = {rng() % (junk.size() + 10), rng() % 200};
      f.index = {rng() % (junk.size() + 10), rng() % 200};
      f.encode_to(junk);
    }
    auto t = open(junk);
    INFO("garbage " << g << " of " << junk.size() << " bytes");
    REQUIRE_FALSE(t.ok());
    REQUIRE(t.get_status().is(lsm::errc::corruption));
  }
}

/// Reads from a copy of a string, but a read below `cut` that would go past
/// it stops there (a file cut short under its reader, or a short read).
class short_source final : public lsm::random_access_file {
 public:
  short_source(std::string data, std::uint64_t cut) : data_(std::move(data)), cut_(cut) {}
  lsm::status read(std::uint64_t offset, std::size_t n, char* scratch,
                   std::string_view& out) const override {
    std::uint64_t end = std::min<std::uint64_t>(offset + n, data_.size());
    if (offset < cut_) end = std::min(end, cut_);
    const auto got = static_cast<std::size_t>(end > offset ? end - offset : 0);
    std::memcpy(scratch, data_.data() + std::min<std::size_t>(offset, data_.size()), got);
    out = std::string_view(scratch, got);
    return {};
  }

 private:
  std::string data_;
  std::uint64_t cut_;
};

TEST_CASE("a scan that meets a short read reports the block, whether or not it fills the cache",
          "[sst]") {
  std::vector<entry> entries;
  for (std::uint64_t i = 0; i < 20000; ++i)
    entries.emplace_back(make_internal_key(user_key(i), 1, value_kind::value),
                         std::string(40, static_cast<char>('a' + i % 26)));
  const std::string file = build(entries, {}, {});
  REQUIRE(file.size() > 600'000);  // more than two chunks of a chunked scan
  const std::uint64_t cut = 300'000;
  auto t = bloom_reader::open({}, std::make_unique<short_source>(file, cut), file.size(),
                              "000042.sst", nullptr);
  REQUIRE(t.ok());
  for (const bool fill : {true, false}) {
    INFO("fill_cache " << fill);
    read_settings rs;
    rs.fill_cache = fill;
    auto it = (*t)->new_iterator(rs);
    std::size_t n = 0;
    for (it->seek_to_first(); it->valid(); it->next(), ++n) {
      REQUIRE(it->key() == entries[n].first);
      REQUIRE(it->value() == entries[n].second);
    }
    // Every entry before the block that crosses the cut, then an error
    // naming the file and that block.
    CHECK(n > 0);
    CHECK(n < entries.size());
    REQUIRE(it->get_status().is(lsm::errc::corruption));
    const std::string m = it->get_status().message();
    INFO(m);
    CHECK(m.find("000042.sst: block at offset ") == 0);
    CHECK(m.find("(truncated file?)") != std::string::npos);
    // Backwards from the end, the scan stops at the same block.
    std::size_t back = 0;
    auto rit = (*t)->new_iterator(rs);
    for (rit->seek_to_last(); rit->valid(); rit->prev()) {
      REQUIRE(rit->key() == entries[entries.size() - 1 - back].first);
      ++back;
    }
    CHECK(rit->get_status().is(lsm::errc::corruption));
    CHECK(back > 0);
    CHECK(n + back < entries.size());
  }
}

TEST_CASE("a table written and read through the POSIX file system round-trips", "[sst]") {
  auto fs = lsm::default_file_system();
  const auto dir =
      std::filesystem::temp_directory_path() / ("lsm_sst_test_" + std::to_string(test_seed()));
  REQUIRE(fs->create_dir(dir.string()).ok());
  const std::string path = (dir / "000001.sst").string();
  {
    auto w = fs->new_writable_file(path);
    REQUIRE(w.ok());
    bloom_builder b({}, **w);
    for (std::uint64_t i = 0; i < 5000; ++i)
      b.add(make_internal_key(user_key(i), 1, value_kind::value), std::to_string(i));
    REQUIRE(b.finish().ok());
    REQUIRE((*w)->sync().ok());
    REQUIRE((*w)->close().ok());
  }
  auto size = fs->file_size(path);
  REQUIRE(size.ok());
  auto r = fs->new_random_access_file(path);
  REQUIRE(r.ok());
  auto t = bloom_reader::open({}, std::move(*r), *size, path, nullptr);
  REQUIRE(t.ok());
  bloom_reader::lookup out;
  REQUIRE((*t)->get(user_key(4321), 1, {}, out).ok());
  CHECK(out.found);
  CHECK(out.value == "4321");
  t = lsm::status{};
  CHECK(fs->remove_file(path).ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a mapped table is read in place, bypassing the cache, and still checksummed", "[sst]") {
  auto fs = lsm::default_file_system();
  const auto dir =
      std::filesystem::temp_directory_path() / ("lsm_sst_map_test_" + std::to_string(test_seed()));
  std::filesystem::remove_all(dir);
  REQUIRE(fs->create_dir(dir.string()).ok());
  const std::string path = (dir / "000001.sst").string();
  {
    auto w = fs->new_writable_file(path);
    REQUIRE(w.ok());
    bloom_builder b({}, **w);
    for (std::uint64_t i = 0; i < 5000; ++i)
      b.add(make_internal_key(user_key(i), 1, value_kind::value), std::to_string(i));
    REQUIRE(b.finish().ok());
    REQUIRE((*w)->close().ok());
  }
  auto size = fs->file_size(path);
  REQUIRE(size.ok());
  block_cache cache(1 << 20);
  {
    auto r = fs->new_random_access_file(path);
    REQUIRE(r.ok());
    REQUIRE((*r)->mapped() != nullptr);
    auto t = bloom_reader::open({}, std::move(*r), *size, path, &cache);
    REQUIRE(t.ok());
    bloom_reader::lookup out;
    REQUIRE((*t)->get(user_key(4321), 1, {}, out).ok());
    CHECK(out.value == "4321");
    // Foreground reads view the mapping: no cache traffic at all.
    CHECK(cache.size() == 0);
    CHECK(cache.hits() + cache.misses() == 0);
    // A point read that is not to fill the cache views the mapping too.
    read_settings no_fill;
    no_fill.fill_cache = false;
    REQUIRE((*t)->get(user_key(17), 1, no_fill, out).ok());
    CHECK(out.value == "17");
    CHECK(cache.hits() + cache.misses() == 0);
    // A scan that is not to fill the cache (a compaction's) reads chunks
    // through a descriptor of its own, not the mapping, nor the cache.
    {
      auto scan = (*t)->new_iterator(no_fill);
      std::uint64_t seen = 0;
      for (scan->seek_to_first(); scan->valid(); scan->next()) ++seen;
      CHECK(scan->get_status().ok());
      CHECK(seen == 5000);
      CHECK(cache.hits() + cache.misses() == 0);
    }
    // A scan over views: every entry, in order; its blocks stay readable
    // while the iterator lives.
    auto it = (*t)->new_iterator({});
    std::uint64_t n = 0;
    for (it->seek_to_first(); it->valid(); it->next()) {
      if (it->value() != std::to_string(n)) break;
      ++n;
    }
    CHECK(it->get_status().ok());
    CHECK(n == 5000);
  }
  // Flip a byte inside the first data block on disk: a mapped read reports
  // the checksum mismatch with the file and the block's offset.
  {
    std::FILE* f = std::fopen(path.c_str(), "r+b");
    REQUIRE(f != nullptr);
    REQUIRE(std::fseek(f, 100, SEEK_SET) == 0);
    const int c = std::fgetc(f);
    REQUIRE(std::fseek(f, 100, SEEK_SET) == 0);
    std::fputc(c ^ 0x20, f);
    std::fclose(f);
  }
  auto r = fs->new_random_access_file(path);
  REQUIRE(r.ok());
  REQUIRE((*r)->mapped() != nullptr);
  auto t = bloom_reader::open({}, std::move(*r), *size, path, &cache);
  REQUIRE(t.ok());
  bloom_reader::lookup out;
  const lsm::status s = (*t)->get(user_key(0), 1, {}, out);
  CHECK(s.code() == lsm::errc::corruption);
  CHECK(s.message().find(path) != std::string::npos);
  CHECK(s.message().find("block at offset 0") != std::string::npos);
  CHECK(s.message().find("checksum mismatch") != std::string::npos);
  t = lsm::status{};
  std::filesystem::remove_all(dir);
}

}  // namespace lsm_test_table_test
