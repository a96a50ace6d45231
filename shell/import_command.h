// `overtone import`: load a file, or pull history from a Prometheus.
//
//   overtone import DBDIR FILE|- [--format auto|openmetrics|prometheus|csv]
//                   [--skip-bad] [--batch N] [--quiet]
//   overtone import DBDIR --from-remote-read URL --match SELECTOR
//                   --start T --end T [--slice 6h] [--samples-only]
//
// Stops at the first bad line (everything before it is imported, and the
// message says so) unless --skip-bad. A summary goes to stderr, a progress
// bar too when stderr is a terminal. Exit status 0; 1 on a bad line or an
// error; 2 on a usage error. See docs/IMPORT_EXPORT.md.

#ifndef OVERTONE_SHELL_IMPORT_COMMAND_H_
#define OVERTONE_SHELL_IMPORT_COMMAND_H_

namespace overtone::shell {

// argv[0] is "import".
int RunImport(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_IMPORT_COMMAND_H_
