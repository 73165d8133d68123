// Property tests of the built-in serializers: for random and edge values of
// every built-in key type, a < b exactly when encode(a) < encode(b) bytewise,
// equal values encode equal, decode(encode(x)) == x; and decoders reject
// truncated, extended and garbage bytes with lsm::error(errc::corruption),
// accepting only the exact bytes encode writes.
#include <array>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <lsm/lsm.hpp>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_serializer_test {

namespace {

std::uint64_t serializer_test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

std::string hex(std::string_view bytes) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out.empty() ? "(empty)" : out;
}

enum class small_enum : std::int8_t { lowest = -128, minus_one = -1, zero = 0, highest = 127 };
enum wide_enum : std::uint64_t { wide_zero = 0, wide_big = 0xfedcba9876543210u };

using rng_type = std::mt19937_64;

// ---- value generators: gen<T>::make(rng) draws one value, gen<T>::edges() the
// boundary cases. Small alphabets make equal values and shared prefixes common.

template <class T>
struct gen;

template <class T>
requires std::is_integral_v<T> &&(!std::is_same_v<T, bool>)struct gen<T> {
  static T make(rng_type& rng) {
    using limits = std::numeric_limits<T>;
    switch (rng() % 4) {
      case 0: {  // any bit pattern
        using u = std::make_unsigned_t<T>;
        return static_cast<T>(static_cast<u>(rng()));
      }
      case 1:  // near zero
        return static_cast<T>(static_cast<long long>(rng() % 7) - (limits::is_signed ? 3 : 0));
      case 2:  // near the minimum
        return static_cast<T>(limits::min() + static_cast<T>(rng() % 3));
      default:  // near the maximum
        return static_cast<T>(limits::max() - static_cast<T>(rng() % 3));
    }
  }
  static std::vector<T> edges() {
    using limits = std::numeric_limits<T>;
    std::vector<T> v{limits::min(), static_cast<T>(limits::min() + 1), T{0},
                     T{1},          static_cast<T>(limits::max() - 1), limits::max()};
    if constexpr (limits::is_signed) v.push_back(static_cast<T>(-1));
    return v;
  }
};

template <>
struct gen<bool> {
  static bool make(rng_type& rng) { return (rng() & 1) != 0; }
  static std::vector<bool> edges() { return {false, true}; }
};

template <class E>
requires std::is_enum_v<E>
struct gen<E> {
  using u = std::underlying_type_t<E>;
  static E make(rng_type& rng) { return static_cast<E>(gen<u>::make(rng)); }
  static std::vector<E> edges() {
    std::vector<E> v;
    for (const u x : gen<u>::edges()) v.push_back(static_cast<E>(x));
    return v;
  }
};

/// Finite floats and infinities (never NaN: NaN has no place in operator<).
template <class F>
requires std::is_floating_point_v<F>
struct gen<F> {
  using bits = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  static F make(rng_type& rng) {
    for (;;) {
      F f{};
      switch (rng() % 3) {
        case 0:  // any bit pattern
          f = std::bit_cast<F>(static_cast<bits>(rng()));
          break;
        case 1:  // small integers and halves, with both zeros
          f = static_cast<F>(static_cast<int>(rng() % 9) - 4) / F{2};
          break;
        default:
          f = edges()[rng() % edges().size()];
      }
      if (!std::isnan(f)) return f;
    }
  }
  static std::vector<F> edges() {
    using limits = std::numeric_limits<F>;
    return {-limits::infinity(),
            limits::lowest(),
            F{-1},
            -limits::min(),
            -limits::denorm_min(),
            F{-0.0},
            F{0.0},
            limits::denorm_min(),
            limits::min(),
            F{1},
            limits::max(),
            limits::infinity()};
  }
};

std::string random_bytes(rng_type& rng, std::size_t max_length) {
  // 0x00, 0x01 and 0xff are the bytes the composite escaping is about.
  static constexpr char alphabet[] = {'\x00', '\x01', '\x02', 'a', '\x7f', '\x80', '\xfe', '\xff'};
  std::string s(rng() % (max_length + 1), '\0');
  for (char& c : s) c = alphabet[rng() % sizeof(alphabet)];
  return s;
}

