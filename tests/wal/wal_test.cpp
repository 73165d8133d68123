// Tests of the log framing (docs/format/wal.md): round trips at every size
// class, torn tails at every cut, byte flips at every offset, garbage input.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/memory_files.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_wal_test {

namespace wal = lsm::detail::wal;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LSM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LSM_TEST_SANITIZED 1
#endif
#endif

namespace {

// The exhaustive (every byte offset) tests visit every offset in a normal
// build; under ASan/TSan, which slow them down ~4x, every 4th offset from a
// seeded phase, so repeated runs still cover them all.
#ifdef LSM_TEST_SANITIZED
constexpr std::size_t exhaustive_stride = 4;
#else
constexpr std::size_t exhaustive_stride = 1;
#endif

std::uint64_t test_seed() {
  if (const char* env = std::getenv("LSM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

struct written_log {
  std::string bytes;
  std::vector<std::uint64_t> ends;  // writer offset after each record
};

written_log write_log(const std::vector<std::string>& records) {
  written_log log;
  lsm_test::string_sink sink(log.bytes);
  wal::writer w(sink);
  for (const auto& r : records) {
    REQUIRE(w.add_record(r).ok());
    log.ends.push_back(w.offset());
  }
  REQUIRE(w.offset() == log.bytes.size());
  return log;
}

struct read_back {
  std::vector<std::string> records;
  std::vector<std::uint64_t> offsets;  // last_record_offset after each
  lsm::status status;
  bool torn = false;
};

read_back read_log(std::string_view bytes, bool verify = true) {
  read_back out;
  lsm_test::string_source src(bytes);
  wal::reader r(src, "000007.log", verify);
  std::string_view record;
  std::string scratch;
  while (r.read_record(record, scratch)) {
    out.records.emplace_back(record);
    out.offsets.push_back(r.last_record_offset());
  }
  CHECK_FALSE(r.read_record(record, scratch));  // stays at the end
  out.status = r.get_status();
  out.torn = r.torn_tail();
  return out;
}

// The offset where the first header of the record after `end` lands.
std::uint64_t next_record_start(std::uint64_t end) {
  const std::uint64_t left = wal::block_size - end % wal::block_size;
  return left < wal::header_size ? end + left : end;
}

std::string make_fragment(wal::record_type type, std::string_view payload) {
  std::string f;
  lsm::detail::put_fixed32(f, wal::fragment_checksum(type, payload));
  f.push_back(static_cast<char>(payload.size() & 0xff));
  f.push_back(static_cast<char>(payload.size() >> 8));
  f.push_back(static_cast<char>(type));
  f.append(payload);
  return f;
}

// The start of each fragment and of each zero trailer, parsed from a log
// known to be intact.
std::vector<std::uint64_t> unit_starts(std::string_view log) {
  std::vector<std::uint64_t> starts;
  std::size_t pos = 0;
  while (pos < log.size()) {
    const std::size_t left = wal::block_size - pos % wal::block_size;
    starts.push_back(pos);
    if (left < wal::header_size) {
      pos += left;
      continue;
    }
    const std::size_t len = static_cast<unsigned char>(log[pos + 4]) |
                            static_cast<std::size_t>(static_cast<unsigned char>(log[pos + 5])) << 8;
    pos += wal::header_size + len;
  }
  return starts;
}

}  // namespace

TEST_CASE("a record is framed as masked crc32c, fixed16 length, type, payload", "[wal]") {
  std::string bytes;
  lsm_test::string_sink sink(bytes);
  wal::writer w(sink);
  REQUIRE(w.add_record("abc").ok());
  REQUIRE(bytes.size() == 10);
  const std::uint32_t crc =
      lsm::detail::crc32c::mask(lsm::detail::crc32c::value("\x01"
                                                           "abc"));
  CHECK(lsm::detail::decode_fixed32(bytes.data()) == crc);
  CHECK(bytes.substr(4) == std::string("\x03\x00\x01"
                                       "abc",
                                       6));
  CHECK(w.offset() == 10);
  CHECK(sink.appends() == 1);
}

TEST_CASE("records of every size class round-trip, alone and in sequence", "[wal]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr std::size_t b = wal::block_size, h = wal::header_size;
  const std::vector<std::size_t> sizes = {0,
                                          1,
                                          2,
                                          h,
                                          b - h - 1,
                                          b - h,
                                          b - h + 1,
                                          b - 1,
                                          b,
                                          b + 1,
                                          2 * b - 2 * h - 1,
                                          2 * b - 2 * h,
                                          2 * b - 2 * h + 1,
                                          3 * b,
                                          100'000,
                                          5'000'000};
  std::vector<std::string> records;
  for (auto n : sizes) records.push_back(random_bytes(rng, n));

  for (const auto& r : records) {
    INFO("size " << r.size());
    const auto log = write_log({r});
    const auto got = read_log(log.bytes);
    REQUIRE(got.status.ok());
    CHECK_FALSE(got.torn);
    REQUIRE(got.records.size() == 1);
    CHECK(got.records[0] == r);
    CHECK(got.offsets[0] == 0);
  }
  const auto log = write_log(records);
  const auto got = read_log(log.bytes);
  REQUIRE(got.status.ok());
  CHECK_FALSE(got.torn);
  REQUIRE(got.records == records);
  for (std::size_t i = 1; i < records.size(); ++i)
    CHECK(got.offsets[i] == next_record_start(log.ends[i - 1]));
  const auto unverified = read_log(log.bytes, false);
  CHECK(unverified.status.ok());
  CHECK(unverified.records == records);
}

TEST_CASE("block tails shorter than a header are zero-filled and skipped", "[wal]") {
  for (std::size_t leftover = 0; leftover <= wal::header_size + 1; ++leftover) {
    INFO("leftover " << leftover);
    const std::string first(wal::block_size - wal::header_size - leftover, 'a');
    const auto log = write_log({first, "b"});
    const std::size_t trailer = leftover < wal::header_size ? leftover : 0;
    // Record "b" starts in the next block after a zero trailer, or in this
    // block (a zero-length first fragment when exactly a header fits).
    const std::size_t expected_size = leftover <= wal::header_size
                                          ? wal::block_size + wal::header_size + 1
                                          : wal::block_size - leftover + wal::header_size + 1;
    CHECK(log.bytes.size() == expected_size);
    CHECK(log.bytes.substr(wal::block_size - leftover, trailer) == std::string(trailer, '\0'));
    const auto got = read_log(log.bytes);
    REQUIRE(got.status.ok());
    CHECK(got.records == std::vector<std::string>{first, "b"});
  }
}

TEST_CASE("many small random records round-trip", "[wal]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<std::string> records;
  for (int i = 0; i < 20'000; ++i) {
    const std::size_t n = rng() % 16 == 0 ? rng() % 5'000 : rng() % 64;
    records.push_back(random_bytes(rng, n));
  }
  const auto log = write_log(records);
  const auto got = read_log(log.bytes);
  REQUIRE(got.status.ok());
  CHECK_FALSE(got.torn);
  CHECK(got.records == records);
}

TEST_CASE("a writer continuing a log at its size appends records a reader finds", "[wal]") {
  std::string bytes;
  std::vector<std::string> records = {std::string(40'000, 'x'), "y", std::string(32'700, 'z')};
  {
    lsm_test::string_sink sink(bytes);
    wal::writer w(sink);
    REQUIRE(w.add_record(records[0]).ok());
    REQUIRE(w.add_record(records[1]).ok());
  }
  lsm_test::string_sink sink(bytes);
  wal::writer w(sink, bytes.size());
  REQUIRE(w.add_record(records[2]).ok());
  CHECK(w.offset() == bytes.size());
  const auto got = read_log(bytes);
  REQUIRE(got.status.ok());
  CHECK(got.records == records);
}

TEST_CASE("a failed append makes the writer refuse every later record", "[wal]") {
  std::string bytes;
  lsm_test::string_sink sink(bytes);
  wal::writer w(sink);
  REQUIRE(w.add_record("first").ok());
  sink.fail_append(3);  // the second fragment of the next record
  const lsm::status s = w.add_record(std::string(wal::block_size, 'q'));
  CHECK(s.code() == lsm::errc::io_error);
  CHECK_THAT(s.message(), Catch::Contains("injected"));
  const auto appends = sink.appends();
  CHECK(w.add_record("later").code() == lsm::errc::io_error);
  CHECK(sink.appends() == appends);
}

TEST_CASE("a log cut at any byte of its last two blocks yields exactly the records before the cut",
          "[wal]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  // Block 0 -> 1: a record spanning the boundary. Block 1 -> 2: a 3-byte zero
  // trailer. Block 2: small records and a torn-prone empty record.
  std::vector<std::string> records = {random_bytes(rng, 30'000), random_bytes(rng, 5'000)};
  const std::size_t used = 30'000 + 5'000 + 2 * wal::header_size;
  const std::size_t to_trailer = 2 * wal::block_size - used - 3 - wal::header_size;
  records.push_back(random_bytes(rng, to_trailer - 2 * wal::header_size - 100));
  records.push_back(random_bytes(rng, 100));
  records.push_back(random_bytes(rng, 7));
  records.push_back(random_bytes(rng, 2'000));
  records.push_back("");
  records.push_back(random_bytes(rng, 300));
  const auto log = write_log(records);
  REQUIRE(log.bytes.size() > 2 * wal::block_size);
  REQUIRE(log.bytes.substr(2 * wal::block_size - 3, 3) == std::string(3, '\0'));

  const std::size_t phase = static_cast<std::size_t>(seed % exhaustive_stride);
  for (std::size_t cut = log.bytes.size() - 2 * wal::block_size + phase; cut <= log.bytes.size();
       cut += exhaustive_stride) {
    const auto got = read_log(std::string_view(log.bytes).substr(0, cut));
    const auto complete = static_cast<std::size_t>(
        std::upper_bound(log.ends.begin(), log.ends.end(), cut) - log.ends.begin());
    if (!got.status.ok() || got.records.size() != complete) {
      INFO("cut " << cut << ": " << got.status.to_string());
      REQUIRE(got.status.ok());
      REQUIRE(got.records.size() == complete);
    }
    for (std::size_t i = 0; i < complete; ++i)
      if (got.records[i] != records[i]) FAIL("cut " << cut << ": record " << i << " differs");
    const bool at_record_end = std::find(log.ends.begin(), log.ends.end(), cut) != log.ends.end();
    if (at_record_end && got.torn) FAIL("cut " << cut << " at a record end reported a torn tail");
    if (complete < records.size() &&
        cut > next_record_start(complete ? log.ends[complete - 1] : 0) && !got.torn)
      FAIL("cut " << cut << " inside a record did not report a torn tail");
  }
}

TEST_CASE("a flipped byte at any offset is detected and located", "[wal]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::vector<std::string> records = {random_bytes(rng, 100),
                                            random_bytes(rng, 40'000),
                                            random_bytes(rng, 25'405),
                                            random_bytes(rng, 10),
                                            std::string(),
                                            random_bytes(rng, 1'000)};
  auto log = write_log(records);
  REQUIRE(log.bytes.size() > 2 * wal::block_size);
  const auto starts = unit_starts(log.bytes);
  // Record 1 spans blocks 0 and 1; record 2 leaves a 3-byte zero trailer at
  // the end of block 1.
  bool has_trailer = false;
  for (auto s : starts) has_trailer |= wal::block_size - s % wal::block_size < wal::header_size;
  REQUIRE(has_trailer);
  const std::uint64_t final_fragment = starts.back();

  for (std::size_t x = seed % exhaustive_stride; x < log.bytes.size(); x += exhaustive_stride) {
    log.bytes[x] = static_cast<char>(log.bytes[x] ^ 0xff);
    const auto got = read_log(log.bytes);
    log.bytes[x] = static_cast<char>(log.bytes[x] ^ 0xff);

    const auto before = static_cast<std::size_t>(
        std::upper_bound(log.ends.begin(), log.ends.end(), x) - log.ends.begin());
    if (got.records.size() != before)
      FAIL("flip at " << x << ": " << got.records.size() << " records returned, expected "
                      << before);
    for (std::size_t i = 0; i < before; ++i)
      if (got.records[i] != records[i]) FAIL("flip at " << x << ": record " << i << " differs");
    const std::uint64_t unit = *(std::upper_bound(starts.begin(), starts.end(), x) - 1);
    if (x < final_fragment) {
      if (got.status.code() != lsm::errc::corruption)
        FAIL("flip at " << x << " not reported: " << got.status.to_string());
      const std::string where = "000007.log: damaged log at offset " + std::to_string(unit) + ":";
      if (got.status.message().find(where) != 0)
        FAIL("flip at " << x << ": expected '" << where << "', got " << got.status.message());
    } else if (!got.status.ok() || !got.torn) {
      FAIL("flip at " << x << " in the final fragment: " << got.status.to_string());
    }
  }
}

TEST_CASE("each kind of damage is reported with file, offset, expected and found", "[wal]") {
  using rt = wal::record_type;
  const std::string a = make_fragment(rt::full, "alpha");  // 12 bytes
  const std::string tail = make_fragment(rt::full, "omega");
  struct damage {
    const char* name;
    std::string bytes;
    std::vector<const char*> says;
  };
  std::string bad_crc = make_fragment(rt::full, "beta");
  bad_crc[0] = static_cast<char>(bad_crc[0] ^ 1);
  std::string bad_length = make_fragment(rt::full, "beta");
  bad_length[5] = static_cast<char>(0x90);  // 0x9004 > the rest of the block
  std::string bad_type = make_fragment(rt::full, "beta");
  bad_type[6] = 9;
  const std::vector<damage> cases = {
      {"checksum",
       a + bad_crc + tail,
       {"checksum mismatch: stored 0x", "computed 0x", "type full"}},
      {"length", a + bad_length + tail, {"bad fragment length 36868", "expected at most 32749"}},
      {"type", a + bad_type + tail, {"unknown fragment type 9 (expected 1 to 4)"}},
      {"middle first", a + make_fragment(rt::middle, "m") + tail, {"type middle with no first"}},
      {"last first", a + make_fragment(rt::last, "l") + tail, {"type last with no first"}},
      {"first then full",
       a + make_fragment(rt::first, "f") + tail,
       {"type full while the record begun at offset 12 is incomplete"}},
      {"first then first",
       a + make_fragment(rt::first, "f") + make_fragment(rt::first, "g"),
       {"type first while the record begun at offset 12 is incomplete"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto got = read_log(c.bytes);
    CHECK(got.records == std::vector<std::string>{"alpha"});
    REQUIRE(got.status.code() == lsm::errc::corruption);
    const std::string where =
        c.name == std::string("first then full") || c.name == std::string("first then first")
            ? "000007.log: damaged log at offset 20:"
            : "000007.log: damaged log at offset 12:";
    CHECK_THAT(got.status.message(), Catch::StartsWith(where));
    for (const char* s : c.says) CHECK_THAT(got.status.message(), Catch::Contains(s));
  }
}

TEST_CASE("an incomplete multi-fragment record at the end is dropped as a torn tail", "[wal]") {
  const auto log = write_log({"keep", std::string(100'000, 'd')});
  // Cut right after the first fragment and after the first middle fragment.
  for (std::size_t cut : {std::size_t{wal::block_size}, 2 * std::size_t{wal::block_size}}) {
    const auto got = read_log(std::string_view(log.bytes).substr(0, cut));
    CHECK(got.status.ok());
    CHECK(got.torn);
    CHECK(got.records == std::vector<std::string>{"keep"});
  }
}

TEST_CASE("an all-zero file is an empty log", "[wal]") {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{6}, std::size_t{7}, std::size_t{100},
        wal::block_size - 1, wal::block_size, wal::block_size + 7, 3 * wal::block_size}) {
    INFO("size " << n);
    const auto got = read_log(std::string(n, '\0'));
    CHECK(got.status.ok());
    CHECK(got.records.empty());
    CHECK(got.torn == (n != 0));
  }
}

TEST_CASE("zero-filled space after the last record is a torn tail", "[wal]") {
  const std::vector<std::string> records = {"one", std::string(40'000, '2'), "three"};
  auto log = write_log(records);
  const std::size_t to_block_end = wal::block_size - log.bytes.size() % wal::block_size;
  for (std::size_t extra : {std::size_t{1}, to_block_end, to_block_end + 2 * wal::block_size}) {
    INFO("zeros " << extra);
    const auto got = read_log(log.bytes + std::string(extra, '\0'));
    CHECK(got.status.ok());
    CHECK(got.torn);
    CHECK(got.records == records);
  }
}

TEST_CASE("zero-filled space followed by valid records is damage", "[wal]") {
  const std::vector<std::string> records = {"one", "two"};
  auto log = write_log(records);
  const std::uint64_t hole = log.bytes.size();
  log.bytes.append(wal::block_size - hole + wal::block_size, '\0');
  lsm_test::string_sink sink(log.bytes);
  wal::writer w(sink, log.bytes.size());
  REQUIRE(w.add_record("after the hole").ok());
  const auto got = read_log(log.bytes);
  CHECK(got.records == records);
  REQUIRE(got.status.code() == lsm::errc::corruption);
  CHECK_THAT(got.status.message(),
             Catch::StartsWith("000007.log: damaged log at offset " + std::to_string(hole) + ":"));
  CHECK_THAT(got.status.message(), Catch::Contains("found 7 zero bytes"));
  CHECK_THAT(got.status.message(), Catch::Contains("valid data follows at offset " +
                                                   std::to_string(2 * wal::block_size)));
}

TEST_CASE("random garbage never crashes and never yields a record that was not written", "[wal]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200; ++i) {
    const auto got = read_log(random_bytes(rng, rng() % (3 * wal::block_size)));
    CHECK(got.records.empty());
  }
  // Mutated real logs: the records returned are a prefix of those written for
  // overwrites, insertions, truncations and appended garbage.
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(random_bytes(rng, rng() % 6'000));
  const auto log = write_log(records);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = log.bytes;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      const std::size_t at = rng() % (bytes.size() + 1);
      switch (rng() % 4) {
        case 0:
          for (std::size_t k = at; k < std::min(bytes.size(), at + rng() % 16); ++k)
            bytes[k] = static_cast<char>(rng());
          break;
        case 1:
          bytes.insert(at, random_bytes(rng, 1 + rng() % 20));
          break;
        case 2:
          bytes.resize(at);
          break;
        default:
          bytes += random_bytes(rng, rng() % 2'000);
          break;
      }
    }
    const auto got = read_log(bytes);
    INFO("mutation round " << i);
    REQUIRE(got.records.size() <= records.size());
    for (std::size_t k = 0; k < got.records.size(); ++k) REQUIRE(got.records[k] == records[k]);
  }
}

}  // namespace lsm_test_wal_test
