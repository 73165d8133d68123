// lsm/filter/none.hpp — lsm::filter::none, the filter policy that filters
// nothing: tables store an empty filter and every lookup reads the index.
//
// Thread safety: stateless.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lsm {
inline namespace v0 {
namespace filter {

struct none {
  static constexpr std::string_view name = "lsm.filter.none";
  /// Writes nothing.
  static void build(std::span<const std::uint64_t>, std::string&) noexcept {}
  /// Always true.
  static bool may_contain(std::string_view, std::uint64_t) noexcept { return true; }
};

}  // namespace filter
}  // namespace v0
}  // namespace lsm
