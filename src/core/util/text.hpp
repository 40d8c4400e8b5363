#pragma once
// Names people type (a GPU, a workload, a file extension) are matched without regard to ASCII
// case: "h100" is H100, ".SVG" is SVG.
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

} // namespace epochcost
