#include "report/format.hpp"

#include <cmath>
#include <cstdio>

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
  char buffer[64];
  if (amount == 0 || std::abs(amount) >= 1) {
    std::snprintf(buffer, sizeof buffer, "%.2f", amount);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.4g", amount);
  }
  return std::string(buffer) + " " + currency;
}

}  // namespace epochcost::report
