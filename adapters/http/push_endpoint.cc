#include "adapters/http/push_endpoint.h"

#include <algorithm>
#include <cctype>

#include "adapters/formats/exposition.h"

namespace overtone::adapters {
namespace {

// URL-safe base64 (RFC 4648 section 5), padding optional. The standard
// alphabet's '+' is taken too; its '/' cannot be in a path segment.
std::optional<std::string> DecodeBase64(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  if (count >= 6) return std::nullopt;  // a lone last character holds no byte
  return out;
}

// The text format of a body from its Content-Type.
Result<TextFormat> FormatOf(std::string_view content_type) {
  std::string ct(content_type.substr(0, content_type.find(';')));
  ct.erase(std::remove(ct.begin(), ct.end(), ' '), ct.end());
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ct == "application/openmetrics-text") return TextFormat::kOpenMetrics;
  if (ct == "application/vnd.google.protobuf") {
    return Status::NotSupported(
        "the protobuf exposition format is not supported: push the text format (Content-Type: text/plain)");
  }
  return TextFormat::kPrometheus;
}

// Parses a body; a reply means refuse with it.
std::optional<HttpReply> Parse(const BodyHeaders& headers, std::string_view body, Labels extra,
                               int64_t now_ms, ParsedExposition* out) {
  Result<TextFormat> format = FormatOf(headers.content_type);
  if (!format.ok()) return HttpReply::Error(kHttpUnsupportedMediaType, format.status().message());
  ExpositionOptions options;
  options.format = *format;
  options.default_ts_ms = now_ms;
  options.extra_labels = std::move(extra);
  if (Status s = ParseExposition(body, options, out); !s.ok()) {
    return HttpReply::Error(kHttpBadRequest, s.message());
  }
  return std::nullopt;
}

HttpReply Failed(const EndpointContext& ctx, const Status& s) {
  return HttpReply::Error(HttpStatusFor(s, ctx.options->overload_status), s.message());
}

}  // namespace

Result<Labels> ParseGroupingKey(std::string_view path) {
  constexpr std::string_view kMetrics = "/metrics/";
  if (!path.starts_with(kPushPrefix)) return Status::InvalidArgument("a push path starts with /metrics/job");
  std::vector<std::string_view> parts;
  std::string_view rest = path.substr(kMetrics.size());  // from "job"
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (parts.size() % 2 != 0) {
    return Status::InvalidArgument(
        "the push path " + std::string(path) +
        " has a label without a value: it is /metrics/job/<job>{/<label>/<value>}");
  }
  if (parts.empty() || (parts[0] != "job" && parts[0] != "job@base64")) {
    return Status::InvalidArgument("a push path starts with /metrics/job/<job>");
  }
  Labels labels;
  for (size_t i = 0; i < parts.size(); i += 2) {
    std::string_view name = parts[i];
    std::string value(parts[i + 1]);
    if (name.ends_with("@base64")) {
      name.remove_suffix(7);
      std::optional<std::string> decoded = DecodeBase64(value);
      if (!decoded) {
        return Status::InvalidArgument("the value of label " + std::string(name) +
                                       " is not base64: " + value);
      }
      value = std::move(*decoded);
    }
    if (!IsValidLabelName(name) || name == kMetricNameLabel) {
      return Status::InvalidArgument("invalid label name in the push path: \"" + std::string(name) + "\"");
    }
    if (name == "job" && value.empty()) return Status::InvalidArgument("the job name must not be empty");
    if (std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == name; })) {
      return Status::InvalidArgument("label " + std::string(name) + " appears twice in the push path");
    }
    labels.push_back(Label{std::string(name), std::move(value)});
  }
  std::sort(labels.begin(), labels.end());
  return labels;  // the values' UTF-8 is checked with the pushed series'
}

std::optional<HttpReply> PrecheckPush(const EndpointContext& ctx, const BodyHeaders& headers,
                                      MemoryBudget::Reservation* reservation) {
  std::string_view enc = headers.content_encoding;
  if (!enc.empty() && enc != "identity") {
    return HttpReply::Error(kHttpUnsupportedMediaType, "unsupported Content-Encoding \"" + std::string(enc) +
                                                           "\": push the text format uncompressed");
  }
  if (std::optional<HttpReply> refused = ReserveBody(ctx, headers, reservation)) return refused;
  return RefuseUnderMemoryPressure(ctx);
}

HttpReply HandlePush(const EndpointContext& ctx, std::string_view method, std::string_view path,
                     const BodyHeaders& headers, std::string_view body, int64_t now_ms) {
  Result<Labels> group = ParseGroupingKey(path);
  if (!group.ok()) return HttpReply::Error(kHttpBadRequest, group.status().message());
  if (method == "DELETE") {
    if (Status s = ctx.db->Push(*group, PushMode::kDelete, WriteBatch(), now_ms); !s.ok())
      return Failed(ctx, s);
    HttpReply r;
    r.status = kHttpAccepted;
    return r;
  }
  ParsedExposition parsed;
  if (std::optional<HttpReply> refused = Parse(headers, body, *group, now_ms, &parsed)) return *refused;
  PushMode mode = method == "PUT" ? PushMode::kReplace : PushMode::kAdd;
  if (Status s = ctx.db->Push(*group, mode, parsed.batch, now_ms); !s.ok()) return Failed(ctx, s);
  if (Status s = ctx.db->PutMetadata(parsed.metadata); !s.ok()) return Failed(ctx, s);
  ctx.metrics->samples_ingested.fetch_add(parsed.batch.num_samples(), std::memory_order_relaxed);
  HttpReply r;
  r.status = kHttpOk;
  return r;
}

HttpReply HandleImportText(const EndpointContext& ctx,
                           const std::vector<std::pair<std::string, std::string>>& params,
                           const BodyHeaders& headers, std::string_view body, int64_t now_ms) {
  Labels extra;
  for (const auto& [key, value] : params) {
    if (key != "extra_label") continue;
    size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      return HttpReply::Error(kHttpBadRequest, "extra_label takes name=value, not \"" + value + "\"");
    }
    std::string name = value.substr(0, eq);
    if (!IsValidLabelName(name))
      return HttpReply::Error(kHttpBadRequest, "invalid label name \"" + name + "\"");
    extra.push_back(Label{std::move(name), value.substr(eq + 1)});
  }
  ParsedExposition parsed;
  if (std::optional<HttpReply> refused = Parse(headers, body, std::move(extra), now_ms, &parsed))
    return *refused;
  if (Status s = ctx.db->Write(parsed.batch); !s.ok()) return Failed(ctx, s);
  if (Status s = ctx.db->PutMetadata(parsed.metadata); !s.ok()) return Failed(ctx, s);
  ctx.metrics->samples_ingested.fetch_add(parsed.batch.num_samples(), std::memory_order_relaxed);
  HttpReply r;
  r.status = kHttpNoContent;
  return r;
}

}  // namespace overtone::adapters
