#include "fleet/api_page.h"

#include <array>

namespace flotilla::fleet {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

base::Status Corrupt(size_t at) {
  return base::Status(base::Code::kInvalidArgument,
                      "illegal base64 data at input byte " + std::to_string(at));
}

bool IsNewline(char c) {
  return c == '\n' || c == '\r';
}

// Go's base64.URLEncoding (padded, not strict) Decode: quantum by quantum,
// newlines skipped, with the same error offsets.
base::Result<std::string> DecodeBase64Url(std::string_view src) {
  std::string out;
  size_t si = 0;
  while (si < src.size()) {
    std::array<int, 4> buf{};
    size_t len = 4;
    bool end = false;
    for (size_t j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;
        return Corrupt(si - j);  // padding is required
      }
      char in = src[si++];
      int v = DecodeChar(in);
      if (v >= 0) {
        buf[j] = v;
        continue;
      }
      if (IsNewline(in)) {
        --j;
        continue;
      }
      if (in != '=') return Corrupt(si - 1);
      if (j < 2) return Corrupt(si - 1);
      if (j == 2) {
        while (si < src.size() && IsNewline(src[si])) ++si;
        if (si == src.size()) return Corrupt(src.size());
        if (src[si] != '=') return Corrupt(si - 1);
        ++si;
      }
      while (si < src.size() && IsNewline(src[si])) ++si;
      if (si < src.size()) return Corrupt(si);  // trailing garbage
      len = j;
      end = true;
      break;
    }
    unsigned val = (unsigned(buf[0]) << 18) | (unsigned(buf[1]) << 12) | (unsigned(buf[2]) << 6) |
                   unsigned(buf[3]);
    out += static_cast<char>((val >> 16) & 0xff);
    if (len >= 3) out += static_cast<char>((val >> 8) & 0xff);
    if (len == 4) out += static_cast<char>(val & 0xff);
    if (end) break;
  }
  return out;
}

}  // namespace

std::string EncodePageToken(PageToken token) {
  const unsigned char raw[4] = {
      static_cast<unsigned char>(token.limit & 0xff), static_cast<unsigned char>(token.limit >> 8),
      static_cast<unsigned char>(token.page & 0xff), static_cast<unsigned char>(token.page >> 8)};
  std::string out;
  // 4 bytes: one whole quantum, then one byte padded with "==".
  unsigned v = (unsigned(raw[0]) << 16) | (unsigned(raw[1]) << 8) | raw[2];
  for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  v = unsigned(raw[3]) << 16;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += "==";
  return out;
}

base::Result<PageToken> DecodePageToken(std::string_view text) {
  auto bytes = DecodeBase64Url(text);
  if (!bytes.ok()) return bytes.status();
  // binary.Read into a 4-byte struct: nothing read is EOF, part of it
  // unexpected EOF, anything after it is ignored.
  if (bytes->empty()) return base::Status(base::Code::kInvalidArgument, "EOF");
  if (bytes->size() < 4) return base::Status(base::Code::kInvalidArgument, "unexpected EOF");
  auto b = [&](size_t i) { return static_cast<uint16_t>(static_cast<unsigned char>((*bytes)[i])); };
  return PageToken{static_cast<uint16_t>(b(0) | (b(1) << 8)),
                   static_cast<uint16_t>(b(2) | (b(3) << 8))};
}

base::Result<PageToken> FindPageToken(const std::vector<std::string>& values, uint16_t limit) {
  if (values.size() > 1)
    return base::Status(base::Code::kInvalidArgument, "too many values for page token");
  if (values.empty()) return PageToken{limit, 1};
  auto token = DecodePageToken(values[0]);
  if (!token.ok()) return token;
  if (token->limit != limit)
    return base::Status(base::Code::kInvalidArgument,
                        "token limit must be " + std::to_string(limit));
  if (token->page == 0)
    return base::Status(base::Code::kInvalidArgument, "token page must be greater than zero");
  return token;
}

}  // namespace flotilla::fleet
