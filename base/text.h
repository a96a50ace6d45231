// Text helpers every layer shares: UTF-8 encoding and Go's string literals,
// which PromQL, series selectors and the label-set rendering all use.
//
//   std::string s;
//   AppendUtf8(0xfc, &s);                   // "\xc3\xbc"
//   DecodeUtf8(s, 0, &len)                  // 0xfc, len == 2
//   QuoteGo("a\"b\n")                       // "\"a\\\"b\\n\""
//   StringLiteral lit = ReadStringLiteral(R"(x="a\tb")", 2);
//   // lit.value == "a\tb", lit.end == 8, lit.error == StringLiteral::kNone

#ifndef OVERTONE_BASE_TEXT_H_
#define OVERTONE_BASE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace overtone {

// Appends `cp` (at most 0x10ffff) encoded as UTF-8.
void AppendUtf8(uint32_t cp, std::string* out);

// The code point at text[pos] and, in *len, its length in bytes, as Go's
// utf8.DecodeRune reads it: 0xfffd with *len 1 for a byte that starts no
// valid sequence (truncated, overlong, a surrogate, past U+10FFFF), -1 and
// *len 0 at the end. A valid U+FFFD has *len 3.
int32_t DecodeUtf8(std::string_view text, size_t pos, size_t* len);

// `s` as Go's strconv.Quote writes an ASCII-printable string: in double
// quotes, with backslash, quote, \n, \r, \t and \xNN for other control
// bytes escaped, so that it reads back as the same bytes.
std::string QuoteGo(std::string_view s);

// A string literal as Go and PromQL write them: "..." and '...' with Go's
// escapes (\a \b \f \n \r \t \v \\, the quote itself, \xNN and \NNN bytes,
// \uNNNN and \UNNNNNNNN code points), or `...` raw. A line break ends a
// quoted (not a raw) literal unterminated.
struct StringLiteral {
  enum Error {
    kNone,
    kUnterminated,        // no closing quote: `at` is the opening quote
    kUnterminatedEscape,  // a backslash is the last byte: `at` is the end of the text
    kUnknownEscape,       // `at` is the character after the backslash
    kBadEscapeDigit,      // `at` is the offending character, or the end of the text
    kOctalOutOfRange,     // \NNN above 255: `at` is just past the digits
    kInvalidCodePoint,    // above 0x10ffff or a surrogate: `at` is just past the digits
  };
  std::string value;  // unquoted, when error == kNone
  size_t end = 0;     // just past the closing quote, when error == kNone
  Error error = kNone;
  size_t at = 0;  // where the error is, as described above
};

// Reads the literal whose opening quote is text[pos] (", ' or `).
StringLiteral ReadStringLiteral(std::string_view text, size_t pos);

// `s` as a URL query value (RFC 3986): letters, digits and -._~ kept, every
// other byte as %XX. For links the program prints, such as a console URL.
std::string PercentEncode(std::string_view s);

}  // namespace overtone

#endif  // OVERTONE_BASE_TEXT_H_
