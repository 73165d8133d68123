// ODR check, translation unit B (holds main): includes the whole library too,
// and checks that both translation units agree on what they share.
#include <lsm/lsm.hpp>

#include <cstdio>

#include "odr.hpp"

int main() {
  int failures = 0;
  if (odr_check::category_from_a() != &lsm::error_category()) {
    std::puts("lsm::error_category() returns different objects in two translation units");
    ++failures;
  }
  const std::string_view data = "123456789";
  if (odr_check::crc_from_a(data) != lsm::detail::crc32c::value(data) ||
      lsm::detail::crc32c::value(data) != 0xe3069283u) {
    std::puts("crc32c differs between translation units or from the known answer");
    ++failures;
  }
  if (odr_check::internal_key_from_a("key", 42) !=
      lsm::detail::make_internal_key("key", 42, lsm::value_kind::value)) {
    std::puts("make_internal_key differs between translation units");
    ++failures;
  }
  if (failures == 0) std::puts("odr check ok: two translation units, one library");
  return failures == 0 ? 0 : 1;
}