std::vector<std::string> edge_strings() {
  using namespace std::string_literals;
  return {""s,       "\0"s, "\0\0"s, "\0\x01"s, "\0\xff"s, "\x01"s, "\xff"s,
          "\xff\0"s, "a"s,  "a\0"s,  "a\0\0"s,  "a\x01"s,  "ab"s,   "a\xff"s};
}

template <>
struct gen<std::string> {
  static std::string make(rng_type& rng) { return random_bytes(rng, 6); }
  static std::vector<std::string> edges() { return edge_strings(); }
};

template <class Byte>
struct gen<std::vector<Byte>> {
  static std::vector<Byte> from(std::string_view s) {
    std::vector<Byte> v(s.size());
    if (!s.empty()) std::memcpy(v.data(), s.data(), s.size());
    return v;
  }
  static std::vector<Byte> make(rng_type& rng) { return from(random_bytes(rng, 6)); }
  static std::vector<std::vector<Byte>> edges() {
    std::vector<std::vector<Byte>> v;
    for (const auto& s : edge_strings()) v.push_back(from(s));
    return v;
  }
};

template <class A, class B>
struct gen<std::pair<A, B>> {
  static std::pair<A, B> make(rng_type& rng) {
    return std::pair<A, B>{gen<A>::make(rng), gen<B>::make(rng)};
  }
  static std::vector<std::pair<A, B>> edges() {
    std::vector<std::pair<A, B>> v;
    for (const auto& a : gen<A>::edges())
      for (const auto& b : gen<B>::edges()) v.emplace_back(a, b);
    return v;
  }
};

template <class... Ts>
struct gen<std::tuple<Ts...>> {
  static std::tuple<Ts...> make(rng_type& rng) {
    return std::tuple<Ts...>{gen<Ts>::make(rng)...};  // braces: drawn in order
  }
  static std::vector<std::tuple<Ts...>> edges() {
    // The first edge of every component, then each component's edges in turn.
    std::vector<std::tuple<Ts...>> v;
    const std::tuple<Ts...> base{gen<Ts>::edges().front()...};
    v.push_back(base);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            for (const auto& e : gen<Ts>::edges()) {
              auto t = base;
              std::get<I>(t) = e;
              v.push_back(t);
            }
          }(),
          ...);
    }
    (std::index_sequence_for<Ts...>{});
    return v;
  }
};

template <>
struct gen<std::tuple<>> {
  static std::tuple<> make(rng_type&) { return {}; }
  static std::vector<std::tuple<>> edges() { return {std::tuple<>{}}; }
};

template <class T, std::size_t N>
struct gen<std::array<T, N>> {
  static std::array<T, N> make(rng_type& rng) {
    std::array<T, N> a{};
    for (auto& x : a) x = gen<T>::make(rng);
    return a;
  }
  static std::vector<std::array<T, N>> edges() {
    std::vector<std::array<T, N>> v;
    for (const auto& e : gen<T>::edges()) {
      std::array<T, N> a{};
      a.fill(e);
      v.push_back(a);
      a[N - 1] = gen<T>::edges().front();
      v.push_back(a);
    }
    return v;
  }
};

template <class T>
std::string encode(const T& v) {
  std::string out;
  lsm::serializer<T>::encode(v, out);
  return out;
}

enum class decode_outcome { ok, corruption, other_error };

/// Decodes `bytes` as a T; on success also requires re-encoding to give the
/// same bytes (decoders accept only canonical encodings).
template <class T>
decode_outcome try_decode(std::string_view bytes, bool& canonical) {
  canonical = true;
  try {
    const T v = lsm::serializer<T>::decode(bytes);
    canonical = encode(v) == bytes;
    return decode_outcome::ok;
  } catch (const lsm::error& e) {
    return e.code() == lsm::errc::corruption ? decode_outcome::corruption
                                             : decode_outcome::other_error;
  } catch (...) {
    return decode_outcome::other_error;
  }
}

