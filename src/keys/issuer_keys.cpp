#include "keys/issuer_keys.hpp"

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sodium.h>
#include <toml++/toml.h>

#include "core/encoding.hpp"

namespace paddock::keys {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxKeys = 64;          // rotations kept in the file
constexpr std::size_t kMaxFileBytes = 64 * 1024;
constexpr std::string_view kKidPrefix = "ik-";

Error config_error(const fs::path& file, const std::string& problem) {
  return make_error(Errc::invalid_field, "issuer keys " + file.string() + ": " + problem,
                    "issuer_keys");
}

// "ik-" + the day it was made + 8 random hex digits: readable in logs, unique in practice, and
// never derived from the key itself.
std::string new_kid(UnixMillis now) {
  std::time_t seconds = static_cast<std::time_t>(now / 1000);
  std::tm day{};
  gmtime_r(&seconds, &day);
  char date[16];
  std::strftime(date, sizeof date, "%Y%m%d", &day);
  return std::string(kKidPrefix) + date + "-" + hex_encode(random_bytes(4));
}

struct FileEntry {
  std::string kid;
  vehicle::SecretKey secret{};
  UnixMillis created_at = 0;
  std::optional<UnixMillis> retired_at;
};

Result<std::vector<FileEntry>> read_file(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return config_error(file, std::string("cannot read: ") + std::strerror(errno));
  }
  // A signing key anyone else on the machine can read is no longer the server's alone.
  if ((st.st_mode & 077) != 0) {
    return config_error(file, "is readable by other users; chmod 600 it (and consider rotating)");
  }
  if (st.st_size > static_cast<off_t>(kMaxFileBytes)) return config_error(file, "is too large");
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return config_error(file, "cannot read");

  toml::table parsed;
  try {
    parsed = toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& e) {
    return config_error(file, std::string(e.description()));
  }
  const toml::array* keys = parsed.get_as<toml::array>("key");
  if (!keys || keys->empty()) return config_error(file, "holds no [[key]]");
  if (keys->size() > kMaxKeys) return config_error(file, "holds too many keys");
  std::vector<FileEntry> entries;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const toml::table* row = keys->get(i)->as_table();
    std::string where = "key " + std::to_string(i + 1) + ": ";
    if (!row) return config_error(file, where + "not a table");
    FileEntry e;
    auto kid = row->get_as<std::string>("kid");
    auto seed = row->get_as<std::string>("seed");
    auto created = row->get_as<std::int64_t>("created_at");
    if (!kid || kid->get().empty() || kid->get().size() > vehicle::kMaxKidBytes) {
      return config_error(file, where + "kid missing or too long");
    }
    if (!seed || !created) return config_error(file, where + "seed and created_at are required");
    auto seed_bytes = base64url_decode(seed->get());
    auto secret = seed_bytes ? vehicle::secret_key_from(*seed_bytes) : std::nullopt;
    if (!seed_bytes || seed_bytes->size() != 32 || !secret) {
      return config_error(file, where + "seed is not 32 bytes of base64url");
    }
    sodium_memzero(seed_bytes->data(), seed_bytes->size());
    e.kid = kid->get();
    e.secret = *secret;
    e.created_at = created->get();
    if (auto retired = row->get_as<std::int64_t>("retired_at")) e.retired_at = retired->get();
    for (const auto& other : entries) {
      if (other.kid == e.kid) return config_error(file, where + "duplicate kid " + e.kid);
    }
    entries.push_back(std::move(e));
  }
  if (entries.back().retired_at) return config_error(file, "the last key is retired");
  return entries;
}

// Writes next to the file and renames over it, so a crash leaves the old file or the new one.
Result<void> write_file(const fs::path& file, const std::vector<FileEntry>& entries) {
  toml::array keys;
  for (const auto& e : entries) {
    // The seed is the first half of libsodium's secret key.
    std::string seed = base64url_encode(std::span(e.secret.data(), 32));
    toml::table row{{"kid", e.kid}, {"created_at", e.created_at}, {"seed", seed}};
    if (e.retired_at) row.insert("retired_at", *e.retired_at);
    keys.push_back(std::move(row));
    sodium_memzero(seed.data(), seed.size());
  }
  std::ostringstream text;
  text << "# Paddock's credential-issuer keys. Secret: keep this file 0600 and back it up with\n"
          "# the database. `paddock issuer-keys rotate` adds a key; the last one signs.\n"
       << toml::table{{"key", std::move(keys)}} << "\n";
  std::string body = text.str();

  fs::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return config_error(tmp, std::string("cannot create: ") + std::strerror(errno));
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  sodium_memzero(body.data(), body.size());
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return config_error(file, std::string("cannot write: ") + std::strerror(errno));
  }
  return {};
}

