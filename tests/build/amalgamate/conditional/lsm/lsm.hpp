// Input for the amalgamate_rejects_conditional_then_unconditional_include
// test: lsm/part.hpp is first included under #if, then unconditionally on
// line 10; inlining it once inside the #if would lose it when the condition
// is false, so tools/amalgamate.py must refuse.
#pragma once

#if defined(LSM_AMALGAMATE_TEST_CONDITION)
#include "lsm/part.hpp"
#endif
#include "lsm/part.hpp"
