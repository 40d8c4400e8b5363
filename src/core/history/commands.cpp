#include "history/commands.hpp"

#include "report/format.hpp"
#include "report/grid.hpp"
#include "report/json_document.hpp"
#include "report/plots.hpp"
#include "util/clock.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <unistd.h>

namespace epochcost::history {

namespace {

// [low, high], or null where there is none (an estimate), as the result files write intervals.
nlohmann::json interval_json(const std::optional<double>& low, const std::optional<double>& high) {
  return low && high ? nlohmann::json::array({*low, *high}) : nlohmann::json(nullptr);
}

// One recorded run, as `list --format json` prints it.
nlohmann::json entry_json(const Entry& e) {
  return {{"id", e.id},
          {"timestamp", e.timestamp},
          {"workload", e.workload},
          {"workload_description", e.workload_description},
          {"gpu", e.gpu},
          {"config_hash", e.config_hash},
          {"t_batch_s", e.t_batch_s},
          {"t_batch_ci95", interval_json(e.t_batch_ci95_low, e.t_batch_ci95_high)},
          {"cost_per_epoch", e.cost_per_epoch},
          {"cost_per_epoch_ci95", interval_json(e.cost_ci95_low, e.cost_ci95_high)},
          {"currency", e.currency},
          {"price_per_hour", e.price_per_hour ? nlohmann::json(*e.price_per_hour) : nullptr},
          {"batch_size", e.batch_size},
          {"devices", e.devices}};
}

// The rows of `list --format json` as CSV, column for key ([low, high] as KEY_low, KEY_high), so
// the two formats never differ in what they hold.
std::string entries_csv(const nlohmann::json& rows) {
  report::Grid grid;
  const nlohmann::json columns = entry_json(Entry{}); // named: items() does not keep it alive
  for (const auto& [key, value] : columns.items()) {
    const bool interval = key.ends_with("_ci95");
    grid.header.push_back(interval ? key + "_low" : key);
    if (interval) grid.header.push_back(key + "_high");
  }
  for (const auto& row : rows) {
    auto& cells = grid.rows.emplace_back();
    for (const auto& [key, value] : row.items()) {
      if (!key.ends_with("_ci95")) {
        cells.push_back(report::csv_cell(value));
      } else {
        cells.push_back(value.is_array() ? report::csv_cell(value[0]) : "");
        cells.push_back(value.is_array() ? report::csv_cell(value[1]) : "");
      }
    }
  }
  return report::grid_csv(grid);
}

std::string interval(const std::optional<double>& low, const std::optional<double>& high,
                     const std::function<std::string(double)>& format) {
  return low && high ? format(*low) + " – " + format(*high) : "—";
}

std::string csv_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value).dump() : "";
}

} // namespace

