// `overtone export`: samples out as OpenMetrics text, Prometheus text or CSV,
// the inverse of `overtone import`.
//
//   overtone export DBDIR --match SELECTOR [--match SELECTOR]... [--start T]
//                   [--end T] [--format openmetrics|prometheus|csv]
//                   [--out FILE] [--portable]
//
// Writes to stdout unless --out. Lossless by default (overtone's `stale` and
// `raw:0x...` value tokens for NaN payloads); --portable writes only what
// every OpenMetrics reader knows. Exit status 0, 1 on error, 2 on a usage
// error. See docs/IMPORT_EXPORT.md.

#ifndef OVERTONE_SHELL_EXPORT_COMMAND_H_
#define OVERTONE_SHELL_EXPORT_COMMAND_H_

namespace overtone::shell {

// argv[0] is "export".
int RunExport(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_EXPORT_COMMAND_H_
