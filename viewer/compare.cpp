#include "compare.h"

#include <cmath>
#include <map>
#include <utility>

#include "plantwin/stats.h"

namespace plantwin::viewer {

Interval paired_difference(const std::vector<double>& base, const std::vector<double>& other) {
  Interval out;
  double sum = 0, sum2 = 0;
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(base.size(), other.size()); ++i)
    if (std::isfinite(base[i]) && std::isfinite(other[i])) d.push_back(other[i] - base[i]);
  out.n = static_cast<int>(d.size());
  if (d.empty()) return out;
  for (const double x : d) sum += x;
  out.mean = sum / static_cast<double>(d.size());
  if (d.size() < 2) return out;
  for (const double x : d) sum2 += (x - out.mean) * (x - out.mean);
  const double sd = std::sqrt(sum2 / static_cast<double>(d.size() - 1));
  out.half_width = student_t_quantile(0.975, static_cast<double>(d.size() - 1)) * sd /
                   std::sqrt(static_cast<double>(d.size()));
  return out;
}

Comparison compare_cases(const std::vector<std::string>& cases,
                         const std::vector<std::vector<KpiItem>>& summaries,
                         const std::vector<std::vector<std::vector<KpiItem>>>& replications) {
  Comparison out;
  out.cases = cases;
  if (cases.empty()) return out;
  for (std::size_t c = 0; c < cases.size(); ++c)
    if (cases[c] == "base") out.base = static_cast<int>(c);
  const auto base = static_cast<std::size_t>(out.base);
  using Key = std::pair<std::string, std::string>;
  // Per case: where each KPI sits in its summary and in its replications.
  std::vector<std::map<Key, std::size_t>> where(cases.size());
  std::vector<std::vector<std::map<Key, std::size_t>>> where_rep(cases.size());
  for (std::size_t c = 0; c < cases.size(); ++c) {
    if (c < summaries.size())
      for (std::size_t k = 0; k < summaries[c].size(); ++k)
        where[c].emplace(Key{summaries[c][k].component, summaries[c][k].name}, k);
    if (c < replications.size())
      for (const auto& rep : replications[c]) {
        where_rep[c].emplace_back();
        for (std::size_t k = 0; k < rep.size(); ++k)
          where_rep[c].back().emplace(Key{rep[k].component, rep[k].name}, k);
      }
  }
  if (base >= summaries.size()) return out;
  auto values = [&](std::size_t c, const Key& key) {
    std::vector<double> v;
    if (c >= replications.size()) return v;
    for (std::size_t r = 0; r < replications[c].size(); ++r) {
      const auto it = where_rep[c][r].find(key);
      v.push_back(it == where_rep[c][r].end() ? std::nan("")
                                              : replications[c][r][it->second].value);
    }
    return v;
  };
  for (const KpiItem& k : summaries[base]) {
    const Key key{k.component, k.name};
    ComparedKpi row{k.component, k.name, k.unit, {}, {}};
    const std::vector<double> base_values = values(base, key);
    for (std::size_t c = 0; c < cases.size(); ++c) {
      Interval own;
      const auto it = c < summaries.size() ? where[c].find(key) : where[c].end();
      if (it != where[c].end()) {
        own.mean = summaries[c][it->second].value;
        own.half_width = summaries[c][it->second].half_width;
        own.n = c < replications.size() ? static_cast<int>(replications[c].size()) : 0;
      }
      row.per_case.push_back(own);
      row.vs_base.push_back(c == base ? Interval{}
                                      : paired_difference(base_values, values(c, key)));
    }
    out.kpis.push_back(std::move(row));
  }
  return out;
}

}  // namespace plantwin::viewer
