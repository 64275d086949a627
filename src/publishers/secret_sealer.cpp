#include "publishers/secret_sealer.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace paddock::publishers {
namespace {

Error key_error(const std::string& detail) {
  return make_error(Errc::invalid_field, detail, "publisher_key");
}

}  // namespace

SecretSealer::SecretSealer(Bytes key) : key_(std::move(key)) {}

Result<SecretSealer> SecretSealer::open(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    Bytes key = random_bytes(crypto_secretbox_KEYBYTES);
    // O_EXCL: two processes starting at once must not each write a different key.
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                     ::fsync(fd) == 0;
      ::close(fd);
      if (!written) return key_error("cannot write " + file.string());
      return SecretSealer(std::move(key));
    }
    if (errno != EEXIST) return key_error("cannot create " + file.string());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return key_error("cannot read " + file.string());
  Bytes key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() != crypto_secretbox_KEYBYTES) {
    return key_error(file.string() + " does not hold a 32-byte key");
  }
  return SecretSealer(std::move(key));
}

std::string SecretSealer::seal(std::span<const std::uint8_t> secret) const {
  Bytes out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + secret.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, secret.data(), secret.size(),
                        out.data(), key_.data());
  return base64url_encode(out);
}

std::optional<Bytes> SecretSealer::open_sealed(std::string_view sealed) const {
  auto raw = base64url_decode(sealed);
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  Bytes secret(raw->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(secret.data(), raw->data() + crypto_secretbox_NONCEBYTES,
                                 raw->size() - crypto_secretbox_NONCEBYTES, raw->data(),
                                 key_.data()) != 0) {
    return std::nullopt;
  }
  return secret;
}

}  // namespace paddock::publishers
