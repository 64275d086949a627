#include "sharing/identification.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paddock::sharing {
namespace {

struct Row {
  const char* name;
  std::string input;
  const char* expect;  // null: invalid_field
};

// Runs `normalize` over `rows`; failures must be invalid_field on `field` with a detail.
template <class Normalize>
void check_rows(const std::vector<Row>& rows, Normalize normalize, const char* field) {
  for (const Row& row : rows) {
    auto r = normalize(row.input);
    if (row.expect) {
      ASSERT_TRUE(r.ok()) << row.name << ": " << r.error().detail;
      EXPECT_EQ(*r, row.expect) << row.name;
    } else {
      ASSERT_FALSE(r.ok()) << row.name << " was accepted as " << *r;
      EXPECT_EQ(r.error().code, Errc::invalid_field) << row.name;
      EXPECT_EQ(r.error().field, field) << row.name;
      EXPECT_FALSE(r.error().detail.empty()) << row.name;
    }
  }
}

TEST(Vin, NormalizationRules) {
  check_rows(
      {
          Row{"NA check digit X", "1M8GDM9AXKP042788", "1M8GDM9AXKP042788"},
          Row{"NA all ones", "11111111111111111", "11111111111111111"},
          Row{"NA Honda", "1HGCM82633A004352", "1HGCM82633A004352"},
          Row{"NA check digit 0", "2T1BURHE0JC014702", "2T1BURHE0JC014702"},
          Row{"lowercase is upper-cased", "1hgcm82633a004352", "1HGCM82633A004352"},
          Row{"NA wrong check digit", "1HGCM82643A004352", nullptr},
          Row{"NA check digit X expected", "1M8GDM9A1KP042788", nullptr},
          Row{"European, position 9 unchecked", "WVWZZZ1JZXW000001", "WVWZZZ1JZXW000001"},
          Row{"Japanese, position 9 unchecked", "JHMCM56557C404453", "JHMCM56557C404453"},
          Row{"Korean lowercase", "kmhdn45d22u123456", "KMHDN45D22U123456"},
          Row{"contains I", "1HGCM8263IA004352", nullptr},
          Row{"contains lowercase o", "WVWZZZ1JZXW00000o", nullptr},
          Row{"contains Q", "QVWZZZ1JZXW000001", nullptr},
          Row{"16 characters", "1HGCM82633A00435", nullptr},
          Row{"18 characters", "1HGCM82633A0043521", nullptr},
          Row{"empty", "", nullptr},
          Row{"inner space", "1HGCM826 33A004352", nullptr},
          Row{"trailing space", "1HGCM82633A004352 ", nullptr},
          Row{"dashes", "1HGCM-82633-A004352", nullptr},
          Row{"non-ASCII", "1HGCM82633A00435é", nullptr},
          Row{"control character", std::string("1HGCM82633A00435") + '\0', nullptr},
      },
      [](const std::string& in) { return normalize_vin(in); }, "vin");
}

TEST(Vin, CheckDigit) {
  EXPECT_EQ(vin_check_digit("1M8GDM9AXKP042788"), 'X');
  EXPECT_EQ(vin_check_digit("11111111111111111"), '1');
  EXPECT_EQ(vin_check_digit("1HGCM82633A004352"), '3');
  EXPECT_EQ(vin_check_digit("2T1BURHE0JC014702"), '0');
}

TEST(Vin, ErrorDetailsSayWhatToFix) {
  auto wrong = normalize_vin("1HGCM82643A004352");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().detail.find("'3'"), std::string::npos) << wrong.error().detail;
  auto forbidden = normalize_vin("1HGCM8263OA004352");
  ASSERT_FALSE(forbidden.ok());
  EXPECT_NE(forbidden.error().detail.find("VIN must not contain I, O or Q"), std::string::npos);
  auto custom = normalize_vin("short", "vehicle.vin");
  ASSERT_FALSE(custom.ok());
  EXPECT_EQ(custom.error().field, "vehicle.vin");
}

