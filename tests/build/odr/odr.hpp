// The functions each translation unit of the ODR check exposes to the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace odr_check {

const std::error_category* category_from_a();
std::uint32_t crc_from_a(std::string_view data);
std::string internal_key_from_a(std::string_view user_key, std::uint64_t seq);

}  // namespace odr_check
