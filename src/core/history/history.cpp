#include "history/history.hpp"

#include "compare/compare.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <sqlite3.h>
#include <sstream>
#include <thread>

namespace epochcost::history {
namespace {

// 'EPOC': marks the file as an epochcost history, so a foreign database is never written to.
constexpr int application_id = 0x45504f43;
constexpr int schema_version = 1;

std::string hex_hash(const std::string& text) {
  std::ostringstream out;
  out << std::hex << std::hash<std::string>{}(text);
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

std::optional<double> number_or_null(const nlohmann::json& value) {
  return value.is_number() ? std::optional<double>(value.get<double>()) : std::nullopt;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const auto n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

} // namespace

Store::Store(const std::filesystem::path& file) : file_(file) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(file, ec);
  const int flags = SQLITE_OPEN_READWRITE | (existed ? 0 : SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError("--history: cannot open '" + file.string() + "': " + reason);
  }
  sqlite3_busy_timeout(db_, 30000);
  try {
    // Read before writing anything: a foreign or corrupt file must stay as it is.
    Statement id(db_, "PRAGMA application_id");
    id.step();
    const int found_id = static_cast<int>(id.column_integer(0));
    Statement tables(db_, "SELECT count(*) FROM sqlite_master");
    tables.step();
    const bool empty = tables.column_integer(0) == 0;
    if (found_id != application_id && !(empty && found_id == 0)) {
      throw InputError("--history: '" + file.string() +
                       "' is an SQLite database but not an epochcost history; left untouched");
    }
  } catch (const RuntimeFailure& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError("--history: '" + file.string() + "' is not a readable SQLite database (" +
                     std::string(e.what()).substr(9) + "); left untouched");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
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
    if (!busy(rc) || std::chrono::steady_clock::now() > deadline) {
      throw RuntimeFailure("history '" + file_.string() + "': " + message);
    }
    pause_briefly(attempt);
  }
}

ImportOutcome Store::import(const nlohmann::json& result) {
  if (!result.is_object() || result.value("schema", "") != "epochcost.result/1" ||
      !result["config"]["model"].is_object()) {
    throw InputError(
        "history: only results of epochcost run or estimate with a model can be recorded");
  }
  const std::string text = result.dump();
  const std::string hash = hex_hash(text);
  const auto& config = result["config"];
  const auto& epoch = result["epoch"];
  const auto& cost = result["cost"];
  const nlohmann::json workload = compare::workload_of(config);
  const bool measured = result["timing"].is_object();
  std::string gpu = measured ? result["environment"].value("device_name", "?") : "";
  if (!measured) {
    gpu = config["pricing"]["gpu"].is_string() ? config["pricing"]["gpu"].get<std::string>()
                                               : "(estimate)";
  }
  std::optional<double> t_low, t_high, c_low, c_high;
  if (measured) {
    t_low = number_or_null(result["timing"]["t_batch_s"]["ci95_low"]);
    t_high = number_or_null(result["timing"]["t_batch_s"]["ci95_high"]);
  }
  if (cost["per_epoch_ci95"].is_array()) {
    c_low = number_or_null(cost["per_epoch_ci95"][0]);
    c_high = number_or_null(cost["per_epoch_ci95"][1]);
  }
  exec("BEGIN IMMEDIATE");
  try {
    Statement existing(db_, "SELECT id FROM runs WHERE result_hash = ?1");
    existing.text(1, hash);
    if (existing.step()) {
      const std::int64_t id = existing.column_integer(0);
      exec("COMMIT");
      return {id, true};
    }
    Statement insert(
        db_, "INSERT INTO runs (result_hash, timestamp, workload, workload_description, gpu,"
             " config_hash, t_batch_s, t_batch_ci95_low, t_batch_ci95_high, cost_per_epoch,"
             " cost_ci95_low, cost_ci95_high, currency, result)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    insert.text(1, hash)
        .text(2, result["environment"].value("timestamp", ""))
        .text(3, hex_hash(workload.dump()))
        .text(4, compare::describe_workload(workload))
        .text(5, gpu)
        .text(6, hex_hash(config.dump()))
        .real(7, epoch["t_batch_s"].get<double>())
        .real(8, t_low)
        .real(9, t_high)
        .real(10, cost["per_epoch"].get<double>())
        .real(11, c_low)
        .real(12, c_high)
        .text(13, cost["currency"].get<std::string>())
        .text(14, text);
    insert.step();
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    exec("COMMIT");
    return {id, false};
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::vector<Entry> Store::entries(const std::string& workload_filter,
                                  const std::string& gpu_filter) const {
  Statement select(db_, "SELECT id, timestamp, workload, workload_description, gpu, config_hash,"
                        " t_batch_s, t_batch_ci95_low, t_batch_ci95_high, cost_per_epoch,"
                        " cost_ci95_low, cost_ci95_high, currency FROM runs ORDER BY id");
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
    const bool workload_ok = workload_filter.empty() || e.workload == workload_filter ||
                             e.workload_description.find(workload_filter) != std::string::npos;
    const bool gpu_ok = gpu_filter.empty() || e.gpu.find(gpu_filter) != std::string::npos;
    if (workload_ok && gpu_ok) out.push_back(std::move(e));
  }
  return out;
}

std::optional<nlohmann::json> Store::result(std::int64_t id) const {
  Statement select(db_, "SELECT result FROM runs WHERE id = ?1");
  select.integer(1, id);
  if (!select.step()) return std::nullopt;
  return nlohmann::json::parse(select.column_text(0));
}

bool CheckReport::regressed() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.regression; });
}

CheckReport check(const std::vector<Entry>& entries, double threshold_pct, std::size_t window) {
  std::map<std::pair<std::string, std::string>, std::vector<const Entry*>> groups;
  for (const auto& e : entries)
    groups[{e.workload, e.gpu}].push_back(&e);
  CheckReport report;
  for (const auto& [key, runs] : groups) {
    const Entry& latest = *runs.back();
    const std::size_t earlier = runs.size() - 1;
    if (earlier < 3) {
      report.skipped.push_back(latest.workload_description + " on " + latest.gpu + ": " +
                               std::to_string(earlier) + " earlier run(s), 3 needed");
      continue;
    }
    const std::size_t from = earlier > window ? earlier - window : 0;
    const std::vector<const Entry*> previous(runs.begin() + static_cast<std::ptrdiff_t>(from),
                                             runs.end() - 1);
    const auto judge = [&](const char* metric, double Entry::*value,
                           std::optional<double> Entry::*low, std::optional<double> Entry::*high) {
      std::vector<double> values, highs;
      for (const Entry* e : previous) {
        values.push_back(e->*value);
        highs.push_back((e->*high).value_or(e->*value)); // no CI: an exact figure (a price)
      }
      Finding f;
      f.workload_description = latest.workload_description;
      f.gpu = latest.gpu;
      f.metric = metric;
      f.latest = latest.*value;
      f.baseline_median = median(values);
      f.change_pct = (f.latest - f.baseline_median) / f.baseline_median * 100;
      const double latest_low = (latest.*low).value_or(latest.*value);
      const double previous_high = median(highs);
      const bool beyond_threshold = f.change_pct > threshold_pct;
      const bool separated = latest_low > previous_high;
      f.regression = beyond_threshold && separated;
      std::ostringstream reason;
      reason.precision(3);
      reason << (f.change_pct >= 0 ? "+" : "") << f.change_pct << "% against the median of "
             << previous.size() << " earlier runs";
      if (beyond_threshold && !separated) reason << "; confidence intervals overlap";
      f.reason = reason.str();
      report.findings.push_back(f);
    };
    judge("t_batch_s", &Entry::t_batch_s, &Entry::t_batch_ci95_low, &Entry::t_batch_ci95_high);
    judge("cost_per_epoch", &Entry::cost_per_epoch, &Entry::cost_ci95_low, &Entry::cost_ci95_high);
  }
  return report;
}

std::string markdown(const CheckReport& report, double threshold_pct, std::size_t window) {
  std::ostringstream out;
  out.precision(4);
  out << "## epochcost history check\n\n"
      << (report.regressed() ? "**REGRESSION**" : "No regression") << " (threshold "
      << threshold_pct << "%, window " << window << ", confidence intervals must not overlap)\n\n";
  if (!report.findings.empty()) {
    out << "| workload | gpu | metric | latest | median before | change | verdict |\n"
        << "|---|---|---|---:|---:|---:|---|\n";
    for (const auto& f : report.findings) {
      out << "| " << f.workload_description << " | " << f.gpu << " | " << f.metric << " | "
          << f.latest << " | " << f.baseline_median << " | " << f.reason << " | "
          << (f.regression ? "**regression**" : "ok") << " |\n";
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