std::string trend(const std::vector<Entry>& entries, report::Format format) {
  if (format == report::Format::json) {
    nlohmann::json series = nlohmann::json::array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      if (i == 0 || e.series() != entries[i - 1].series()) {
        series.push_back({{"workload", e.workload},
                          {"workload_description", e.workload_description},
                          {"gpu", e.gpu},
                          {"batch_size", e.batch_size},
                          {"devices", e.devices},
                          {"runs", nlohmann::json::array()}});
      }
      nlohmann::json run = entry_json(e);
      for (const char* key : {"workload", "workload_description", "gpu", "batch_size", "devices"})
        run.erase(key); // the series says them once
      series.back()["runs"].push_back(std::move(run));
    }
    return nlohmann::json{{"schema", "epochcost.trend/1"}, {"series", series}}.dump(2) + "\n";
  }
  if (format == report::Format::csv) {
    report::Grid grid{{"workload", "workload_description", "gpu", "batch_size", "devices", "id",
                       "timestamp", "t_batch_s", "t_batch_ci95_low", "t_batch_ci95_high",
                       "cost_per_epoch", "cost_per_epoch_ci95_low", "cost_per_epoch_ci95_high",
                       "currency"},
                      {}};
    for (const auto& e : entries) {
      grid.rows.push_back({e.workload, e.workload_description, e.gpu, std::to_string(e.batch_size),
                           std::to_string(e.devices), std::to_string(e.id), e.timestamp,
                           csv_number(e.t_batch_s), csv_number(e.t_batch_ci95_low),
                           csv_number(e.t_batch_ci95_high), csv_number(e.cost_per_epoch),
                           csv_number(e.cost_ci95_low), csv_number(e.cost_ci95_high), e.currency});
    }
    return report::grid_csv(grid);
  }
  report::Grid grid{{"workload", "gpu", "batch × devices", "when", "id", "T_batch", "95% CI",
                     "cost/epoch", "95% CI"},
                    {}};
  for (const auto& e : entries) {
    const auto money = [&](double amount) { return report::money(amount, e.currency); };
    grid.rows.push_back({e.workload_description, e.gpu,
                         std::to_string(e.batch_size) + " × " + std::to_string(e.devices),
                         e.timestamp, std::to_string(e.id), report::duration(e.t_batch_s),
                         interval(e.t_batch_ci95_low, e.t_batch_ci95_high,
                                  [](double s) { return report::duration(s); }),
                         money(e.cost_per_epoch),
                         interval(e.cost_ci95_low, e.cost_ci95_high, money)});
  }
  return format == report::Format::md ? report::grid_markdown(grid, false)
                                      : report::grid_text(grid);
}

plot::Outcome plot_trend(const std::vector<Entry>& entries, const std::string& image) {
  return plot::draw(report::trend_figure(entries), image);
}

#ifndef EPOCHCOST_WITH_HISTORY
namespace {
[[noreturn]] void unavailable() {
  throw RuntimeFailure("this epochcost was built without SQLite: no run history (install "
                       "libsqlite3-dev and rebuild with scripts/setup.sh)");
}
} // namespace
std::vector<std::string> record(const std::string&, const std::vector<report::ResultFile>&) {
  unavailable();
}
void check_target(const std::string&) {
  unavailable();
}
std::string record(const std::string&, const nlohmann::json&) {
  unavailable();
}
std::string list(const std::string&, const std::string&, const std::string&, report::Format) {
  unavailable();
}
std::vector<Entry> trend_series(const std::string&, const std::string&, const std::string&) {
  unavailable();
}
std::string show(const std::string&, std::int64_t) {
  unavailable();
}
std::string check(const std::string&, CheckSettings, const std::vector<report::ResultFile>&,
                  const std::string&, const std::string&, bool&) {
  unavailable();
}
#else
namespace {

// A filter that matches no recorded run is a mistake to report, not an empty answer: a misspelt
// --gpu in a nightly job would otherwise pass its check.
std::vector<Entry> matching(const Store& store, const std::string& history_file,
                            const std::string& workload, const std::string& gpu) {
  auto entries = store.entries(workload, gpu);
  if (entries.empty() && !(workload.empty() && gpu.empty())) {
    throw InputError("no run recorded in " + history_file + " matches" +
                     (workload.empty() ? "" : " --workload '" + workload + "'") +
                     (gpu.empty() ? "" : " --gpu '" + gpu + "'"));
  }
  return entries;
}

} // namespace

std::vector<std::string> record(const std::string& history_file,
                                const std::vector<report::ResultFile>& results) {
  std::vector<Record> records;
  for (const auto& result : results)
    records.push_back(record_of(result));
  if (records.empty()) return {};
  Store store(history_file, Store::Access::read_write);
  std::vector<std::string> lines;
  for (const ImportOutcome& outcome : store.import(records)) {
    lines.push_back(outcome.duplicate
                        ? "already in " + history_file + " as run #" + std::to_string(outcome.id) +
                              " (the very same result); not added again"
                        : "recorded as run #" + std::to_string(outcome.id) + " in " + history_file);
  }
  return lines;
}

