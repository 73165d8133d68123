// lsm::codec<K, V>, the codec_for concept, codec_comparator, and user
// serializers: names are derived from the serializers, the concept accepts
// exactly the codecs with the required members, and user types work as keys,
// values and composite components.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <lsm/lsm.hpp>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace codec_test {

std::uint64_t codec_test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

/// A user key type: ordered by (x, y).
struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  friend bool operator==(const point&, const point&) = default;
  friend auto operator<=>(const point&, const point&) = default;
};

/// A user value type without a name and of variable length.
struct note {
  std::string text;
  friend bool operator==(const note&, const note&) = default;
};

/// A non-trivial type nobody wrote a serializer for.
struct unserializable {
  std::string s;
};

enum class level : std::uint8_t { low = 1, high = 2 };

/// Orders encoded keys in reverse byte order.
struct reverse_codec {
  static constexpr std::string_view name = "test.reverse";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
  static std::string decode_value(std::string_view in) { return std::string(in); }
  static int compare(std::string_view a, std::string_view b) noexcept { return b.compare(a); }
};

// Broken codecs: each misses or misdeclares exactly one member of reverse_codec.
struct no_name_codec {
  static void encode_key(const std::string&, std::string&) {}
  static std::string decode_key(std::string_view) { return {}; }
  static void encode_value(const std::string&, std::string&) {}
  static std::string decode_value(std::string_view) { return {}; }
};
struct runtime_name_codec : no_name_codec {
  static inline std::string name = "not a constant";
};
struct no_decode_value_codec {
  static constexpr std::string_view name = "test.partial";
  static void encode_key(const std::string&, std::string&) {}
  static std::string decode_key(std::string_view) { return {}; }
  static void encode_value(const std::string&, std::string&) {}
};
struct wrong_key_type_codec : no_name_codec {
  static constexpr std::string_view name = "test.wrong_key";
  static int decode_key(std::string_view) { return 0; }
};
struct bad_compare_codec : reverse_codec {
  static std::string compare(std::string_view, std::string_view) { return {}; }
};
struct bad_fixed_key_size_codec : reverse_codec {
  static inline std::size_t fixed_key_size = 4;  // not a constant
};

}  // namespace codec_test

template <>
struct lsm::serializer<codec_test::point> {
  static constexpr bool order_preserving = true;
  static constexpr std::string_view name = "point";
  static constexpr std::size_t fixed_size = 8;
  static void encode(const codec_test::point& p, std::string& out) {
    serializer<std::int32_t>::encode(p.x, out);
    serializer<std::int32_t>::encode(p.y, out);
  }
  static codec_test::point decode(std::string_view in) {
    if (in.size() != fixed_size) detail::throw_size_mismatch(name, fixed_size, in.size());
    return {serializer<std::int32_t>::decode(in.substr(0, 4)),
            serializer<std::int32_t>::decode(in.substr(4))};
  }
};

template <>
struct lsm::serializer<codec_test::note> {
  static constexpr bool order_preserving = false;
  static void encode(const codec_test::note& n, std::string& out) { out += n.text; }
  static codec_test::note decode(std::string_view in) { return {std::string(in)}; }
};

using namespace codec_test;

TEST_CASE("codec names are built from the serializer names", "[codec]") {
  CHECK(lsm::codec<std::string, std::uint64_t>::name == "lsm.codec(string,u64)");
  CHECK(lsm::codec<std::int64_t, std::vector<std::byte>>::name == "lsm.codec(i64,bytes)");
  CHECK(lsm::codec<std::tuple<std::string, double, level>, bool>::name ==
        "lsm.codec(tuple<string,f64,enum<u8>>,bool)");
  CHECK(lsm::codec<std::pair<point, std::array<std::uint8_t, 16>>, note>::name ==
        "lsm.codec(pair<point,array<u8,16>>,custom)");
  // The name is a constant, NUL-terminated for C APIs.
  constexpr std::string_view name = lsm::codec<float, std::string>::name;
  STATIC_REQUIRE(name == "lsm.codec(f32,string)");
  CHECK(name.data()[name.size()] == '\0');
}

