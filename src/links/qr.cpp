#include "links/qr.hpp"

#include <png.h>
#include <qrencode.h>

#include <csetjmp>
#include <memory>

namespace paddock::links {

Result<QrCode> encode_qr(std::string_view text) {
  if (text.empty() || text.size() > kQrMaxText) {
    return make_error(Errc::invalid_field, "QR text must be 1 to 1024 bytes", "text");
  }
  std::string copy(text);  // libqrencode wants a NUL-terminated string
  std::unique_ptr<QRcode, decltype(&QRcode_free)> q(
      QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!q) return make_error(Errc::internal, "libqrencode could not encode the text");
  QrCode code;
  code.width = q->width;
  code.dark.resize(static_cast<std::size_t>(q->width) * q->width);
  // Bit 0 of each byte is the module's colour; the other bits are libqrencode's bookkeeping.
  for (std::size_t i = 0; i < code.dark.size(); ++i) code.dark[i] = q->data[i] & 1;
  return code;
}

std::string render_svg(const QrCode& code, int module_px) {
  int side = (code.width + 2 * kQrQuietZone) * module_px;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                  std::to_string(side) + " " + std::to_string(side) + "\" width=\"" +
                  std::to_string(side) + "\" height=\"" + std::to_string(side) +
                  "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                  "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < code.width; ++y) {
    for (int x = 0; x < code.width; ++x) {
      if (!code.at(x, y)) continue;
      s += 'M' + std::to_string((x + kQrQuietZone) * module_px) + ' ' +
           std::to_string((y + kQrQuietZone) * module_px) + 'h' + std::to_string(module_px) + 'v' +
           std::to_string(module_px) + 'h' + std::to_string(-module_px) + 'z';
    }
  }
  s += "\"/></svg>\n";
  return s;
}

namespace {

void append_png_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void flush_nothing(png_structp) {}

}  // namespace

Result<std::string> render_png(const QrCode& code, int module_px) {
  const int side = (code.width + 2 * kQrQuietZone) * module_px;
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return make_error(Errc::internal, "libpng could not start");
  png_infop info = png_create_info_struct(png);
  std::vector<png_byte> row(static_cast<std::size_t>(side));
  // libpng reports failure by longjmp; nothing with a destructor is created after this point.
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return make_error(Errc::internal, "libpng could not write the image");
  }
  png_set_write_fn(png, &out, append_png_bytes, flush_nothing);
  png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int py = 0; py < side; ++py) {
    int y = py / module_px - kQrQuietZone;
    for (int px = 0; px < side; ++px) {
      int x = px / module_px - kQrQuietZone;
      bool dark = x >= 0 && y >= 0 && x < code.width && y < code.width && code.at(x, y);
      row[static_cast<std::size_t>(px)] = dark ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string render_text(const QrCode& code) {
  const int side = code.width + 2 * kQrQuietZone;
  auto dark = [&](int x, int y) {
    x -= kQrQuietZone;
    y -= kQrQuietZone;
    return x >= 0 && y >= 0 && x < code.width && y < code.width && code.at(x, y);
  };
  std::string s;
  for (int y = 0; y < side; y += 2) {
    for (int x = 0; x < side; ++x) {
      bool top = dark(x, y);
      bool bottom = y + 1 < side && dark(x, y + 1);
      if (top && bottom)
        s += "\u2588";
      else if (top)
        s += "\u2580";
      else if (bottom)
        s += "\u2584";
      else
        s += ' ';
    }
    s += '\n';
  }
  return s;
}

}  // namespace paddock::links
