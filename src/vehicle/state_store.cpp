#include "vehicle/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace paddock::vehicle {

namespace {

constexpr std::string_view kHeader = "paddock-car-state 1";

template <class T>
bool number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool id(const std::string& text, Bytes& out) {
  auto bytes = from_base64url(text);
  if (!bytes || bytes->empty() || bytes->size() > 64) return false;
  out = std::move(*bytes);
  return true;
}

}  // namespace

std::optional<CarState> load_state(const std::filesystem::path& dir, std::string& error) {
  const auto path = dir / kStateFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return CarState{};
  if (std::filesystem::file_size(path, ec) > kMaxStateBytes || ec) {
    error = "state file too large or unreadable";
    return std::nullopt;
  }
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != kHeader) {
    error = "state file has no valid header";
    return std::nullopt;
  }
  CarState state;
  int number_of_line = 1;
  while (std::getline(in, line)) {
    ++number_of_line;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string word; fields >> word;) f.push_back(word);
    bool ok = !f.empty();
    if (ok && f[0] == "clock" && f.size() == 2) {
      ok = number(f[1], state.highest_time) && valid_clock(state.highest_time);
    } else if (ok && f[0] == "revocations" && f.size() >= 2) {
      state.has_revocations = true;
      ok = number(f[1], state.revocation_version);
      for (std::size_t i = 2; ok && i < f.size(); ++i) {
        Bytes cti;
        ok = id(f[i], cti);
        state.revoked.insert(cti);
      }
    } else if (ok && f[0] == "challenge" && f.size() == 3) {
      Bytes c;
      std::int64_t at = 0;
      ok = id(f[1], c) && number(f[2], at);
      state.challenges[c] = at;
    } else if (ok && f[0] == "counter" && f.size() == 4) {
      Bytes cti;
      CounterWindow w;
      ok = id(f[1], cti) && number(f[2], w.highest) && number(f[3], w.seen);
      state.counters[cti] = w;
    } else if (ok && f[0] == "expires" && f.size() == 3) {
      Bytes cti;
      std::int64_t exp = 0;
      ok = id(f[1], cti) && number(f[2], exp);
      state.expiries[cti] = exp;
    } else if (ok && f[0] == "uses" && f.size() == 3) {
      Bytes cti;
      std::uint64_t n = 0;
      ok = id(f[1], cti) && number(f[2], n);
      state.uses[cti] = n;
    } else {
      ok = false;
    }
    if (!ok) {
      error = "state file line " + std::to_string(number_of_line) + " is malformed";
      return std::nullopt;
    }
  }
  return state;
}

bool save_state(const std::filesystem::path& dir, const CarState& state, std::string& error) {
  std::ostringstream out;
  out << kHeader << '\n' << "clock " << state.highest_time << '\n';
  if (state.has_revocations) {
    out << "revocations " << state.revocation_version;
    for (const auto& cti : state.revoked) out << ' ' << base64url(cti);
    out << '\n';
  }
  for (const auto& [c, at] : state.challenges) out << "challenge " << base64url(c) << ' ' << at << '\n';
  for (const auto& [cti, w] : state.counters) {
    out << "counter " << base64url(cti) << ' ' << w.highest << ' ' << w.seen << '\n';
  }
  for (const auto& [cti, n] : state.uses) out << "uses " << base64url(cti) << ' ' << n << '\n';
  for (const auto& [cti, exp] : state.expiries) {
    out << "expires " << base64url(cti) << ' ' << exp << '\n';
  }
  const std::string text = out.str();

  return write_file_atomically(dir, kStateFileName, text, error);
}

bool write_file_atomically(const std::filesystem::path& dir, std::string_view name,
                           const std::string& text, std::string& error) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);  // ours alone
  }
  const auto final_path = dir / name;
  const auto temp_path = dir / (std::string(name) + ".tmp");
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = std::string("cannot write state: ") + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, 0600);  // an older temp file may have had other bits
  std::size_t written = 0;
  bool ok = true;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    error = std::string("cannot write state: ") + std::strerror(errno);
    ::unlink(temp_path.c_str());
    return false;
  }
  return true;
}

}  // namespace paddock::vehicle
