// expect: lsm::compaction::leveled: the level-0 trigger must be at least 1
// A level-0 trigger of 0 would compact an empty level 0 forever.
#include <lsm/lsm.hpp>

static_assert(lsm::compaction::leveled<0, 10>::l0_trigger == 0);
