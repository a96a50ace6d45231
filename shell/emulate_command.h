// `overtone emulate`: a realistic fleet's metrics (adapters/emulator/emulator.h) into
// a database, an OpenMetrics (or Prometheus text, CSV) file, or a remote-write
// receiver.
//
//   overtone emulate --hosts 100 --duration 24h --out fleet.om
//   overtone emulate --hosts 5 --duration 2h --end 2024-05-01T00:00:00Z --db demo
//   overtone emulate --hosts 20 --duration 1h --remote-write http://127.0.0.1:9201/api/v1/write
//
// A summary goes to stderr ("emulated N samples of S series ..."), and a
// progress bar when stderr is a terminal. Exit status 0, 1 on error, 2 on a
// usage error. See docs/IMPORT_EXPORT.md.

#ifndef OVERTONE_SHELL_EMULATE_COMMAND_H_
#define OVERTONE_SHELL_EMULATE_COMMAND_H_

namespace overtone::shell {

// argv[0] is "emulate".
int RunEmulate(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_EMULATE_COMMAND_H_
