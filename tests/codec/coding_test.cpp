#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <limits>
#include <random>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_coding_test {

using namespace lsm::detail;

TEST_CASE("fixed32 and fixed64 are little-endian and round-trip", "[coding]") {
  std::string s;
  put_fixed32(s, 0x04030201u);
  put_fixed64(s, 0x0807060504030201ull);
  REQUIRE(s.size() == 12);
  CHECK(s[0] == 1);
  CHECK(s[3] == 4);
  CHECK(s[4] == 1);
  CHECK(s[11] == 8);
  std::string_view in = s;
  std::uint32_t a = 0;
  std::uint64_t b = 0;
  REQUIRE(get_fixed32(in, a));
  REQUIRE(get_fixed64(in, b));
  CHECK(a == 0x04030201u);
  CHECK(b == 0x0807060504030201ull);
  CHECK(in.empty());
  CHECK_FALSE(get_fixed32(in, a));
}

TEST_CASE("varints round-trip at every length boundary", "[coding]") {
  std::vector<std::uint64_t> values;
  for (unsigned bits = 0; bits <= 64; ++bits) {
    const std::uint64_t p = bits == 64 ? 0 : (std::uint64_t{1} << bits);
    values.push_back(p);
    values.push_back(p - 1);
    values.push_back(p + 1);
  }
  std::string s;
  for (auto v : values) put_varint64(s, v);
  std::string_view in = s;
  for (auto v : values) {
    std::uint64_t got = 0;
    REQUIRE(get_varint64(in, got));
    CHECK(got == v);
  }
  CHECK(in.empty());
  CHECK(varint_length(0) == 1);
  CHECK(varint_length(127) == 1);
  CHECK(varint_length(128) == 2);
  CHECK(varint_length(std::numeric_limits<std::uint64_t>::max()) == 10);
}

TEST_CASE("varint32 rejects overlong and truncated input", "[coding]") {
  std::string s;
  put_varint64(s, std::uint64_t{1} << 40);
  std::string_view in = s;
  std::uint32_t v = 0;
  CHECK_FALSE(get_varint32(in, v));
  std::string truncated = "\x80\x80";
  std::string_view t = truncated;
  std::uint64_t w = 0;
  CHECK_FALSE(get_varint64(t, w));
  std::string eleven(11, '\x80');
  std::string_view e = eleven;
  CHECK_FALSE(get_varint64(e, w));
}

TEST_CASE("length-prefixed strings round-trip and reject short input", "[coding]") {
  std::string s;
  put_length_prefixed(s, "");
  put_length_prefixed(s, std::string(300, 'x'));
  std::string_view in = s, out;
  REQUIRE(get_length_prefixed(in, out));
  CHECK(out.empty());
  REQUIRE(get_length_prefixed(in, out));
  CHECK(out == std::string(300, 'x'));
  std::string bad;
  put_varint32(bad, 10);
  bad += "abc";
  std::string_view b = bad;
  CHECK_FALSE(get_length_prefixed(b, out));
}

}  // namespace lsm_test_coding_test
