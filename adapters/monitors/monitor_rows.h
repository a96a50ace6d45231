// What a monitor's result rows become, one function per output; pure
// (rows in, values out), so each is tested without a server.
//
//   samples   each row a sample: column `metric` (text) names it, `value`
//             (a number) is its value, `ts` (integer milliseconds; absent
//             or NULL: the run's time) its time, every other column a label
//             (NULL: no label). A row that cannot be a sample is skipped and
//             counted, with the reason of the first one.
//   loki      each row a log line: its columns in logfmt (`codec=flac
//             bytes=1234 note="two words"`), `ts` left out of the line and
//             used as the entry's time (else the run's time).
//   webhook   the rows as a JSON array of objects, column name to value.

#ifndef OVERTONE_ADAPTERS_MONITORS_MONITOR_ROWS_H_
#define OVERTONE_ADAPTERS_MONITORS_MONITOR_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/http/query_run.h"
#include "adapters/notify/loki_push.h"
#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::adapters {

struct SamplesFromRows {
  WriteBatch batch;
  size_t bad_rows = 0;
  std::string first_error;  // "row 3: value is not a number"; empty when none
};

// InvalidArgument when the columns `metric` and `value` are not both there
// (then no row can be a sample).
Result<SamplesFromRows> RowsToSamples(const SqlTable& table, int64_t run_ms);

// One log line a row, in stream `stream`.
std::vector<LogEntry> RowsToLogEntries(const SqlTable& table, const Labels& stream, int64_t run_ms);

// `key=value ...` of one row (logfmt); NULL is `null`, text with a space,
// `=`, a quote or a control character is quoted. Column `skip` (-1: none)
// is left out.
std::string Logfmt(const SqlTable& table, size_t row, int skip = -1);

// The rows as a JSON array of objects.
std::string RowsToJson(const SqlTable& table);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_MONITORS_MONITOR_ROWS_H_
