// Separate compilation, an instantiation of the user's own: a combination the
// lsm::compiled library does not hold, instantiated here once with
// LSM_INSTANTIATE_ENGINE, used here and available to every other translation
// unit of the program.
#include <lsm/compaction/tiered.hpp>
#include <lsm/engine/engine.hpp>
#include <lsm/filter/none.hpp>
#include <lsm/lsm.hpp>
#include <lsm/memtable/vector.hpp>

#include <string>

#include "separate.hpp"

LSM_INSTANTIATE_ENGINE(lsm::bytewise_comparator, lsm::memtable::vector, lsm::filter::none,
                       lsm::compaction::tiered<>);

namespace separate_check {

std::string vector_tiered_round_trip(const std::string& dir) {
  using tree = lsm::tree<std::string, std::string, lsm::codec<std::string, std::string>,
                         lsm::memtable::vector, lsm::filter::none, lsm::compaction::tiered<>>;
  {
    tree db(dir);
    db.put("a", "a");
    db.put("a", "b");
  }
  tree db(dir);
  return db.get("a").value_or("");
}

}  // namespace separate_check
