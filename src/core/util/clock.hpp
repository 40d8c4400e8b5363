#pragma once
#include <chrono>
#include <string>

namespace epochcost {

// RFC 3339 UTC with millisecond precision, e.g. 2026-11-29T10:56:46.123Z.
[[nodiscard]] std::string rfc3339_utc(std::chrono::system_clock::time_point time);
[[nodiscard]] inline std::string rfc3339_utc_now() {
  return rfc3339_utc(std::chrono::system_clock::now());
}

} // namespace epochcost
