// PostgreSQL: charge point approval (issue 10), apart from charge_point_repository.cpp, which is
// being written in parallel; the integrator may move it there.
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<bool> PgChargePoints::approve(std::string_view id) {
  return guarded(link_, "approve", [&](Connection& db) {
    return db.query("UPDATE charge_points SET approved = TRUE WHERE id = $1 AND NOT approved", id)
               .affected() > 0;
  });
}

}  // namespace paddock::storage::postgres
