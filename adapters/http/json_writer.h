// The query API's JSON, written straight into one string: no document is
// built first. Every Prometheus-compatible answer (query, query_range,
// series, labels, label values, errors) goes through this one writer, so
// the spellings below hold for all of them.
//
// Spellings, as Prometheus 2.42's API writes them:
//   - a timestamp: Unix seconds, the milliseconds as a fraction without
//     trailing zeros ("1700000000", "1700000000.5", "-0.001"), computed
//     from the integer milliseconds, so exact at any magnitude;
//   - a sample value: a JSON string of FormatGoFloatFixed (base/go_float.h):
//     "0.5", "-0", "NaN", "+Inf", "-Inf";
//   - a string: '"' and '\' escaped, \b \f \n \r \t for those control
//     characters and \u00XX (lower-case hex) for the others below 0x20;
//     valid UTF-8 copied as it is; each byte that does not start a valid
//     UTF-8 sequence (an overlong form, a surrogate, past U+10FFFF, a cut
//     sequence) becomes one U+FFFD, as Go's encoder does. Prometheus also
//     escapes < > & and writes \u0008, \u000c, \ufffd where we write \b,
//     \f and the character itself: the same strings once parsed, and the
//     bytes this API has always written.

#ifndef OVERTONE_ADAPTERS_HTTP_JSON_WRITER_H_
#define OVERTONE_ADAPTERS_HTTP_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace overtone::adapters {

// Appends `s` as a JSON string, quoted and escaped as above.
void AppendJsonString(std::string* out, std::string_view s);

// Appends the JSON number of Unix seconds for `ms` milliseconds.
void AppendJsonSeconds(std::string* out, int64_t ms);

// Appends `v` as a JSON string of its sample-value text.
void AppendJsonSampleValue(std::string* out, double v);

// Appends [seconds,"value"].
void AppendJsonPoint(std::string* out, int64_t ms, double v);

// Values, arrays and objects appended to `*out`, the commas placed for the
// caller. Inside an object, Key() comes before each value.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  void Key(std::string_view name) {
    Separate();
    AppendJsonString(out_, name);
    out_->push_back(':');
    first_ = true;  // the value that follows takes no comma
  }
  void String(std::string_view s) {
    Separate();
    AppendJsonString(out_, s);
  }
  void Int(int64_t v);
  void Bool(bool v) {
    Separate();
    out_->append(v ? "true" : "false");
  }
  void Seconds(int64_t ms) {
    Separate();
    AppendJsonSeconds(out_, ms);
  }
  void SampleValue(double v) {
    Separate();
    AppendJsonSampleValue(out_, v);
  }
  // [seconds,"value"]: a point of a vector, matrix or scalar.
  void Point(int64_t ms, double v) {
    Separate();
    AppendJsonPoint(out_, ms, v);
  }
  // Text that is already JSON, as one value.
  void Raw(std::string_view json) {
    Separate();
    out_->append(json);
  }

  std::string* out() { return out_; }

 private:
  void Separate() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  void Open(char c) {
    Separate();
    out_->push_back(c);
    first_ = true;
  }
  // The container just closed is a value of its parent, so whatever
  // follows in the parent takes a comma.
  void Close(char c) {
    out_->push_back(c);
    first_ = false;
  }

  std::string* out_;
  bool first_ = true;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_JSON_WRITER_H_
