// Schedule tokens and --set parameters as untrusted input: section lengths, one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/params.hpp"
#include "weft/schedule.hpp"

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The token's payload bytes (after "w1.", checksum dropped), and back: an independent codec of the
// layout in weft/schedule.hpp, so that a test can forge a payload the encoder never writes.
std::string payload_of(const std::string& token) {
  std::string bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : token.substr(3)) {
    acc = (acc << 6) | static_cast<std::uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  bytes.resize(bytes.size() - 2);
  return bytes;
}

std::string token_of(std::string bytes) {
  std::uint32_t h = 2166136261u;  // FNV-1a, folded to 16 bits
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  const auto sum = static_cast<std::uint16_t>(h ^ (h >> 16));
  bytes.push_back(static_cast<char>(sum & 0xff));
  bytes.push_back(static_cast<char>(sum >> 8));
  std::string out = "w1.";
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

bool one_printable_line(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A schedule under the priority policy: its token ends with the policy section
// (tag 1 | length 3 | policy 1, cpus 2, max blocking zigzag(-1) = 1).
weft::Schedule priority_schedule() {
  weft::Schedule s;
  s.policy = 1;
  s.cpus = 2;
  s.choices = {0, 1, 1, 0};
  return s;
}

TEST(ScheduleToken, ForgedCodecMatchesTheEncoder) {
  const std::string token = weft::encode_schedule(priority_schedule());
  EXPECT_EQ(token_of(payload_of(token)), token);
  const std::string bytes = payload_of(token);
  ASSERT_GE(bytes.size(), 5u);
  EXPECT_EQ(bytes.substr(bytes.size() - 5), std::string("\x01\x03\x01\x02\x01", 5));
  const weft::ScheduleParse parsed = weft::decode_schedule(token);
  ASSERT_TRUE(parsed.schedule) << parsed.error;
  EXPECT_EQ(*parsed.schedule, priority_schedule());
}

// The section's length field must match its payload: a length past the end, or shorter than the
// policy fields, is rejected with a clear one-line error (it used to be ignored and the token
// accepted).
TEST(ScheduleToken, SectionLengthIsChecked) {
  std::string bytes = payload_of(weft::encode_schedule(priority_schedule()));
  const std::size_t length_at = bytes.size() - 4;
  ASSERT_EQ(bytes[length_at], 3);

  bytes[length_at] = 5;  // claims two bytes more than remain
  weft::ScheduleParse p = weft::decode_schedule(token_of(bytes));
  EXPECT_FALSE(p.schedule);
  EXPECT_EQ(p.error, "malformed schedule token: section 1 claims 5 bytes, 3 remain");

  bytes[length_at] = 2;  // the payload's last field falls outside the section
  p = weft::decode_schedule(token_of(bytes));
  EXPECT_FALSE(p.schedule);
  EXPECT_EQ(p.error, "malformed schedule token: corrupt policy section");

  bytes[length_at] = 4;  // one byte of the section left over
  bytes.push_back('\0');
  p = weft::decode_schedule(token_of(bytes));
  EXPECT_FALSE(p.schedule);
  EXPECT_EQ(p.error, "malformed schedule token: corrupt policy section");

  bytes[length_at] = static_cast<char>(0x80);  // an unterminated length varint
  bytes.resize(length_at + 1);
  p = weft::decode_schedule(token_of(bytes));
  EXPECT_FALSE(p.schedule);
  EXPECT_EQ(p.error, "malformed schedule token: corrupt section header");
}

TEST(ScheduleToken, ErrorsQuoteAndCutTheTokenBytes) {
  weft::ScheduleParse p = weft::decode_schedule("w9\nx.abc");
  EXPECT_FALSE(p.schedule);
  EXPECT_TRUE(one_printable_line(p.error)) << p.error;
  EXPECT_EQ(p.error, "schedule token version '9\\nx' is not supported (this weft reads version 1)");

  p = weft::decode_schedule("w" + std::string(1000, '7') + ".AAAA");
  EXPECT_TRUE(one_printable_line(p.error)) << p.error;
  EXPECT_NE(p.error.find("'7777777777777777'... (1000 bytes)"), std::string::npos) << p.error;
  EXPECT_LT(p.error.size(), 120u);
}

TEST(ParamsParse, ErrorsAreOnePrintableLine) {
  weft::Params params({{"threads", 2, 1, 16, "threads"}});
  std::string err = params.set("thr\neads=3");
  EXPECT_EQ(err, "unknown parameter 'thr\\neads' (this scenario has: threads)");
  err = params.set("threads=3\n4");
  EXPECT_EQ(err, "parameter 'threads' needs an integer value, got '3\\n4'");
  err = params.set("threads=99999999999999999999");
  EXPECT_EQ(err, "parameter 'threads' value '99999999999999999999' is out of range");
  err = params.set(std::string(500, 'x'));
  EXPECT_TRUE(one_printable_line(err)) << err;
  EXPECT_LT(err.size(), 150u);
  EXPECT_EQ(params.values()[0], 2);
  EXPECT_EQ(params.set("threads=16"), "");
  EXPECT_EQ(params.values()[0], 16);
}

}  // namespace
