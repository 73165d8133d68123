// expect: lsm::compaction::leveled: the size ratio between levels must be at least 2
// A size ratio below 2 would never let a level grow past the one above it.
#include <lsm/lsm.hpp>

static_assert(lsm::compaction::leveled<4, 1>::l0_trigger == 4);
