#pragma once
/// Output files that survive faults: every file plantwin writes (HDF5 results, experiment files,
/// KPI JSON, CSV tables) goes through `write_file_atomically`, so a full disk, a kill or a crash
/// never leaves a half-written file under the final name, never a stray temporary file, and never
/// touches a file that the caller did not name.
///
/// How: the bytes are written to an unnamed file in the target's folder (Linux O_TMPFILE), made
/// durable with fsync, given a unique name with linkat and renamed over the target. A process
/// killed before the link leaves nothing behind: the kernel frees an unnamed file when its last
/// descriptor closes. Where the file system has no O_TMPFILE, the temporary file gets a unique,
/// pid-tagged name `.<name>.<pid>-<random>.tmp`, created with O_EXCL and O_NOFOLLOW; the next
/// write to the same target removes those whose process is gone.

#include <string>
#include <string_view>

namespace plantwin {

/// Checks, before a long run, that `path` can take an output file: its folder exists and takes
/// new files, and `path` is not a directory, a device, a symbolic link or another non-regular
/// file. `what` names the file in the message ("the result file"). Throws std::runtime_error
/// "<path>: cannot write <what>: <why>".
void check_output_path(const std::string& path, const std::string& what);

/// Replaces `path` by a file holding `bytes`, or leaves it as it was: on any failure (full disk,
/// unwritable folder, `path` a directory or device) the old file is intact and no temporary file
/// remains. Throws std::runtime_error "<path>: cannot write <what>: <why>".
void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::string& what);

}  // namespace plantwin
