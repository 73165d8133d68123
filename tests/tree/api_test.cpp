// The public contract of lsm::tree that the model tests do not reach: the
// open options (create_if_missing, error_if_exists, the minimum sizes), the
// key and value size limits, a value the codec cannot decode, and the LOCK
// held by another process. Each error is checked in both forms (throwing and
// std::error_code) and by its message.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>
#include <stdexcept>

#include "support/child_tree.hpp"
#include "support/temp_path.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_api_test {

namespace {

namespace fs = std::filesystem;
using string_tree = lsm::tree<std::string, std::string>;

using lsm_test::temp_path;

/// The error of opening dir with opts, in the error_code form; the throwing
/// form must throw the same code.
std::error_code open_error(const std::string& dir, const lsm::options& opts,
                           std::string* message = nullptr) {
  std::error_code ec;
  { string_tree db(dir, opts, ec); }
  try {
    string_tree db(dir, opts);
    CHECK(!ec);
  } catch (const lsm::error& e) {
    CHECK(e.code() == ec);
    if (message) *message = e.what();
  }
  return ec;
}

/// Values are the bytes as given; "poison" cannot be decoded.
struct poison_codec {
  static constexpr std::string_view name = "test.poison(string,string)";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
  static std::string decode_value(std::string_view in) {
    if (in == "poison") throw lsm::error(lsm::errc::corruption, "poison_codec: undecodable value");
    return std::string(in);
  }
};

/// As poison_codec, but its decode throws what a careless codec throws:
/// std::out_of_range for "range", a bare std::runtime_error for a key "rt",
/// and an lsm::error whose code is not an lsm::errc for "generic".
struct foreign_codec {
  static constexpr std::string_view name = "test.foreign(string,string)";
  static void encode_key(const std::string& k, std::string& out) { out += k; }
  static std::string decode_key(std::string_view in) {
    if (in == "rt") throw std::runtime_error("foreign_codec: key rt");
    return std::string(in);
  }
  static void encode_value(const std::string& v, std::string& out) { out += v; }
  static std::string decode_value(std::string_view in) {
    if (in == "range") return std::string(in).substr(10);  // throws std::out_of_range
    if (in == "generic")
      throw lsm::error(std::make_error_code(std::errc::invalid_argument), "foreign_codec: generic");
    return std::string(in);
  }
};

/// Refuses to encode keys and values starting with "bad": with lsm::error
/// (invalid_argument) for "bad-lsm...", with an lsm::error whose code is not
/// an lsm::errc for "bad-gen...", with a bare std::domain_error for any other
/// "bad..." key, and std::length_error for a value "bad...".
struct refusing_codec {
  static constexpr std::string_view name = "test.refusing(string,string)";
  static void encode_key(const std::string& k, std::string& out) {
    if (k.starts_with("bad-lsm"))
      throw lsm::error(lsm::errc::invalid_argument, "refusing_codec: key " + k);
    if (k.starts_with("bad-gen"))
      throw lsm::error(std::make_error_code(std::errc::no_buffer_space),
                       "refusing_codec: key " + k);
    if (k.starts_with("bad")) throw std::domain_error("refusing_codec: key " + k);
    out += k;
  }
  static std::string decode_key(std::string_view in) { return std::string(in); }
  static void encode_value(const std::string& v, std::string& out) {
    if (v.starts_with("bad")) throw std::length_error("refusing_codec: value " + v);
    out += v;
  }
  static std::string decode_value(std::string_view in) { return std::string(in); }
};

}  // namespace

TEST_CASE("create_if_missing = false refuses a missing directory and one without a tree",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_missing");
  lsm::options opts;
  opts.create_if_missing = false;
  std::string message;
  CHECK(open_error(dir, opts, &message) == lsm::errc::invalid_argument);
  CHECK_THAT(message, Catch::Contains(dir) && Catch::Contains("create_if_missing is false"));
  CHECK_FALSE(fs::exists(dir));  // nothing was created

  fs::create_directories(dir);  // a directory, but no tree in it
  CHECK(open_error(dir, opts, &message) == lsm::errc::invalid_argument);
  CHECK_THAT(message, Catch::Contains("no tree here"));

  {
    string_tree db(dir);
    db.put("k", "v");
  }  // now there is one
  string_tree db(dir, opts);
  CHECK(db.get("k") == "v");
  fs::remove_all(dir);
}