/// The properties every key serializer keeps, over edge and random values.
template <class T>
void check_key_serializer_properties(std::size_t random_count) {
  STATIC_REQUIRE(lsm::key_serializable<T>);
  const std::uint64_t seed = serializer_test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  INFO("serializer " << lsm::detail::serializer_name_v<T>);
  rng_type rng(seed);

  std::vector<T> values = gen<T>::edges();
  for (std::size_t i = 0; i < random_count; ++i) values.push_back(gen<T>::make(rng));
  std::vector<std::string> encoded;
  encoded.reserve(values.size());
  for (const T& v : values) encoded.push_back(encode<T>(v));

  // Round trip.
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("value " << i << " encoded " << hex(encoded[i]));
    const T decoded = lsm::serializer<T>::decode(encoded[i]);
    REQUIRE(decoded == values[i]);
    if constexpr (lsm::detail::fixed_size_serializer<T>) {
      REQUIRE(encoded[i].size() == lsm::serializer<T>::fixed_size);
    }
  }
  // Order and equality, on every pair.
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < values.size(); ++j) {
      const bool less = values[i] < values[j];
      const bool equal = values[i] == values[j];
      const int cmp = std::string_view(encoded[i]).compare(encoded[j]);
      if (less != (cmp < 0) || equal != (cmp == 0)) {
        INFO("values " << i << " and " << j << " encode to " << hex(encoded[i]) << " and "
                       << hex(encoded[j]) << "; a < b is " << less << ", a == b is " << equal);
        FAIL("byte order differs from operator< order");
      }
      ++pairs;
    }
  }
  CHECK(pairs == values.size() * values.size());
}

/// Decoders of self-delimiting or fixed-size encodings reject every proper
/// prefix and every extension; garbage either decodes canonically or throws
/// corruption.
template <class T>
void check_decoder_rejects_bad_bytes(bool every_prefix_is_invalid, std::size_t random_count) {
  const std::uint64_t seed = serializer_test_seed();
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  INFO("serializer " << lsm::detail::serializer_name_v<T>);
  rng_type rng(seed);

  std::vector<T> values = gen<T>::edges();
  for (std::size_t i = 0; i < random_count; ++i) values.push_back(gen<T>::make(rng));
  std::size_t rejected = 0;
  for (const T& v : values) {
    const std::string bytes = encode<T>(v);
    INFO("encoded " << hex(bytes));
    bool canonical = true;
    if (every_prefix_is_invalid) {
      for (std::size_t n = 0; n < bytes.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        REQUIRE(try_decode<T>(std::string_view(bytes).substr(0, n), canonical) ==
                decode_outcome::corruption);
        ++rejected;
      }
      for (const char extra : {'\x00', '\x01', '\xff'}) {
        REQUIRE(try_decode<T>(bytes + extra, canonical) == decode_outcome::corruption);
        ++rejected;
      }
    }
    REQUIRE(try_decode<T>(bytes, canonical) == decode_outcome::ok);
    REQUIRE(canonical);
  }
  // Garbage: small alphabet (well-formed escapes are likely) and any bytes.
  for (std::size_t i = 0; i < 4 * random_count; ++i) {
    std::string garbage = random_bytes(rng, 24);
    if (i % 2 == 1) {
      for (char& c : garbage) c = static_cast<char>(rng() & 0xff);
    }
    INFO("garbage " << hex(garbage));
    bool canonical = true;
    const decode_outcome outcome = try_decode<T>(garbage, canonical);
    REQUIRE(outcome != decode_outcome::other_error);
    if (outcome == decode_outcome::ok) {
      REQUIRE(canonical);
    } else {
      ++rejected;
    }
  }
  CHECK((rejected > 0 || !every_prefix_is_invalid));
}

using integer_types =
    std::tuple<std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t, std::uint32_t,
               std::int64_t, std::uint64_t, char, signed char, unsigned char, wchar_t, char8_t,
               char16_t, char32_t, long, unsigned long, long long, unsigned long long, short,
               unsigned short>;

using composite_types = std::tuple<
    std::pair<std::string, std::int32_t>, std::pair<std::int8_t, std::string>,
    std::pair<std::string, std::string>, std::tuple<std::string, std::uint16_t, std::string>,
    std::tuple<double, std::string, bool>, std::tuple<small_enum, std::vector<std::byte>>,
    std::tuple<>, std::tuple<std::string>, std::array<std::string, 3>, std::array<std::int16_t, 3>,
    std::array<std::vector<std::uint8_t>, 2>,
    std::tuple<std::pair<std::string, std::uint8_t>, std::array<std::string, 2>, std::string>,
    std::pair<std::tuple<std::string, float>, std::tuple<std::string>>>;

}  // namespace

