#pragma once
// keys/errors: the error codes of sharing digital keys, besides core's.
#include "core/error.hpp"

namespace paddock::keys {

// The share is not in a state that allows the step (accepting a revoked share, declining an
// issued one, revoking twice, ...).
inline constexpr ErrorCode kShareStateConflict{"key_share_state", ErrorKind::conflict,
                                               "The key share does not allow this now"};
// Accepting needs a live challenge for this share and device (challenges are single use).
inline constexpr ErrorCode kAcceptChallengeInvalid{"challenge_invalid", ErrorKind::invalid_input,
                                                   "Challenge is unknown, used or expired"};
inline constexpr ErrorCode kAcceptSignatureInvalid{"signature_invalid", ErrorKind::invalid_input,
                                                   "Signature does not verify"};
inline constexpr ErrorCode kAcceptCodeInvalid{"code_invalid", ErrorKind::invalid_input,
                                              "The one-time code is missing or wrong"};
// Too many failed verification attempts: the share is dead.
inline constexpr ErrorCode kShareVoid{"key_share_failed", ErrorKind::conflict,
                                        "Too many failed attempts; the key share is void"};
// The policy left no action the car could allow.
inline constexpr ErrorCode kNoRightsLeft{"no_rights_granted", ErrorKind::invalid_input,
                                         "No right survives the key policy"};
// The credential could not be signed (the issuer keyring refused the claims).
// Every key that could still reach the car's revocation list (offered, issued, or revoked and
// listed) counts; past kMaxLiveKeysPerVehicle the list could no longer be signed.
inline constexpr ErrorCode kKeyLimit{"key_limit", ErrorKind::conflict,
                                     "Too many keys on this vehicle"};
inline constexpr ErrorCode kIssuanceFailed{"issuance_failed", ErrorKind::internal,
                                           "The credential could not be issued"};

}  // namespace paddock::keys