FileEntry fresh_entry(UnixMillis now) {
  FileEntry e;
  e.kid = new_kid(now);
  vehicle::PublicKey pk{};
  crypto_sign_keypair(pk.data(), e.secret.data());
  e.created_at = now;
  return e;
}

}  // namespace

Result<IssuerKeyring> IssuerKeyring::open(const fs::path& file, UnixMillis now) {
  if (!vehicle::init_sodium()) return config_error(file, "libsodium could not be initialized");
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (auto written = write_file(file, {fresh_entry(now)}); !written) return written.take_error();
  }
  auto entries = read_file(file);
  if (!entries) return entries.take_error();
  IssuerKeyring ring;
  for (auto& e : *entries) {
    Entry entry;
    entry.key = {e.kid, vehicle::public_key_of(e.secret), e.created_at, e.retired_at};
    entry.secret = e.secret;
    sodium_memzero(e.secret.data(), e.secret.size());
    ring.entries_.push_back(std::move(entry));
  }
  return ring;
}

Result<std::string> IssuerKeyring::rotate(const fs::path& file, UnixMillis now,
                                          const std::vector<std::string>& in_use) {
  if (!vehicle::init_sodium()) return config_error(file, "libsodium could not be initialized");
  auto entries = read_file(file);
  if (!entries) return entries.take_error();
  entries->back().retired_at = now;
  // Keys whose publication window has closed are dropped; nothing they signed is still valid.
  // Keys whose publication window has closed are dropped unless a credential they signed is
  // still valid.
  std::erase_if(*entries, [now, &in_use](const FileEntry& e) {
    return e.retired_at && *e.retired_at + kMaxCredentialLifetimeSeconds * 1000 < now &&
           !std::binary_search(in_use.begin(), in_use.end(), e.kid);
  });
  // Every key left may have signed a credential that is still valid: dropping one would make
  // cars refuse it. Refuse the rotation instead.
  if (entries->size() >= kMaxKeys) {
    for (auto& e : *entries) sodium_memzero(e.secret.data(), e.secret.size());
    return config_error(file, "holds " + std::to_string(kMaxKeys) +
                                  " keys that are all still published; rotate again once the "
                                  "oldest one's publication window has closed");
  }
  entries->push_back(fresh_entry(now));
  std::string kid = entries->back().kid;
  auto written = write_file(file, *entries);
  for (auto& e : *entries) sodium_memzero(e.secret.data(), e.secret.size());
  if (!written) return written.take_error();
  return kid;
}

IssuerKeyring::~IssuerKeyring() {
  for (auto& e : entries_) sodium_memzero(e.secret.data(), e.secret.size());
}

const std::string& IssuerKeyring::signing_kid() const { return entries_.back().key.kid; }

vehicle::Result<vehicle::Bytes> IssuerKeyring::sign_credential(
    const vehicle::Claims& claims) const {
  const Entry& current = entries_.back();
  const auto& kid = current.key.kid;
  return vehicle::encode_and_sign(
      claims, std::span(reinterpret_cast<const std::uint8_t*>(kid.data()), kid.size()),
      current.secret);
}

vehicle::Result<vehicle::Bytes> IssuerKeyring::sign_revocations(
    const vehicle::RevocationList& list) const {
  const Entry& current = entries_.back();
  const auto& kid = current.key.kid;
  return vehicle::encode_and_sign_revocations(
      list, std::span(reinterpret_cast<const std::uint8_t*>(kid.data()), kid.size()),
      current.secret);
}

std::vector<PublishedIssuerKey> IssuerKeyring::published(
    UnixMillis now, const std::vector<std::string>& in_use) const {
  std::vector<PublishedIssuerKey> keys;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    const auto& k = it->key;
    if (k.retired_at && *k.retired_at + kMaxCredentialLifetimeSeconds * 1000 < now &&
        !std::binary_search(in_use.begin(), in_use.end(), k.kid)) {
      continue;
    }
    keys.push_back(k);
  }
  return keys;
}

std::vector<std::string> IssuerKeyring::missing(const std::vector<std::string>& kids) const {
  std::vector<std::string> absent;
  for (const auto& kid : kids) {
    bool held = std::any_of(entries_.begin(), entries_.end(),
                            [&kid](const Entry& e) { return e.key.kid == kid; });
    if (!held) absent.push_back(kid);
  }
  return absent;
}

}  // namespace paddock::keys
