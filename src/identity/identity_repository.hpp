#pragma once
// identity/identity_repository: what the identity module keeps (users and their sessions), as
// the interface a storage backend implements. Owned by identity; depends on core and the plain
// records in storage/records.hpp, nothing else. Every call returns a value: a storage fault is
// storage_unavailable, never an exception.
#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "storage/records.hpp"

namespace paddock::identity {

class IdentityReads {
 public:
  virtual ~IdentityReads() = default;
  virtual Result<std::optional<storage::UserRecord>> user_by_id(std::string_view id) = 0;
  // `username` is the lower-cased form.
  virtual Result<std::optional<storage::UserRecord>> user_by_username(
      std::string_view username) = 0;
  virtual Result<std::optional<storage::SessionRecord>> session_by_token_hash(
      std::string_view token_hash) = 0;
};

class IdentityWrites : public IdentityReads {
 public:
  // Error username_taken iff the (lower-cased) username exists.
  virtual Result<void> insert_user(const storage::UserRecord& user) = 0;
  virtual Result<void> insert_session(const storage::SessionRecord& session) = 0;
  // True iff a session with that hash existed (and is now gone).
  virtual Result<bool> delete_session(std::string_view token_hash) = 0;
  // Removes sessions that expired before `now`; returns how many.
  virtual Result<std::size_t> purge_expired_sessions(UnixMillis now) = 0;
};

}  // namespace paddock::identity
