#include "shell/line_reader.h"

#include <cstdlib>

namespace overtone::shell {

FileLineReader::~FileLineReader() { std::free(buffer_); }

LineReader::Result FileLineReader::Read(bool /*continuation*/, std::string* line) {
  ssize_t n = getline(&buffer_, &capacity_, file_);
  if (n < 0) return Result::kEof;
  if (n > 0 && buffer_[n - 1] == '\n') --n;
  if (n > 0 && buffer_[n - 1] == '\r') --n;
  line->assign(buffer_, static_cast<size_t>(n));
  return Result::kLine;
}

LineReader::Result StringLineReader::Read(bool /*continuation*/, std::string* line) {
  if (done_) return Result::kEof;
  size_t end = rest_.find('\n');
  if (end == std::string_view::npos) {
    // The last line; a text that ends in '\n' has no empty line after it.
    done_ = true;
    if (rest_.empty()) return Result::kEof;
    line->assign(rest_);
    return Result::kLine;
  }
  std::string_view text = rest_.substr(0, end);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  line->assign(text);
  rest_.remove_prefix(end + 1);
  return Result::kLine;
}

}  // namespace overtone::shell
