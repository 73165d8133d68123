// Every shipped policy combination against a std::map model: the randomized
// model of tests/tree/model_test.cpp (puts, erases, range erases, batches,
// gets, scans, cursors, snapshots, flushes, compactions, reopens), run over
// memtables {skiplist, vector, map} x filters {bloom<10>, none} x compaction
// {leveled<>, tiered<>}, and a user-written memtable, with keys std::string, std::uint64_t,
// std::tuple<std::string, std::int32_t> and strings in descending order (a
// codec with compare). Replay a failure with LSM_TEST_SEED=<seed>; scale with
// LSM_POLICY_SEEDS (seeds per combination) and LSM_POLICY_OPS (operations).
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "policy_support.hpp"
#include "public_memtable.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_policy_model_test {

namespace {

using lsm_test::descending_codec;
using lsm_test::key_gen;
using tuple_key = std::tuple<std::string, std::int32_t>;

template <class Key, class Memtable, class Filter, class Compaction,
          class Codec = lsm::codec<Key, std::string>, class Less = std::less<>>
struct combo {
  using key_type = Key;
  using less = Less;
  using tree_type = lsm::tree<Key, std::string, Codec, Memtable, Filter, Compaction>;
};

template <class Combo>
class model_run {
  using Key = typename Combo::key_type;
  using Less = typename Combo::less;
  using Tree = typename Combo::tree_type;
  using model_map = std::map<Key, std::string, Less>;
  using gen = key_gen<Key>;

  struct snapshot_record {
    lsm::snapshot snap;
    model_map state;
  };

 public:
  model_run(std::uint64_t seed, bool use_posix) : rng_(seed) {
    fs_ = std::make_shared<lsm::memory_file_system>();
    dir_ = "/policy_model";
    if (use_posix) {
      fs_ = lsm::default_file_system();
      dir_ = (std::filesystem::temp_directory_path() / ("lsm_policy_" + std::to_string(seed)))
                 .string();
      std::filesystem::remove_all(dir_);
    }
    posix_ = use_posix;
    opts_.write_buffer_size = std::size_t{8 << 10} << (rng_() % 3);
    opts_.target_file_size = 8 << 10;
    opts_.block_size = std::size_t{256} << (rng_() % 3);
    opts_.block_cache_capacity = rng_() % 2 ? 64 << 10 : 0;
    opts_.file_system = fs_;
    key_space_ = 200 + rng_() % 2800;
  }
  ~model_run() {
    if (posix_) std::filesystem::remove_all(dir_);
  }

  void run(std::uint64_t ops) {
    db_ = std::make_unique<Tree>(dir_, opts_);
    for (std::uint64_t op = 0; op < ops; ++op) step(op);
    check_all(model_);
    snaps_.clear();
    db_.reset();
    db_ = std::make_unique<Tree>(dir_, opts_);
    check_all(model_);
    check_cursor({});
    db_.reset();
  }

 private:
  Key random_key() { return gen::make(rng_() % key_space_); }

  void step(std::uint64_t op) {
    const auto r = rng_() % 1000;
    const Key k = random_key();
    if (r < 450) {
      const std::string v = "v" + std::to_string(op) + std::string(rng_() % 40, 'x');
      db_->put(k, v);
      model_[k] = v;
    } else if (r < 600) {
      db_->erase(k);
      model_.erase(k);
    } else if (r < 610) {
      const Key l = random_key();
      db_->erase_range(k, l);
      if (Less{}(k, l)) model_.erase(model_.lower_bound(k), model_.lower_bound(l));
    } else if (r < 650) {
      typename Tree::batch b;
      for (int i = 0, n = static_cast<int>(rng_() % 8); i < n; ++i) {
        const Key bk = random_key();
        if (rng_() % 3 == 0) {
          b.erase(bk);
          model_.erase(bk);
        } else {
          b.put(bk, "b" + std::to_string(op));
          model_[bk] = "b" + std::to_string(op);
        }
      }
      db_->write(b);
    } else if (r < 900) {
      const auto got = db_->get(k);
      const auto it = model_.find(k);
      INFO("get " << gen::show(k));
      REQUIRE(got.has_value() == (it != model_.end()));
      if (got) REQUIRE(*got == it->second);
    } else if (r < 915) {
      Key a = random_key(), b = random_key();
      if (Less{}(b, a)) std::swap(a, b);
      check_scan(model_, a, b, false, {});
    } else if (r < 930) {
      check_cursor({});
    } else if (r < 945) {
      if (snaps_.size() < 4)
        snaps_.push_back({db_->snapshot(), model_});
      else
        snaps_.erase(snaps_.begin() + static_cast<std::ptrdiff_t>(rng_() % snaps_.size()));
    } else if (r < 965 && !snaps_.empty()) {
      const auto& s = snaps_[rng_() % snaps_.size()];
      lsm::read_options ro;
      ro.snapshot = &s.snap;
      const auto got = db_->get(k, ro);
      const auto it = s.state.find(k);
      INFO("get " << gen::show(k) << " at snapshot " << s.snap.sequence());
      REQUIRE(got.has_value() == (it != s.state.end()));
      if (got) REQUIRE(*got == it->second);
      if (rng_() % 4 == 0) check_all(s.state, ro);
    } else if (r < 975) {
      db_->flush();
    } else if (r < 980) {
      if (rng_() % 2) {
        db_->compact();
      } else {
        Key a = random_key(), b = random_key();
        if (Less{}(b, a)) std::swap(a, b);
        db_->compact_range(a, b);
      }
    } else if (r < 983) {
      snaps_.clear();
      db_.reset();
      db_ = std::make_unique<Tree>(dir_, opts_);
    } else if (r < 985) {
      db_->wait_for_background_work();
    }
  }

