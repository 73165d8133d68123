// A randomized model test: the tree against std::map, with flushes,
// compactions, snapshots and reopens mixed in. Replay a failure with
// LSM_TEST_SEED=<seed>; scale with LSM_MODEL_OPS (operations per seed).
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_model_test {

namespace {

using model_map = std::map<std::string, std::string>;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string key_of(std::uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%06llu", static_cast<unsigned long long>(i));
  return buf;
}

template <class Tree>
void dump(Tree& db, const std::string& key) {
  auto v = db.engine().current_version();
  std::fprintf(stderr, "missing %s\n", key.c_str());
  for (int level = 0; level < 7; ++level)
    for (const auto& f : v->levels[static_cast<std::size_t>(level)]) {
      std::fprintf(stderr, "L%d #%llu [%s .. %s] n=%llu\n", level,
                   static_cast<unsigned long long>(f->number()),
                   std::string(f->smallest_user_key()).c_str(),
                   std::string(f->largest_user_key()).c_str(),
                   static_cast<unsigned long long>(f->meta().num_entries));
    }
  auto it = db.engine().new_internal_iterator();
  for (it->seek_to_first(); it->valid(); it->next()) {
    auto uk = lsm::detail::extract_user_key(it->key());
    if (uk == key)
      std::fprintf(stderr, "entry seq=%llu kind=%d\n",
                   static_cast<unsigned long long>(lsm::detail::extract_sequence(it->key())),
                   static_cast<int>(lsm::detail::extract_kind(it->key())));
  }
  std::fprintf(stderr, "latest seq %llu\n",
               static_cast<unsigned long long>(db.engine().latest_sequence()));
  auto c = db.cursor();
  c.seek(key);
  if (c.valid()) std::fprintf(stderr, "cursor at %s\n", c.key().c_str());
}

template <class Tree>
void check_scan(const Tree& db, const model_map& model, const std::string& first,
                const std::string& last, const lsm::read_options& ro) {
  auto it = model.lower_bound(first);
  for (auto&& [k, v] : db.scan(first, last, ro)) {
    REQUIRE(it != model.end());
    REQUIRE(it->first < last);
    REQUIRE(k == it->first);
    REQUIRE(v == it->second);
    ++it;
  }
  if (it != model.end()) INFO("model still has " << it->first << " before " << last);
  REQUIRE((it == model.end() || it->first >= last));
}

template <class Tree>
void check_cursor(const Tree& db, const model_map& model, std::mt19937_64& rng,
                  const lsm::read_options& ro) {
  auto c = db.cursor(ro);
  // Backward from the end.
  c.seek_to_last();
  auto rit = model.rbegin();
  for (int n = 0; n < 50 && rit != model.rend(); ++n, ++rit) {
    REQUIRE(c.valid());
    REQUIRE(c.key() == rit->first);
    REQUIRE(c.value() == rit->second);
    c.prev();
  }
  if (rit == model.rend()) REQUIRE_FALSE(c.valid());
  // Seek somewhere, then walk both ways.
  const std::string target = key_of(rng() % 3000);
  c.seek(target);
  auto it = model.lower_bound(target);
  if (it == model.end()) {
    REQUIRE_FALSE(c.valid());
    return;
  }
  REQUIRE(c.valid());
  REQUIRE(c.key() == it->first);
  for (int n = 0; n < 20; ++n) {
    if (rng() % 2 == 0) {
      c.next();
      ++it;
      if (it == model.end()) {
        REQUIRE_FALSE(c.valid());
        return;
      }
    } else {
      if (it == model.begin()) {
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

struct snapshot_record {
  lsm::snapshot snap;
  model_map state;
};

template <class Tree>
void run_model(std::uint64_t seed, std::uint64_t ops, bool use_posix) {
  (void)&dump<Tree>;
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  std::shared_ptr<lsm::file_system> fs = std::make_shared<lsm::memory_file_system>();
  std::string dir = "/model";
  if (use_posix) {
    fs = lsm::default_file_system();
    dir = (std::filesystem::temp_directory_path() / ("lsm_model_" + std::to_string(seed))).string();
    std::filesystem::remove_all(dir);
  }
  lsm::options opts;
  opts.write_buffer_size = std::size_t{8 << 10} << (rng() % 3);
  opts.target_file_size = 8 << 10;
  opts.block_size = std::size_t{256} << (rng() % 3);
  opts.block_cache_capacity = rng() % 2 ? 64 << 10 : 0;
  opts.file_system = fs;
  auto db = std::make_unique<Tree>(dir, opts);
  model_map model;
  std::vector<snapshot_record> snaps;
  const std::uint64_t key_space = 200 + rng() % 2800;
  const bool trace = std::getenv("LSM_MODEL_TRACE") != nullptr;

  for (std::uint64_t op = 0; op < ops; ++op) {
    const auto r = rng() % 1000;
    const std::string k = key_of(rng() % key_space);
    if (trace)
      std::fprintf(stderr, "op %llu r=%d k=%s\n", static_cast<unsigned long long>(op),
                   static_cast<int>(r), k.c_str());
    if (r < 450) {
      const std::string v = "v" + std::to_string(op) + std::string(rng() % 40, 'x');
      db->put(k, v);
      model[k] = v;
    } else if (r < 600) {
      db->erase(k);
      model.erase(k);
    } else if (r < 610) {
      if (std::getenv("LSM_MODEL_NO_RANGE")) continue;
      const std::string l = key_of(rng() % key_space);
      db->erase_range(k, l);
      if (k < l) model.erase(model.lower_bound(k), model.lower_bound(l));
    } else if (r < 650) {
      typename Tree::batch b;
      for (int i = 0, n = static_cast<int>(rng() % 8); i < n; ++i) {
        const std::string bk = key_of(rng() % key_space);
        if (rng() % 3 == 0) {
          b.erase(bk);
          model.erase(bk);
        } else {
          b.put(bk, "b" + std::to_string(op));
          model[bk] = "b" + std::to_string(op);
        }
      }
      db->write(b);
    } else if (r < 900) {
      auto got = db->get(k);
      auto it = model.find(k);
      if (it == model.end()) {
        REQUIRE_FALSE(got.has_value());
      } else {
        if (!got.has_value() && std::getenv("LSM_MODEL_DUMP")) dump(*db, k);
        REQUIRE(got.has_value());
        REQUIRE(*got == it->second);
      }
    } else if (r < 915) {
      std::string a = key_of(rng() % key_space), b = key_of(rng() % key_space);
      if (b < a) std::swap(a, b);
      check_scan(*db, model, a, b, {});
    } else if (r < 930) {
      check_cursor(*db, model, rng, {});
    } else if (r < 945) {
      if (std::getenv("LSM_MODEL_NO_SNAP")) continue;
      if (snaps.size() < 4) {
        snaps.push_back({db->snapshot(), model});
      } else {
        snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(rng() % snaps.size()));
      }
    } else if (r < 965 && !snaps.empty()) {
      const auto& s = snaps[rng() % snaps.size()];
      lsm::read_options ro;
      ro.snapshot = &s.snap;
      auto got = db->get(k, ro);
      auto it = s.state.find(k);
      INFO("key " << k << " at snapshot " << s.snap.sequence() << " got "
                  << got.value_or("<none>"));
      REQUIRE(got.has_value() == (it != s.state.end()));
      if (got) REQUIRE(*got == it->second);
      if (rng() % 4 == 0) check_scan(*db, s.state, key_of(0), key_of(key_space), ro);
    } else if (r < 975) {
      db->flush();
    } else if (r < 980) {
      if (rng() % 2)
        db->compact();
      else {
        std::string a = key_of(rng() % key_space), b = key_of(rng() % key_space);
        if (b < a) std::swap(a, b);
        db->compact_range(a, b);
      }
    } else if (r < 983) {
      snaps.clear();
      db.reset();
      db = std::make_unique<Tree>(dir, opts);
    } else if (r < 985) {
      db->wait_for_background_work();
    }
  }
  check_scan(*db, model, key_of(0), key_of(key_space), {});
  snaps.clear();
  db.reset();
  db = std::make_unique<Tree>(dir, opts);
  check_scan(*db, model, key_of(0), key_of(key_space), {});
  db.reset();
  if (use_posix) std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("tree matches a std::map model across flushes, compactions and reopens",
          "[tree][model]") {
  using tree_t = lsm::tree<std::string, std::string>;
  const std::uint64_t seeds = env_number("LSM_MODEL_SEEDS", 20);
  const std::uint64_t ops = env_number("LSM_MODEL_OPS", 50000);
  const std::uint64_t fixed = env_number("LSM_TEST_SEED", 0);
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < (fixed ? 1 : seeds); ++i) {
    const std::uint64_t seed = fixed ? fixed : std::random_device{}() * 1000003ull + i;
    run_model<tree_t>(seed, ops, i % 5 == 4);
    total += ops;
  }
  std::cout << "FIGURE model test: " << total << " operations across " << (fixed ? 1 : seeds)
            << " seeds, 0 mismatches\n";
}

}  // namespace lsm_test_model_test