TEST(PlateNumber, NormalizationRules) {
  check_rows(
      {
          Row{"middle dot", "粤B·12345", "粤B12345"},
          Row{"lowercase and space", "粤b 12345", "粤B12345"},
          Row{"already normal", "粤B12345", "粤B12345"},
          Row{"full-width letter and digits", "粤Ｂ１２３４５", "粤B12345"},
          Row{"dash and dot", "粤B-123.45", "粤B12345"},
          Row{"full-width dash and dot", "粤B－123．45", "粤B12345"},
          Row{"ideographic space", "粤B\u300012345", "粤B12345"},
          Row{"katakana middle dot", "粤B・12345", "粤B12345"},
          Row{"bullet", "粤B•12345", "粤B12345"},
          Row{"police plate", "京A·1234警", "京A1234警"},
          Row{"learner plate", "沪C1234学", "沪C1234学"},
          Row{"Latin with separators", "ab-12 cd", "AB12CD"},
          Row{"German", "M-AB 1234", "MAB1234"},
          Row{"German umlaut folded", "tü-ab 12", "TÜAB12"},
          Row{"Japanese", "品川 500 さ 12-34", "品川500さ1234"},
          Row{"Korean", "12가 3456", "12가3456"},
          Row{"exactly 2", "AB", "AB"},
          Row{"exactly 16", "ABCDEFGH-12345678", "ABCDEFGH12345678"},
          Row{"empty", "", nullptr},
          Row{"only a separator", "-", nullptr},
          Row{"only spaces", "   ", nullptr},
          Row{"too short", "A", nullptr},
          Row{"17 characters", "ABCDEFGHI12345678", nullptr},
          Row{"40 characters", std::string(40, 'A'), nullptr},
          Row{"exclamation mark", "AB!12", nullptr},
          Row{"full-width exclamation mark", "AB！12", nullptr},
          Row{"slash", "AB/12", nullptr},
          Row{"emoji", "AB🚗12", nullptr},
          Row{"Cyrillic look-alike", "АВ12", nullptr},
          Row{"tab", "AB\t12", nullptr},
          Row{"newline", "AB12\n", nullptr},
          Row{"NUL", std::string("AB") + '\0' + "12", nullptr},
          Row{"DEL", std::string("AB\x7f") + "12", nullptr},
          Row{"C1 control", std::string("AB\xc2\x85") + "12", nullptr},
          Row{"invalid UTF-8", std::string("AB\xff") + "12", nullptr},
          Row{"overlong UTF-8 dash", std::string("AB\xc0\xad") + "12", nullptr},
      },
      [](const std::string& in) { return normalize_plate_number(in); }, "plate.number");
}

TEST(PlateNumber, ErrorNamesTheOffendingCharacterAndField) {
  auto r = normalize_plate_number("AB!12", "plates[0].number");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "plates[0].number");
  EXPECT_NE(r.error().detail.find("'!'"), std::string::npos) << r.error().detail;
}

TEST(Region, NormalizationRules) {
  check_rows(
      {
          Row{"country lowercase", "cn", "CN"},
          Row{"subdivision lowercase", "us-ca", "US-CA"},
          Row{"Germany", "de", "DE"},
          Row{"already upper", "CN", "CN"},
          Row{"numeric subdivision", "cn-44", "CN-44"},
          Row{"three-character subdivision", "gb-lnd", "GB-LND"},
          Row{"one letter", "C", nullptr},
          Row{"alpha-3", "CHN", nullptr},
          Row{"underscore", "US_CA", nullptr},
          Row{"digits", "12", nullptr},
          Row{"subdivision too long", "US-CALI", nullptr},
          Row{"empty subdivision", "US-", nullptr},
          Row{"empty", "", nullptr},
          Row{"space", "U S", nullptr},
          Row{"trailing space", "CN ", nullptr},
          Row{"non-ASCII", "ÇN", nullptr},
      },
      [](const std::string& in) { return normalize_region(in); }, "plate.region");
}

TEST(PlateKey, JoinsRegionAndNumber) {
  EXPECT_EQ(plate_key("CN", "粤B12345"), "CN:粤B12345");
  EXPECT_EQ(plate_key("US-CA", "7ABC123"), "US-CA:7ABC123");
}

TEST(PlateKey, SpellingsOfOnePlateShareAKey) {
  auto region = normalize_region("cn");
  ASSERT_TRUE(region.ok());
  for (const char* spelling : {"粤B·12345", "粤b 12345", "粤Ｂ１２３４５", "粤B-123.45"}) {
    auto number = normalize_plate_number(spelling);
    ASSERT_TRUE(number.ok()) << spelling;
    EXPECT_EQ(plate_key(*region, *number), "CN:粤B12345") << spelling;
  }
}

}  // namespace
}  // namespace paddock::sharing
