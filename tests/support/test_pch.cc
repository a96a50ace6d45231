// The translation unit that builds the tests' precompiled header
// (tests/CMakeLists.txt): a program of no tests, an executable so that its
// header is compiled with the suites' options.
