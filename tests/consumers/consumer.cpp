// A program outside the library that uses it the way a user does: includes
// <lsm/lsm.hpp> and links lsm::lsm (or uses pkg-config's flags). Built and run
// by the consumer tests (find_package, add_subdirectory, FetchContent,
// pkg-config); exits non-zero if anything it checks is wrong.
#include <lsm/lsm.hpp>

#include <cstdio>
#include <string_view>

int main() {
  int failures = 0;
  // RFC 3720 known answer: proves the real code is compiled and linked.
  const auto crc = lsm::detail::crc32c::value("123456789");
  if (crc != 0xe3069283u) {
    std::fprintf(stderr, "crc32c(\"123456789\") = %08x, expected e3069283\n",
                 static_cast<unsigned>(crc));
    ++failures;
  }
  const lsm::status ok;
  const auto bad = lsm::status::corruption("000007.sst: bad magic at offset 4096");
  if (!ok.ok() || bad.ok() || bad.code() != lsm::errc::corruption) {
    std::fprintf(stderr, "lsm::status does not report ok/corruption as expected\n");
    ++failures;
  }
  if (bad.error_code().category().name() != std::string_view("lsm")) {
    std::fprintf(stderr, "lsm::status error code is not in the lsm category\n");
    ++failures;
  }
  if (failures == 0) std::printf("consumer ok: %s\n", bad.to_string().c_str());
  return failures == 0 ? 0 : 1;
}