TEST_CASE("error_if_exists = true opens a new tree and refuses an existing one",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_exists");
  lsm::options opts;
  opts.error_if_exists = true;
  {
    string_tree db(dir, opts);
    db.put("k", "v");
  }
  std::string message;
  CHECK(open_error(dir, opts, &message) == lsm::errc::invalid_argument);
  CHECK_THAT(message, Catch::Contains("error_if_exists is true"));
  string_tree db(dir);  // the refused opens changed nothing
  CHECK(db.get("k") == "v");
  fs::remove_all(dir);
}

TEST_CASE("options below their minimum are invalid_argument naming the option", "[tree][options]") {
  const std::string dir = temp_path("lsm_api_minimum");
  struct bad_option {
    const char* name;
    void (*set)(lsm::options&);
  };
  const bad_option cases[] = {
      {"options.write_buffer_size", [](lsm::options& o) { o.write_buffer_size = 1000; }},
      {"options.block_size", [](lsm::options& o) { o.block_size = 32; }},
      {"options.block_restart_interval", [](lsm::options& o) { o.block_restart_interval = 0; }},
      {"options.background_threads", [](lsm::options& o) { o.background_threads = 0; }},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    lsm::options opts;
    c.set(opts);
    std::string message;
    CHECK(open_error(dir, opts, &message) == lsm::errc::invalid_argument);
    CHECK_THAT(message, Catch::Contains(c.name));
  }
  fs::remove_all(dir);
}

TEST_CASE("keys and values over the configured limits are invalid_argument and write nothing",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_limits");
  lsm::options opts;
  opts.max_key_size = 8;
  opts.max_value_size = 16;
  string_tree db(dir, opts);
  const std::string long_key(9, 'k');
  const std::string long_value(17, 'v');

  std::error_code ec;
  db.put(long_key, "v", ec);
  CHECK(ec == lsm::errc::invalid_argument);
  db.put("k", long_value, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  db.erase(long_key, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  db.erase_range("a", long_key, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  string_tree::batch b;
  b.put("a", "1");
  b.put("b", long_value);
  db.write(b, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  try {
    db.put(long_key, "v");
    FAIL("a 9-byte key was accepted");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("key of 9 bytes exceeds options.max_key_size (8)"));
  }
  try {
    db.put("k", long_value);
    FAIL("a 17-byte value was accepted");
  } catch (const lsm::error& e) {
    CHECK_THAT(e.what(), Catch::Contains("value of 17 bytes exceeds options.max_value_size (16)"));
  }
  CHECK(db.engine().latest_sequence() == 0);  // not one of them reached the engine
  auto all = db.scan();
  CHECK(all.begin() == all.end());
  CHECK_FALSE(db.get("a"));

  // At the limits, every form is accepted.
  db.put(std::string(8, 'k'), std::string(16, 'v'));
  CHECK(db.get(std::string(8, 'k')) == std::string(16, 'v'));
  fs::remove_all(dir);
}

TEST_CASE("a value the codec cannot decode is the codec's error from get, nothing else",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_decode");
  lsm::tree<std::string, std::string, poison_codec> db(dir);
  db.put("good", "value");
  db.put("bad", "poison");
  try {
    (void)db.get("bad");
    FAIL("an undecodable value was returned");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::corruption);
    CHECK_THAT(e.what(), Catch::Contains("poison_codec"));
  }
  std::error_code ec;
  CHECK_FALSE(db.get("bad", ec));
  CHECK(ec == lsm::errc::corruption);
  CHECK(db.contains("bad"));  // the raw value is there, only its decoding fails
  CHECK(db.get("good", ec) == "value");
  CHECK(!ec);
  fs::remove_all(dir);
}

TEST_CASE("a tree open in another process makes an open fail with busy until it closes",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_lock");
  lsm_test::child_tree child(dir);
  REQUIRE(child.opened());
  std::string message;
  CHECK(open_error(dir, {}, &message) == lsm::errc::busy);
  CHECK_THAT(message, Catch::Contains("LOCK") && Catch::Contains("locked by another process"));
  CHECK(child.release());

  string_tree db(dir);  // the child's close released the lock
  CHECK(db.get("from") == "child");
  fs::remove_all(dir);
}

TEST_CASE("a path that is a file, is empty or lacks its parent is refused, naming the path",
          "[tree][options]") {
  const std::string base = temp_path("lsm_api_paths");
  fs::create_directories(base);
  const std::string file = base + "/file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fclose(f);
  }
  std::string message;
  CHECK(open_error(file, {}, &message) == lsm::errc::io_error);
  CHECK(message == file + ": mkdir: exists and is not a directory: I/O error");
  CHECK(open_error("", {}, &message) == lsm::errc::invalid_argument);
  CHECK(message == "the tree's path is empty: invalid argument");
  CHECK(open_error(base + "/no/parent", {}, &message) == lsm::errc::io_error);
  CHECK_THAT(message, Catch::StartsWith(base + "/no/parent: mkdir: No such file or directory"));
  CHECK_FALSE(fs::exists(base + "/no"));

  // The memory file system says the same.
  lsm::options in_memory;
  in_memory.file_system = std::make_shared<lsm::memory_file_system>();
  { string_tree db("/a", in_memory); }
  REQUIRE(in_memory.file_system->create_dir("/a/f").ok());  // a directory: fine
  auto w = in_memory.file_system->new_writable_file("/a/file");
  REQUIRE(w.ok());
  REQUIRE((*w)->close().ok());
  CHECK(open_error("/a/file", in_memory, &message) == lsm::errc::io_error);
  CHECK(message == "/a/file: mkdir: exists and is not a directory: I/O error");
  fs::remove_all(base);
}

TEST_CASE("a codec that throws a foreign exception gives lsm::error corruption, in every form",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_foreign");
  lsm::tree<std::string, std::string, foreign_codec> db(dir);
  db.put("a", "1");
  db.put("b", "range");
  db.put("rt", "3");
  try {
    (void)db.get("b");
    FAIL("an undecodable value was returned");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::corruption);
    CHECK_THAT(e.what(), Catch::StartsWith("codec test.foreign(string,string): a value of 5 "
                                           "bytes does not decode: "));
  }
  std::error_code ec;
  CHECK_FALSE(db.get("b", ec));
  CHECK(ec == lsm::errc::corruption);
  CHECK(db.get("a", ec) == "1");
  CHECK(!ec);
  // A scan stops at the value that does not decode: it throws, or sets ec.
  CHECK_THROWS_AS(
      [&] {
        for (auto&& kv : db.scan()) (void)kv;
      }(),
      lsm::error);
  int seen = 0;
  for (auto&& [k, v] : db.scan(ec)) {
    CHECK(k == "a");
    ++seen;
  }
  CHECK(seen == 1);
  CHECK(ec == lsm::errc::corruption);
  auto c = db.cursor();
  c.seek("rt");
  REQUIRE(c.valid());
  CHECK_THROWS_AS(c.key(), lsm::error);
  CHECK(c.value() == "3");
  fs::remove_all(dir);
}

