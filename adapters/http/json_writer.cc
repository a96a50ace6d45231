#include "adapters/http/json_writer.h"

#include <charconv>
#include <cstddef>

#include "adapters/formats/value_text.h"
#include "base/go_float.h"

namespace overtone::adapters {
namespace {

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF) that starts at s[i] (>= 0x80), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](size_t k) { return k < s.size() && (at(k) & 0xC0) == 0x80; };
  const unsigned char c = at(i);
  if (c >= 0xC2 && c <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    const unsigned char c1 = at(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    const unsigned char c1 = at(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
}

void AppendEscaped(std::string* out, std::string_view s, size_t from) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = from;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD for this byte alone
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out->append("\\\""); continue;
      case '\\': out->append("\\\\"); continue;
      case '\b': out->append("\\b"); continue;
      case '\f': out->append("\\f"); continue;
      case '\n': out->append("\\n"); continue;
      case '\r': out->append("\\r"); continue;
      case '\t': out->append("\\t"); continue;
      default: break;
    }
    if (c < 0x20) {
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(escape, sizeof escape);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  // Label names and values are nearly always plain printable ASCII: find
  // the first byte that needs a look, and copy everything before it at once.
  size_t plain = 0;
  while (plain < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[plain]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
    ++plain;
  }
  out->append(s.data(), plain);
  if (plain < s.size()) AppendEscaped(out, s, plain);
  out->push_back('"');
}

void AppendJsonSeconds(std::string* out, int64_t ms) {
  char buf[kMaxNumberChars];
  out->append(buf, FormatSeconds(ms, buf));
}

void AppendJsonSampleValue(std::string* out, double v) {
  char buf[kMaxGoFixedChars + 2];
  buf[0] = '"';
  const size_t n = FormatGoFloatFixed(v, buf + 1);
  buf[n + 1] = '"';
  out->append(buf, n + 2);
}

void AppendJsonPoint(std::string* out, int64_t ms, double v) {
  // '[', the seconds, ',"', the value and '"]', appended at once: a point is
  // most of a matrix's bytes.
  char buf[kMaxNumberChars + kMaxGoFixedChars + 8];
  char* at = buf;
  *at++ = '[';
  if (ms % 1000 == 0) {  // whole seconds: the common case, without a call
    at = std::to_chars(at, at + kMaxNumberChars, ms / 1000).ptr;
  } else {
    at += FormatSeconds(ms, at);
  }
  *at++ = ',';
  *at++ = '"';
  at += FormatGoFloatFixed(v, at);
  *at++ = '"';
  *at++ = ']';
  out->append(buf, static_cast<size_t>(at - buf));
}

void JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  out_->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace overtone::adapters
