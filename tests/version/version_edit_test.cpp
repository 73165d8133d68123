// Tests of the MANIFEST record encoding (docs/format/manifest.md §2-3).
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_version_edit_test {

namespace d = lsm::detail;

namespace {

std::uint64_t test_seed() {
  if (const char* env = std::getenv("LSM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

d::file_meta make_file(std::uint64_t number, std::string lo, std::string hi) {
  d::file_meta f;
  f.number = number;
  f.file_size = 1'000'000 + number;
  f.smallest = d::make_internal_key(lo, 5, lsm::value_kind::value);
  f.largest = d::make_internal_key(hi, lsm::max_sequence_number, lsm::value_kind::range_deletion);
  f.smallest_seq = 5;
  f.largest_seq = lsm::max_sequence_number;
  f.num_entries = 1'234;
  f.num_deletions = 56;
  return f;
}

d::version_edit full_edit() {
  d::version_edit e;
  e.format_version = d::manifest_format_version;
  e.comparator_name = "lsm.bytewise";
  e.codec_name = "lsm.codec<string,u64>";
  e.filter_name = std::string("bloom\0x10", 9);
  e.log_number = 17;
  e.next_file_number = std::uint64_t{1} << 40;
  e.last_sequence = lsm::max_sequence_number;
  e.compact_pointers = {{1, d::make_internal_key("m", 9, lsm::value_kind::value)},
                        {63, d::make_internal_key("", 0, lsm::value_kind::deletion)}};
  e.deleted_files = {{0, 3}, {2, 4}, {63, ~std::uint64_t{0}}};
  e.new_files = {{0, make_file(20, "a", "k")}, {6, make_file(21, std::string(300, 'x'), "z\xff")}};
  return e;
}

std::string encode(const d::version_edit& e) {
  std::string s;
  e.encode_to(s);
  return s;
}

}  // namespace

TEST_CASE("a version edit with every field round-trips", "[manifest]") {
  const d::version_edit e = full_edit();
  const std::string bytes = encode(e);
  d::version_edit back;
  back.log_number = 99;  // replaced, not merged
  const lsm::status s = back.decode_from(bytes);
  REQUIRE(s.ok());
  CHECK(back == e);
  CHECK(encode(back) == bytes);

  d::version_edit empty;
  REQUIRE(empty.decode_from(encode(d::version_edit{})).ok());
  CHECK(empty == d::version_edit{});
  CHECK(encode(d::version_edit{}) == std::string(1, '\0'));  // just the end tag
}

TEST_CASE("the first manifest record starts with tag 1, the magic and version 1", "[manifest]") {
  d::version_edit e;
  e.format_version = d::manifest_format_version;
  const std::string bytes = encode(e);
  CHECK(bytes == std::string("\x01\x5e\xd1\x9d\xab\xda\xee\x19\x43\x01\x00", 11));
}

TEST_CASE("every truncation of an encoded edit is corruption", "[manifest]") {
  const std::string bytes = encode(full_edit());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    d::version_edit e;
    const lsm::status s = e.decode_from(std::string_view(bytes).substr(0, n));
    if (s.code() != lsm::errc::corruption) FAIL("prefix of " << n << " bytes: " << s.to_string());
    CHECK(e == d::version_edit{});  // unchanged on failure
  }
  d::version_edit e;
  const lsm::status s = e.decode_from(bytes.substr(0, bytes.size() - 1));
  CHECK_THAT(s.message(), Catch::Contains("end tag missing"));
}

TEST_CASE("malformed fields are rejected with the field's name and offset", "[manifest]") {
  auto decode = [](const std::string& bytes) {
    d::version_edit e;
    return e.decode_from(bytes);
  };
  auto tagged = [](std::uint32_t tag, const std::string& rest) {
    std::string s;
    d::put_varint32(s, tag);
    return s + rest;
  };
  const std::string end(1, '\0');
  SECTION("unknown tag") {
    const lsm::status s = decode(tagged(5, "\x07") + tagged(200, "") + end);
    CHECK(s.code() == lsm::errc::corruption);
    CHECK(s.message() == "version edit: field at byte 2: unknown tag 200");
  }
  SECTION("level 64") {
    const lsm::status s = decode(tagged(9, std::string("\x40\x01", 2)) + end);
    CHECK(s.code() == lsm::errc::corruption);
    CHECK_THAT(s.message(), Catch::Contains("deleted_file.level: expected less than 64, found 64"));
  }
  SECTION("short internal key") {
    d::version_edit e;
    e.new_files = {{1, make_file(3, "a", "b")}};
    e.new_files[0].second.largest = "1234567";
    const lsm::status s = decode(encode(e));
    CHECK(s.code() == lsm::errc::corruption);
    CHECK_THAT(s.message(), Catch::Contains("new_file.largest: expected an internal key of at "
                                            "least 8 bytes, found 7"));
  }
  SECTION("sequence number above 2^56 - 1") {
    d::version_edit e;
    e.last_sequence = lsm::max_sequence_number + 1;
    CHECK_THAT(decode(encode(e)).message(), Catch::Contains("last_sequence: expected at most"));
  }
  SECTION("smallest_seq above largest_seq") {
    d::version_edit e;
    e.new_files = {{1, make_file(3, "a", "b")}};
    e.new_files[0].second.largest_seq = 4;
    CHECK_THAT(decode(encode(e)).message(), Catch::Contains("new_file.largest_seq"));
  }
  SECTION("repeated singleton") {
    const lsm::status s = decode(tagged(6, "\x01") + tagged(6, "\x02") + end);
    CHECK(s.code() == lsm::errc::corruption);
    CHECK(s.message() == "version edit: field at byte 2: next_file_number: repeated");
  }
  SECTION("bytes after the end tag") {
    const lsm::status s = decode(encode(full_edit()) + "x");
    CHECK_THAT(s.message(), Catch::Contains("end: expected nothing after it, found 1 bytes"));
  }
  SECTION("wrong magic") {
    std::string bytes = encode(full_edit());
    bytes[1] = static_cast<char>(bytes[1] ^ 1);
    const lsm::status s = decode(bytes);
    CHECK(s.code() == lsm::errc::corruption);
    CHECK_THAT(s.message(),
               Catch::Contains("magic: expected 0x4319eedaab9dd15e, found 0x4319eedaab9dd15f"));
  }
  SECTION("newer format version") {
    std::string bytes = encode(full_edit());
    bytes[9] = 2;
    const lsm::status s = decode(bytes);
    CHECK(s.code() == lsm::errc::not_supported);
    CHECK_THAT(s.message(), Catch::Contains("format version 2"));
  }
}

TEST_CASE("random and mutated input never crashes the edit decoder", "[manifest]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::string valid = encode(full_edit());
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 200);
      for (auto& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? rng() % 12 : rng());
    } else {
      bytes = valid;
      for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m)
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    d::version_edit e;
    const lsm::status s = e.decode_from(bytes);
    if (s.ok()) {
      ++accepted;
      // Whatever decodes is a well-formed edit: it re-encodes and decodes equal.
      d::version_edit again;
      REQUIRE(again.decode_from(encode(e)).ok());
      REQUIRE(again == e);
    } else {
      REQUIRE((s.code() == lsm::errc::corruption || s.code() == lsm::errc::not_supported));
      REQUIRE_THAT(s.message(), Catch::StartsWith("version edit: "));
    }
  }
  INFO("accepted " << accepted);
  CHECK(accepted < 20'000);
}

TEST_CASE("debug_string names every field", "[manifest]") {
  const std::string s = full_edit().debug_string();
  for (const char* part : {"format_version: 1", "comparator: 'lsm.bytewise'", "log_number: 17",
                           "last_sequence: 72057594037927935", "compact_pointer: level 1 'm' @9:1",
                           "deleted_file: level 2 #4", "new_file: level 0 #20 size 1000020",
                           "filter: 'bloom\\x00x10'"})
    CHECK_THAT(s, Catch::Contains(part));
}

}  // namespace lsm_test_version_edit_test
