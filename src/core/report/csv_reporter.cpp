#include "report/json_document.hpp"
#include "report/reporter.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

// Column names are the JSON paths (timing.t_batch_s.mean), so CSV and JSON never disagree. A
// list is one cell of JSON text (as compare writes them): its length (argv, notes) must not change
// the columns of results of one job.
void flatten(const nlohmann::json& node, const std::string& path,
             std::vector<std::pair<std::string, std::string>>& columns) {
  if (node.is_object()) {
    if (node.empty()) columns.emplace_back(path, "");
    for (auto it = node.begin(); it != node.end(); ++it)
      flatten(*it, path.empty() ? it.key() : path + "." + it.key(), columns);
    return;
  }
  if (node.is_array()) {
    columns.emplace_back(path, node.dump());
    return;
  }
  // A statistic that does not exist is a NaN double in the document (JSON writes it as null).
  if (node.is_null() || (node.is_number_float() && !std::isfinite(node.get<double>()))) {
    columns.emplace_back(path, "");
  } else if (node.is_string()) {
    columns.emplace_back(path, node.get<std::string>());
  } else {
    columns.emplace_back(path, node.dump());
  }
}

} // namespace

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_from_json(const nlohmann::json& document) {
  std::vector<std::pair<std::string, std::string>> columns;
  flatten(document, "", columns);
  std::string header, row;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) {
      header += ',';
      row += ',';
    }
    header += csv_field(columns[i].first);
    row += csv_field(columns[i].second);
  }
  return header + "\n" + row + "\n";
}

std::string render_csv(const Result& result) {
  return csv_from_json(to_json(result));
}

} // namespace epochcost::report
