#pragma once
// The `history` commands and `run --history`, for the CLI; they say so when the build has no
// SQLite.
#include "report/reporter.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace epochcost::history {

// Records a result; returns the line the CLI prints ("recorded as run #3 in h.sqlite", or that the
// very same result was there already).
std::string record(const std::string& history_file, const nlohmann::json& result);
[[nodiscard]] std::string list(const std::string& history_file, const std::string& workload,
                               const std::string& gpu, report::Format format);
[[nodiscard]] std::string show(const std::string& history_file, std::int64_t id);
// Markdown summary; `regressed` says whether to exit 1.
[[nodiscard]] std::string check(const std::string& history_file, double threshold_pct,
                                std::size_t window, const std::string& workload,
                                const std::string& gpu, bool& regressed);

} // namespace epochcost::history
