// `overtone compact DBDIR [--before T]`: seal every closed window into
// segments now, and print what was sealed and what the segments cost.
//
//   $ overtone compact metrics.db
//   sealed 2,880,000 samples of 1,000 series into 12,000 segments (6.9 MB) in 2.3 s
//   segments: 2,880,000 samples, 1.71 bytes/sample (flac 11,200, xor 800)
//
// Exit status 0, 1 on error, 2 on a usage error.

#ifndef OVERTONE_SHELL_COMPACT_COMMAND_H_
#define OVERTONE_SHELL_COMPACT_COMMAND_H_

namespace overtone::shell {

// argv[0] is "compact".
int RunCompact(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_COMPACT_COMMAND_H_