TEST_CASE("codec<K, V> satisfies codec_for and encodes through the serializers", "[codec]") {
  using c = lsm::codec<std::pair<std::string, std::uint32_t>, note>;
  STATIC_REQUIRE(lsm::codec_for<c, std::pair<std::string, std::uint32_t>, note>);
  STATIC_REQUIRE(lsm::codec_for<lsm::codec<std::string, std::string>, std::string, std::string>);
  std::string key;
  c::encode_key({"k", 1}, key);
  CHECK(key == std::string("k\0\x01\0\0\0\x01", 7));
  CHECK(c::decode_key(key) == std::pair<std::string, std::uint32_t>{"k", 1});
  std::string value;
  c::encode_value(note{"hello"}, value);
  CHECK(c::decode_value(value) == note{"hello"});
}

TEST_CASE("codec has fixed_key_size exactly when the key serializer has fixed_size", "[codec]") {
  STATIC_REQUIRE(lsm::codec<std::uint64_t, std::string>::fixed_key_size == 8);
  STATIC_REQUIRE(lsm::codec<point, std::string>::fixed_key_size == 8);
  STATIC_REQUIRE(lsm::codec<std::tuple<std::int16_t, bool, level>, std::string>::fixed_key_size ==
                 4);
  STATIC_REQUIRE(lsm::codec<std::array<point, 3>, int>::fixed_key_size == 24);
  STATIC_REQUIRE_FALSE(lsm::detail::codec_has_fixed_key_size<lsm::codec<std::string, int>>);
  STATIC_REQUIRE_FALSE(
      lsm::detail::codec_has_fixed_key_size<lsm::codec<std::pair<int, std::string>, int>>);
}

TEST_CASE("codec_for rejects a codec that lacks or misdeclares a member", "[codec]") {
  STATIC_REQUIRE(lsm::codec_for<reverse_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<no_name_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<runtime_name_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<no_decode_value_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<wrong_key_type_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<bad_compare_codec, std::string, std::string>);
  STATIC_REQUIRE_FALSE(lsm::codec_for<bad_fixed_key_size_codec, std::string, std::string>);
  // A codec is for particular types.
  STATIC_REQUIRE_FALSE(lsm::codec_for<lsm::codec<std::string, int>, int, int>);
}

TEST_CASE("codec_comparator is bytewise unless the codec has compare", "[codec]") {
  using bytewise = lsm::detail::codec_comparator<lsm::codec<std::string, int>>;
  using reverse = lsm::detail::codec_comparator<reverse_codec>;
  STATIC_REQUIRE(lsm::key_comparator<bytewise>);
  STATIC_REQUIRE(lsm::key_comparator<reverse>);
  STATIC_REQUIRE(bytewise::name == "lsm.bytewise");
  STATIC_REQUIRE(bytewise::name == lsm::bytewise_comparator::name);
  STATIC_REQUIRE(reverse::name == "test.reverse.compare");
  CHECK(bytewise::compare("a", "b") < 0);
  CHECK(bytewise::compare("b", "a") > 0);
  CHECK(bytewise::compare(std::string_view("a\xff", 2), "a") > 0);  // unsigned bytes
  CHECK(bytewise::compare("ab", "ab") == 0);
  CHECK(reverse::compare("a", "b") > 0);
  CHECK(reverse::compare("b", "a") < 0);
  // Usable by the engine's internal key order.
  using internal = lsm::detail::internal_key_comparator<reverse>;
  CHECK(internal::compare(lsm::detail::make_internal_key("b", 1, lsm::value_kind::value),
                          lsm::detail::make_internal_key("a", 2, lsm::value_kind::value)) < 0);
}

