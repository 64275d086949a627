#pragma once
// antitheft/errors: the error codes of anti-theft settings and locks, besides core's.
#include "core/error.hpp"

namespace paddock::antitheft {

inline constexpr ErrorCode kIdTagTaken{"id_tag_taken", ErrorKind::conflict,
                                       "This idTag identifies another vehicle"};

}  // namespace paddock::antitheft
