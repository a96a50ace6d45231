// `overtone promql DBDIR EXPR [--time T | --start S --end E --step D]
//  [--explain] [--format table|text]`: evaluate PromQL over a database.
//
//   $ overtone promql metrics.db 'sum by (job) (rate(http_requests_total[5m]))' --time 1700000000
//   SERIES             TIMESTAMP      VALUE
//   {job="api"}        1700000000000  12.5
//
// Times are Unix seconds or RFC 3339, steps seconds or durations (15s).
// --explain prints the one SQL statement the query runs as, instead of
// running it. --format text prints Prometheus's notation
// (`up{job="api"} => 1 @[1700000000]`). An EXPR that starts with '-' goes
// after `--`, the options before it (`overtone promql DBDIR --time 0 -- '-up'`).
// Exit status 0, 1 on a query or database error (a bad time or step
// included), 2 on a usage error.

#ifndef OVERTONE_SHELL_PROMQL_COMMAND_H_
#define OVERTONE_SHELL_PROMQL_COMMAND_H_

namespace overtone::shell {

// argv[0] is "promql".
int RunPromql(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_PROMQL_COMMAND_H_
