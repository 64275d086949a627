#pragma once
// links/qr: a link's URL as a QR code (libqrencode), rendered three ways: SVG, PNG (libpng) and
// UTF-8 block text a terminal can print. Pure functions, no I/O. Depends on core, libqrencode
// and libpng only.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::links {

struct QrCode {
  int width = 0;                   // modules per side
  std::vector<std::uint8_t> dark;  // width * width, row-major, 1 = dark module
  bool at(int x, int y) const { return dark[static_cast<std::size_t>(y) * width + x] != 0; }
};

inline constexpr int kQrQuietZone = 4;           // modules of light border (ISO/IEC 18004)
inline constexpr std::size_t kQrMaxText = 1024;  // a link URL is ~100 bytes

// Error correction level M (15 %), byte mode. Error: invalid_field when `text` is empty or
// longer than kQrMaxText, internal when libqrencode fails.
Result<QrCode> encode_qr(std::string_view text);

// A square SVG of one path, `module_px` user units per module, with the quiet zone.
std::string render_svg(const QrCode& code, int module_px = 8);
// An 8-bit greyscale PNG, `module_px` pixels per module, with the quiet zone. Error: internal.
Result<std::string> render_png(const QrCode& code, int module_px = 8);
// Two module rows per text line with U+2580/U+2584/U+2588 (dark modules drawn as ink), quiet
// zone included, lines ending in '\n'.
std::string render_text(const QrCode& code);

}  // namespace paddock::links
