#include "report/grid.hpp"

#include "report/json_document.hpp"

#include <algorithm>
#include <sstream>

namespace epochcost::report {
namespace {

// Width in code points, so "µ" and "–" do not break alignment.
std::size_t display_width(const std::string& text) {
  std::size_t length = 0;
  for (const unsigned char ch : text)
    length += (ch & 0xC0) != 0x80;
  return length;
}

} // namespace

std::string grid_text(const Grid& grid) {
  const std::size_t columns =
      grid.header.empty() && !grid.rows.empty() ? grid.rows.front().size() : grid.header.size();
  std::vector<std::size_t> widths(columns);
  for (std::size_t c = 0; c < columns; ++c) {
    widths[c] = grid.header.empty() ? 0 : display_width(grid.header[c]);
    for (const auto& row : grid.rows)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::ostringstream out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text = " ";
    for (std::size_t c = 0; c < cells.size(); ++c) {
      text += " " + cells[c];
      if (c + 1 < cells.size()) text.append(widths[c] - display_width(cells[c]) + 1, ' ');
    }
    out << text << "\n";
  };
  if (!grid.header.empty()) line(grid.header);
  for (const auto& row : grid.rows)
    line(row);
  return out.str();
}

std::string grid_csv(const Grid& grid) {
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(cells[i]);
    }
    out += '\n';
  };
  line(grid.header);
  for (const auto& row : grid.rows)
    line(row);
  return out;
}

std::string markdown_escape(const std::string& text) {
  std::string escaped;
  for (const char c : text)
    escaped += c == '|' ? std::string("\\|") : std::string(1, c);
  return escaped;
}

std::string grid_markdown(const Grid& grid, bool numeric_columns) {
  std::ostringstream out;
  out << "|";
  for (const auto& h : grid.header)
    out << " " << markdown_escape(h) << " |";
  out << "\n|";
  for (std::size_t c = 0; c < grid.header.size(); ++c) {
    out << (c > 0 && numeric_columns ? "---:|" : "---|");
  }
  out << "\n";
  for (const auto& row : grid.rows) {
    out << "|";
    for (const auto& cell : row)
      out << " " << markdown_escape(cell) << " |";
    out << "\n";
  }
  return out.str();
}

} // namespace epochcost::report
