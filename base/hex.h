// Hexadecimal text of bytes: two digits per byte, high nibble first.
//
// Used wherever binary must be shown as text: BLOB literals in the shell
// (X'0A1B'), raw NaN payloads in the export formats (raw:0x7ff0...).

#ifndef OVERTONE_BASE_HEX_H_
#define OVERTONE_BASE_HEX_H_

#include <string>
#include <string_view>

namespace overtone {

enum class HexCase { kLower, kUpper };  // "0a1b" or "0A1B"

// Writes 2 * bytes.size() digits at `out` and returns one past the last.
char* WriteHex(std::string_view bytes, HexCase letters, char* out);

// Appends the digits of `bytes` to `out`.
void AppendHex(std::string_view bytes, HexCase letters, std::string* out);

}  // namespace overtone

#endif  // OVERTONE_BASE_HEX_H_