TEST_CASE(
    "a key or value the codec cannot encode is invalid_argument, and never thrown from a "
    "non-throwing form",
    "[tree][options]") {
  const std::string dir = temp_path("lsm_api_encode");
  lsm::tree<std::string, std::string, refusing_codec> db(dir);
  db.put("k", "v");
  const lsm::errc refused = lsm::errc::invalid_argument;
  for (const std::string bad : {"bad-lsm", "bad-gen", "bad-std"}) {
    INFO("key " << bad);
    std::error_code ec;
    db.put(bad, "v", ec);
    CHECK(ec == refused);
    ec.clear();
    db.erase(bad, ec);
    CHECK(ec == refused);
    ec.clear();
    db.erase_range("a", bad, ec);
    CHECK(ec == refused);
    ec.clear();
    db.erase_range(bad, "z", lsm::write_options{}, ec);
    CHECK(ec == refused);
    ec.clear();
    CHECK_FALSE(db.get(bad, ec));
    CHECK(ec == refused);
    ec.clear();
    CHECK_FALSE(db.contains(bad, lsm::read_options{}, ec));
    CHECK(ec == refused);
    ec.clear();
    int seen = 0;
    for (auto&& kv : db.scan(bad, "z", ec)) {
      (void)kv;
      ++seen;
    }
    CHECK(seen == 0);
    CHECK(ec == refused);
    ec.clear();
    db.compact_range("a", bad, ec);
    CHECK(ec == refused);
    auto c = db.cursor();
    c.seek("k");
    ec.clear();
    c.seek(bad, ec);
    CHECK(ec == refused);
    REQUIRE(c.valid());  // not moved
    CHECK(c.key() == "k");

    // The throwing forms throw lsm::error, the codec's own when it threw one.
    try {
      db.put(bad, "v");
      FAIL("a key that does not encode was written");
    } catch (const lsm::error& e) {
      CHECK(e.code() == refused);
      if (bad == "bad-lsm")
        CHECK_THAT(e.what(), Catch::Equals("refusing_codec: key bad-lsm: invalid argument"));
      else if (bad == "bad-gen")
        CHECK_THAT(e.what(),
                   Catch::Equals("codec test.refusing(string,string): a key does not encode: "
                                 "refusing_codec: key bad-gen: No buffer space available: "
                                 "invalid argument"));
      else
        CHECK_THAT(e.what(),
                   Catch::Equals("codec test.refusing(string,string): a key does not "
                                 "encode: refusing_codec: key bad-std: invalid argument"));
    }
    CHECK_THROWS_AS(db.erase(bad), lsm::error);
    CHECK_THROWS_AS(db.get(bad), lsm::error);
    CHECK_THROWS_AS(db.contains(bad), lsm::error);
    CHECK_THROWS_AS(db.scan("a", bad), lsm::error);
    CHECK_THROWS_AS(db.compact_range(bad, "z"), lsm::error);
    CHECK_THROWS_AS(c.seek(bad), lsm::error);

    // A batch refuses the operation and stays as it was.
    lsm::tree<std::string, std::string, refusing_codec>::batch b;
    b.put("k4", "v4");
    CHECK_THROWS_AS(b.put(bad, "v"), lsm::error);
    CHECK_THROWS_AS(b.put("k5", "bad"), lsm::error);
    CHECK_THROWS_AS(b.erase(bad), lsm::error);
    CHECK_THROWS_AS(b.erase_range("a", bad), lsm::error);
    CHECK(b.size() == 1);
    // ... and in the std::error_code forms, which report instead of throwing.
    std::error_code bec;
    b.put(bad, "v", bec);
    CHECK(bec == refused);
    b.put("k5", "bad", bec);
    CHECK(bec == refused);
    b.erase(bad, bec);
    CHECK(bec == refused);
    b.erase_range(bad, "z", bec);
    CHECK(bec == refused);
    CHECK(b.size() == 1);
    b.put("k5", "v5", bec);
    CHECK(!bec);
    b.erase("k6", bec);
    CHECK(!bec);
    b.erase_range("x", "y", bec);
    CHECK(!bec);
    CHECK(b.size() == 4);
  }
  std::error_code ec;
  db.put("k2", "bad value", ec);
  CHECK(ec == refused);
  try {
    db.put("k2", "bad value");
    FAIL("a value that does not encode was written");
  } catch (const lsm::error& e) {
    CHECK(e.code() == refused);
    CHECK_THAT(e.what(), Catch::Contains("a value does not encode: refusing_codec: value bad"));
  }
  // Nothing refused was written; the tree goes on.
  db.put("k3", "v3", ec);
  CHECK(!ec);
  std::vector<std::string> keys;
  for (auto&& kv : db.scan()) keys.push_back(kv.first);
  CHECK(keys == std::vector<std::string>{"k", "k3"});
  fs::remove_all(dir);
}

