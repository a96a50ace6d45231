#include "sql/vtab_common.h"

namespace overtone::sql {

int ToSqliteCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return SQLITE_OK;
    case Status::Code::kNotFound: return SQLITE_ERROR;
    case Status::Code::kInvalidArgument: return SQLITE_CONSTRAINT;
    case Status::Code::kCorruption: return SQLITE_CORRUPT;
    case Status::Code::kIOError: return SQLITE_IOERR;
    case Status::Code::kBusy: return SQLITE_BUSY;
    case Status::Code::kResourceExhausted: return SQLITE_FULL;
    case Status::Code::kNotSupported: return SQLITE_READONLY;
    case Status::Code::kAborted: return SQLITE_ABORT;
    case Status::Code::kInternal: return SQLITE_INTERNAL;
    case Status::Code::kNoSpace: return SQLITE_FULL;
  }
  return SQLITE_ERROR;
}

int SetError(sqlite3_vtab* vtab, const Status& s) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", s.message().c_str());
  int rc = ToSqliteCode(s);
  // SQLite reports a vtab's message only with codes it treats as errors of
  // the statement; CONSTRAINT would also trigger ON CONFLICT handling, so
  // invalid input is reported as a plain error.
  return rc == SQLITE_CONSTRAINT ? SQLITE_ERROR : rc;
}

std::string TextOf(sqlite3_value* v) {
  const unsigned char* p = sqlite3_value_text(v);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), sqlite3_value_bytes(v));
}

void ResultText(sqlite3_context* ctx, std::string_view s) {
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void ResultString(sqlite3_context* ctx, const std::string& s) {
  // A length of -1: SQLite copies up to and with the NUL (its MEM_Term).
  if (s.find('\0') == std::string::npos) return sqlite3_result_text(ctx, s.c_str(), -1, SQLITE_TRANSIENT);
  ResultText(ctx, s);
}

std::string_view BlobOf(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  return p == nullptr ? std::string_view()
                      : std::string_view(static_cast<const char*>(p), sqlite3_value_bytes(v));
}

std::vector<std::string> NameList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace overtone::sql
