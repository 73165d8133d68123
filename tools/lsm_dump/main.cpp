// lsm_dump — prints what a tree's files hold (see dump.hpp).
//
//   lsm_dump [--values] PATH...
//
// PATH is a tree's directory (its levels and WALs), an NNNNNN.sst, an
// NNNNNN.log or a MANIFEST-NNNNNN. --values prints whole values (default:
// the first 32 bytes). Exits 1 when a path cannot be read, naming what was
// wrong and where, 2 on a usage error.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dump.hpp"

int main(int argc, char** argv) {
  lsm_dump::settings how;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--values")
      how.max_value_bytes = 0;
    else if (!a.empty() && a[0] != '-')
      paths.push_back(a);
    else {
      std::fprintf(stderr, "lsm_dump: unknown option '%s'\n", a.c_str());
      paths.clear();
      break;
    }
  }
  if (paths.empty()) {
    std::fprintf(stderr,
                 "usage: lsm_dump [--values] PATH...\n"
                 "  PATH: a tree's directory, an NNNNNN.sst, an NNNNNN.log or a "
                 "MANIFEST-NNNNNN\n");
    return 2;
  }
  lsm::posix_file_system fs;
  int code = 0;
  for (const auto& path : paths) {
    const lsm::status s = lsm_dump::dump_path(fs, path, std::cout, how);
    if (!s.ok()) {
      std::cout.flush();
      std::fprintf(stderr, "lsm_dump: %s\n", s.to_string().c_str());
      code = 1;
    }
  }
  return code;
}
