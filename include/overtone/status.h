// Status and Result<T>: overtone's one error type.
//
// Every fallible function in overtone returns a Status (no value) or a
// Result<T> (a value or a Status). Exceptions never cross the public API or a
// C callback; each boundary converts a Status into its own currency (SQLite
// result codes in sql/, HTTP status codes in adapters/, exit codes in shell/).
//
// As in LevelDB, an OK Status holds no allocation: success is free.
//
// Both types are [[nodiscard]]: a call whose Status is dropped does not
// compile cleanly. Where dropping an error is right, say so with
// IgnoreError() and a comment why.
//
// Callers tell errors apart by code() (or IsNotFound() and the like), never
// by the message, which is for people and may change.

#ifndef OVERTONE_STATUS_H_
#define OVERTONE_STATUS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace overtone {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound,
    kInvalidArgument,  // the caller's input is wrong; retrying will not help
    kCorruption,       // stored data failed a check
    kIOError,
    kBusy,               // locked by another process or transaction
    kResourceExhausted,  // over a memory or size budget; retry later
    kNotSupported,
    kAborted,
    kInternal,
    kNoSpace,  // the disk is full: writes fail until space is freed; retry later
  };

  Status() = default;
  Status(const Status& other) { CopyFrom(other); }
  Status& operator=(const Status& other) {
    if (this != &other) CopyFrom(other);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status ResourceExhausted(std::string_view msg) { return Status(Code::kResourceExhausted, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status NoSpace(std::string_view msg) { return Status(Code::kNoSpace, msg); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsBusy() const { return code() == Code::kBusy; }
  // The storage failed (disk full or an I/O error): writes may work again
  // once the fault passes; what was acknowledged before is kept.
  bool IsStorageFault() const { return code() == Code::kNoSpace || code() == Code::kIOError; }

  // Drops this Status on purpose (a best-effort step whose failure changes
  // nothing); the call site says why.
  void IgnoreError() const {}

  // The message alone, without the code name ("" when OK).
  const std::string& message() const;
  // "OK", or "<code name>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const;

 private:
  Status(Code code, std::string_view msg) : state_(std::make_unique<State>(State{code, std::string(msg)})) {}
  void CopyFrom(const Status& other) {
    state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  }

  struct State {
    Code code;
    std::string message;
  };
  std::unique_ptr<State> state_;  // null means OK
};

const char* CodeName(Status::Code code);

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }
  // Drops this Result on purpose, as Status::IgnoreError().
  void IgnoreError() const {}

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace overtone

#define OT_CONCAT_INNER_(a, b) a##b
#define OT_CONCAT_(a, b) OT_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function unless it is OK.
#define OT_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::overtone::Status ot_status_ = (expr);  \
    if (!ot_status_.ok()) return ot_status_; \
  } while (0)

// `lhs = value of expr`, or return its Status from the enclosing function.
#define OT_ASSIGN_OR_RETURN(lhs, expr) OT_ASSIGN_OR_RETURN_IMPL_(OT_CONCAT_(ot_result_, __LINE__), lhs, expr)
#define OT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // OVERTONE_STATUS_H_
