// expect: lsm::compaction::tiered<MinMerge, SizeRatio>: SizeRatio is a percentage in \[0, 1000\]
// A size ratio above 1000% makes every merge rewrite a much larger run.
#include <lsm/lsm.hpp>

static_assert(lsm::compaction::tiered<4, 5000>::size_ratio == 5000);