TEST_CASE("a cursor's key and value have non-throwing forms", "[tree][options]") {
  const std::string dir = temp_path("lsm_api_cursor_ec");
  lsm::tree<std::string, std::string, foreign_codec> db(dir);
  db.put("a", "1");
  db.put("b", "range");
  db.put("rt", "3");
  auto c = db.cursor();
  std::error_code ec;
  c.seek("a");
  CHECK(c.key(ec) == "a");
  CHECK(!ec);
  CHECK(c.value(ec) == "1");
  CHECK(!ec);
  c.next();
  CHECK(c.key(ec) == "b");
  CHECK(!ec);
  CHECK_FALSE(c.value(ec));
  CHECK(ec == lsm::errc::corruption);
  c.next();
  CHECK_FALSE(c.key(ec));
  CHECK(ec == lsm::errc::corruption);
  CHECK(c.value(ec) == "3");
  CHECK(!ec);
  fs::remove_all(dir);
}

TEST_CASE("a codec's lsm::error with a code of another category is corruption in every read form",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_foreign_category");
  lsm::tree<std::string, std::string, foreign_codec> db(dir);
  db.put("g", "generic");
  const auto is_corruption = [](const lsm::error& e) {
    CHECK(e.code() == lsm::errc::corruption);
    CHECK_THAT(e.what(), Catch::StartsWith("codec test.foreign(string,string): a value of 7 bytes "
                                           "does not decode: foreign_codec: generic"));
  };
  try {
    (void)db.get("g");
    FAIL("an undecodable value was returned");
  } catch (const lsm::error& e) {
    is_corruption(e);
  }
  std::error_code ec;
  CHECK_FALSE(db.get("g", ec));
  CHECK(ec == lsm::errc::corruption);
  auto c = db.cursor();
  c.seek("g");
  REQUIRE(c.valid());
  try {
    (void)c.value();
    FAIL("an undecodable value was returned");
  } catch (const lsm::error& e) {
    is_corruption(e);
  }
  CHECK_FALSE(c.value(ec));
  CHECK(ec == lsm::errc::corruption);
  for (auto&& kv : db.scan(ec)) FAIL("scan gave " << kv.first);
  CHECK(ec == lsm::errc::corruption);
  fs::remove_all(dir);
}

