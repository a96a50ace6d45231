// `overtone check DBDIR`: verify a whole database (Database::Check) and say
// what is wrong, naming the series and time range of each problem.
//
//   $ overtone check metrics.db
//   ok: 1,000 series, 2,000 postings, 12,000 segments (2,880,000 samples), 40,000 raw samples
//
// Exit status 0 when the database is sound, 1 when problems were found or
// the check could not run, 2 on a usage error. Opens the database read-only,
// so it can check a database a server has open.

#ifndef OVERTONE_SHELL_CHECK_COMMAND_H_
#define OVERTONE_SHELL_CHECK_COMMAND_H_

namespace overtone::shell {

// argv[0] is "check".
int RunCheck(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_CHECK_COMMAND_H_
