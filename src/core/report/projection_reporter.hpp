#pragma once
#include "project/projection.hpp"
#include "report/reporter.hpp"

#include <string>

namespace epochcost::report {

// Every format says "projected": the title of table and Markdown, and in JSON
// {"schema": "epochcost.projection/1", "projected": true, "assumption", "source": {...},
// "split": {...}, "targets": [{"gpu", "fit", "t_batch_s", "t_batch_range_s", "epoch_s",
// "epoch_range_s", "speedup", ...}], "notes"}. CSV has one row per target.
[[nodiscard]] std::string render_projection(const project::Projection& projection, Format format);

} // namespace epochcost::report
