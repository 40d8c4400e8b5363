#pragma once
// A table of text cells, laid out for a terminal (aligned columns) or as Markdown.
#include <string>
#include <vector>

namespace epochcost::report {

struct Grid {
  std::vector<std::string> header; // empty: no header line (text only)
  std::vector<std::vector<std::string>> rows;
};

// Columns padded to their widest cell (counted in code points), two-space indent.
[[nodiscard]] std::string grid_text(const Grid& grid);
// A Markdown table; every column but the first right-aligned when `numeric_columns`.
[[nodiscard]] std::string grid_markdown(const Grid& grid, bool numeric_columns = true);
[[nodiscard]] std::string markdown_escape(const std::string& text);
// A header line and one line per row, fields quoted where needed.
[[nodiscard]] std::string grid_csv(const Grid& grid);

} // namespace epochcost::report
