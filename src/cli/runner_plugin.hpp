#pragma once
#include "measure/measurement.hpp"

namespace epochcost::cli {

// Loads the LibTorch runner plugin (only `run` does): $EPOCHCOST_RUNNER, else
// libepochcost_runner.so beside the executable. A missing or broken plugin is a RuntimeFailure
// that says how to get one.
[[nodiscard]] measure::MeasureFunction load_runner();

} // namespace epochcost::cli
