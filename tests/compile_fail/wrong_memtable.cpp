// expect: Memtable is not a memtable policy
// A Memtable policy without the nested template<class Comparator> table fails
// lsm::memtable_policy; lsm::tree names the policy and what it needs.
#include <lsm/lsm.hpp>
#include <string>

struct not_a_memtable {
  void add() {}
};

lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>, not_a_memtable>* t =
    nullptr;
static_assert(sizeof(*t) > 0);
