#pragma once
// storage/postgres/test_cluster: where the tests find the throwaway PostgreSQL cluster that
// `make test` starts (scripts/pg-test-cluster.sh, a CTest fixture). Tests only.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

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

}  // namespace paddock::storage::postgres
