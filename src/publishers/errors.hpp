#pragma once
// publishers/errors: the error codes of the publisher hub (registration, signed requests,
// messages, inbox), besides core's. Each names the one check that failed; none carries a secret.
#include "core/error.hpp"

namespace paddock::publishers {

// Signed requests (RFC 9421): each a separate code so a publisher's developer sees which check
// failed.
inline constexpr ErrorCode kSignatureMissing{"signature_missing", ErrorKind::unauthorized,
                                             "Request is not signed"};
inline constexpr ErrorCode kSignatureMalformed{"signature_malformed", ErrorKind::unauthorized,
                                               "Signature fields cannot be parsed"};
inline constexpr ErrorCode kSignatureIncomplete{"signature_incomplete", ErrorKind::unauthorized,
                                                "Signature does not cover what it must"};
inline constexpr ErrorCode kUnsupportedAlgorithm{"unsupported_algorithm", ErrorKind::unauthorized,
                                                 "Signature algorithm is not supported"};
inline constexpr ErrorCode kSignatureExpired{"signature_expired", ErrorKind::unauthorized,
                                             "Signature is outside the clock window"};
inline constexpr ErrorCode kDigestMismatch{"digest_mismatch", ErrorKind::unauthorized,
                                           "Content-Digest does not match the body"};
inline constexpr ErrorCode kUnknownPublisher{"unknown_publisher", ErrorKind::unauthorized,
                                             "No publisher has this keyid"};
inline constexpr ErrorCode kSignatureInvalid{"signature_unverified", ErrorKind::unauthorized,
                                             "Signature does not verify"};
inline constexpr ErrorCode kNonceReplayed{"nonce_replayed", ErrorKind::unauthorized,
                                          "Nonce was already used"};
inline constexpr ErrorCode kPublisherSuspended{"publisher_suspended", ErrorKind::forbidden,
                                               "Publisher is suspended"};
inline constexpr ErrorCode kPublisherNotApproved{"publisher_not_approved", ErrorKind::forbidden,
                                                 "Publisher is not approved yet"};

// Registration and the operator's decisions.
inline constexpr ErrorCode kPublisherStateConflict{"publisher_state_conflict", ErrorKind::conflict,
                                                   "Publisher is not in a state that allows this"};
inline constexpr ErrorCode kNotOperator{"not_operator", ErrorKind::forbidden,
                                        "Only an operator may do this"};

// Messages.
inline constexpr ErrorCode kUnknownCategory{"unknown_category", ErrorKind::invalid_input,
                                            "Unknown message category"};
inline constexpr ErrorCode kNotACustomer{"not_a_customer", ErrorKind::invalid_input,
                                         "A receiver is not this publisher's customer"};
inline constexpr ErrorCode kStaleVersion{"stale_version", ErrorKind::conflict,
                                         "A newer version of the message exists"};
inline constexpr ErrorCode kAudienceChanged{"audience_changed", ErrorKind::conflict,
                                            "A message cannot change between public and targeted"};
inline constexpr ErrorCode kPushRateLimited{"push_rate_limited", ErrorKind::rate_limited,
                                            "Too many pushes"};
inline constexpr ErrorCode kDailyQuotaExceeded{"daily_quota_exceeded", ErrorKind::rate_limited,
                                               "Daily push quota is spent"};
inline constexpr ErrorCode kInvalidInboxCursor{"invalid_inbox_cursor", ErrorKind::invalid_input,
                                               "Inbox cursor is not valid"};

}  // namespace paddock::publishers
