// Input for the amalgamate_rejects_unresolved_include test: the quoted
// include on line 7 names a file that does not exist, so tools/amalgamate.py
// must fail and name this file and line.
#pragma once

#include <cstdint>
#include "lsm/missing.hpp"
