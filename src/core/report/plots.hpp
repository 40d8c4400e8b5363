#pragma once
// The figures of `compare --plot` and `history trend --plot`: what those commands computed, laid
// out as plot panels. Like every reporter, these only arrange, label and convert units; they
// never compute a figure.
#include "compare/compare.hpp"
#include "history/history.hpp"
#include "plot/plot.hpp"

#include <vector>

namespace epochcost::report {

// "A100-SXM4-80GB ×4 bf16 b8" (b8×2 with accumulation); " (#N)" is added where two rows would
// read the same.
[[nodiscard]] std::string comparison_label(const compare::Comparison& comparison, std::size_t row);

// Two panels, one bar per row: cost per epoch (with its 95% interval) and epoch time.
[[nodiscard]] plot::Figure comparison_figure(const compare::Comparison& comparison);

// T_batch and cost per epoch over time, one line per series (Entry::series), in the order of
// `entries` (each group's runs oldest first). Costs in different currencies go to separate panels,
// one per currency, rather than onto one axis.
[[nodiscard]] plot::Figure trend_figure(const std::vector<history::Entry>& entries);

} // namespace epochcost::report
