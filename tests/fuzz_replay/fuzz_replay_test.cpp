// Replays every committed fuzz corpus file and reproducer (fuzz/corpus/<target>,
// fuzz/reproducers/<target>) through the same target functions the libFuzzer
// entry points call, so that the ordinary test suite keeps every input the
// fuzzers found interesting, and every crash they found, fixed.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../../fuzz/targets.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_fuzz_replay_test {

namespace {

namespace fs = std::filesystem;

/// The fuzz/ directory: $LSM_FUZZ_DIR, else found from this file's path.
fs::path fuzz_dir() {
  if (const char* d = std::getenv("LSM_FUZZ_DIR")) return d;
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "fuzz";
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// (file name, bytes) of every regular file in dir, sorted by name.
std::vector<std::pair<std::string, std::string>> files_in(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.emplace_back(e.path().filename().string(), read_bytes(e.path()));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> seeds(const char* target) {
  return files_in(fuzz_dir() / "corpus" / target);
}

std::uint64_t test_seed() {
  if (const char* s = std::getenv("LSM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

}  // namespace

TEST_CASE("every committed fuzz corpus file and reproducer runs through its target", "[fuzz]") {
  INFO("fuzz directory " << fuzz_dir().string());
  REQUIRE(fs::is_directory(fuzz_dir() / "corpus"));
  for (const lsm_fuzz::target& t : lsm_fuzz::all_targets) {
    const auto corpus = seeds(t.name);
    INFO("target " << t.name);
    CHECK(corpus.size() >= 3);  // every target has seeds made by make_corpus
    for (const auto& [name, bytes] : corpus) {
      INFO("corpus file " << name);
      t.run(bytes);  // a broken property aborts; a memory error trips the sanitizers
    }
    for (const auto& [name, bytes] : files_in(fuzz_dir() / "reproducers" / t.name)) {
      INFO("reproducer " << name);
      t.run(bytes);
    }
  }
}

TEST_CASE("the fuzz seeds are valid data that every decoder accepts", "[fuzz]") {
  namespace d = lsm::detail;
  for (const auto& [name, bytes] : seeds("write_batch")) {
    INFO(name);
    d::write_batch b;
    CHECK(b.set_contents(bytes).ok());
  }
  for (const auto& [name, bytes] : seeds("version_edit")) {
    INFO(name);
    d::version_edit e;
    CHECK(e.decode_from(bytes).ok());
  }
  for (const auto& [name, bytes] : seeds("wal_reader")) {
    INFO(name);
    lsm_fuzz::bytes_sequential_file src(bytes);
    d::wal::reader r(src, name);
    std::string scratch;
    std::string_view record;
    std::size_t records = 0;
    while (r.read_record(record, scratch)) ++records;
    CHECK(r.get_status().ok());
    CHECK((records > 0 || bytes.empty()));
  }
  for (const auto& [name, bytes] : seeds("block")) {
    INFO(name);
    CHECK(d::block(bytes).get_status().ok());
  }
  for (const auto& [name, bytes] : seeds("table")) {
    INFO(name);
    auto t = lsm_fuzz::fuzz_table_reader::open(
        d::table_options{}, std::make_unique<lsm_fuzz::bytes_random_access_file>(bytes),
        bytes.size(), name, nullptr);
    CHECK(t.ok());
  }
  for (const auto& [name, bytes] : seeds("tree_open")) {
    INFO(name);
    auto fsys = std::make_shared<lsm::memory_file_system>();
    lsm_fuzz::build_tree_dir(*fsys, bytes);
    lsm::options opts;
    opts.create_if_missing = false;
    opts.file_system = fsys;
    std::error_code ec;
    lsm_fuzz::fuzz_tree db(lsm_fuzz::tree_dir, opts, ec);
    CHECK_FALSE(ec);
    if (!ec) {
      auto c = db.cursor();
      c.seek_to_first();
      CHECK(c.valid());  // every seed tree holds data
    }
  }
}

TEST_CASE("each fuzz target survives truncations and byte flips of its seeds", "[fuzz]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (const lsm_fuzz::target& t : lsm_fuzz::all_targets) {
    INFO("target " << t.name);
    // A whole-tree open costs milliseconds; the decoders microseconds.
    const int mutations = std::string_view(t.name) == "tree_open" ? 6 : 40;
    std::size_t runs = 0;
    for (const auto& [name, bytes] : seeds(t.name)) {
      INFO("corpus file " << name);
      if (bytes.empty()) continue;
      for (int i = 0; i < mutations; ++i) {
        std::string m = bytes;
        switch (rng() % 3) {
          case 0:
            m.resize(rng() % m.size());
            break;
          case 1:
            for (int k = 0; k < 4; ++k) m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255);
            break;
          default:
            m[rng() % m.size()] = static_cast<char>(rng() % 2 == 0 ? 0 : 0xff);
            break;
        }
        t.run(m);
        ++runs;
      }
    }
    CHECK(runs > 0);
  }
}

}  // namespace lsm_test_fuzz_replay_test
