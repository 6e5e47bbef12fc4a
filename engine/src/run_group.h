#pragma once
// One run's groups and tables written under a group: a result file's root, or an experiment
// file's /cases/<name>/runs/<r> (a recorded replication). Internal to the results library.

#include <H5Cpp.h>

#include "plantwin/results.h"

namespace plantwin::h5 {

/// Writes `sim`'s run under `root` in the layout of docs/results.md: meta (attributes and the
/// components, layout, links and warnings tables), signals, events, inputs, measurements, kpi.
void write_run(H5::Group& root, const Sim& sim, const RunInfo& info);

}  // namespace plantwin::h5
