// expect: Compaction is not a compaction policy
// A Compaction policy without pressure() fails lsm::compaction_policy;
// lsm::tree names the policy and what it needs.
#include <lsm/lsm.hpp>
#include <optional>
#include <string>
#include <string_view>

struct never_compacts {
  static constexpr std::string_view name = "never";
  std::optional<lsm::detail::compaction_pick> pick(const lsm::detail::version&,
                                                   const lsm::detail::compaction_context&) {
    return std::nullopt;
  }
};

lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>, lsm::memtable::skiplist,
          lsm::filter::bloom<10>, never_compacts>* t = nullptr;
static_assert(sizeof(*t) > 0);
