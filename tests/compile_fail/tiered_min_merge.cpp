// expect: lsm::compaction::tiered<MinMerge, SizeRatio>: MinMerge \(level-0 files merged into one run\) must be at least 2
// Merging fewer than two level-0 files at once is no merge at all.
#include <lsm/lsm.hpp>

static_assert(lsm::compaction::tiered<1>::min_merge == 1);
