#pragma once
#include "measure/measurement.hpp"

namespace epochcost::runner {

// The measurement method of docs/measurement.md: prepare, warm up, time steps until the
// stopping criterion holds (optionally with real epochs interleaved), time the phases in a
// separate instrumented pass. Throws InputError / OutOfMemoryError / RuntimeFailure / Interrupted.
[[nodiscard]] measure::Measurement measure(const measure::MeasureRequest& request);

// The largest data.batch_size (the micro-batch with accumulation) whose training step fits the
// CUDA device: doubling from the configured size, then bisecting, each try two real steps, cached
// memory released between tries. Needs a CUDA device (on the CPU a try would exhaust host memory).
[[nodiscard]] measure::BatchSearch find_max_batch(const measure::MeasureRequest& request);

} // namespace epochcost::runner
