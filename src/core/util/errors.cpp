#include "util/errors.hpp"

#include <csignal>

namespace epochcost {

Interrupted::Interrupted(int signal_number)
    : Error(signal_number == SIGTERM ? ExitCode::terminated : ExitCode::interrupted,
            signal_number == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)") {}

std::string untagged_message(const std::exception& e) {
  const std::string message = e.what();
  if (message.starts_with('[')) {
    if (const auto end = message.find("] "); end != std::string::npos)
      return message.substr(end + 2);
  }
  return message;
}

} // namespace epochcost
