// lsm::tree::approximate_size: the bytes of the tables that hold a key
// range. Whole tables count their size, a table cut by a bound counts the
// data blocks between the bounds, so sizes of adjacent ranges add up exactly;
// writes still in the memtable do not count.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "support/keys.hpp"
#include "support/temp_path.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_approximate_size_test {

namespace {

using string_tree = lsm::tree<std::string, std::string>;
using lsm_test::temp_path;

using lsm_test::key;

std::uint64_t table_bytes(const lsm::stats& s) {
  std::uint64_t bytes = 0;
  for (const auto& level : s.levels) bytes += level.bytes;
  return bytes;
}

}  // namespace

TEST_CASE("approximate_size counts the tables of a key range, and adjacent ranges add up",
          "[tree][approximate_size]") {
  const std::string dir = temp_path("lsm_approximate_size");
  lsm::options opts;
  opts.write_buffer_size = 256 << 10;  // several tables
  opts.target_file_size = 128 << 10;
  string_tree db(dir, opts);
  CHECK(db.approximate_size(key(0), key(20000)) == 0);  // nothing yet
  const std::string value(100, 'v');
  for (int i = 0; i < 20000; ++i) db.put(key(i), value);
  db.compact();
  const std::uint64_t all = table_bytes(db.stats());
  REQUIRE(all > 2'000'000);
  REQUIRE(db.stats().levels.at(1).files + db.stats().levels.at(2).files > 4);

  // Every table lies in the range: each counts its whole size.
  CHECK(db.approximate_size("", "l") == all);
  CHECK(db.approximate_size(key(0), key(20000)) == all);
  // Half the keys, about half the bytes.
  const std::uint64_t half = db.approximate_size(key(0), key(10000));
  CHECK(half > all * 4 / 10);
  CHECK(half < all * 6 / 10);
  // Adjacent ranges add up exactly, wherever the cuts fall.
  for (int cut : {1, 777, 5000, 10000, 12345, 19999}) {
    INFO("cut at " << key(cut));
    CHECK(db.approximate_size(key(0), key(cut)) + db.approximate_size(key(cut), key(20000)) == all);
  }
  for (int a : {0, 3000, 9000}) {
    const std::uint64_t small = db.approximate_size(key(a), key(a + 1000));
    const std::uint64_t large = db.approximate_size(key(a), key(a + 5000));
    CHECK(small > 0);
    CHECK(small <= large);
    CHECK(small > large / 10);  // 1000 keys against 5000: about a fifth
    CHECK(small < large * 3 / 10);
  }
  // An empty or inverted range, and one past every key.
  CHECK(db.approximate_size(key(5), key(5)) == 0);
  CHECK(db.approximate_size(key(9), key(5)) == 0);
  CHECK(db.approximate_size("z", "zz") == 0);

  // Erased and compacted away: the range holds at most the blocks at its ends.
  db.erase_range(key(5000), key(10000));
  db.compact();
  const std::uint64_t after = db.approximate_size(key(5000), key(10000));
  CHECK(after <= 2 * (4096 + 200));
  CHECK(table_bytes(db.stats()) < all * 8 / 10);

  std::error_code ec = make_error_code(lsm::errc::io_error);
  CHECK(db.approximate_size(key(0), key(20000), ec) == table_bytes(db.stats()));
  CHECK(!ec);
  std::filesystem::remove_all(dir);
}

TEST_CASE("approximate_size leaves out writes still in the memtable", "[tree][approximate_size]") {
  const std::string dir = temp_path("lsm_approximate_size_mem");
  string_tree db(dir);
  for (int i = 0; i < 1000; ++i) db.put(key(i), "value");
  CHECK(db.approximate_size(key(0), key(1000)) == 0);
  db.flush();
  const std::uint64_t flushed = db.approximate_size(key(0), key(1000));
  CHECK(flushed > 1000 * 5);
  CHECK(flushed == table_bytes(db.stats()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("approximate_size of typed keys follows their order", "[tree][approximate_size]") {
  const std::string dir = temp_path("lsm_approximate_size_u64");
  lsm::options opts;
  opts.write_buffer_size = 128 << 10;
  opts.target_file_size = 64 << 10;
  lsm::tree<std::uint64_t, std::string> db(dir, opts);
  const std::string value(50, 'x');
  // Keys across byte boundaries (255, 256, 65536): the encoding keeps the order.
  for (std::uint64_t i = 0; i < 100000; i += 5) db.put(i, value);
  db.compact();
  const std::uint64_t all = db.approximate_size(0, 100000);
  CHECK(all == table_bytes(db.stats()));
  const std::uint64_t low = db.approximate_size(0, 50000);
  const std::uint64_t high = db.approximate_size(50000, 100000);
  CHECK(low + high == all);
  CHECK(low > all * 4 / 10);
  CHECK(high > all * 4 / 10);
  CHECK(db.approximate_size(200000, 300000) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("approximate_size on a tree that failed to open is invalid_argument",
          "[tree][approximate_size]") {
  const std::string base = temp_path("lsm_approximate_size_bad");
  lsm::options opts;
  opts.create_if_missing = false;
  std::error_code ec;
  string_tree db(base + "/missing", opts, ec);
  REQUIRE(ec);
  CHECK(db.approximate_size("a", "b", ec) == 0);
  CHECK(ec == lsm::errc::invalid_argument);
  CHECK_THROWS_AS(db.approximate_size("a", "b"), lsm::error);
}

}  // namespace lsm_test_approximate_size_test
