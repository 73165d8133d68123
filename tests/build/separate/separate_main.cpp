// Separate compilation, the user's side: this translation unit is built with
// LSM_SEPARATE_COMPILATION (linking lsm::compiled defines it), so
// <lsm/lsm.hpp> gives it lsm::tree without the engine. Two trees of different
// key types with the default policies share the engine src/lsm.cpp
// instantiates; a third combination comes from separate_instances.cpp
// (LSM_INSTANTIATE_ENGINE).
#include <lsm/destroy.hpp>  // not in the façade: it brings in the POSIX file system
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <type_traits>
#include <string>
#include <vector>

#include <unistd.h>

#include "separate.hpp"

#ifndef LSM_SEPARATE_COMPILATION
#error "this check must be built with LSM_SEPARATE_COMPILATION (link lsm::compiled)"
#endif

namespace separate_check {

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "separate compilation check failed: %s (line %d)\n", what, line);
  std::exit(1);
}

template <class T>
constexpr bool is_complete = requires {
  sizeof(T);
};

}  // namespace separate_check

int main() {
  using separate_check::is_complete;
  using string_tree = lsm::tree<std::string, std::string>;
  using number_tree = lsm::tree<std::uint64_t, std::string>;
  // Both trees use the one engine of the default policies, and this
  // translation unit has not seen its definition.
  static_assert(std::is_same_v<string_tree::engine_type, number_tree::engine_type>);
  static_assert(!is_complete<string_tree::engine_type>,
                "LSM_SEPARATE_COMPILATION: <lsm/lsm.hpp> must not define the engine");

  const auto root =
      std::filesystem::temp_directory_path() / ("lsm_separate_check_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  {
    string_tree db((root / "strings").string());
    for (int i = 0; i < 1000; ++i) db.put("key" + std::to_string(i), "value" + std::to_string(i));
    db.erase("key7");
    db.flush();
    SEPARATE_CHECK(db.get("key42") == "value42");
    SEPARATE_CHECK(!db.get("key7"));
    const auto snap = db.snapshot();
    db.put("key42", "changed");
    lsm::read_options at_snap;
    at_snap.snapshot = &snap;
    SEPARATE_CHECK(db.get("key42", at_snap) == "value42");
    std::size_t n = 0;
    for (const auto& kv : db.scan("key1", "key2")) {
      SEPARATE_CHECK(kv.first.rfind("key1", 0) == 0);
      ++n;
    }
    SEPARATE_CHECK(n == 111);  // key1, key10..key19, key100..key199
  }
  {
    string_tree db((root / "strings").string());
    SEPARATE_CHECK(db.get("key42") == "changed");
    SEPARATE_CHECK(db.get("key999") == "value999");
  }
  {
    number_tree db((root / "numbers").string());
    for (std::uint64_t i = 0; i < 100; ++i) db.put(i * 3, std::to_string(i));
    auto c = db.cursor();
    c.seek_to_last();
    SEPARATE_CHECK(c.valid() && c.key() == 297 && c.value() == "99");
    std::error_code ec;
    db.compact(ec);
    SEPARATE_CHECK(!ec);
  }
  SEPARATE_CHECK(separate_check::vector_tiered_round_trip((root / "vector").string()) == "b");
  {
    std::error_code ec;
    std::filesystem::remove(root / "strings" / "CURRENT");
    string_tree::repair((root / "strings").string(),
                        ec);  // the engine's repair, from lsm::compiled
    SEPARATE_CHECK(!ec);
    string_tree db((root / "strings").string());
    SEPARATE_CHECK(db.get("key42") == "changed");
    SEPARATE_CHECK(db.get("key999") == "value999");
    db.verify_checksums(ec);
    SEPARATE_CHECK(!ec);
    SEPARATE_CHECK(db.approximate_size("key", "kez") > 0);
    db.checkpoint((root / "copy").string(), ec);
    SEPARATE_CHECK(!ec);
  }
  {
    string_tree copy((root / "copy").string());
    SEPARATE_CHECK(copy.get("key42") == "changed");
  }
  {
    std::error_code ec;
    {
      string_tree db((root / "strings").string());
      lsm::destroy((root / "strings").string(), ec);
      SEPARATE_CHECK(ec == lsm::errc::busy);
    }
    lsm::destroy((root / "strings").string(), ec);
    SEPARATE_CHECK(!ec);
    SEPARATE_CHECK(!std::filesystem::exists(root / "strings"));
  }
  std::filesystem::remove_all(root);
  std::puts(
      "separate compilation: default engine from lsm::compiled, one more from "
      "LSM_INSTANTIATE_ENGINE: ok");
  return 0;
}
