#pragma once
// How figures are written for people (tables, Markdown, progress); JSON keeps raw doubles.
#include <string>

namespace epochcost::report {

[[nodiscard]] std::string significant(double x, int digits);
// "85.31 µs", "26.7 ms", "31.3 s", "1.5 h (5400 s)".
[[nodiscard]] std::string duration(double seconds);
// Cents from 1 up; below that four significant digits, never fewer than two decimals:
// "123.00 CNY", "0.50 USD", "0.02165 USD", "1.738e-05 USD".
[[nodiscard]] std::string money(double amount, const std::string& currency);

// Binary units: "512 B", "1.5 KiB", "27.9 GiB".
[[nodiscard]] std::string bytes(double count);

} // namespace epochcost::report
