#pragma once
// Names people type (a GPU, a workload, a file extension) are matched without regard to ASCII
// case ("h100" is H100, ".SVG" is SVG) or the blanks around them; lists of names are written
// with one separator.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace epochcost {

[[nodiscard]] inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

[[nodiscard]] inline bool contains_ignoring_case(std::string_view text, std::string_view part) {
  return ascii_lower(text).find(ascii_lower(part)) != std::string::npos;
}

// `text` without the `blanks` before and after it.
[[nodiscard]] inline std::string trimmed(std::string_view text, std::string_view blanks) {
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(blanks) - first + 1));
}

// The strings of `names`, `separator` between each two: "mse, cross_entropy".
template <typename Names>
[[nodiscard]] std::string joined(const Names& names, std::string_view separator) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

} // namespace epochcost
