// The persisted fingerprint of a tree directory: reopening it with another
// key type, value type, codec, comparator or filter fails with
// errc::invalid_argument and a message naming what was stored and what was
// asked for; the memtable and compaction policies are not persisted and may
// change between opens.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "policy_support.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_fingerprint_test {

namespace {

using string_codec = lsm::codec<std::string, std::string>;
using base_tree = lsm::tree<std::string, std::string>;

/// Same name as lsm::codec<std::string, std::string>, but its own key order.
struct reordering_codec : string_codec {
  static int compare(std::string_view a, std::string_view b) noexcept {
    return lsm_test::descending_codec::compare(a, b);
  }
};

/// Another codec for (string, string), with its own name and a compare.
struct raw_codec : lsm_test::descending_codec {
  static constexpr std::string_view name = "test.raw(string,string)";
  static int compare(std::string_view a, std::string_view b) noexcept { return a.compare(b); }
};

std::shared_ptr<lsm::file_system> make_directory() {
  auto fs = std::make_shared<lsm::memory_file_system>();
  lsm::options opts;
  opts.file_system = fs;
  base_tree db("/fp", opts);
  db.put("apple", "red");
  db.flush();
  db.put("banana", "yellow");  // in the WAL only
  return fs;
}

/// Opens "/fp" as Tree; returns the error (throwing form) and checks the
/// non-throwing form reports the same code.
template <class Tree>
lsm::error open_error(const std::shared_ptr<lsm::file_system>& fs) {
  lsm::options opts;
  opts.file_system = fs;
  std::error_code ec;
  { Tree db("/fp", opts, ec); }
  CHECK(ec == lsm::errc::invalid_argument);
  try {
    Tree db("/fp", opts);
  } catch (const lsm::error& e) {
    return e;
  }
  FAIL("opening with another fingerprint succeeded");
  return lsm::error(lsm::errc::io_error, "unreachable");
}

void require_names(const lsm::error& e, std::string_view what, std::string_view stored,
                   std::string_view asked) {
  const std::string message = e.what();
  INFO("message: " << message);
  CHECK(e.code() == lsm::errc::invalid_argument);
  CHECK(message.find(what) != std::string::npos);
  CHECK(message.find("'" + std::string(stored) + "'") != std::string::npos);
  CHECK(message.find("'" + std::string(asked) + "'") != std::string::npos);
}

/// The directory still opens as it was written, with its data.
void require_intact(const std::shared_ptr<lsm::file_system>& fs) {
  lsm::options opts;
  opts.file_system = fs;
  base_tree db("/fp", opts);
  CHECK(db.get("apple") == "red");
  CHECK(db.get("banana") == "yellow");
}

}  // namespace

TEST_CASE("reopening with another key type is refused, naming both codecs",
          "[policy][fingerprint]") {
  auto fs = make_directory();
  using other = lsm::tree<std::uint64_t, std::string>;
  const auto e = open_error<other>(fs);
  require_names(e, "codec", string_codec::name, lsm::codec<std::uint64_t, std::string>::name);
  require_intact(fs);
}

TEST_CASE("reopening with another value type is refused, naming both codecs",
          "[policy][fingerprint]") {
  auto fs = make_directory();
  using other = lsm::tree<std::string, std::int64_t>;
  const auto e = open_error<other>(fs);
  require_names(e, "codec", string_codec::name, lsm::codec<std::string, std::int64_t>::name);
  require_intact(fs);
}

TEST_CASE("reopening with another codec of the same types is refused, naming both codecs",
          "[policy][fingerprint]") {
  auto fs = make_directory();
  using other = lsm::tree<std::string, std::string, raw_codec>;
  const auto e = open_error<other>(fs);
  // The comparator name derives from the codec name, so it differs first.
  require_names(e, "comparator", "lsm.bytewise", "test.raw(string,string).compare");
  require_intact(fs);
}

TEST_CASE(
    "reopening with another key order under the same codec name is refused, naming "
    "both comparators",
    "[policy][fingerprint]") {
  auto fs = make_directory();
  using other = lsm::tree<std::string, std::string, reordering_codec>;
  const auto e = open_error<other>(fs);
  require_names(e, "comparator", "lsm.bytewise", std::string(string_codec::name) + ".compare");
  require_intact(fs);
}

TEST_CASE("reopening with another filter is refused, naming both filters",
          "[policy][fingerprint]") {
  auto fs = make_directory();
  using other =
      lsm::tree<std::string, std::string, string_codec, lsm::memtable::skiplist, lsm::filter::none>;
  const auto e = open_error<other>(fs);
  require_names(e, "filter", lsm::filter::bloom<10>::name, lsm::filter::none::name);
  require_intact(fs);
}

TEST_CASE("the memtable, bloom bits and compaction policy may change between opens",
          "[policy][fingerprint]") {
  auto fs = make_directory();
  lsm::options opts;
  opts.file_system = fs;
  {
    lsm::tree<std::string, std::string, string_codec, lsm::memtable::vector, lsm::filter::bloom<16>,
              lsm::compaction::tiered<>>
        db("/fp", opts);
    CHECK(db.get("apple") == "red");
    CHECK(db.get("banana") == "yellow");
    db.put("cherry", "dark red");
    db.compact();
  }
  base_tree db("/fp", opts);
  CHECK(db.get("apple") == "red");
  CHECK(db.get("cherry") == "dark red");
}

}  // namespace lsm_test_fingerprint_test