TEMPLATE_LIST_TEST_CASE("integer encodings sort like the integers and round-trip",
                        "[codec][serializer]", integer_types) {
  check_key_serializer_properties<TestType>(300);
}

TEMPLATE_LIST_TEST_CASE("integer decode rejects every size but sizeof(T)", "[codec][serializer]",
                        integer_types) {
  check_decoder_rejects_bad_bytes<TestType>(true, 50);
}

TEST_CASE("integers encode big-endian with the sign bit flipped", "[codec][serializer]") {
  CHECK(encode(std::uint32_t{0x01020304}) == std::string("\x01\x02\x03\x04", 4));
  CHECK(encode(std::int16_t{0}) == std::string("\x80\x00", 2));
  CHECK(encode(std::int16_t{-1}) == std::string("\x7f\xff", 2));
  CHECK(encode(std::numeric_limits<std::int64_t>::min()) == std::string(8, '\0'));
  CHECK(encode(std::numeric_limits<std::uint64_t>::max()) == std::string(8, '\xff'));
  CHECK(lsm::serializer<std::int32_t>::name == "i32");
  CHECK(lsm::serializer<std::uint8_t>::name == "u8");
  CHECK(lsm::serializer<std::uint64_t>::name == "u64");
  CHECK(lsm::serializer<char>::name == (std::is_signed_v<char> ? "i8" : "u8"));
}

TEST_CASE("bool and enum encodings sort like the values and round-trip", "[codec][serializer]") {
  check_key_serializer_properties<bool>(10);
  check_key_serializer_properties<small_enum>(200);
  check_key_serializer_properties<wide_enum>(200);
  check_key_serializer_properties<std::byte>(200);
  CHECK(encode(true) == std::string(1, '\x01'));
  CHECK(encode(small_enum::zero) == std::string(1, '\x80'));
  CHECK(lsm::serializer<small_enum>::name == "enum<i8>");
  CHECK(lsm::serializer<wide_enum>::name == "enum<u64>");
}

TEST_CASE("bool decode rejects any byte but 0x00 and 0x01", "[codec][serializer]") {
  for (int b = 0; b < 256; ++b) {
    bool canonical = true;
    const auto outcome = try_decode<bool>(std::string(1, static_cast<char>(b)), canonical);
    INFO("byte " << b);
    CHECK(outcome == (b <= 1 ? decode_outcome::ok : decode_outcome::corruption));
  }
  bool canonical = true;
  CHECK(try_decode<bool>("", canonical) == decode_outcome::corruption);
  CHECK(try_decode<small_enum>("\x01\x02", canonical) == decode_outcome::corruption);
  check_decoder_rejects_bad_bytes<wide_enum>(true, 50);
}

TEST_CASE("float and double encodings sort like the numbers, -0.0 equal to +0.0",
          "[codec][serializer][float]") {
  check_key_serializer_properties<float>(400);
  check_key_serializer_properties<double>(400);
  // -0.0 == +0.0: one key, read back as +0.0.
  CHECK(encode(-0.0) == encode(0.0));
  CHECK(encode(-0.0f) == encode(0.0f));
  CHECK_FALSE(std::signbit(lsm::serializer<double>::decode(encode(-0.0))));
  CHECK(encode(-std::numeric_limits<double>::denorm_min()) < encode(0.0));
  CHECK(encode(0.0) < encode(std::numeric_limits<double>::denorm_min()));
  CHECK(encode(-std::numeric_limits<double>::infinity()) ==
        std::string(1, '\0') + "\x0f" + std::string(6, '\xff'));
}

