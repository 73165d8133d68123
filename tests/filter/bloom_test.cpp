#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_bloom_test {

using lsm::detail::hash64;

namespace {

std::uint64_t test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

/// Hashes of n distinct keys from `prefix`.
std::vector<std::uint64_t> key_hashes(const std::string& prefix, std::size_t n) {
  std::vector<std::uint64_t> out;
  out.reserve(n);
  std::string k;
  for (std::size_t i = 0; i < n; ++i) {
    k = prefix;
    k += std::to_string(i);
    out.push_back(hash64(k));
  }
  return out;
}

/// (1 - e^{-k n/m})^k at the best integer k, for a standard Bloom filter.
double standard_bloom_rate(double bits_per_key) {
  double best = 1.0;
  for (int k = 1; k <= 40; ++k)
    best = std::min(best, std::pow(1.0 - std::exp(-k / bits_per_key), k));
  return best;
}

/// The same formula averaged over the Poisson(512 / bits_per_key) number of
/// keys in a key's 512-bit line, with k probes (a blocked filter's theory).
double blocked_bloom_rate(double bits_per_key, unsigned k) {
  const double lambda = 512.0 / bits_per_key;
  double p = std::exp(-lambda), sum = 0;
  for (int j = 0; j < 2000; ++j) {
    if (j > 0) p *= lambda / j;
    sum += p * std::pow(1.0 - std::pow(1.0 - 1.0 / 512, double(k) * j), double(k));
  }
  return sum;
}

template <unsigned B>
void measure_false_positive_rate(const std::vector<std::uint64_t>& present,
                                 const std::vector<std::uint64_t>& absent, bool standard_bound) {
  using bloom = lsm::filter::bloom<B>;
  std::string filter;
  bloom::build(present, filter);
  std::size_t false_negatives = 0, false_positives = 0;
  for (auto h : present)
    if (!bloom::may_contain(filter, h)) ++false_negatives;
  for (auto h : absent)
    if (bloom::may_contain(filter, h)) ++false_positives;
  const double measured = double(false_positives) / double(absent.size());
  const double standard = standard_bloom_rate(B);
  const double blocked = blocked_bloom_rate(B, bloom::num_probes);
  std::cout << "bloom<" << B << ">: k=" << bloom::num_probes
            << " bytes/key=" << double(filter.size()) / double(present.size())
            << " measured FP=" << measured * 100 << "% standard=" << standard * 100
            << "% blocked theory=" << blocked * 100 << "% measured/standard=" << measured / standard
            << "\n";
  INFO("bits/key " << B << " measured " << measured << " standard " << standard << " blocked "
                   << blocked);
  CHECK(false_negatives == 0);
  CHECK(measured <= 1.5 * blocked);
  if (standard_bound) CHECK(measured <= 1.5 * standard);
}

}  // namespace

TEST_CASE("hash64 matches the known answers of the documented algorithm", "[bloom]") {
  // Computed from docs/format/sst.md section 6 by an independent implementation.
  CHECK(hash64("") == 0xb800bd6c02472607ull);
  CHECK(hash64("a") == 0xd1e639d8c2f6e3e8ull);
  CHECK(hash64("abc") == 0xa6e69e6f87970eb7ull);
  CHECK(hash64("12345678") == 0x1b9c9c83e19c483cull);
  CHECK(hash64("hello, world") == 0x2c67bff9d4ef1d1aull);
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  CHECK(hash64(bytes) == 0x705fb2ba17dbeb2cull);
}