TEST_CASE("key_serializable and value_serializable classify types", "[codec]") {
  STATIC_REQUIRE(lsm::key_serializable<point>);
  STATIC_REQUIRE(lsm::key_serializable<std::tuple<point, std::string>>);
  STATIC_REQUIRE(lsm::key_serializable<level>);
  STATIC_REQUIRE(lsm::value_serializable<note>);
  STATIC_REQUIRE_FALSE(lsm::key_serializable<note>);
  // A composite is a key only if every component is.
  STATIC_REQUIRE(lsm::value_serializable<std::pair<std::string, note>>);
  STATIC_REQUIRE_FALSE(lsm::key_serializable<std::pair<std::string, note>>);
  // Not serializable at all: no serializer, pointers, unfixed enums, containers
  // without a built-in, composites of those.
  enum unfixed { a, b };
  STATIC_REQUIRE_FALSE(lsm::value_serializable<unserializable>);
  STATIC_REQUIRE_FALSE(lsm::value_serializable<int*>);
  STATIC_REQUIRE_FALSE(lsm::value_serializable<unfixed>);
  STATIC_REQUIRE_FALSE(lsm::value_serializable<std::vector<int>>);
  STATIC_REQUIRE_FALSE(lsm::value_serializable<std::pair<int, unserializable>>);
  STATIC_REQUIRE_FALSE(lsm::value_serializable<std::array<int*, 2>>);
}

TEST_CASE("a user serializer works as a key on its own and inside composites", "[codec]") {
  const std::uint64_t seed = codec_test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  using key = std::tuple<point, std::string>;
  using c = lsm::codec<key, note>;
  CHECK(c::name == "lsm.codec(tuple<point,string>,custom)");
  std::vector<key> keys;
  for (int i = 0; i < 300; ++i) {
    const auto small = [&] { return static_cast<std::int32_t>(rng() % 5) - 2; };
    std::string s(rng() % 3, '\0');
    for (char& ch : s) ch = "\0a\xff"[rng() % 3];
    keys.push_back({point{small(), small()}, s});
  }
  std::vector<std::string> encoded;
  for (const key& k : keys) {
    std::string e;
    c::encode_key(k, e);
    REQUIRE(c::decode_key(e) == k);
    encoded.push_back(std::move(e));
  }
  // Sorting the encodings with the codec's comparator sorts the keys.
  using cmp = lsm::detail::codec_comparator<c>;
  std::vector<std::size_t> by_bytes(keys.size());
  for (std::size_t i = 0; i < by_bytes.size(); ++i) by_bytes[i] = i;
  std::stable_sort(by_bytes.begin(), by_bytes.end(), [&](std::size_t i, std::size_t j) {
    return cmp::compare(encoded[i], encoded[j]) < 0;
  });
  std::vector<key> sorted_keys = keys;
  std::stable_sort(sorted_keys.begin(), sorted_keys.end());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    INFO("position " << i);
    REQUIRE(keys[by_bytes[i]] == sorted_keys[i]);
  }
  // The unnamed variable-length value is escaped inside a composite.
  std::string v;
  lsm::serializer<std::pair<note, note>>::encode({note{std::string("\0", 1)}, note{"x"}}, v);
  CHECK(v == std::string("\0\xff\0\x01x\0\x01", 7));
}

TEST_CASE("codec decode of corrupt bytes throws corruption naming the serializer", "[codec]") {
  using c = lsm::codec<std::uint64_t, std::pair<std::string, bool>>;
  try {
    (void)c::decode_key("abc");
    FAIL("decode_key accepted 3 bytes");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::corruption);
    CHECK_THAT(e.what(), Catch::Contains("lsm::serializer<u64>::decode") &&
                             Catch::Contains("expected 8 bytes, found 3"));
  }
  try {
    (void)c::decode_value(std::string("s\0\x01\x02", 4));
    FAIL("decode_value accepted a bool byte 0x02");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::corruption);
    CHECK_THAT(e.what(),
               Catch::Contains("lsm::serializer<bool>::decode") && Catch::Contains("found 0x02"));
  }
}
