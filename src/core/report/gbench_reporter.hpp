#pragma once
// `run --format gbench-json`: the result in Google Benchmark's JSON format, so dashboards and
// google/benchmark's tools/compare.py read epochcost results.
#include "report/result.hpp"

#include <string>

namespace epochcost::report {

// One iteration entry per timed series (T_batch and each phase) plus mean/median/stddev
// aggregates; InputError for a result that was not measured (an estimate).
[[nodiscard]] std::string render_gbench_json(const Result& result);

} // namespace epochcost::report
