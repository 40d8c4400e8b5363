#pragma once
// The CLI's single exit-status table, and the exception types that carry a status to it.
#include <stdexcept>
#include <string>

namespace epochcost {

enum class ExitCode : int {
  ok = 0,
  regression = 1,
  bad_input = 2,
  out_of_memory = 3,
  runtime_failure = 4,
  interrupted = 130, // SIGINT
  terminated = 143,  // SIGTERM
};

class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

private:
  ExitCode code_;
};

// A config, file, flag or value the user gave is wrong.
class InputError : public Error {
public:
  explicit InputError(const std::string& message) : Error(ExitCode::bad_input, message) {}
};

class OutOfMemoryError : public Error {
public:
  explicit OutOfMemoryError(const std::string& message) : Error(ExitCode::out_of_memory, message) {}
};

class RuntimeFailure : public Error {
public:
  explicit RuntimeFailure(const std::string& message) : Error(ExitCode::runtime_failure, message) {}
};

class Interrupted : public Error {
public:
  explicit Interrupted(int signal_number);
};

// A library's message for a user: without the leading "[json.exception.parse_error.101] " tag
// that nlohmann::json puts in front of it.
[[nodiscard]] std::string untagged_message(const std::exception& e);

} // namespace epochcost