TEST_CASE("hash64 distinguishes trailing zero bytes and avalanches single bit flips", "[bloom]") {
  CHECK(hash64(std::string_view("a", 1)) != hash64(std::string_view("a\0", 2)));
  CHECK(hash64(std::string(8, '\0')) != hash64(std::string(16, '\0')));
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  double total = 0;
  int samples = 0;
  for (int t = 0; t < 2000; ++t) {
    std::string s(1 + rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::uint64_t h = hash64(s);
    const std::size_t bit = rng() % (s.size() * 8);
    s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
    total += std::popcount(h ^ hash64(s));
    ++samples;
  }
  const double mean = total / samples;
  INFO("mean changed bits " << mean);
  CHECK(mean > 30.0);
  CHECK(mean < 34.0);
}

TEST_CASE("bloom false-positive rate over 1M keys stays within the documented bounds", "[bloom]") {
  const std::size_t n = 1'000'000;
  const auto present = key_hashes("present/", n);
  const auto absent = key_hashes("absent/", n);
  // Bounds: docs/format/sst.md section 8.
  measure_false_positive_rate<6>(present, absent, true);
  measure_false_positive_rate<10>(present, absent, true);
  measure_false_positive_rate<14>(present, absent, false);
  measure_false_positive_rate<20>(present, absent, false);
}

TEMPLATE_TEST_CASE("a bloom filter never gives a false negative", "[bloom]", lsm::filter::bloom<1>,
                   lsm::filter::bloom<2>, lsm::filter::bloom<10>, lsm::filter::bloom<64>) {
  for (std::size_t n : {0u, 1u, 7u, 100u, 5000u}) {
    const auto keys = key_hashes("k", n);
    std::string filter;
    TestType::build(keys, filter);
    INFO("n " << n);
    REQUIRE(filter.size() >= 65);
    CHECK((filter.size() - 1) % 64 == 0);
    std::size_t missing = 0;
    for (auto h : keys)
      if (!TestType::may_contain(filter, h)) ++missing;
    CHECK(missing == 0);
  }
}

TEST_CASE("an empty key set gives a filter that excludes keys", "[bloom]") {
  std::string filter;
  lsm::filter::bloom<10>::build({}, filter);
  std::size_t hits = 0;
  for (auto h : key_hashes("x", 1000))
    if (lsm::filter::bloom<10>::may_contain(filter, h)) ++hits;
  CHECK(hits == 0);
}

TEST_CASE("a bloom filter is read with its stored probe count by any bits-per-key", "[bloom]") {
  const auto keys = key_hashes("k", 3000);
  const auto others = key_hashes("o", 3000);
  std::string filter;
  lsm::filter::bloom<6>::build(keys, filter);
  STATIC_REQUIRE(lsm::filter::bloom<6>::name == lsm::filter::bloom<20>::name);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    REQUIRE(lsm::filter::bloom<20>::may_contain(filter, keys[i]));
    REQUIRE(lsm::filter::bloom<6>::may_contain(filter, others[i]) ==
            lsm::filter::bloom<20>::may_contain(filter, others[i]));
  }
}

TEST_CASE("a malformed or empty bloom filter answers may-contain", "[bloom]") {
  using bloom = lsm::filter::bloom<10>;
  std::string good;
  bloom::build(key_hashes("k", 100), good);
  const auto absent = key_hashes("absent", 200);
  std::size_t excluded = 0;
  for (auto h : absent) excluded += bloom::may_contain(good, h) ? 0 : 1;
  REQUIRE(excluded > 150);  // the well-formed filter does exclude keys

  std::string zero_probes = good;
  zero_probes.back() = '\0';
  std::string many_probes = good;
  many_probes.back() = static_cast<char>(31);
  const std::string bad[] = {std::string(), std::string(1, '\x07'), good.substr(1),
                             good + "x",    std::string(64, '\0'),  zero_probes,
                             many_probes};
  for (const auto& f : bad)
    for (auto h : absent) REQUIRE(bloom::may_contain(f, h));
}

TEST_CASE("the none filter writes nothing and may contain everything", "[bloom]") {
  std::string filter = "prefix";
  const auto keys = key_hashes("k", 10);
  lsm::filter::none::build(keys, filter);
  CHECK(filter == "prefix");
  CHECK(lsm::filter::none::name == "lsm.filter.none");
  CHECK(lsm::filter::bloom<10>::name == "lsm.bloom.v1");
  for (auto h : key_hashes("absent", 100)) CHECK(lsm::filter::none::may_contain("", h));
}

}  // namespace lsm_test_bloom_test