void check_target(const std::string& history_file) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(history_file, ec);
  // An empty file (mktemp), or an empty database, becomes a history at the first record.
  if (existed) {
    const Store store(history_file, Store::Access::recording_target);
  }
  // Recording writes the file, and in WAL mode files beside it: the directory must take them.
  check_output_target(history_file, "--history");
  if (existed && ::access(history_file.c_str(), W_OK) != 0) {
    throw InputError("--history: '" + history_file + "' cannot be written (" +
                     std::strerror(errno) + ")");
  }
}

std::string record(const std::string& history_file, const nlohmann::json& result) {
  const std::vector<report::ResultFile> results{{"result", result}};
  return record(history_file, results).front();
}

std::string list(const std::string& history_file, const std::string& workload,
                 const std::string& gpu, report::Format format) {
  const Store store(history_file, Store::Access::read_only);
  const auto entries = matching(store, history_file, workload, gpu);
  if (format == report::Format::json || format == report::Format::csv) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : entries) {
      rows.push_back(entry_json(e));
    }
    return format == report::Format::json ? rows.dump(2) + "\n" : entries_csv(rows);
  }
  report::Grid grid{{"id", "when", "workload", "hash", "gpu", "T_batch", "cost/epoch"}, {}};
  for (const auto& e : entries) {
    grid.rows.push_back({std::to_string(e.id), e.timestamp, e.workload_description,
                         e.workload.substr(0, 8), e.gpu, report::duration(e.t_batch_s),
                         report::money(e.cost_per_epoch, e.currency)});
  }
  return format == report::Format::md ? report::grid_markdown(grid, false)
                                      : report::grid_text(grid);
}

std::vector<Entry> trend_series(const std::string& history_file, const std::string& workload,
                                const std::string& gpu) {
  const Store store(history_file, Store::Access::read_only);
  auto entries = matching(store, history_file, workload, gpu);
  sort_by_series(entries);
  return entries;
}

std::string show(const std::string& history_file, std::int64_t id) {
  const Store store(history_file, Store::Access::read_only);
  const auto result = store.result(id);
  if (!result)
    throw InputError("history show: no run #" + std::to_string(id) + " in " + history_file);
  return result->dump(2) + "\n";
}

std::string check(const std::string& history_file, CheckSettings settings,
                  const std::vector<report::ResultFile>& series_of, const std::string& workload,
                  const std::string& gpu, bool& regressed) {
  std::vector<Entry> asked;
  if (!series_of.empty()) {
    settings.series.emplace();
    for (const auto& result : series_of) {
      asked.push_back(record_of(result).entry);
      settings.series->insert(asked.back().series());
    }
  }
  if (!settings.since.empty()) {
    const auto since = report::utc_rfc3339(settings.since);
    if (!since) {
      throw InputError("--since: must be an RFC 3339 time (2026-12-04T01:00:00Z), got '" +
                       settings.since + "'");
    }
    // Nothing can have been measured after now: a mistyped year would check nothing, silently.
    if (*since > rfc3339_utc_now()) {
      throw InputError("--since: '" + settings.since + "' is in the future");
    }
    settings.since = *since;
  }
  const Store store(history_file, Store::Access::read_only);
  const auto entries = matching(store, history_file, workload, gpu);
  // A result whose series the history lacks is a mistake to report: a nightly job that recorded
  // elsewhere, or a misspelt file, must not pass its check.
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const bool recorded = std::any_of(entries.begin(), entries.end(), [&](const Entry& e) {
      return e.series() == asked[i].series();
    });
    if (!recorded) {
      throw InputError("--series-of " + series_of[i].file + ": no run of its series (" +
                       asked[i].series_name() + ") is recorded in " + history_file);
    }
  }
  const CheckReport report = history::check(entries, settings);
  regressed = report.regressed();
  return markdown(report, settings);
}

#endif

} // namespace epochcost::history
