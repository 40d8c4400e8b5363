#pragma once
// Runs the epochcost executable as a user would and captures what it printed.
#include "scratch_dir.hpp"

#include <cstdlib>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace epochcost::testing {

struct CliOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `arguments` is a shell fragment (quoted by the caller); `environment` is prefixed as VAR=value.
inline CliOutput run_cli(const std::string& arguments, const std::string& environment = "") {
  const ScratchDir capture;
  const std::string command = environment + (environment.empty() ? "" : " ") + EPOCHCOST_BINARY +
                              " " + arguments + " >" + (capture / "out").string() + " 2>" +
                              (capture / "err").string() + " </dev/null";
  const int status = std::system(command.c_str());
  CliOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(capture / "out");
  result.err = slurp(capture / "err");
  return result;
}

// A refusal of bad input: exit status 2 and a message that holds `message`. As an assertion
// result, a failure names the caller's line, the status and all that was printed.
inline ::testing::AssertionResult refused(const CliOutput& output, const std::string& message) {
  if (output.exit_code == 2 && output.err.find(message) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "exit status " << output.exit_code
                                       << " (2 expected); stderr should hold '" << message << "':\n"
                                       << output.err;
}

inline std::string source_path(const std::string& relative) {
  return std::string(EPOCHCOST_SOURCE_DIR) + "/" + relative;
}

} // namespace epochcost::testing
