// Builders for the Prometheus messages the adapter tests send (and the fuzz
// targets' seed corpus is made of, fuzz/make_seeds.cc).

#ifndef OVERTONE_TESTS_ADAPTERS_PROM_REQUESTS_H_
#define OVERTONE_TESTS_ADAPTERS_PROM_REQUESTS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/proto/write_v2.pb.h"
#include "overtone/types.h"

namespace overtone::testing {

using LabelList = std::vector<std::pair<std::string, std::string>>;

inline void AddSeries(prometheus::WriteRequest* req, const LabelList& labels,
                      const std::vector<Sample>& samples) {
  prometheus::TimeSeries* ts = req->add_timeseries();
  for (const auto& [n, v] : labels) {
    prometheus::Label* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (const Sample& s : samples) {
    prometheus::Sample* p = ts->add_samples();
    p->set_timestamp(s.ts);
    p->set_value(s.value);
  }
}

// A 2.0 request builder that interns strings in the symbol table.
class V2Builder {
 public:
  V2Builder() { Ref(""); }
  void AddSeries(const LabelList& labels, const std::vector<Sample>& samples) {
    auto* ts = req_.add_timeseries();
    for (const auto& [n, v] : labels) {
      ts->add_labels_refs(Ref(n));
      ts->add_labels_refs(Ref(v));
    }
    for (const Sample& s : samples) {
      auto* p = ts->add_samples();
      p->set_timestamp(s.ts);
      p->set_value(s.value);
    }
  }
  io::prometheus::write::v2::Request& request() { return req_; }
  // The symbol table's index of `s`, added when new.
  uint32_t Symbol(const std::string& s) { return Ref(s); }

 private:
  uint32_t Ref(const std::string& s) {
    auto [it, inserted] = refs_.emplace(s, static_cast<uint32_t>(req_.symbols_size()));
    if (inserted) req_.add_symbols(s);
    return it->second;
  }
  io::prometheus::write::v2::Request req_;
  std::map<std::string, uint32_t> refs_;
};

inline prometheus::Query* AddQuery(prometheus::ReadRequest* req, int64_t start, int64_t end,
                                   const std::vector<std::tuple<int, std::string, std::string>>& ms) {
  prometheus::Query* q = req->add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  for (const auto& [type, name, value] : ms) {
    prometheus::LabelMatcher* m = q->add_matchers();
    m->set_type(static_cast<prometheus::LabelMatcher::Type>(type));
    m->set_name(name);
    m->set_value(value);
  }
  return q;
}

inline LabelList ToLabelList(const google::protobuf::RepeatedPtrField<prometheus::Label>& ls) {
  LabelList out;
  for (const auto& l : ls) out.emplace_back(l.name(), l.value());
  return out;
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_ADAPTERS_PROM_REQUESTS_H_