TEST_CASE("every NaN encodes as one key placed after +infinity", "[codec][serializer][float]") {
  const std::uint64_t seed = serializer_test_seed();
  INFO("seed " << seed);
  rng_type rng(seed);
  const std::string inf = encode(std::numeric_limits<double>::infinity());
  const std::string nan = encode(std::numeric_limits<double>::quiet_NaN());
  CHECK(inf < nan);
  CHECK(encode(-std::numeric_limits<double>::quiet_NaN()) == nan);
  CHECK(encode(std::numeric_limits<double>::signaling_NaN()) == nan);
  CHECK(std::isnan(lsm::serializer<double>::decode(nan)));
  CHECK(encode(std::numeric_limits<float>::infinity()) <
        encode(std::numeric_limits<float>::quiet_NaN()));
  CHECK(
      std::isnan(lsm::serializer<float>::decode(encode(-std::numeric_limits<float>::quiet_NaN()))));
  // Random NaN payloads, both signs.
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t payload = (rng() & 0x000fffffffffffffu) | 1u;
    const std::uint64_t sign = (rng() & 1) != 0 ? 0x8000000000000000u : 0;
    const double d = std::bit_cast<double>(sign | 0x7ff0000000000000u | payload);
    REQUIRE(std::isnan(d));
    REQUIRE(encode(d) == nan);
    // And NaN sorts after every finite value, in a tuple too.
    const double finite = gen<double>::make(rng);
    REQUIRE(encode(finite) < nan);
    REQUIRE(encode(std::tuple<double, int>{finite, 1}) < encode(std::tuple<double, int>{d, 0}));
  }
}

