// `overtone rules check FILE...` and `overtone rules test FILE...`: the
// rule file checker and rule unit-test runner, as `promtool check rules`
// and `promtool test rules` (same files, same output, same exit status).
//
//   $ overtone rules check rules.yml
//   Checking rules.yml
//     SUCCESS: 5 rules found
//
//   $ overtone rules test tests.yml
//   Unit Testing:  tests.yml
//     SUCCESS
//
// Exit status 0 when every file passes, 1 when one fails, 2 on a usage
// error. docs/RULES.md describes the formats.

#ifndef OVERTONE_SHELL_RULES_COMMAND_H_
#define OVERTONE_SHELL_RULES_COMMAND_H_

namespace overtone::shell {

// argv[0] is "rules", argv[1] "check" or "test".
int RunRules(int argc, char** argv);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_RULES_COMMAND_H_
