#pragma once
// devices/errors: the error codes of proving a device's key, besides core's.
#include "core/error.hpp"

namespace paddock::devices {

inline constexpr ErrorCode kChallengeInvalid{"challenge_invalid", ErrorKind::invalid_input,
                                             "Challenge is unknown, used or expired"};
inline constexpr ErrorCode kSignatureInvalid{"signature_invalid", ErrorKind::invalid_input,
                                             "Signature does not verify"};

}  // namespace paddock::devices
