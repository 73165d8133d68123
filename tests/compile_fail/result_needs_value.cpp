// expect: (cannot convert|no viable conversion from) .(lsm::)?(v0::)?result<int>. to .int.
// lsm::result<T> never converts to T by itself: the caller must check ok() and
// unwrap with *r or r.value(), so an error cannot be silently read as a value.
#include <lsm/lsm.hpp>

lsm::result<int> parse() { return lsm::status::corruption("parse: bad input"); }

int use() {
  int v = parse();  // must not compile
  return v;
}
