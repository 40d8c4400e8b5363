#include "report/json_document.hpp"
#include "report/reporter.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

// Column names are the JSON paths (timing.t_batch_s.mean), so CSV and JSON never disagree. A
// list is one cell of JSON text (as compare writes them): its length (argv, notes) must not change
// the columns of results of one job. A section the document lacks (null) takes its columns from
// `shape`, empty, so that --validate-epoch or --budget do not change them either.
void flatten(const nlohmann::json& node, const nlohmann::json& shape, const std::string& path,
             std::vector<std::pair<std::string, std::string>>& columns) {
  const auto child_path = [&](const std::string& key) {
    return path.empty() ? key : path + "." + key;
  };
  if (node.is_null() && shape.is_object() && !shape.empty()) {
    for (auto it = shape.begin(); it != shape.end(); ++it)
      flatten(nullptr, *it, child_path(it.key()), columns);
    return;
  }
  if (node.is_object()) {
    if (node.empty()) columns.emplace_back(path, "");
    for (auto it = node.begin(); it != node.end(); ++it) {
      const bool shaped = shape.is_object() && shape.contains(it.key());
      flatten(*it, shaped ? shape[it.key()] : nlohmann::json(), child_path(it.key()), columns);
    }
    return;
  }
  columns.emplace_back(path, csv_cell(node));
}

std::string csv_rows(const nlohmann::json& document, const nlohmann::json& shape) {
  std::vector<std::pair<std::string, std::string>> columns;
  flatten(document, shape, "", columns);
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

// Every section a result can hold, so that a run and an estimate, with or without
// --validate-epoch and --budget, share their columns (the config's follow the config).
const nlohmann::json& result_shape() {
  static const nlohmann::json shape = [] {
    Result full;
    full.params.emplace();
    full.throughput.emplace();
    full.flops.emplace();
    full.memory.emplace();
    full.timing.emplace();
    for (const char* phase : phase_names)
      full.timing->phases.emplace_back(phase, stats::Summary{});
    full.epoch.validated.emplace();
    full.budget.emplace();
    return to_json(full);
  }();
  return shape;
}

} // namespace

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_cell(const nlohmann::json& value) {
  // A statistic that does not exist is a NaN double in the document (JSON writes it as null).
  if (value.is_null() || (value.is_number_float() && !std::isfinite(value.get<double>())))
    return "";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string csv_from_json(const nlohmann::json& document) {
  return csv_rows(document, nullptr);
}

std::string render_csv(const Result& result) {
  return csv_rows(to_json(result), result_shape());
}

} // namespace epochcost::report
