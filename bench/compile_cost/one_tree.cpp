// The translation unit whose compile time bench/compile_cost.py measures:
// <lsm/lsm.hpp> and one lsm::tree<std::string, std::string>.
#include <lsm/lsm.hpp>

#include <string>

int main(int argc, char** argv) {
  lsm::tree<std::string, std::string> db(argc > 1 ? argv[1] : "compile_cost_db");
  db.put("key", "value");
  return db.get("key") ? 0 : 1;
}
