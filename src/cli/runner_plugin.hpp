#pragma once
#include "measure/measurement.hpp"

namespace epochcost::cli {

// Functions of the LibTorch runner plugin, which only `run` loads: $EPOCHCOST_RUNNER, else
// libepochcost_runner.so beside the executable. A missing or broken plugin is a RuntimeFailure
// that says how to get one.
[[nodiscard]] measure::MeasureFunction load_measure();
[[nodiscard]] measure::BatchSearchFunction load_batch_search();

} // namespace epochcost::cli
