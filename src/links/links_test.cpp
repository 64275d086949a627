// Unit tests: QR rendering, link secrets and the watch hub.
#include <gtest/gtest.h>

#include <set>

#include "identity/tokens.hpp"
#include "links/link_service.hpp"
#include "links/qr.hpp"
#include "links/watch.hpp"

namespace paddock::links {
namespace {

TEST(LinkQr, EncodesAUrlAsASquareWithFinderPatterns) {
  auto code = encode_qr("http://127.0.0.1:8080/l/lnk_0123456789abcdef?s=AAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(code.ok());
  // Versions are 21 + 4k modules wide.
  EXPECT_EQ((code->width - 21) % 4, 0);
  EXPECT_GE(code->width, 25);
  // The top-left finder pattern: a dark 7x7 ring around a light ring around a dark 3x3.
  for (int i = 0; i < 7; ++i) {
    EXPECT_TRUE(code->at(i, 0));
    EXPECT_TRUE(code->at(0, i));
    EXPECT_TRUE(code->at(6, i));
  }
  EXPECT_FALSE(code->at(1, 1));
  EXPECT_TRUE(code->at(3, 3));
}

TEST(LinkQr, RefusesEmptyAndOverlongText) {
  EXPECT_EQ(encode_qr("").error().code, Errc::invalid_field);
  EXPECT_EQ(encode_qr(std::string(kQrMaxText + 1, 'a')).error().code, Errc::invalid_field);
}

TEST(LinkQr, PngIsAGreyscaleImageOfTheWholeCodeAndQuietZone) {
  auto code = encode_qr("hello");
  ASSERT_TRUE(code.ok());
  auto png = render_png(*code, 4);
  ASSERT_TRUE(png.ok());
  ASSERT_GT(png->size(), 33u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    auto b = [&](std::size_t i) {
      return static_cast<unsigned>(static_cast<unsigned char>((*png)[i]));
    };
    return b(at) << 24 | b(at + 1) << 16 | b(at + 2) << 8 | b(at + 3);
  };
  unsigned side = static_cast<unsigned>((code->width + 2 * kQrQuietZone) * 4);
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), side);
  EXPECT_EQ(be32(20), side);
  EXPECT_EQ((*png)[25], 0) << "colour type 0: greyscale";
}

TEST(LinkQr, TextHasTwoModuleRowsPerLineAndSvgOneRectPerDarkModule) {
  auto code = encode_qr("hello");
  ASSERT_TRUE(code.ok());
  std::string text = render_text(*code);
  int side = code->width + 2 * kQrQuietZone;
  EXPECT_EQ(static_cast<int>(std::count(text.begin(), text.end(), '\n')), (side + 1) / 2);
  EXPECT_NE(text.find("\u2588"), std::string::npos);
  std::string svg = render_svg(*code, 8);
  int dark = 0;
  for (auto d : code->dark) dark += d;
  EXPECT_EQ(static_cast<int>(std::count(svg.begin(), svg.end(), 'M')), dark);
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(side * 8)), std::string::npos);
}

TEST(LinkSecret, Has128RandomBitsAndMatchesOnlyItsHash) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = new_link_secret();
    EXPECT_EQ(s.size(), 22u) << "16 bytes in unpadded base64url";
    EXPECT_TRUE(seen.insert(s).second);
  }
  std::string secret = new_link_secret();
  std::string hash = identity::hash_token(secret);
  EXPECT_TRUE(secret_matches(secret, hash));
  EXPECT_FALSE(secret_matches(secret + "x", hash));
  EXPECT_FALSE(secret_matches("", hash));
  EXPECT_FALSE(secret_matches(secret, hash.substr(1)));
}

TEST(LinkSecret, UrlCarriesIdAndSecret) {
  EXPECT_EQ(LinkService::link_url("https://p.example/", "lnk_1", "abc"),
            "https://p.example/l/lnk_1?s=abc");
}

TEST(LinkWatch, ALateWatcherGetsTheKeptNoticesAndAFinalOneEndsTheWatch) {
  WatchHub hub;
  int early_wakes = 0;
  auto early = hub.subscribe("lnk_1", [&] { ++early_wakes; });
  hub.publish("lnk_1", "one");
  hub.publish("lnk_2", "elsewhere");
  hub.publish("lnk_1", "two", /*final=*/true);
  EXPECT_EQ(early_wakes, 2);
  std::vector<std::shared_ptr<const std::string>> out;
  EXPECT_FALSE(early->next(out, 10)) << "drained and final";
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], "one");
  EXPECT_EQ(*out[1], "two");

  auto late = hub.subscribe("lnk_1", [] {});
  out.clear();
  EXPECT_TRUE(late->next(out, 1)) << "one notice still queued";
  EXPECT_EQ(*out[0], "one");
  out.clear();
  EXPECT_FALSE(late->next(out, 5));
  EXPECT_EQ(out.size(), 1u);
}

TEST(LinkWatch, AWatcherThatDoesNotReadIsEndedNotGrown) {
  WatchHub hub;
  auto w = hub.subscribe("lnk_1", [] {});
  for (std::size_t i = 0; i < WatchHub::kQueuePerWatcher + 10; ++i) hub.publish("lnk_1", "n");
  std::vector<std::shared_ptr<const std::string>> out;
  EXPECT_FALSE(w->next(out, 1000));
  EXPECT_EQ(out.size(), WatchHub::kQueuePerWatcher);
}

}  // namespace
}  // namespace paddock::links
