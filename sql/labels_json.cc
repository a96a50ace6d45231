#include "sql/labels_json.h"

#include <nlohmann/json.hpp>

namespace overtone::sql {

std::string LabelsToJson(const Labels& labels) {
  // Labels are sorted by name, so the object's keys come out sorted.
  nlohmann::ordered_json obj = nlohmann::ordered_json::object();
  for (const Label& l : labels) {
    if (l.name != kMetricNameLabel) obj[l.name] = l.value;
  }
  return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Labels> LabelsFromSql(std::string_view metric, bool has_metric, std::string_view json) {
  Labels labels;
  if (!json.empty()) {
    nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return Status::InvalidArgument("labels is not valid JSON: " + std::string(json));
    }
    if (!parsed.is_object()) {
      return Status::InvalidArgument("labels must be a JSON object such as {\"job\":\"api\"}");
    }
    for (auto& [name, value] : parsed.items()) {
      if (!value.is_string()) {
        return Status::InvalidArgument("label \"" + name + "\" must have a string value");
      }
      labels.push_back(Label{name, value.get<std::string>()});
    }
  }
  std::string_view json_name = GetLabel(labels, kMetricNameLabel);
  if (has_metric) {
    if (!json_name.empty() && json_name != metric) {
      return Status::InvalidArgument("metric '" + std::string(metric) + "' disagrees with labels.__name__ '" +
                                     std::string(json_name) + "'");
    }
    if (json_name.empty()) labels.push_back(Label{std::string(kMetricNameLabel), std::string(metric)});
  }
  NormalizeLabels(&labels);
  OT_RETURN_IF_ERROR(ValidateLabels(labels));
  return labels;
}

}  // namespace overtone::sql
