#pragma once
// Logging facade. LibTorch translation units must not include spdlog/fmt (the torch wheel ships
// fmt 12 headers that shadow the fmt 9 Debian's spdlog is built against), so everything logs
// through these plain-string functions, implemented on spdlog in the core library.
#include <string_view>

namespace epochcost::log {

enum class Level { trace, debug, info, warn, error, off };

// Throws InputError for a name that is not a level.
[[nodiscard]] Level parse_level(std::string_view name);
void set_level(Level level);

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

} // namespace epochcost::log
