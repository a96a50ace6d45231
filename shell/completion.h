// What TAB offers in the interactive shell, apart from libedit.
//
//   at the start of a line      dot-commands:        .sch -> .schema
//   after .read / .output       file names (libedit's own completion)
//   after .schema / .tables     table names; after .mode its modes;
//   after .headers and co.      on, off
//   elsewhere                   SQL keywords, functions, table names and
//                               column names:       sel -> SELECT,
//                               sam -> samples, s.va -> s.value
// Keywords keep the case the user started typing in.

#ifndef OVERTONE_SHELL_COMPLETION_H_
#define OVERTONE_SHELL_COMPLETION_H_

#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace overtone::shell {

struct CompletionRequest {
  std::string_view before;  // the line before the word being completed
  std::string_view word;    // the partial word
};

// Candidates for `request.word`, sorted and unique; `*want_files` is set
// when file names should be offered instead (then the result is empty).
std::vector<std::string> CompletionCandidates(sqlite3* conn, const std::vector<std::string>& dot_commands,
                                              const CompletionRequest& request, bool* want_files);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_COMPLETION_H_
