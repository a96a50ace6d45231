#include "sql/selector_arg.h"

#include <charconv>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "sql/vtab_common.h"

namespace overtone::sql {
namespace {

// The live bindings of the process, by handle.
class Registry {
 public:
  static Registry& Get() {
    static Registry* registry = new Registry;  // never destroyed: bindings may outlive static teardown
    return *registry;
  }

  int64_t Add(const SelectorBinding* b) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t handle = ++last_;
    live_[handle] = b;
    return handle;
  }

  void Remove(int64_t handle) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(handle);
  }

  std::optional<std::vector<LabelMatcher>> Find(int64_t handle) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(handle);
    if (it == live_.end()) return std::nullopt;
    return it->second->matchers();
  }

 private:
  std::mutex mu_;
  int64_t last_ = 0;
  std::unordered_map<int64_t, const SelectorBinding*> live_;
};

}  // namespace

SelectorBinding::SelectorBinding(std::vector<LabelMatcher> matchers) : matchers_(std::move(matchers)) {
  handle_ = Registry::Get().Add(this);
}

SelectorBinding::~SelectorBinding() { Registry::Get().Remove(handle_); }

Result<std::vector<LabelMatcher>> SelectorArg(sqlite3_value* v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    if (auto matchers = Registry::Get().Find(sqlite3_value_int64(v))) return std::move(*matchers);
  }
  return ParseSelector(TextOf(v));
}

Result<std::vector<LabelMatcher>> SelectorArg(std::string_view text) {
  int64_t handle = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), handle);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
    if (auto matchers = Registry::Get().Find(handle)) return std::move(*matchers);
  }
  return ParseSelector(text);
}

}  // namespace overtone::sql
