#include "report/reporter.hpp"

#include "util/errors.hpp"

namespace epochcost::report {

Format parse_format(std::string_view name) {
  if (name == "table") return Format::table;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  if (name == "md" || name == "markdown") return Format::md;
  throw InputError("--format: must be one of table, json, csv, md; got '" + std::string(name) +
                   "'");
}

std::string render(const Result& result, Format format) {
  switch (format) {
  case Format::table: return render_table(result);
  case Format::json: return render_json(result);
  case Format::csv: return render_csv(result);
  case Format::md: return render_markdown(result);
  }
  return render_table(result);
}

} // namespace epochcost::report
