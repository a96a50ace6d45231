// Embeds overtone: writes samples (NaN, +Inf and a staleness marker
// included), selects a series with a label matcher, scans it back bit for bit,
// then counts the samples through SQL on an in-memory SQLite connection.
//
//   embed DBDIR      exits non-zero on any failure; prints "embed: OK" last.

#include <overtone/database.h>
#include <overtone/matcher.h>
#include <overtone/sql.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "embed: FAILED: %s\n", what.c_str());
  return 1;
}

std::string Format(double v) {
  if (overtone::IsStaleNaN(v)) return "stale";
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DBDIR\n", argv[0]);
    return 2;
  }
  overtone::Options options;
  auto db = overtone::Database::Open(options, argv[1]);
  if (!db.ok()) return Fail(db.status().ToString());

  // Write two series in one atomic batch.
  const overtone::Labels api = {{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a:9090"}};
  const overtone::Labels web = {{"__name__", "http_requests_total"}, {"job", "web"}, {"instance", "b:9090"}};
  const int64_t t0 = 1700000000000;  // ms since the epoch
  const std::vector<overtone::Sample> written = {
      {t0, 1.0},
      {t0 + 15000, 2.5},
      {t0 + 30000, std::numeric_limits<double>::quiet_NaN()},
      {t0 + 45000, std::numeric_limits<double>::infinity()},
      {t0 + 60000, overtone::StaleNaN()},
  };
  overtone::WriteBatch batch;
  batch.Add(api, written);
  batch.Add(web, t0, 7.0);
  if (auto s = (*db)->Write(batch); !s.ok()) return Fail(s.ToString());

  // Select by label matchers, then scan every sample of the series.
  auto matchers = overtone::ParseSelector(R"(http_requests_total{job="api"})");
  if (!matchers.ok()) return Fail(matchers.status().ToString());
  auto series = (*db)->Select(*matchers);
  if (!series.ok()) return Fail(series.status().ToString());
  if (series->size() != 1) return Fail("expected 1 series, got " + std::to_string(series->size()));

  const overtone::SeriesInfo& info = series->front();
  std::printf("series %s\n", overtone::LabelsToString(info.labels).c_str());
  auto it = (*db)->Scan(info.id, overtone::kMinTime, overtone::kMaxTime);
  if (!it.ok()) return Fail(it.status().ToString());
  std::vector<overtone::Sample> read;
  for (; (*it)->Valid(); (*it)->Next()) {
    overtone::Sample s = (*it)->sample();
    std::printf("  %lld %s\n", static_cast<long long>(s.ts), Format(s.value).c_str());
    read.push_back(s);
  }
  if (!(*it)->status().ok()) return Fail((*it)->status().ToString());
  if (read != written) return Fail("samples differ from what was written");  // bitwise

  // The same data through SQL, on the application's own SQLite connection.
  sqlite3* conn = nullptr;
  if (sqlite3_open(":memory:", &conn) != SQLITE_OK) return Fail("sqlite3_open");
  if (auto s = overtone::RegisterSql(conn, db->get()); !s.ok()) {
    sqlite3_close(conn);
    return Fail(s.ToString());
  }
  sqlite3_stmt* stmt = nullptr;
  long long count = -1;
  if (sqlite3_prepare_v2(conn, "SELECT count(*) FROM samples", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int64(stmt, 0);
  }
  std::string error = sqlite3_errmsg(conn);
  sqlite3_finalize(stmt);
  sqlite3_close(conn);  // before the Database it uses goes away
  std::printf("sql: %lld samples\n", count);
  if (count != 6) return Fail("SELECT count(*) FROM samples: " + error);

  std::printf("embed: OK\n");
  return 0;
}
