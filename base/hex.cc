#include "base/hex.h"

namespace overtone {

char* WriteHex(std::string_view bytes, HexCase letters, char* out) {
  const char* digits = letters == HexCase::kLower ? "0123456789abcdef" : "0123456789ABCDEF";
  for (unsigned char b : bytes) {
    *out++ = digits[b >> 4];
    *out++ = digits[b & 15];
  }
  return out;
}

void AppendHex(std::string_view bytes, HexCase letters, std::string* out) {
  size_t old_size = out->size();
  out->resize(old_size + 2 * bytes.size());
  WriteHex(bytes, letters, out->data() + old_size);
}

}  // namespace overtone
