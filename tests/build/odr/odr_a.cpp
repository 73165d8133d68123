// ODR check, translation unit A: includes the whole library and uses it. If a
// header defined a non-inline function or variable, linking A with B would
// fail with a duplicate symbol; if an inline function's static were not
// shared, B would see a different object (checked in odr_b.cpp).
#include <lsm/lsm.hpp>

#include "odr.hpp"

namespace odr_check {

const std::error_category* category_from_a() { return &lsm::error_category(); }

std::uint32_t crc_from_a(std::string_view data) { return lsm::detail::crc32c::value(data); }

std::string internal_key_from_a(std::string_view user_key, std::uint64_t seq) {
  return lsm::detail::make_internal_key(user_key, seq, lsm::value_kind::value);
}

}  // namespace odr_check