TEST_CASE("float decode rejects non-canonical bytes: -0.0 and other NaNs",
          "[codec][serializer][float]") {
  const std::uint64_t seed = serializer_test_seed();
  INFO("seed " << seed);
  rng_type rng(seed);
  bool canonical = true;
  // The ordered image of -0.0 (all bits of 0x8000... flipped) is 0x7fff...ff.
  const std::string minus_zero = std::string(1, '\x7f') + std::string(7, '\xff');
  CHECK(try_decode<double>(minus_zero, canonical) == decode_outcome::corruption);
  const std::string minus_zero_f = std::string(1, '\x7f') + std::string(3, '\xff');
  CHECK(try_decode<float>(minus_zero_f, canonical) == decode_outcome::corruption);
  // A NaN with a payload: ordered image of 0x7ff0...01 is 0xfff0...01.
  std::string payload_nan = encode(std::numeric_limits<double>::infinity());
  payload_nan.back() = '\x01';
  CHECK(try_decode<double>(payload_nan, canonical) == decode_outcome::corruption);
  try {
    (void)lsm::serializer<double>::decode(minus_zero);
    FAIL("decode accepted -0.0");
  } catch (const lsm::error& e) {
    CHECK(std::string(e.what()).find("lsm::serializer<f64>::decode") != std::string::npos);
  }
  check_decoder_rejects_bad_bytes<double>(true, 100);
  check_decoder_rejects_bad_bytes<float>(true, 100);
  // Any 8 bytes other than those two kinds decode, canonically.
  for (int i = 0; i < 500; ++i) {
    std::string bytes(8, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    INFO("bytes " << hex(bytes));
    REQUIRE(try_decode<double>(bytes, canonical) != decode_outcome::other_error);
    REQUIRE(canonical);
  }
}

TEST_CASE("string and byte-vector encodings are the bytes, sorted like the strings",
          "[codec][serializer]") {
  check_key_serializer_properties<std::string>(300);
  check_key_serializer_properties<std::vector<std::byte>>(300);
  check_key_serializer_properties<std::vector<std::uint8_t>>(300);
  CHECK(encode(std::string("a\0b", 3)) == std::string("a\0b", 3));
  CHECK(encode(std::string()).empty());
  CHECK(lsm::serializer<std::string>::name == "string");
  CHECK(lsm::serializer<std::vector<std::byte>>::name == "bytes");
  CHECK(lsm::serializer<std::vector<std::uint8_t>>::name == "bytes");
  check_decoder_rejects_bad_bytes<std::string>(false, 100);
}

TEMPLATE_LIST_TEST_CASE("composite encodings sort lexicographically like the composite",
                        "[codec][serializer][composite]", composite_types) {
  check_key_serializer_properties<TestType>(300);
}

TEMPLATE_LIST_TEST_CASE(
    "composite decode rejects truncation, trailing bytes and bad escapes, accepts only canonical "
    "bytes",
    "[codec][serializer][composite]", composite_types) {
  // The empty tuple's encoding is empty: it has no proper prefix.
  check_decoder_rejects_bad_bytes<TestType>(!std::is_same_v<TestType, std::tuple<>>, 60);
}

TEST_CASE("composite components: 0x00 escaped as 0x00 0xff, terminated by 0x00 0x01",
          "[codec][serializer][composite]") {
  using namespace std::string_literals;
  using key = std::tuple<std::string, std::uint8_t, std::string>;
  CHECK(encode(key{"a\0b"s, 7, ""s}) ==
        "a\0\xff"
        "b\0\x01\x07\0\x01"s);
  CHECK(encode(std::pair<std::string, std::string>{"", "\xff"s}) == "\0\x01\xff\0\x01"s);
  // Fixed-size components are not escaped; nested composites are not re-escaped.
  CHECK(encode(std::array<std::uint8_t, 3>{0, 1, 255}) == "\0\x01\xff"s);
  CHECK(encode(std::pair<std::pair<std::string, bool>, std::string>{{"\0"s, true}, "x"s}) ==
        "\0\xff\0\x01\x01x\0\x01"s);
  // A prefix sorts first, whatever byte follows it.
  CHECK(encode(std::pair<std::string, std::int8_t>{"ab"s, 127}) <
        encode(std::pair<std::string, std::int8_t>{"ab\0"s, -128}));
  CHECK(encode(std::pair<std::string, std::int8_t>{"ab\0"s, 127}) <
        encode(std::pair<std::string, std::int8_t>{"ab\x01"s, -128}));
  CHECK(lsm::serializer<key>::name == "tuple<string,u8,string>");
  CHECK(lsm::serializer<std::array<std::pair<float, bool>, 16>>::name ==
        "array<pair<f32,bool>,16>");
  CHECK(lsm::serializer<std::array<std::pair<float, bool>, 16>>::fixed_size == 16 * 5);
  CHECK(lsm::serializer<std::tuple<>>::name == "tuple<>");
  STATIC_REQUIRE_FALSE(lsm::detail::fixed_size_serializer<key>);
}

TEST_CASE("composite decode errors name the serializer, the component and its offset",
          "[codec][serializer][composite]") {
  using namespace std::string_literals;
  using key = std::tuple<std::string, std::uint32_t>;
  const auto message = [](std::string_view bytes) -> std::string {
    try {
      (void)lsm::serializer<key>::decode(bytes);
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::corruption);
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(message("ab"s), Catch::Contains("lsm::serializer<tuple<string,u32>>::decode") &&
                                 Catch::Contains("component 0 at byte 0") &&
                                 Catch::Contains("missing terminator"));
  CHECK_THAT(message("ab\0\x02"s),
             Catch::Contains("component 0 at byte 2") && Catch::Contains("0x02"));
  CHECK_THAT(message("ab\0\x01\x01\x02"s), Catch::Contains("component 1 at byte 4") &&
                                               Catch::Contains("expected 4 bytes, found 2"));
  CHECK_THAT(message("\0\x01\x01\x02\x03\x04\x05"s),
             Catch::Contains("1 unexpected bytes after the last component at byte 6"));
}

TEST_CASE("trivially copyable structs are values: bytes copied, size checked",
          "[codec][serializer]") {
  struct sample {
    std::int32_t a;
    std::uint16_t b;
    std::uint16_t c;
    double d;
  };
  STATIC_REQUIRE(lsm::value_serializable<sample>);
  STATIC_REQUIRE_FALSE(lsm::key_serializable<sample>);
  STATIC_REQUIRE(lsm::serializer<sample>::fixed_size == sizeof(sample));
  const sample s{-5, 7, 9, 2.5};
  const std::string bytes = encode(s);
  CHECK(bytes.size() == sizeof(sample));
  const sample back = lsm::serializer<sample>::decode(bytes);
  CHECK(back.a == -5);
  CHECK(back.b == 7);
  CHECK(back.c == 9);
  CHECK(back.d == 2.5);
  CHECK(lsm::serializer<sample>::name == "trivial<16>");
  bool canonical = true;
  CHECK(try_decode<sample>(std::string_view(bytes).substr(1), canonical) ==
        decode_outcome::corruption);
  CHECK(try_decode<sample>(bytes + "x", canonical) == decode_outcome::corruption);
  // As a value component of a composite, it is embedded at its fixed size.
  using value = std::pair<sample, std::string>;
  STATIC_REQUIRE(lsm::value_serializable<value>);
  STATIC_REQUIRE_FALSE(lsm::key_serializable<value>);
  const value v = lsm::serializer<value>::decode(encode(value{s, "tail"}));
  CHECK(v.first.d == 2.5);
  CHECK(v.second == "tail");
}

}  // namespace lsm_test_serializer_test
