#include "report/plots.hpp"

#include "report/format.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace epochcost::report {
namespace {

// A unit for an axis, chosen from the largest value so the ticks read as plain numbers.
struct Unit {
  std::string name;
  double per_second = 1;
};

Unit time_unit(double largest_s) {
  if (largest_s >= 7200) return {"h", 1.0 / 3600};
  if (largest_s >= 120) return {"min", 1.0 / 60};
  if (largest_s >= 1) return {"s", 1};
  if (largest_s >= 1e-3) return {"ms", 1e3};
  return {"µs", 1e6};
}

std::optional<double> scaled(const std::optional<double>& value, double factor) {
  return value ? std::optional<double>(*value * factor) : std::nullopt;
}

std::string plain_label(const compare::Row& r) {
  return r.gpu + " ×" + std::to_string(r.gpus) + " " + r.precision + " b" +
         std::to_string(r.batch_per_device) +
         (r.accumulation_steps > 1 ? "×" + std::to_string(r.accumulation_steps) : "");
}

} // namespace

std::string comparison_label(const compare::Comparison& comparison, std::size_t row) {
  const std::string label = plain_label(comparison.rows.at(row));
  const auto same = std::count_if(comparison.rows.begin(), comparison.rows.end(),
                                  [&](const compare::Row& r) { return plain_label(r) == label; });
  return same > 1 ? label + " (#" + std::to_string(row + 1) + ")" : label;
}

plot::Figure comparison_figure(const compare::Comparison& comparison) {
  double longest_s = 0;
  for (const auto& r : comparison.rows)
    longest_s = std::max(longest_s, r.epoch_s);
  const Unit unit = time_unit(longest_s);
  plot::Series cost, time;
  for (std::size_t i = 0; i < comparison.rows.size(); ++i) {
    const auto& r = comparison.rows[i];
    const std::string label = comparison_label(comparison, i);
    plot::Point point{label, r.cost_per_epoch, std::nullopt, std::nullopt,
                      money(r.cost_per_epoch, comparison.currency)};
    if (r.cost_per_epoch_ci95) {
      point.low = (*r.cost_per_epoch_ci95)[0];
      point.high = (*r.cost_per_epoch_ci95)[1];
    }
    cost.points.push_back(point);
    plot::Point epoch{label, r.epoch_s * unit.per_second, std::nullopt, std::nullopt,
                      duration(r.epoch_s)};
    if (r.epoch_s_ci95) {
      epoch.low = (*r.epoch_s_ci95)[0] * unit.per_second;
      epoch.high = (*r.epoch_s_ci95)[1] * unit.per_second;
    }
    time.points.push_back(epoch);
  }
  plot::Figure figure;
  figure.title = "epochcost compare — " + comparison.workload;
  figure.x_axis = plot::XAxis::categories;
  figure.panels = {{"cost per epoch (" + comparison.currency + ")", {cost}},
                   {"epoch time (" + unit.name + ")", {time}}};
  return figure;
}

plot::Figure trend_figure(const std::vector<history::Entry>& entries) {
  double slowest_s = 0;
  for (const auto& e : entries)
    slowest_s = std::max(slowest_s, e.t_batch_s);
  const Unit unit = time_unit(slowest_s);

  plot::Panel steps{"T_batch (" + unit.name + ")", {}};
  std::vector<std::string> currencies; // in order of first appearance, one cost panel each
  std::vector<plot::Panel> costs;
  std::map<history::Entry::Series, std::size_t> series_of; // → index in names
  std::vector<std::string> names;
  for (const auto& e : entries) {
    const auto [it, added] = series_of.emplace(e.series(), names.size());
    if (added) names.push_back(e.series_name());
    const std::string& name = names[it->second];
    const auto series_in = [&](plot::Panel& panel) -> plot::Series& {
      for (auto& series : panel.series) {
        if (series.name == name) return series;
      }
      return panel.series.emplace_back(plot::Series{name, {}});
    };
    series_in(steps).points.push_back({e.timestamp, e.t_batch_s * unit.per_second,
                                       scaled(e.t_batch_ci95_low, unit.per_second),
                                       scaled(e.t_batch_ci95_high, unit.per_second), ""});
    auto currency = std::find(currencies.begin(), currencies.end(), e.currency);
    if (currency == currencies.end()) {
      currency = currencies.insert(currencies.end(), e.currency);
      costs.push_back({"cost per epoch (" + e.currency + ")", {}});
    }
    series_in(costs[static_cast<std::size_t>(currency - currencies.begin())])
        .points.push_back({e.timestamp, e.cost_per_epoch, e.cost_ci95_low, e.cost_ci95_high, ""});
  }
  // Series a decade or more apart (a 60 µs MLP beside a 9 ms decoder) on a log axis: on a linear
  // one the fast series is a flat line at zero and its regressions cannot be seen.
  const auto spread_decades = [](plot::Panel& panel) {
    double low = 0, high = 0;
    for (const auto& series : panel.series) {
      for (const auto& point : series.points) {
        if (point.y <= 0) continue;
        low = low == 0 ? point.y : std::min(low, point.y);
        high = std::max(high, point.y);
      }
    }
    panel.log_y = low > 0 && high >= 10 * low;
    if (panel.log_y) panel.y_label += ", log scale";
  };
  spread_decades(steps);
  for (auto& cost : costs)
    spread_decades(cost);
  plot::Figure figure;
  figure.title = "epochcost history trend — T_batch and cost per epoch over time";
  figure.x_axis = plot::XAxis::time;
  figure.panels.push_back(std::move(steps));
  figure.panels.insert(figure.panels.end(), costs.begin(), costs.end());
  return figure;
}

} // namespace epochcost::report
