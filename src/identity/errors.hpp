#pragma once
// identity/errors: the error codes sign-up, log-in and passwords return, besides core's.
#include "core/error.hpp"

namespace paddock::identity {

inline constexpr ErrorCode kPasswordTooShort{"password_too_short", ErrorKind::invalid_input,
                                             "Password is too short"};
inline constexpr ErrorCode kInvalidCredentials{"invalid_credentials", ErrorKind::unauthorized,
                                               "Wrong username or password"};
inline constexpr ErrorCode kTooManyAttempts{"too_many_attempts", ErrorKind::rate_limited,
                                            "Too many failed attempts"};
inline constexpr ErrorCode kUsernameTaken{"username_taken", ErrorKind::conflict,
                                          "Username is already taken"};

}  // namespace paddock::identity
