#pragma once
/// What a run keeps of the world outside and of its own doubts, shared by the State and by result
/// files read back without the kernel (plantwin/result_file.h).

#include <cstdint>
#include <string>

namespace plantwin {

/// An input from outside (an actuator set by a person, a feed, Python, a replay) as it took
/// effect: replaying these at the same times reproduces the run.
struct AppliedInput {
  double time = 0;
  std::string target;
  double value = 0;
  std::string origin;
};

/// Something a run noticed that may make its results mean less than they seem (a maintenance
/// policy whose sensor never gave a reading ...). The same warning from the same source is
/// kept once, with a count and the time it was first seen.
struct RunWarning {
  double time = 0;
  std::string source;  ///< the component's name
  std::string message;
  std::uint64_t count = 1;
};

}  // namespace plantwin
