#pragma once
// The `history` commands and `run --history`, for the CLI; they say so when the build has no
// SQLite. Only `history import` and `run --history` write to (or create) a history file.
#include "history/history.hpp"
#include "plot/plot.hpp"
#include "report/reporter.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace epochcost::history {

// Records results, all or none: every one is checked (InputError naming its file and the key)
// before the history is opened, so a bad one leaves the history as it was and creates no file;
// then all go in one transaction. Returns, per result, the line the CLI prints after its file
// ("recorded as run #3 in h.sqlite", or that the very same result was there already).
std::vector<std::string> record(const std::string& history_file,
                                const std::vector<report::ResultFile>& results);
// For `run --history`, before anything is measured: an existing file must be an epochcost history
// (checked read-only, left as it is), a new one needs a writable directory; InputError otherwise.
void check_target(const std::string& history_file);
// One result, as `run --history` records its own.
std::string record(const std::string& history_file, const nlohmann::json& result);
[[nodiscard]] std::string list(const std::string& history_file, const std::string& workload,
                               const std::string& gpu, report::Format format);
// The runs grouped by series (Entry::series; in the order of their first
// record), each group oldest first. Read once, so that the report and the plot show the same runs
// while a nightly job keeps recording.
[[nodiscard]] std::vector<Entry> trend_series(const std::string& history_file,
                                              const std::string& workload, const std::string& gpu);
// The series' T_batch and cost per epoch with their 95% intervals.
[[nodiscard]] std::string trend(const std::vector<Entry>& series, report::Format format);
// The same series drawn to `image` (.svg or .png); InputError when it is empty.
plot::Outcome plot_trend(const std::vector<Entry>& series, const std::string& image);
[[nodiscard]] std::string show(const std::string& history_file, std::int64_t id);
// Markdown summary; `regressed` says whether to exit 1. settings.since is any RFC 3339 time
// (InputError otherwise), compared in UTC; `series_of`, when given, limits the check to the
// series of those results (checked as import checks them).
[[nodiscard]] std::string check(const std::string& history_file, CheckSettings settings,
                                const std::vector<report::ResultFile>& series_of,
                                const std::string& workload, const std::string& gpu,
                                bool& regressed);

} // namespace epochcost::history
