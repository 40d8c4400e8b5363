#pragma once
// How figures are written for people (tables, Markdown, progress); JSON keeps raw doubles.
#include <string>

namespace epochcost::report {

[[nodiscard]] std::string significant(double x, int digits);
// "85.31 µs", "26.7 ms", "31.3 s", "1.5 h (5400 s)".
[[nodiscard]] std::string duration(double seconds);
// Cents when the amount is worth them, otherwise four significant digits: "123.00 CNY",
// "0.02165 USD".
[[nodiscard]] std::string money(double amount, const std::string& currency);

}  // namespace epochcost::report
