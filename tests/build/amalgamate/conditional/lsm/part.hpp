// Input for the amalgamate_rejects_conditional_then_unconditional_include test.
#pragma once

inline int lsm_amalgamate_test_part() { return 1; }
