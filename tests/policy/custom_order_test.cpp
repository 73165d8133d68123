// A custom key order through Codec::compare (here: strings descending) holds
// everywhere: memtable, table blocks and index, compaction, cursor, scan and
// range erase, across flushes, compactions and a reopen, for both shipped
// compaction policies. Replay with LSM_TEST_SEED=<seed>.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policy_support.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_custom_order_test {

namespace {

using lsm_test::descending_codec;
using key = lsm_test::key_gen<std::string>;

template <class Compaction>
using descending_tree = lsm::tree<std::string, std::string, descending_codec,
                                  lsm::memtable::skiplist, lsm::filter::bloom<10>, Compaction>;

/// Every key of the tree in scan order.
template <class Tree>
std::vector<std::string> scan_keys(const Tree& db) {
  std::vector<std::string> out;
  for (auto&& [k, v] : db.scan()) {
    REQUIRE(v == "value of " + k);
    out.push_back(k);
  }
  return out;
}

/// key(n - 1), ..., key(0) minus the erased (first, last] bytewise range.
std::vector<std::string> expected_keys(int n, int erased_low, int erased_high) {
  std::vector<std::string> out;
  for (int i = n - 1; i >= 0; --i)
    if (i <= erased_low || i > erased_high) out.push_back(key::make(static_cast<std::uint64_t>(i)));
  return out;
}

/// Keys ordered and compared without regard to ASCII case: "Apple" and
/// "APPLE" are one key, whose bytes are those of its first write.
struct case_blind_codec {
  static constexpr std::string_view name = "test.case_blind";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
  static std::string decode_value(std::string_view in) { return std::string(in); }
  static int compare(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
      const int x = std::tolower(static_cast<unsigned char>(a[i]));
      const int y = std::tolower(static_cast<unsigned char>(b[i]));
      if (x != y) return x < y ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
  }
};

/// The same order, with the hash that keys it finds equal share.
struct hashed_case_blind_codec : case_blind_codec {
  static constexpr std::string_view name = "test.hashed_case_blind";
  static std::uint64_t hash_key(std::string_view k) {
    std::string lower(k);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::hash<std::string>{}(lower);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("a descending codec orders keys descending in every layer", "[policy][order]",
                   lsm::compaction::leveled<>, lsm::compaction::tiered<>) {
  const std::uint64_t seed = lsm_test::test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  constexpr int n = 3000;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  opts.write_buffer_size = 16 << 10;
  opts.target_file_size = 8 << 10;
  opts.block_size = 256;
  auto db = std::make_unique<descending_tree<TestType>>("/desc", opts);

  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (int i : order) {
    const std::string k = key::make(static_cast<std::uint64_t>(i));
    db->put(k, "value of " + k);
  }
  db->compact();
  const lsm::stats s = db->stats();
  REQUIRE(s.flushes > 0);
  REQUIRE(s.compactions > 0);
  REQUIRE(s.levels.at(0).files == 0);  // every key now lives in sorted tables

  SECTION("scan, cursor and get follow the codec's order after compaction") {
    REQUIRE(scan_keys(*db) == expected_keys(n, n, n));
    auto c = db->cursor();
    c.seek_to_first();
    REQUIRE(c.valid());
    CHECK(c.key() == key::make(n - 1));
    c.seek_to_last();
    REQUIRE(c.valid());
    CHECK(c.key() == key::make(0));
    // seek: the first key at or after the target in the codec's order, which
    // is the bytewise-largest key <= the target.
    c.seek(key::make(500) + "x");
    REQUIRE(c.valid());
    CHECK(c.key() == key::make(500));
    c.prev();
    REQUIRE(c.valid());
    CHECK(c.key() == key::make(501));
    c.next();
    c.next();
    REQUIRE(c.valid());
    CHECK(c.key() == key::make(499));
    // scan(first, last) runs from first down to just above last.
    std::vector<std::string> got;
    for (auto&& [k, v] : db->scan(key::make(20), key::make(10))) got.push_back(k);
    REQUIRE(got.size() == 10);
    CHECK(got.front() == key::make(20));
    CHECK(got.back() == key::make(11));
    for (int i = 0; i < n; i += 97)
      CHECK(db->get(key::make(static_cast<std::uint64_t>(i))) ==
            "value of " + key::make(static_cast<std::uint64_t>(i)));
    CHECK_FALSE(db->get("k999999x").has_value());
  }

  SECTION("range erase, overwrites and deletes merge in the codec's order") {
    // [key(2000), key(1000)) in descending order: keys 2000 down to 1001.
    db->erase_range(key::make(2000), key::make(1000));
    for (int i = 0; i < n; i += 7) {  // overwrite some outside it, in a fresh memtable
      if (i > 1000 && i <= 2000) continue;
      const std::string k = key::make(static_cast<std::uint64_t>(i));
      db->put(k, "value of " + k);
    }
    db->flush();
    db->compact();
    REQUIRE(scan_keys(*db) == expected_keys(n, 1000, 2000));
    db.reset();
    db = std::make_unique<descending_tree<TestType>>("/desc", opts);
    REQUIRE(scan_keys(*db) == expected_keys(n, 1000, 2000));
    CHECK_FALSE(db->get(key::make(1500)).has_value());
    CHECK(db->get(key::make(1000)).has_value());
  }
}

TEMPLATE_TEST_CASE(
    "a codec whose compare finds keys of other bytes equal finds them in tables too, filter "
    "or none",
    "[policy][order]", case_blind_codec, hashed_case_blind_codec) {
  using tree_type = lsm::tree<std::string, std::string, TestType>;
  lsm::options opts;
  opts.file_system = std::make_shared<lsm::memory_file_system>();
  tree_type db("/db", opts);
  for (int i = 0; i < 500; ++i) db.put("Key" + std::to_string(i), "v" + std::to_string(i));
  db.flush();
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 500; ++i) {
      INFO("key " << i);
      const std::string expected = i == 7 && round > 0 ? "seven" : "v" + std::to_string(i);
      REQUIRE(db.get("KEY" + std::to_string(i)) == expected);
      REQUIRE(db.contains("key" + std::to_string(i)));
    }
    db.put("kEY7", "seven");  // overwrites "Key7"
    db.flush();
    db.compact();
    REQUIRE(db.get("KEY7") == "seven");
  }
  for (int i = 0; i < 200; ++i) REQUIRE_FALSE(db.contains("key" + std::to_string(i) + "_absent"));
  const lsm::stats st = db.stats();
  if constexpr (lsm::detail::codec_has_hash_key<TestType>) {
    CHECK(st.filter_hits > 0);  // the filter ruled tables out
  } else {
    CHECK(st.filter_hits == 0);  // no filter could be trusted: none was written
    CHECK(st.filter_misses == 0);
  }
}

}  // namespace lsm_test_custom_order_test