  /// Compares scan(first, last) (or scan() when `all`) with the model.
  void check_scan(const model_map& model, const Key& first, const Key& last, bool all,
                  const lsm::read_options& ro) {
    auto it = all ? model.begin() : model.lower_bound(first);
    auto compare = [&](auto&& range) {
      for (auto&& [k, v] : range) {
        INFO("scan got " << gen::show(k));
        REQUIRE(it != model.end());
        if (!all) REQUIRE(Less{}(it->first, last));
        REQUIRE(k == it->first);
        REQUIRE(v == it->second);
        ++it;
      }
    };
    if (all)
      compare(db_->scan(ro));
    else
      compare(db_->scan(first, last, ro));
    if (all)
      REQUIRE(it == model.end());
    else
      REQUIRE((it == model.end() || !Less{}(it->first, last)));
  }
  void check_all(const model_map& model, const lsm::read_options& ro = {}) {
    const Key none_key{};
    check_scan(model, none_key, none_key, true, ro);
  }

  void check_cursor(const lsm::read_options& ro) {
    auto c = db_->cursor(ro);
    c.seek_to_last();
    auto rit = model_.rbegin();
    for (int n = 0; n < 50 && rit != model_.rend(); ++n, ++rit) {
      REQUIRE(c.valid());
      REQUIRE(c.key() == rit->first);
      REQUIRE(c.value() == rit->second);
      c.prev();
    }
    if (rit == model_.rend()) REQUIRE_FALSE(c.valid());
    const Key target = random_key();
    INFO("seek " << gen::show(target));
    c.seek(target);
    auto it = model_.lower_bound(target);
    if (it == model_.end()) {
      REQUIRE_FALSE(c.valid());
      return;
    }
    REQUIRE(c.valid());
    REQUIRE(c.key() == it->first);
    for (int n = 0; n < 20; ++n) {
      if (rng_() % 2 == 0) {
        c.next();
        ++it;
        if (it == model_.end()) {
          REQUIRE_FALSE(c.valid());
          return;
        }
      } else {
        if (it == model_.begin()) {
          c.prev();
          REQUIRE_FALSE(c.valid());
          return;
        }
        c.prev();
        --it;
      }
      REQUIRE(c.valid());
      REQUIRE(c.key() == it->first);
      REQUIRE(c.value() == it->second);
    }
    REQUIRE(c.error() == std::error_code{});
  }

  std::mt19937_64 rng_;
  std::shared_ptr<lsm::file_system> fs_;
  std::string dir_;
  bool posix_ = false;
  lsm::options opts_;
  std::uint64_t key_space_ = 0;
  std::unique_ptr<Tree> db_;
  model_map model_;
  std::vector<snapshot_record> snaps_;
};

using lsm::compaction::leveled;
using lsm::compaction::tiered;
using lsm::filter::bloom;
using lsm::filter::none;
namespace mt = lsm::memtable;

// Each memtable x filter x compaction triple once; each key type three times.
using c01 = combo<std::string, mt::skiplist, bloom<10>, leveled<>>;
using c02 = combo<std::string, mt::skiplist, bloom<10>, tiered<>, descending_codec, std::greater<>>;
using c03 = combo<tuple_key, mt::skiplist, none, leveled<>>;
using c04 = combo<std::uint64_t, mt::skiplist, none, tiered<>>;
using c05 = combo<std::uint64_t, mt::vector, bloom<10>, leveled<>>;
using c06 = combo<tuple_key, mt::vector, bloom<10>, tiered<>>;
using c07 = combo<std::string, mt::vector, none, leveled<>, descending_codec, std::greater<>>;
using c08 = combo<std::string, mt::vector, none, tiered<>>;
using c09 = combo<tuple_key, mt::map, bloom<10>, leveled<>>;
using c10 = combo<std::string, mt::map, bloom<10>, tiered<>>;
using c11 = combo<std::uint64_t, mt::map, none, leveled<>>;
using c12 = combo<std::string, mt::map, none, tiered<>, descending_codec, std::greater<>>;
// A user-written memtable, public names only (public_memtable.hpp).
using c13 = combo<std::string, lsm_test::public_memtable, bloom<10>, leveled<>, descending_codec,
                  std::greater<>>;

}  // namespace

// Under AddressSanitizer (the CI's clang job) four of the combinations, which
// still use every key type, memtable, filter and compaction policy and the
// custom order: each combination is a whole engine to compile, and the
// instrumented build of all of them dominated CI's time. The plain build
// (README test command) runs all thirteen.
#if defined(__SANITIZE_ADDRESS__)
#define LSM_POLICY_MODEL_COMBOS c02, c05, c08, c09
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LSM_POLICY_MODEL_COMBOS c02, c05, c08, c09
#endif
#endif
#ifndef LSM_POLICY_MODEL_COMBOS
#define LSM_POLICY_MODEL_COMBOS c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13
#endif

TEMPLATE_TEST_CASE(
    "every policy combination matches a std::map model across flushes, "
    "compactions and reopens",
    "[policy][model]", LSM_POLICY_MODEL_COMBOS) {
  const std::uint64_t seeds = lsm_test::env_number("LSM_POLICY_SEEDS", 2);
  const std::uint64_t ops = lsm_test::env_number("LSM_POLICY_OPS", 4000);
  const bool fixed = lsm_test::env_number("LSM_TEST_SEED", 0) != 0;
  for (std::uint64_t i = 0; i < (fixed ? 1 : seeds); ++i) {
    const std::uint64_t seed = lsm_test::test_seed(i);
    INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
    model_run<TestType> run(seed, i % 5 == 4);
    run.run(ops);
  }
}

}  // namespace lsm_test_policy_model_test
