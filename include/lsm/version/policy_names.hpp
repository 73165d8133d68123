// lsm/version/policy_names.hpp — lsm::detail::policy_names, the names of the
// comparator, codec and filter a tree directory was created with (persisted
// in the MANIFEST and checked on every open).
//
// Thread safety: a plain value.
#pragma once

#include <string>

namespace lsm {
inline namespace v0 {
namespace detail {

/// The persisted policy names a directory was created with.
struct policy_names {
  std::string comparator, codec, filter;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
