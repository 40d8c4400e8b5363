#pragma once
// `run --find-max-batch`: the largest batch that fits, and every try.
#include "config/config.hpp"
#include "measure/measurement.hpp"
#include "report/reporter.hpp"

#include <string>

namespace epochcost::report {

// JSON: {"schema": "epochcost.max_batch/1", "config", "environment": {"device", "device_name",
// "memory_bytes"}, "max_batch_size", "tries": [{"batch_size", "fits", "peak_reserved_bytes"}]}.
[[nodiscard]] std::string render_batch_search(const config::Config& config,
                                              const measure::BatchSearch& search, Format format);

} // namespace epochcost::report
