// tests/policy/policy_support.hpp — what the policy tests share: key
// generators for each tested key type, a codec that orders keys descending
// (through Codec::compare), and env-var helpers.
//
// Thread safety: stateless helpers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>

#include <lsm/lsm.hpp>

namespace lsm_test {

inline std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

/// A seed: LSM_TEST_SEED when set, else a fresh random one.
inline std::uint64_t test_seed(std::uint64_t salt = 0) {
  const std::uint64_t fixed = env_number("LSM_TEST_SEED", 0);
  return fixed ? fixed : std::random_device{}() * 1000003ull + salt;
}

/// Strings ordered descending: keys are the string's bytes, compare reversed.
struct descending_codec {
  static constexpr std::string_view name = "test.descending(string,string)";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
  static std::string decode_value(std::string_view in) { return std::string(in); }
  static int compare(std::string_view a, std::string_view b) noexcept {
    const int c = a.compare(b);
    return c < 0 ? 1 : (c > 0 ? -1 : 0);
  }
};

/// key_gen<Key>::make(i): the i-th key of a key space (distinct i give
/// distinct keys, in no particular order); show(k): printable form.
template <class Key>
struct key_gen;

template <>
struct key_gen<std::string> {
  static std::string make(std::uint64_t i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "k%06llu", static_cast<unsigned long long>(i));
    return buf;
  }
  static std::string show(const std::string& k) { return k; }
};

template <>
struct key_gen<std::uint64_t> {
  // Spread over the whole range (high bit set or not), with both extremes.
  static std::uint64_t make(std::uint64_t i) {
    if (i == 0) return 0;
    if (i == 1) return ~std::uint64_t{0};
    return i * 0x9E3779B97F4A7C15ull;
  }
  static std::string show(std::uint64_t k) { return std::to_string(k); }
};

template <>
struct key_gen<std::tuple<std::string, std::int32_t>> {
  // Components with 0x00 and 0xFF bytes inside, negative and positive ints.
  static std::tuple<std::string, std::int32_t> make(std::uint64_t i) {
    std::string s(1, static_cast<char>('a' + i % 5));
    if (i % 7 == 0) s += '\0';
    if (i % 11 == 0) s += '\xff';
    return {s, static_cast<std::int32_t>(i / 5) * (i % 2 ? 1 : -1)};
  }
  static std::string show(const std::tuple<std::string, std::int32_t>& k) {
    std::ostringstream out;
    out << '(';
    for (const char ch : std::get<0>(k)) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x20 && c < 0x7f)
        out << static_cast<char>(c);
      else
        out << "\\x" << std::hex << static_cast<int>(c) << std::dec;
    }
    out << ", " << std::get<1>(k) << ')';
    return out.str();
  }
};

}  // namespace lsm_test
