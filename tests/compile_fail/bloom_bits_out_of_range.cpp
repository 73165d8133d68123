// expect: lsm::filter::bloom<BitsPerKey>: BitsPerKey must be in \[1, 64\]
// A Bloom filter with 0 (or more than 64) bits per key makes no sense: the
// policy refuses it at compile time.
#include <lsm/lsm.hpp>

static_assert(lsm::filter::bloom<0>::bits_per_key == 0);
