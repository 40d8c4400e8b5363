#include "history/history.hpp"

#include "compare/compare.hpp"
#include "report/format.hpp"
#include "report/grid.hpp"
#include "util/errors.hpp"
#include "util/stable_hash.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sqlite3.h>
#include <sstream>
#include <thread>

namespace epochcost::history {
namespace {

// 'EPOC': marks the file as an epochcost history, so a foreign database is never written to.
constexpr int application_id = 0x45504f43;
constexpr int schema_version = 1;

// Unpadded hexadecimal, as the histories of earlier builds hold it.
std::string hex_hash(const std::string& text) {
  std::ostringstream out;
  out << std::hex << stable_hash(text);
  return out.str();
}

// SQLite's busy handler does not cover every lock conflict (switching a new file to WAL while
// another process opens it, for one): such calls are retried for up to this long.
constexpr auto busy_deadline = std::chrono::seconds(30);

bool busy(int rc) {
  return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

void pause_briefly(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5 + (attempt * 7) % 20));
}

// A statement with bound parameters, finalized on scope exit.
class Statement {
public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw RuntimeFailure(std::string("history: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& text(int i, const std::string& value) {
    sqlite3_bind_text(stmt_, i, value.c_str(), -1, SQLITE_TRANSIENT);
    return *this;
  }
  Statement& real(int i, std::optional<double> value) {
    if (value)
      sqlite3_bind_double(stmt_, i, *value);
    else
      sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& integer(int i, std::int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  bool step() {
    const auto deadline = std::chrono::steady_clock::now() + busy_deadline;
    for (int attempt = 0;; ++attempt) {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      if (!busy(rc) || std::chrono::steady_clock::now() > deadline) {
        throw RuntimeFailure(std::string("history: ") + sqlite3_errmsg(db_));
      }
      sqlite3_reset(stmt_);
      pause_briefly(attempt);
    }
  }
  [[nodiscard]] std::string column_text(int i) const {
    const auto* text = sqlite3_column_text(stmt_, i);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  [[nodiscard]] std::optional<double> column_real(int i) const {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(stmt_, i);
  }
  [[nodiscard]] std::int64_t column_integer(int i) const { return sqlite3_column_int64(stmt_, i); }

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const auto n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

} // namespace

std::string Entry::series_name() const {
  return workload_description + " on " + gpu + ", batch " + std::to_string(batch_size) + " × " +
         std::to_string(devices);
}

void sort_by_series(std::vector<Entry>& entries) {
  std::map<Entry::Series, std::size_t> rank;
  for (const auto& e : entries)
    rank.emplace(e.series(), rank.size());
  std::stable_sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    const auto ra = rank.at(a.series()), rb = rank.at(b.series());
    return ra != rb ? ra < rb : a.timestamp < b.timestamp;
  });
}

Record record_of(const report::ResultFile& file) {
  const report::ResultReader r(file);
  r.check();
  const nlohmann::json workload = compare::workload_of(r);
  Record record;
  record.result_text = file.result.dump();
  record.result_hash = hex_hash(record.result_text);
  Entry& e = record.entry;
  e.timestamp = r.timestamp("environment.timestamp");
  e.workload = hex_hash(workload.dump());
  e.workload_description = compare::describe_workload(workload);
  e.gpu = compare::gpu_of(r);
  e.config_hash = hex_hash(r.object("config").dump());
  e.t_batch_s = r.number("epoch.t_batch_s");
  e.batch_size = r.integer("config.data.batch_size");
  e.devices = r.integer("epoch.devices_billed");
  // The job's step and its interval, from one figure: a run measured on fewer devices than it
  // is billed for has both scaled (timing.t_batch_s holds the measured device's unscaled step).
  if (const auto epoch_ci95 = r.interval("epoch.seconds_ci95")) {
    const auto batches = static_cast<double>(r.integer("epoch.batches"));
    e.t_batch_ci95_low = (*epoch_ci95)[0] / batches;
    e.t_batch_ci95_high = (*epoch_ci95)[1] / batches;
  }
  e.cost_per_epoch = r.number("cost.per_epoch");
  if (const auto ci95 = r.interval("cost.per_epoch_ci95")) {
    e.cost_ci95_low = (*ci95)[0];
    e.cost_ci95_high = (*ci95)[1];
  }
  e.currency = r.text("cost.currency");
  return record;
}

Store::Store(const std::filesystem::path& file, Access access) : file_(file) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(file, ec);
  const bool read_only = access == Access::read_only;
  if (std::filesystem::is_directory(file, ec)) {
    throw InputError("--history: '" + file.string() + "' is a directory, not a history file");
  }
  if (read_only && !existed) {
    throw InputError("--history: no such history file: " + file.string());
  }
  const auto open = [&](int flags) {
    if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db_, 30000);
      return std::string();
    }
    std::string reason = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    return reason;
  };
  const auto cannot_open = [&](const std::string& reason) {
    throw InputError("--history: cannot open '" + file.string() + "': " + reason);
  };
  if (existed) {
    // Checked on a read-only connection: a foreign or damaged file must stay as it is, byte for
    // byte, and a read-write one would checkpoint its WAL or roll back its journal on closing.
    if (const std::string failure = open(SQLITE_OPEN_READONLY); !failure.empty())
      cannot_open(failure);
    try {
      // A target may be a history still empty: another job's first record has created the
      // file and not yet committed its tables.
      check_identity(read_only);
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
    sqlite3_close(db_);
    db_ = nullptr;
  }
  if (access == Access::recording_target) return;
  // Readers too open an epochcost history for writing where they may (and write nothing): the
  // WAL's last connection then removes the -wal and -shm files, which a read-only one leaves.
  std::string failure = open(SQLITE_OPEN_READWRITE | (existed ? 0 : SQLITE_OPEN_CREATE));
  if (!failure.empty() && read_only) failure = open(SQLITE_OPEN_READONLY);
  if (!failure.empty()) cannot_open(failure);
  if (read_only) return;
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("BEGIN IMMEDIATE");
    exec("PRAGMA application_id=" + std::to_string(application_id));
    exec("PRAGMA user_version=" + std::to_string(schema_version));
    exec("CREATE TABLE IF NOT EXISTS runs ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " result_hash TEXT NOT NULL UNIQUE,"
         " timestamp TEXT NOT NULL, workload TEXT NOT NULL, workload_description TEXT NOT NULL,"
         " gpu TEXT NOT NULL, config_hash TEXT NOT NULL,"
         " t_batch_s REAL NOT NULL, t_batch_ci95_low REAL, t_batch_ci95_high REAL,"
         " cost_per_epoch REAL NOT NULL, cost_ci95_low REAL, cost_ci95_high REAL,"
         " currency TEXT NOT NULL, result TEXT NOT NULL)");
    exec("COMMIT");
  } catch (...) {
    // A constructor that throws runs no destructor: the handle is closed here.
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

// An epochcost history (or, to be recorded in, an empty database) of this schema, whole.
void Store::check_identity(bool read_only) const {
  try {
    Statement id(db_, "PRAGMA application_id");
    id.step();
    const int found_id = static_cast<int>(id.column_integer(0));
    Statement tables(db_, "SELECT count(*) FROM sqlite_master");
    tables.step();
    const bool empty = tables.column_integer(0) == 0;
    // An empty database becomes a history only when something is recorded in it.
    if (found_id != application_id && !(empty && found_id == 0 && !read_only)) {
      throw InputError("--history: '" + file_.string() +
                       "' is an SQLite database but not an epochcost history; left untouched");
    }
    if (found_id == application_id) check_layout(file_);
  } catch (const RuntimeFailure& e) {
    throw InputError("--history: '" + file_.string() + "' is not a readable SQLite database (" +
                     std::string(e.what()).substr(9) + "); left untouched");
  }
}

// An epochcost history of this schema, whole: a damaged file or one of another layout is refused
// before anything is written to it.
void Store::check_layout(const std::filesystem::path& file) const {
  const auto refuse = [&](const std::string& why) {
    throw InputError("--history: '" + file.string() + "' " + why + "; left untouched");
  };
  Statement version(db_, "PRAGMA user_version");
  version.step();
  if (const auto found = version.column_integer(0); found != schema_version) {
    refuse("is an epochcost history of schema " + std::to_string(found) +
           ", this epochcost reads " + std::to_string(schema_version));
  }
  // One row "ok", else one row holding the problems a line each, under a "*** in database" title.
  Statement integrity(db_, "PRAGMA quick_check");
  std::vector<std::string> problems;
  while (integrity.step()) {
    std::istringstream rows(integrity.column_text(0));
    for (std::string line; std::getline(rows, line);) {
      if (line != "ok" && !line.starts_with("***")) problems.push_back(line);
    }
  }
  if (!problems.empty()) {
    refuse("is damaged (SQLite's quick_check: " + problems.front() +
           (problems.size() > 1 ? ", and " + std::to_string(problems.size() - 1) + " more" : "") +
           ")");
  }
  std::set<std::string> columns;
  Statement table(db_, "PRAGMA table_info(runs)");
  while (table.step())
    columns.insert(table.column_text(1));
  for (const char* column :
       {"id", "result_hash", "timestamp", "workload", "workload_description", "gpu", "config_hash",
        "t_batch_s", "t_batch_ci95_low", "t_batch_ci95_high", "cost_per_epoch", "cost_ci95_low",
        "cost_ci95_high", "currency", "result"}) {
    if (!columns.contains(column))
      refuse("is marked as an epochcost history but its table 'runs' has no column '" +
             std::string(column) + "'");
  }
}

Store::~Store() {
  sqlite3_close(db_);
}

void Store::exec(const std::string& sql) const {
  const auto deadline = std::chrono::steady_clock::now() + busy_deadline;
  for (int attempt = 0;; ++attempt) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return;
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    if ((rc & 0xff) == SQLITE_READONLY) {
      throw InputError("--history: '" + file_.string() + "' cannot be written: " + message);
    }
    if (!busy(rc) || std::chrono::steady_clock::now() > deadline) {
      throw RuntimeFailure("history '" + file_.string() + "': " + message);
    }
    pause_briefly(attempt);
  }
}

std::vector<ImportOutcome> Store::import(const std::vector<Record>& records) {
  std::vector<ImportOutcome> outcomes;
  exec("BEGIN IMMEDIATE");
  try {
    for (const auto& record : records) {
      Statement existing(db_, "SELECT id FROM runs WHERE result_hash = ?1");
      existing.text(1, record.result_hash);
      if (existing.step()) {
        outcomes.push_back({existing.column_integer(0), true});
        continue;
      }
      const Entry& e = record.entry;
      Statement insert(
          db_, "INSERT INTO runs (result_hash, timestamp, workload, workload_description, gpu,"
               " config_hash, t_batch_s, t_batch_ci95_low, t_batch_ci95_high, cost_per_epoch,"
               " cost_ci95_low, cost_ci95_high, currency, result)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
      insert.text(1, record.result_hash)
          .text(2, e.timestamp)
          .text(3, e.workload)
          .text(4, e.workload_description)
          .text(5, e.gpu)
          .text(6, e.config_hash)
          .real(7, e.t_batch_s)
          .real(8, e.t_batch_ci95_low)
          .real(9, e.t_batch_ci95_high)
          .real(10, e.cost_per_epoch)
          .real(11, e.cost_ci95_low)
          .real(12, e.cost_ci95_high)
          .text(13, e.currency)
          .text(14, record.result_text);
      insert.step();
      outcomes.push_back({sqlite3_last_insert_rowid(db_), false});
    }
    exec("COMMIT");
    return outcomes;
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::vector<Entry> Store::entries(const std::string& workload_filter,
                                  const std::string& gpu_filter) const {
  Statement select(db_, "SELECT id, timestamp, workload, workload_description, gpu, config_hash,"
                        " t_batch_s,"
                        // The job step's interval from the stored result, as record_of takes it:
                        // rows recorded before it did hold the measured device's, unscaled.
                        " COALESCE(CAST(json_extract(result, '$.epoch.seconds_ci95[0]') AS REAL)"
                        " / json_extract(result, '$.epoch.batches'), t_batch_ci95_low),"
                        " COALESCE(CAST(json_extract(result, '$.epoch.seconds_ci95[1]') AS REAL)"
                        " / json_extract(result, '$.epoch.batches'), t_batch_ci95_high),"
                        " cost_per_epoch,"
                        " cost_ci95_low, cost_ci95_high, currency,"
                        " json_extract(result, '$.config.data.batch_size'),"
                        " json_extract(result, '$.epoch.devices_billed'),"
                        " CAST(json_extract(result, '$.cost.price_per_hour') AS REAL)"
                        " * json_extract(result, '$.cost.billed_units'),"
                        " json_extract(result, '$.config') FROM runs ORDER BY id");
  std::vector<Entry> out;
  while (select.step()) {
    Entry e;
    e.id = select.column_integer(0);
    e.timestamp = select.column_text(1);
    e.workload = select.column_text(2);
    e.workload_description = select.column_text(3);
    e.gpu = select.column_text(4);
    e.config_hash = select.column_text(5);
    e.t_batch_s = *select.column_real(6);
    e.t_batch_ci95_low = select.column_real(7);
    e.t_batch_ci95_high = select.column_real(8);
    e.cost_per_epoch = *select.column_real(9);
    e.cost_ci95_low = select.column_real(10);
    e.cost_ci95_high = select.column_real(11);
    e.currency = select.column_text(12);
    e.batch_size = select.column_integer(13);
    e.devices = select.column_integer(14);
    e.price_per_hour = select.column_real(15);
    // Today's words for the recorded workload, from its stored config: rows of earlier builds say
    // "tiny 2 layers", and one series would carry two labels (the recorded one where unreadable).
    if (auto config = nlohmann::json::parse(select.column_text(16), nullptr, false);
        config.is_object()) {
      const nlohmann::json stored = {{"config", std::move(config)}};
      const std::string name = "run " + std::to_string(e.id);
      try {
        e.workload_description =
            compare::describe_workload(compare::workload_of(report::ResultReader(stored, name)));
      } catch (const InputError&) {
      }
    }
    // A hash prefix of 8 or more characters, as `list` shows it, names one workload.
    const bool workload_ok = workload_filter.empty() ||
                             (workload_filter.size() >= 8 &&
                              ascii_lower(e.workload).starts_with(ascii_lower(workload_filter))) ||
                             contains_ignoring_case(e.workload_description, workload_filter);
    const bool gpu_ok = gpu_filter.empty() || contains_ignoring_case(e.gpu, gpu_filter);
    if (workload_ok && gpu_ok) out.push_back(std::move(e));
  }
  return out;
}

std::optional<nlohmann::json> Store::result(std::int64_t id) const {
  Statement select(db_, "SELECT result FROM runs WHERE id = ?1");
  select.integer(1, id);
  if (!select.step()) return std::nullopt;
  auto result = nlohmann::json::parse(select.column_text(0), nullptr, false);
  if (result.is_discarded() || !result.is_object()) {
    throw InputError("--history: '" + file_.string() + "': run " + std::to_string(id) +
                     " holds no result document (the file was edited or damaged)");
  }
  return result;
}

bool CheckReport::regressed() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.regression; });
}

CheckReport check(const std::vector<Entry>& entries, const CheckSettings& settings) {
  constexpr std::size_t min_earlier = 3;
  // Latest is the latest measured, whatever the order the results were recorded in.
  std::vector<Entry> sorted = entries;
  sort_by_series(sorted);
  std::vector<std::vector<const Entry*>> groups;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i].series() != sorted[i - 1].series()) groups.emplace_back();
    groups.back().push_back(&sorted[i]);
  }
  CheckReport report;
  for (const auto& runs : groups) {
    const Entry& latest = *runs.back();
    if (settings.series && !settings.series->contains(latest.series())) {
      ++report.series_not_asked;
      continue;
    }
    if (!settings.since.empty() && latest.timestamp < settings.since) {
      ++report.series_before_since;
      continue;
    }
    const std::string group = latest.series_name();
    const std::vector<const Entry*> earlier(runs.begin(), runs.end() - 1);
    if (earlier.size() < min_earlier) {
      report.skipped.push_back(group + ": " + std::to_string(earlier.size()) + " earlier run(s), " +
                               std::to_string(min_earlier) + " needed");
      continue;
    }
    // The last `window` of the candidates.
    const auto last_window = [window =
                                  settings.window](const std::vector<const Entry*>& candidates) {
      const std::size_t from = candidates.size() > window ? candidates.size() - window : 0;
      return std::vector<const Entry*>(candidates.begin() + static_cast<std::ptrdiff_t>(from),
                                       candidates.end());
    };
    // A figure of an entry, and its 95% interval (none: an exact figure, as a price is).
    using Figure = double (*)(const Entry&);
    using Bound = std::optional<double> (*)(const Entry&);
    const auto judge = [&](const char* metric, Figure value, Bound low, Bound high,
                           const std::vector<const Entry*>& previous, const std::string& aside,
                           const std::string& currency) {
      std::vector<double> values, highs;
      for (const Entry* e : previous) {
        values.push_back(value(*e));
        highs.push_back(high(*e).value_or(value(*e)));
      }
      Finding f;
      f.workload_description = latest.workload_description;
      f.gpu = latest.gpu;
      f.batch_size = latest.batch_size;
      f.devices = latest.devices;
      f.metric = metric;
      f.latest_id = latest.id;
      f.latest_timestamp = latest.timestamp;
      f.latest = value(latest);
      f.currency = currency;
      f.baseline_median = median(values);
      if (f.baseline_median <= 0) { // free before (a price of 0): no change in percent
        if (f.latest <= 0) {
          report.skipped.push_back(group + ": " + metric + " not compared: 0 before and now");
          return;
        }
        f.regression = true; // what cost nothing now costs something
        f.change_pct = std::numeric_limits<double>::infinity();
        f.reason = "from 0 (the median of " + std::to_string(previous.size()) +
                   " earlier runs) to more" + aside;
        report.findings.push_back(f);
        return;
      }
      f.change_pct = (f.latest - f.baseline_median) / f.baseline_median * 100;
      const double latest_low = low(latest).value_or(f.latest);
      const double previous_high = median(highs);
      // Beyond by more than rounding: +5% of decimal figures can come out 5.000000000000004.
      const bool beyond_threshold = f.change_pct > settings.threshold_pct + 1e-9;
      const bool separated = latest_low > previous_high;
      f.regression = beyond_threshold && separated;
      std::ostringstream reason;
      reason.precision(3);
      reason << (f.change_pct >= 0 ? "+" : "") << f.change_pct << "% against the median of "
             << previous.size() << (previous.size() == 1 ? " earlier run" : " earlier runs");
      if (beyond_threshold && !separated) reason << "; confidence intervals overlap";
      f.reason = reason.str() + aside;
      report.findings.push_back(f);
    };
    judge(
        "t_batch_s", [](const Entry& e) { return e.t_batch_s; },
        [](const Entry& e) { return e.t_batch_ci95_low; },
        [](const Entry& e) { return e.t_batch_ci95_high; }, last_window(earlier), "", "");
    // A price in another currency is no baseline for a cost: compare like with like, and say
    // which runs of the window that leaves out.
    std::vector<const Entry*> same_currency;
    std::copy_if(earlier.begin(), earlier.end(), std::back_inserter(same_currency),
                 [&](const Entry* e) { return e->currency == latest.currency; });
    // How many of `runs` are priced in other currencies, and which.
    const auto priced_otherwise = [&](const std::vector<const Entry*>& runs) {
      std::set<std::string> currencies;
      std::size_t count = 0;
      for (const Entry* e : runs) {
        if (e->currency == latest.currency) continue;
        ++count;
        currencies.insert(e->currency);
      }
      return std::pair{count, joined(currencies, ", ")};
    };
    if (same_currency.size() < min_earlier) {
      report.skipped.push_back(
          group + ": cost_per_epoch not compared: the latest run is priced in " + latest.currency +
          ", earlier runs in " + priced_otherwise(earlier).second +
          "; costs are compared within one currency (" + std::to_string(same_currency.size()) +
          " earlier run(s) in " + latest.currency + ", " + std::to_string(min_earlier) +
          " needed)");
      continue;
    }
    const auto [others, in_others] = priced_otherwise(last_window(earlier));
    const std::string left_out = others == 0 ? ""
                                             : "; " + std::to_string(others) +
                                                   " earlier run(s) of the window priced in " +
                                                   in_others + " left out";
    judge(
        "cost_per_epoch", [](const Entry& e) { return e.cost_per_epoch; },
        [](const Entry& e) { return e.cost_ci95_low; },
        [](const Entry& e) { return e.cost_ci95_high; }, last_window(same_currency), left_out,
        latest.currency);
    // The price itself is exact: a dearer hour is a regression however noisy the step, which
    // widens the cost's interval (and hid a 10% price rise behind a ±7% one).
    std::vector<const Entry*> priced;
    std::copy_if(same_currency.begin(), same_currency.end(), std::back_inserter(priced),
                 [](const Entry* e) { return e->price_per_hour.has_value(); });
    if (latest.price_per_hour && priced.size() >= min_earlier) {
      const Bound exact = [](const Entry&) { return std::optional<double>(); };
      judge(
          "price_per_hour", [](const Entry& e) { return *e.price_per_hour; }, exact, exact,
          last_window(priced), left_out, latest.currency);
    }
  }
  return report;
}

