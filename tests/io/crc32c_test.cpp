#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <random>
#include <string>

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

TEST_CASE("crc32c hardware and portable paths agree; extend composes", "[crc32c]") {
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

TEST_CASE("crc32c mask is invertible and changes the value", "[crc32c]") {
  const std::uint32_t c = crc::value("foo");
  CHECK(crc::mask(c) != c);
  CHECK(crc::mask(crc::mask(c)) != c);
  CHECK(crc::unmask(crc::mask(c)) == c);
  CHECK(crc::unmask(crc::unmask(crc::mask(crc::mask(c)))) == c);
}

}  // namespace lsm_test_crc32c_test
