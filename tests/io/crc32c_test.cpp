#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <random>
#include <string>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_crc32c_test {

namespace crc = lsm::detail::crc32c;

TEST_CASE("crc32c matches the RFC 3720 known answers", "[crc32c]") {
  std::string buf(32, '\0');
  CHECK(crc::value(buf) == 0x8a9136aau);
  buf.assign(32, '\xff');
  CHECK(crc::value(buf) == 0x62a8ab43u);
  for (int i = 0; i < 32; ++i) buf[static_cast<std::size_t>(i)] = static_cast<char>(i);
  CHECK(crc::value(buf) == 0x46dd794eu);
  for (int i = 0; i < 32; ++i) buf[static_cast<std::size_t>(i)] = static_cast<char>(31 - i);
  CHECK(crc::value(buf) == 0x113fdb5cu);
  const unsigned char iscsi[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                   0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  CHECK(crc::value(reinterpret_cast<const char*>(iscsi), sizeof iscsi) == 0xd9963a56u);
  CHECK(crc::value("123456789") == 0xe3069283u);
}

TEST_CASE("crc32c hardware and portable paths agree, extend composes", "[crc32c]") {
  std::mt19937_64 rng(7);
  std::string data(10000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 9999u}) {
    const auto whole = crc::extend_portable(0, data.data(), n);
    CHECK(crc::value(data.data(), n) == whole);
    const std::size_t half = n / 3;
    CHECK(crc::extend(crc::value(data.data(), half), data.data() + half, n - half) == whole);
  }
}

TEST_CASE("crc32c of long inputs (three chains joined) matches the portable path", "[crc32c]") {
  std::mt19937_64 rng(11);
  std::string data(20000 + 64, '\0');  // the longest length at the largest offset
  for (auto& c : data) c = static_cast<char>(rng());
  // Around the round of three 256-byte stripes, a block's size, and random
  // lengths at random (unaligned) offsets, from a fresh and a running CRC.
  std::vector<std::size_t> lengths = {767,  768,  769,  775,  776,  1535,  1536,
                                      1537, 2304, 4096, 4103, 4127, 16384, 19999};
  for (int i = 0; i < 300; ++i) lengths.push_back(rng() % 10000);
  for (const std::size_t n : lengths) {
    const std::size_t offset = rng() % 64;
    const auto start = static_cast<std::uint32_t>(rng());
    INFO("length " << n << " offset " << offset);
    CHECK(crc::value(data.data() + offset, n) == crc::extend_portable(0, data.data() + offset, n));
    CHECK(crc::extend(start, data.data() + offset, n) ==
          crc::extend_portable(start, data.data() + offset, n));
  }
  // All zeros and all ones: the joined chains see the same word everywhere.
  for (const char fill : {'\0', '\xff'}) {
    const std::string same(4096, fill);
    CHECK(crc::value(same) == crc::extend_portable(0, same.data(), same.size()));
  }
}

TEST_CASE("crc32c mask is invertible and changes the value", "[crc32c]") {
  const std::uint32_t c = crc::value("foo");
  CHECK(crc::mask(c) != c);
  CHECK(crc::mask(crc::mask(c)) != c);
  CHECK(crc::unmask(crc::mask(c)) == c);
  CHECK(crc::unmask(crc::unmask(crc::mask(crc::mask(c)))) == c);
}

}  // namespace lsm_test_crc32c_test