std::string markdown(const CheckReport& report, const CheckSettings& settings) {
  std::ostringstream out;
  out.precision(4);
  // A night that compared nothing must not read as a clean bill: say so.
  const char* verdict = report.regressed()        ? "**REGRESSION**"
                        : report.findings.empty() ? "Nothing checked"
                                                  : "No regression";
  out << "## epochcost history check\n\n"
      << verdict << " (threshold " << settings.threshold_pct << "%, window " << settings.window
      << ", confidence intervals must not overlap"
      << (settings.since.empty() ? "" : ", series measured since " + settings.since) << ")\n\n";
  if (report.series_not_asked > 0)
    out << report.series_not_asked << " series of other results left out (--series-of).\n\n";
  if (report.series_before_since > 0) {
    out << report.series_before_since << " series with no run since " << settings.since
        << " left out.\n\n";
  }
  if (report.findings.empty() && report.skipped.empty() && report.series_before_since == 0 &&
      report.series_not_asked == 0)
    out << "The history holds no recorded run.\n";
  if (!report.findings.empty()) {
    out << "| workload | gpu | batch × devices | latest run | metric | latest | median before | "
           "change | verdict |\n"
        << "|---|---|---|---|---|---:|---:|---:|---|\n";
    for (const auto& f : report.findings) {
      const auto figure = [&f](double value) {
        if (f.currency.empty()) return report::duration(value);
        return report::money(value, f.currency) + (f.metric == "price_per_hour" ? "/h" : "");
      };
      out << "| " << report::markdown_escape(f.workload_description) << " | "
          << report::markdown_escape(f.gpu) << " | " << f.batch_size << " × " << f.devices << " | #"
          << f.latest_id << ", " << f.latest_timestamp << " | " << f.metric << " | "
          << figure(f.latest) << " | " << figure(f.baseline_median) << " | "
          << report::markdown_escape(f.reason) << " | " << (f.regression ? "**regression**" : "ok")
          << " |\n";
    }
  }
  if (!report.skipped.empty()) {
    out << "\nNot checked yet:\n";
    for (const auto& s : report.skipped)
      out << "- " << s << "\n";
  }
  return out.str();
}

} // namespace epochcost::history
