// Schedule tokens: varint/run-length payload with a checksum, base64url under a "w1." prefix.
#include "weft/schedule.hpp"

#include <fmt/format.h>

#include <array>

#include "untrusted.hpp"

namespace weft {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kPrefix = "w1.";
constexpr std::uint8_t kSectionPolicy = 1;  // optional section: scheduling policy (schedule.hpp)

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

std::uint16_t checksum(std::string_view bytes) {
  std::uint32_t h = 2166136261u;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return static_cast<std::uint16_t>(h ^ (h >> 16));
}

std::string base64url(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(n >> (6 * k)) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(n >> 6) & 63]);
  }
  return out;
}

bool unbase64url(std::string_view text, std::string& out) {
  std::array<int, 256> rev;
  rev.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    rev[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  if (text.size() % 4 == 1) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = rev[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u8(std::uint8_t& v) {
    if (pos_ >= bytes_.size()) return false;
    v = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b;
      if (!u8(b)) return false;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  // The next `n` bytes as their own reader; false (nothing consumed) when fewer remain.
  bool sub(std::uint64_t n, Reader& out) {
    if (n > bytes_.size() - pos_) return false;
    out = Reader(bytes_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return true;
  }
  bool done() const { return pos_ == bytes_.size(); }
  std::size_t position() const { return pos_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_schedule(const Schedule& s) {
  std::string b;
  b.push_back(static_cast<char>((s.spurious ? 1 : 0) | ((s.max_spurious & 0x3f) << 1) | (s.fair ? 0x80 : 0)));
  if (s.fair) put_varint(b, s.starvation_bound);
  put_varint(b, s.max_steps);
  for (int k = 0; k < 4; ++k) b.push_back(static_cast<char>((s.scenario >> (8 * k)) & 0xff));
  put_varint(b, s.params.size());
  for (const std::int64_t p : s.params) put_varint(b, zigzag(p));
  b.push_back(static_cast<char>(s.expected ? static_cast<std::uint8_t>(*s.expected) : 0xff));
  put_varint(b, s.expected_step);
  // Run-length pairs: long runs of one thread are the common case.
  std::string runs;
  std::uint64_t nruns = 0;
  for (std::size_t i = 0; i < s.choices.size();) {
    std::size_t j = i + 1;
    while (j < s.choices.size() && s.choices[j] == s.choices[i]) ++j;
    put_varint(runs, s.choices[i]);
    put_varint(runs, j - i - 1);
    ++nruns;
    i = j;
  }
  put_varint(b, nruns);
  b += runs;
  if (s.policy != 0 || s.cpus != 1 || s.max_blocking != -1) {
    std::string section;
    section.push_back(static_cast<char>(s.policy));
    put_varint(section, s.cpus);
    put_varint(section, zigzag(s.max_blocking));
    b.push_back(static_cast<char>(kSectionPolicy));
    put_varint(b, section.size());
    b += section;
  }
  const std::uint16_t sum = checksum(b);
  b.push_back(static_cast<char>(sum & 0xff));
  b.push_back(static_cast<char>(sum >> 8));
  return std::string(kPrefix) + base64url(b);
}

ScheduleParse decode_schedule(std::string_view token) {
  ScheduleParse r;
  const auto fail = [&r](std::string msg) {
    r.error = std::move(msg);
    return r;
  };
  if (token.size() >= 2 && token[0] == 'w' && token.substr(0, kPrefix.size()) != kPrefix) {
    const std::size_t dot = token.find('.');
    return fail(fmt::format("schedule token version {} is not supported (this weft reads version {})",
                            quote_untrusted(token.substr(1, dot == std::string_view::npos ? 1 : dot - 1), 16),
                            Schedule::kVersion));
  }
  if (token.substr(0, kPrefix.size()) != kPrefix) {
    return fail("malformed schedule token: it must start with 'w1.'");
  }
  std::string b;
  if (!unbase64url(token.substr(kPrefix.size()), b) || b.size() < 2) {
    return fail("malformed schedule token: not valid base64url");
  }
  const std::uint16_t sum = static_cast<std::uint16_t>(static_cast<unsigned char>(b[b.size() - 2]) |
                                                       (static_cast<unsigned char>(b[b.size() - 1]) << 8));
  b.resize(b.size() - 2);
  if (checksum(b) != sum) return fail("malformed schedule token: checksum mismatch (truncated or mistyped?)");

  Reader in(b);
  Schedule s;
  std::uint8_t byte = 0;
  std::uint64_t v = 0;
  bool ok = in.u8(byte);
  s.spurious = (byte & 1) != 0;
  s.max_spurious = static_cast<std::uint8_t>((byte >> 1) & 0x3f);
  s.fair = (byte & 0x80) != 0;
  if (ok && s.fair) {
    ok = in.varint(v) && v <= 0xffffffffu;
    s.starvation_bound = static_cast<std::uint32_t>(v);
  }
  ok = ok && in.varint(v) && v > 0 && v <= 0xffffffffu;
  s.max_steps = static_cast<std::uint32_t>(v);
  for (int k = 0; ok && k < 4; ++k) {
    ok = in.u8(byte);
    s.scenario |= static_cast<std::uint32_t>(byte) << (8 * k);
  }
  ok = ok && in.varint(v) && v <= 64;
  for (std::uint64_t i = 0; ok && i < v; ++i) {
    std::uint64_t p = 0;
    ok = in.varint(p);
    s.params.push_back(unzigzag(p));
  }
  ok = ok && in.u8(byte);
  if (ok && byte != 0xff) {
    if (byte >= kFindingKindCount) return fail("malformed schedule token: unknown finding kind");
    s.expected = static_cast<FindingKind>(byte);
  }
  ok = ok && in.varint(s.expected_step);
  std::uint64_t nruns = 0;
  ok = ok && in.varint(nruns);
  for (std::uint64_t i = 0; ok && i < nruns; ++i) {
    std::uint64_t choice = 0, extra = 0;
    ok = in.varint(choice) && in.varint(extra) && choice <= 0xffffffffu && extra < (1u << 24) &&
         s.choices.size() + extra < (1u << 26);
    if (ok) s.choices.insert(s.choices.end(), extra + 1, static_cast<std::uint32_t>(choice));
  }
  // Optional sections: each payload is exactly its length field's bytes.
  while (ok && !in.done()) {
    std::uint8_t tag = 0;
    std::uint64_t length = 0;
    Reader section(std::string_view{});
    if (!in.u8(tag) || !in.varint(length)) return fail("malformed schedule token: corrupt section header");
    if (!in.sub(length, section)) {
      return fail(fmt::format("malformed schedule token: section {} claims {} bytes, {} remain", tag, length,
                              b.size() - in.position()));
    }
    if (tag == kSectionPolicy) {
      std::uint64_t cpus = 0, blocking = 0;
      ok = section.u8(byte) && byte <= 1 && section.varint(cpus) && cpus >= 1 && cpus <= 1024 &&
           section.varint(blocking);
      if (!ok || !section.done()) return fail("malformed schedule token: corrupt policy section");
      s.policy = byte;
      s.cpus = static_cast<std::uint32_t>(cpus);
      s.max_blocking = unzigzag(blocking);
    } else {
      return fail(fmt::format("schedule token has an unknown section {} (recorded by a newer weft?)", tag));
    }
  }
  if (!ok || !in.done()) return fail("malformed schedule token: corrupt payload");
  r.schedule = std::move(s);
  return r;
}

}  // namespace weft
