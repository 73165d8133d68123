// lsm/filter/concept.hpp — lsm::filter_policy<F>: what a filter policy must
// provide, one requirement per line, so a wrong policy fails readably.
//
// Thread safety: concepts only.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lsm {
inline namespace v0 {

template <class F>
concept filter_policy = requires(std::span<const std::uint64_t> hashes, std::string& out,
                                 std::string_view filter, std::uint64_t hash) {
  { F::name } -> std::convertible_to<std::string_view>;
  {F::build(hashes, out)};
  { F::may_contain(filter, hash) } -> std::convertible_to<bool>;
};

}  // namespace v0
}  // namespace lsm
