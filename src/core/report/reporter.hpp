#pragma once
#include "report/result.hpp"

#include <string>
#include <string_view>

namespace epochcost::report {

enum class Format { table, json, csv, md };

// Throws InputError naming the flag for an unknown format.
[[nodiscard]] Format parse_format(std::string_view name);

// Reporters print a computed Result; they never compute a figure themselves.
[[nodiscard]] std::string render(const Result& result, Format format);

[[nodiscard]] std::string render_table(const Result& result);
[[nodiscard]] std::string render_markdown(const Result& result);
[[nodiscard]] std::string render_json(const Result& result); // canonical and complete
[[nodiscard]] std::string render_csv(const Result& result);  // the JSON, flattened to one row

} // namespace epochcost::report
