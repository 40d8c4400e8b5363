#include "log/log.hpp"

#include "util/errors.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>

namespace epochcost::log {
namespace {

// Logs go to stderr: stdout carries only the report, so `--format json | jq` works.
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto made = spdlog::stderr_color_mt("epochcost");
    made->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    made->set_level(spdlog::level::info);
    return made;
  }();
  return *instance;
}

} // namespace

Level parse_level(std::string_view name) {
  if (name == "trace") return Level::trace;
  if (name == "debug") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "error") return Level::error;
  if (name == "off") return Level::off;
  throw InputError(
      "--log-level: must be one of trace, debug, info, warn (or warning), error, off; got '" +
      std::string(name) + "'");
}

void set_level(Level level) {
  static constexpr spdlog::level::level_enum levels[] = {spdlog::level::trace, spdlog::level::debug,
                                                         spdlog::level::info,  spdlog::level::warn,
                                                         spdlog::level::err,   spdlog::level::off};
  logger().set_level(levels[static_cast<int>(level)]);
}

void debug(std::string_view message) {
  logger().debug("{}", message);
}
void info(std::string_view message) {
  logger().info("{}", message);
}
void warn(std::string_view message) {
  logger().warn("{}", message);
}
void error(std::string_view message) {
  logger().error("{}", message);
}

} // namespace epochcost::log
