// expect: Filter is not a filter policy
// A Filter policy missing may_contain fails lsm::filter_policy; lsm::tree
// names the policy and what it needs.
#include <lsm/lsm.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

struct half_filter {
  static constexpr std::string_view name = "half";
  static void build(std::span<const std::uint64_t>, std::string&) {}
};

lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>, lsm::memtable::skiplist,
          half_filter>* t = nullptr;
static_assert(sizeof(*t) > 0);
