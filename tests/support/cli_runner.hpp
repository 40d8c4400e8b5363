#pragma once
// Runs the epochcost executable as a user would and captures what it printed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace epochcost::testing {

struct CliOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh scratch directory per test, removed when the object goes.
class ScratchDir {
public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "epochcost-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

private:
  std::filesystem::path path_;
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

inline std::string source_path(const std::string& relative) {
  return std::string(EPOCHCOST_SOURCE_DIR) + "/" + relative;
}

} // namespace epochcost::testing