TEST_CASE("every operation has a non-throwing form, which a tree that did not open fails",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_ec_forms");
  std::error_code ec;
  {
    string_tree db(dir, ec);
    REQUIRE(!ec);
    string_tree::batch b;
    b.put("k1", "v1");
    b.put("k2", "v2");
    const string_tree::batch& cb = b;
    db.write(cb, ec);  // a const batch, through a copy
    REQUIRE(!ec);
    db.write(string_tree::batch{}, lsm::write_options{.sync = true});  // a temporary
    CHECK(db.contains("k1", lsm::read_options{}, ec));
    CHECK(!ec);
    lsm::snapshot snap = db.snapshot(ec);
    REQUIRE(!ec);
    db.put("k3", "v3");
    std::vector<std::string> keys;
    for (auto&& [k, v] : db.scan(lsm::read_options{.snapshot = &snap}, ec)) keys.push_back(k);
    CHECK(!ec);
    CHECK(keys == std::vector<std::string>{"k1", "k2"});
    keys.clear();
    for (auto&& [k, v] : db.scan("k2", "k9", ec)) keys.push_back(k);
    CHECK(!ec);
    CHECK(keys == std::vector<std::string>{"k2", "k3"});
    auto c = db.cursor(ec);
    CHECK(!ec);
    c.seek_to_last();
    REQUIRE(c.valid());
    CHECK(c.key() == "k3");
  }
  // Opened with designated initializers (no -Wmissing-field-initializers).
  const lsm::options bad{.write_buffer_size = 10};
  string_tree db(dir, bad, ec);
  REQUIRE(ec == lsm::errc::invalid_argument);
  const auto refused = lsm::errc::invalid_argument;
  (void)db.snapshot(ec);
  CHECK(ec == refused);
  ec.clear();
  auto c = db.cursor(lsm::read_options{}, ec);
  CHECK(ec == refused);
  CHECK_FALSE(c.valid());
  ec.clear();
  int seen = 0;
  for (auto&& kv : db.scan(ec)) (void)kv, ++seen;
  CHECK(seen == 0);
  CHECK(ec == refused);
  ec.clear();
  CHECK_FALSE(db.contains("k1", lsm::read_options{}, ec));
  CHECK(ec == refused);
  ec.clear();
  db.write(string_tree::batch{}, ec);
  CHECK(ec == refused);
  fs::remove_all(dir);
}

TEST_CASE("compact() and background compactions remove their inputs' files before returning",
          "[tree][options]") {
  const std::string dir = temp_path("lsm_api_obsolete");
  lsm::options o;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  string_tree db(dir, o);
  auto tables_on_disk = [&] {
    std::uint64_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir)) n += entry.path().extension() == ".sst";
    return n;
  };
  auto tables_in_version = [&] {
    std::uint64_t n = 0;
    for (const auto& level : db.stats().levels) n += level.files;
    return n;
  };
  const std::string value(200, 'v');
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3000; ++i) db.put("key" + std::to_string(i * 7 % 3000), value);
    db.wait_for_background_work();  // background compactions of level 0
    CHECK(tables_on_disk() == tables_in_version());
    db.compact();
    INFO("round " << round);
    REQUIRE(tables_on_disk() == tables_in_version());
    CHECK(db.stats().levels[0].files == 0);
  }
  fs::remove_all(dir);
}

}  // namespace lsm_test_api_test
