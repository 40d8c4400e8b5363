#pragma once
#include "measure/measurement.hpp"

namespace epochcost::runner {

// The measurement method of docs/measurement.md: prepare, warm up, time steps until the
// stopping criterion holds, time the phases in a separate instrumented pass, and optionally run
// one real epoch. Throws InputError / OutOfMemoryError / RuntimeFailure / Interrupted.
[[nodiscard]] measure::Measurement measure(const measure::MeasureRequest& request);

} // namespace epochcost::runner
