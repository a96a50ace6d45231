#include "sql/labelset_json.h"

#include <algorithm>
#include <cstdio>

#include "base/text.h"

namespace overtone::sql {
namespace {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  // Characters that need no escape go in runs, not one at a time: label
  // sets are written for every series of a query's operands and answer.
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out->append(buf);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ == s_.size();
  }

  bool ReadHex4(unsigned* out) {
    if (pos_ + 4 > s_.size()) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    *out = v;
    return true;
  }

  bool ReadString(std::string* out) {
    out->clear();
    if (!Consume('"')) return false;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          unsigned cp;
          if (!ReadHex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 6 <= s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            pos_ += 2;
            unsigned lo;
            if (!ReadHex4(&lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<LabelPairs> ParseLabelsetJson(std::string_view json) {
  LabelPairs out;
  JsonReader r(json);
  if (r.AtEnd()) return out;
  auto bad = [&] {
    return Status::InvalidArgument("not a JSON object of label values: " + std::string(json));
  };
  if (!r.Consume('{')) return bad();
  if (!r.Consume('}')) {
    do {
      std::string name, value;
      if (!r.ReadString(&name) || !r.Consume(':') || !r.ReadString(&value)) return bad();
      if (!value.empty()) out.emplace_back(std::move(name), std::move(value));
    } while (r.Consume(','));
    if (!r.Consume('}')) return bad();
  }
  if (!r.AtEnd()) return bad();
  std::sort(out.begin(), out.end());
  out.erase(
      std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
      out.end());
  return out;
}

std::string LabelsetJson(const LabelPairs& labels) {
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(&out, name);
    out.push_back(':');
    AppendJsonString(&out, value);
  }
  out.push_back('}');
  return out;
}

std::string LabelsetJson(const Labels& labels) {
  std::string out = "{";
  for (const Label& l : labels) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(&out, l.name);
    out.push_back(':');
    AppendJsonString(&out, l.value);
  }
  out.push_back('}');
  return out;
}

void SetLabel(LabelPairs* labels, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels->begin(), labels->end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  bool found = it != labels->end() && it->first == name;
  if (value.empty()) {
    if (found) labels->erase(it);
  } else if (found) {
    it->second = std::string(value);
  } else {
    labels->emplace(it, std::string(name), std::string(value));
  }
}

std::string_view GetLabelValue(const LabelPairs& labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  return it != labels.end() && it->first == name ? std::string_view(it->second) : std::string_view();
}

std::string LabelsetText(const LabelPairs& labels) {
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out.append(", ");
    out.append(name);
    out.push_back('=');
    AppendJsonString(&out, value);
  }
  out.push_back('}');
  return out;
}

bool CanonicalLabelsetMembers(std::string_view json, std::vector<LabelsetMember>* out) {
  out->clear();
  if (json.size() < 2 || json.front() != '{' || json.back() != '}') return false;
  const size_t n = json.size() - 1;
  size_t i = 1;
  auto string = [&](std::string_view* s) {
    if (i >= n || json[i] != '"') return false;
    const size_t begin = ++i;
    for (; i < n && json[i] != '"'; ++i) {
      auto c = static_cast<unsigned char>(json[i]);
      if (c < 0x20 || c == '\\') return false;
    }
    if (i >= n) return false;
    *s = json.substr(begin, i - begin);
    ++i;
    return true;
  };
  while (i < n) {
    if (!out->empty()) {
      if (json[i] != ',') return false;
      ++i;
    }
    const size_t begin = i;
    std::string_view name, value;
    if (!string(&name) || i >= n || json[i++] != ':' || !string(&value) || value.empty()) return false;
    if (!out->empty() && !(out->back().name < name)) return false;
    out->push_back(LabelsetMember{name, json.substr(begin, i - begin)});
  }
  return true;
}

std::string LabelsetMembersJson(const std::vector<LabelsetMember>& members,
                                const std::vector<std::string>& names, bool keep) {
  std::string out = "{";
  for (const LabelsetMember& m : members) {
    if ((std::find(names.begin(), names.end(), m.name) != names.end()) != keep) continue;
    if (out.size() > 1) out.push_back(',');
    out.append(m.text);
  }
  out.push_back('}');
  return out;
}

}  // namespace overtone::sql
