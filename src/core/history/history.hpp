#pragma once
// The run history of nightly jobs: an SQLite file (WAL, busy timeout, so concurrent writers lose
// nothing) of results with their workload, GPU and key figures, and the regression check.
#include "report/result_reader.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

struct sqlite3;

namespace epochcost::history {

struct Entry {
  std::int64_t id = 0;
  std::string timestamp; // the result's, RFC 3339 UTC
  std::string workload;  // hash of compare::workload_of(config)
  std::string workload_description;
  std::string gpu; // measured device name, or the priced GPU of an estimate
  std::string config_hash;
  double t_batch_s = 0;
  std::optional<double> t_batch_ci95_low, t_batch_ci95_high;
  double cost_per_epoch = 0;
  std::optional<double> cost_ci95_low, cost_ci95_high;
  std::string currency;
  // The job's price per hour in `currency`: the configured price × the GPUs or instances billed
  // (results written before cost.billed_units have none).
  std::optional<double> price_per_hour;
  // The step's shape, read from the recorded result: T_batch is one step of the whole job.
  std::int64_t batch_size = 0; // per device
  std::int64_t devices = 0;    // billed, training in data parallel

  // Runs of one series have step times that compare: one workload on one GPU, at one batch per
  // device and device count. The regression check and the trend are per series.
  using Series = std::tuple<std::string, std::string, std::int64_t, std::int64_t>;
  [[nodiscard]] Series series() const { return {workload, gpu, batch_size, devices}; }
  // "mlp, fp32, adam on AMD EPYC, batch 32 × 1"
  [[nodiscard]] std::string series_name() const;
};

// The runs grouped by series, the series in the order of their first record (entries come in id
// order), each oldest first by the results' timestamps: how the trend lists them and the check
// finds each series' latest run.
void sort_by_series(std::vector<Entry>& entries);

// A result as the history records it: its row, and the result itself with its hash.
struct Record {
  Entry entry; // id 0 until recorded
  std::string result_text;
  std::string result_hash;
};

// The row of a result file (epochcost.result/1 of a run or an estimate with a model). InputError
// naming the file and the key for what is missing, mistyped or out of range, an environment
// timestamp that is not RFC 3339 included; nothing is opened or written.
[[nodiscard]] Record record_of(const report::ResultFile& result);

struct ImportOutcome {
  std::int64_t id = 0;
  bool duplicate = false; // the very same result was already recorded as `id`
};

class Store {
public:
  // read_write opens or creates `file`, for import; read_only opens an existing history and never
  // writes to it (list, trend, show, check), so a missing file is an InputError, not a new
  // history; recording_target only checks, without writing, what read_write would refuse (a
  // store made so holds no database). A file that is not an SQLite database, or an SQLite
  // database that is not an epochcost history, is refused (InputError) and left untouched.
  enum class Access { read_only, read_write, recording_target };
  Store(const std::filesystem::path& file, Access access);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // All or nothing, in one transaction: one outcome per record, in order.
  std::vector<ImportOutcome> import(const std::vector<Record>& records);
  [[nodiscard]] std::vector<Entry> entries(const std::string& workload_filter = "",
                                           const std::string& gpu_filter = "") const;
  [[nodiscard]] std::optional<nlohmann::json> result(std::int64_t id) const;

private:
  void exec(const std::string& sql) const;
  void check_identity(bool read_only) const;
  void check_layout(const std::filesystem::path& file) const;
  std::filesystem::path file_;
  ::sqlite3* db_ = nullptr;
};

struct Finding {
  std::string workload_description;
  std::string gpu;
  std::int64_t batch_size = 0; // per device
  std::int64_t devices = 0;
  std::string metric; // "t_batch_s", "cost_per_epoch" or "price_per_hour"
  std::int64_t latest_id = 0;
  std::string latest_timestamp;
  // Seconds for t_batch_s; otherwise an amount in `currency` (per hour for price_per_hour).
  double latest = 0;
  double baseline_median = 0;
  std::string currency; // the money metrics only
  double change_pct = 0;
  bool regression = false;
  std::string reason;
};

struct CheckSettings {
  double threshold_pct = 5;
  std::size_t window = 5;
  // RFC 3339 UTC, as Entry::timestamp: when set, a series whose latest run is older is left out,
  // so that a nightly job judges what it measured, not a series it no longer runs.
  std::string since;
  // When set, only these series: the ones a nightly job has just measured, whatever other jobs
  // recorded in a shared history meanwhile.
  std::optional<std::set<Entry::Series>> series;
};

struct CheckReport {
  std::vector<Finding> findings; // one per series × metric with enough history
  // Groups with fewer than 3 earlier runs, and costs with fewer than 3 earlier runs in the latest
  // run's currency.
  std::vector<std::string> skipped;
  std::size_t series_before_since = 0; // left out by CheckSettings::since
  std::size_t series_not_asked = 0;    // left out by CheckSettings::series
  [[nodiscard]] bool regressed() const;
};

// For the latest run of each series (Entry::series) against the median of its previous `window`
// runs (at least 3): a regression when the slowdown (or cost rise) exceeds threshold_pct and the
// 95% confidence intervals do not overlap. Costs are compared only with earlier runs priced in the
// latest run's currency (T_batch with all); the finding says how many others it left out.
[[nodiscard]] CheckReport check(const std::vector<Entry>& entries, const CheckSettings& settings);

[[nodiscard]] std::string markdown(const CheckReport& report, const CheckSettings& settings);

} // namespace epochcost::history
