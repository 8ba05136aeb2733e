// Untrusted text (command-line values, tokens, file contents) made safe for a one-line message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weft {

namespace detail {
// Appends at most `max_bytes` of `text` to `out` with control bytes and bytes >= 0x7f escaped
// (\n, \t, \r, \xNN), and the backslash and single quote too when `quotes`; then, when cut,
// "... (N bytes)". The result is printable ASCII without a line break.
inline void append_escaped(std::string& out, std::string_view text, std::size_t max_bytes, bool quotes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t shown = text.size() > max_bytes ? max_bytes : text.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (quotes && (c == '\'' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) {
    out += "... (";
    out += std::to_string(text.size());
    out += " bytes)";
  }
}
}  // namespace detail

// `text` in single quotes, escaped and cut at `max_bytes` (see detail::append_escaped): for
// echoing a value the user gave in an error message.
inline std::string quote_untrusted(std::string_view text, std::size_t max_bytes = 64) {
  std::string out = "'";
  detail::append_escaped(out, text.substr(0, max_bytes), max_bytes, true);
  out += '\'';
  if (text.size() > max_bytes) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

// `message` as one printable line, cut at `max_bytes`: for messages built by code we do not
// control that may embed raw input (a library's parse errors).
inline std::string one_line(std::string_view message, std::size_t max_bytes = 400) {
  std::string out;
  detail::append_escaped(out, message, max_bytes, false);
  return out;
}

}  // namespace weft
