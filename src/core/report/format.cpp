#include "report/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace epochcost::report {

std::string significant(double x, int digits) {
  if (!std::isfinite(x)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x);
  return buffer;
}

std::string duration(double seconds) {
  if (!std::isfinite(seconds)) return "n/a";
  const double magnitude = std::abs(seconds);
  if (magnitude < 1e-3) return significant(seconds * 1e6, 4) + " µs";
  if (magnitude < 1) return significant(seconds * 1e3, 4) + " ms";
  if (magnitude < 600) return significant(seconds, 4) + " s";
  return significant(seconds / 3600, 4) + " h (" + significant(seconds, 6) + " s)";
}

std::string money(double amount, const std::string& currency) {
  if (!std::isfinite(amount)) return "n/a " + currency;
  if (amount == 0) amount = 0; // -0.0 reads as 0.00
  // Past 10^15 a double holds no cents: digits beyond its precision would be invented.
  if (std::abs(amount) >= 1e15) return significant(amount, 6) + " " + currency;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g", amount);
  // Four significant digits below 1, cents from 1 up: 0.99996 rounds to 1 and reads 1.00.
  if (amount == 0 || std::abs(std::strtod(buffer, nullptr)) >= 1) {
    std::snprintf(buffer, sizeof buffer, "%.2f", amount);
    return std::string(buffer) + " " + currency;
  }
  std::string text = buffer;
  // At least to the cent: 0.5 reads as 0.50.
  const auto point = text.find('.');
  if (text.find('e') == std::string::npos && point != std::string::npos) {
    text.append(std::max<std::ptrdiff_t>(0, 2 - std::ptrdiff_t(text.size() - point - 1)), '0');
  }
  return text + " " + currency;
}

std::string bytes(double count) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  while (std::abs(count) >= 1024 && unit + 1 < std::size(units)) {
    count /= 1024;
    ++unit;
  }
  return significant(count, 4) + " " + units[unit];
}

} // namespace epochcost::report
