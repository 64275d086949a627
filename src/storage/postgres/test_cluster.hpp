#pragma once
// storage/postgres/test_cluster: where the tests find the throwaway PostgreSQL cluster that
// `make test` starts (scripts/pg-test-cluster.sh, a CTest fixture). Tests only.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "storage/postgres/connection.hpp"

namespace paddock::storage::postgres {

// The connection string of the test cluster: $PADDOCK_TEST_POSTGRES itself, or the `conninfo=`
// line of the state file named by $PADDOCK_TEST_POSTGRES_STATE. Nullopt when neither is set
// (a unit-test binary run by hand, outside ctest).
inline std::optional<std::string> test_cluster_conninfo() {
  if (const char* direct = std::getenv("PADDOCK_TEST_POSTGRES"); direct && *direct) return direct;
  const char* state = std::getenv("PADDOCK_TEST_POSTGRES_STATE");
  if (!state || !*state) return std::nullopt;
  std::ifstream in(state);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("conninfo=")) return line.substr(9);
  }
  return std::nullopt;
}

// A database of its own for one test, created on the test cluster and dropped afterwards.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& cluster) : cluster_(cluster) {
    static std::atomic<int> counter{0};
    name_ = "paddock_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    Connection admin(cluster_);
    admin.exec("DROP DATABASE IF EXISTS " + name_);
    admin.exec("CREATE DATABASE " + name_);
  }
  ~ScratchDatabase() {
    try {
      Connection admin(cluster_);
      admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const PgError&) {
      // The cluster is thrown away after the run anyway.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // libpq uses the last value of a repeated keyword, so this names the scratch database.
  std::string conninfo() const { return cluster_ + " dbname=" + name_; }

 private:
  std::string cluster_;
  std::string name_;
};

}  // namespace paddock::storage::postgres
