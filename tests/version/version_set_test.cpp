// lsm::detail::version_set's recovery, seen through a tree: a damaged last
// MANIFEST record is corruption (every record was synced before anything
// relied on it), while a cut one is what a crash leaves and is dropped.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <memory>
#include <string>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_version_set_test {

namespace {

using string_tree = lsm::tree<std::string, std::string>;

/// A tree in "/db" on fs with two flushes (MANIFEST records) behind it;
/// returns the MANIFEST's path.
std::string make_tree(const std::shared_ptr<lsm::memory_file_system>& fs) {
  lsm::options o;
  o.file_system = fs;
  string_tree db("/db", o);
  db.put("a", "1");
  db.flush();
  db.put("b", "2");
  db.flush();
  std::string current;
  REQUIRE(lsm::read_file_to_string(*fs, "/db/CURRENT", current).ok());
  REQUIRE(!current.empty());
  return "/db/" + current.substr(0, current.size() - 1);  // without its newline
}

std::error_code open_error(const std::shared_ptr<lsm::memory_file_system>& fs,
                           std::string* message) {
  lsm::options o;
  o.file_system = fs;
  try {
    string_tree db("/db", o);
    CHECK(db.get("a") == "1");
  } catch (const lsm::error& e) {
    *message = e.what();
    return e.code();
  }
  return {};
}

}  // namespace

TEST_CASE("a damaged last MANIFEST record is corruption naming the offset and both checksums",
          "[version]") {
  auto fs = std::make_shared<lsm::memory_file_system>();
  const std::string manifest = make_tree(fs);
  std::string bytes;
  REQUIRE(lsm::read_file_to_string(*fs, manifest, bytes).ok());
  bytes.back() = static_cast<char>(bytes.back() ^ 0x20);  // in the last record's payload
  REQUIRE(lsm::write_string_to_file(*fs, bytes, manifest, true).ok());
  std::string message;
  CHECK(open_error(fs, &message) == lsm::errc::corruption);
  INFO(message);
  CHECK_THAT(message,
             Catch::StartsWith(manifest + ": damaged record at offset ") &&
                 Catch::Contains(" at the end of the MANIFEST: checksum mismatch: stored 0x") &&
                 Catch::Contains(", computed 0x"));
}

TEST_CASE("a last MANIFEST record cut short is dropped, and the tree opens", "[version]") {
  auto fs = std::make_shared<lsm::memory_file_system>();
  const std::string manifest = make_tree(fs);
  std::string bytes;
  REQUIRE(lsm::read_file_to_string(*fs, manifest, bytes).ok());
  bytes.pop_back();
  REQUIRE(lsm::write_string_to_file(*fs, bytes, manifest, true).ok());
  std::string message;
  CHECK(open_error(fs, &message) == std::error_code{});
}

TEST_CASE("a damaged byte anywhere in the MANIFEST is corruption or harmless, never a silent loss",
          "[version]") {
  std::size_t size = 0;
  {
    auto fs = std::make_shared<lsm::memory_file_system>();
    std::string bytes;
    REQUIRE(lsm::read_file_to_string(*fs, make_tree(fs), bytes).ok());
    size = bytes.size();
  }
  int corrupt = 0;
  for (std::size_t at = 0; at < size; ++at) {
    for (const unsigned mask : {0x01u, 0x40u, 0xffu}) {
      auto fs = std::make_shared<lsm::memory_file_system>();
      const std::string manifest = make_tree(fs);
      std::string bytes;
      REQUIRE(lsm::read_file_to_string(*fs, manifest, bytes).ok());
      bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ mask);
      REQUIRE(lsm::write_string_to_file(*fs, bytes, manifest, true).ok());
      INFO("byte " << at << " of " << size << " xor " << mask);
      lsm::options o;
      o.file_system = fs;
      std::error_code ec;
      string_tree db("/db", o, ec);
      if (ec) {
        CHECK(ec == lsm::errc::corruption);
        ++corrupt;
        continue;
      }
      CHECK(db.get("a") == "1");
      CHECK(db.get("b") == "2");
    }
  }
  CHECK(corrupt > 0);
}

}  // namespace lsm_test_version_set_test
