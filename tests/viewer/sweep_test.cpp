// A sweep found in an experiment's cases: which override keys vary, their values read with
// their units, and the grid they span; anything that is not a clean sweep stays bars.

#include "sweep.h"

#include <doctest/doctest.h>

using namespace plantwin::viewer;

TEST_CASE("swept values are read with the units a scenario accepts") {
  std::string unit;
  CHECK(parse_swept_value("12", &unit) == 12.0);
  CHECK(unit == "");
  CHECK(parse_swept_value(" 5 min ", &unit) == 300.0);
  CHECK(unit == "s");
  CHECK(parse_swept_value("36 /h", &unit) == doctest::Approx(0.01));
  CHECK(unit == "/s");
  CHECK(parse_swept_value("15 kW", &unit) == 15.0);
  CHECK(unit == "kW");
  CHECK_FALSE(parse_swept_value("exponential(2 min)"));
  CHECK_FALSE(parse_swept_value("press"));
  CHECK_FALSE(parse_swept_value("unlimited"));  // infinite: no place on an axis
}

TEST_CASE("an overrides attribute is split into keys and values, one a line") {
  const auto o =
      parse_overrides("components.a.capacity=3\ncomponents.b.process_time = 5 min\nnoise");
  REQUIRE(o.size() == 2);
  CHECK(o[0] == std::pair<std::string, std::string>{"components.a.capacity", "3"});
  CHECK(o[1] == std::pair<std::string, std::string>{"components.b.process_time", "5 min"});
  CHECK(parse_overrides("").empty());
}

TEST_CASE("one numeric key that varies is a line chart's axis, its values in increasing order") {
  // Cases in the file's (name) order: 12 before 3.
  const auto sw = find_sweep({"components.b.capacity=12\ncomponents.m.servers=2",
                              "components.b.capacity=3\ncomponents.m.servers=2",
                              "components.b.capacity=0\ncomponents.m.servers=2"});
  REQUIRE(sw);
  REQUIRE(sw->axes.size() == 1);
  CHECK(sw->axes[0].key == "components.b.capacity");
  CHECK(sw->axes[0].values == std::vector<double>{0, 3, 12});
  CHECK(sw->axes[0].texts == std::vector<std::string>{"0", "3", "12"});
  CHECK(sw->cell == std::vector<std::vector<int>>{{2}, {1}, {0}});
}

TEST_CASE("values with units are placed by what they mean, not as written") {
  const auto sw =
      find_sweep({"components.m.mttr=90 s", "components.m.mttr=1 h", "components.m.mttr=5 min"});
  REQUIRE(sw);
  CHECK(sw->axes[0].values == std::vector<double>{90, 300, 3600});
  CHECK(sw->axes[0].texts == std::vector<std::string>{"90 s", "5 min", "1 h"});
  CHECK(sw->axes[0].unit == "s");
}

TEST_CASE("two numeric keys make a heatmap's grid") {
  std::vector<std::string> cases;
  for (const char* b : {"1", "4"})
    for (const char* r : {"20 /h", "30 /h", "25 /h"})
      cases.push_back(std::string("components.a.rate=") + r + "\ncomponents.b.capacity=" + b);
  const auto sw = find_sweep(cases);
  REQUIRE(sw);
  REQUIRE(sw->axes.size() == 2);
  CHECK(sw->axes[0].key == "components.a.rate");
  CHECK(sw->axes[1].key == "components.b.capacity");
  CHECK(sw->axes[0].texts == std::vector<std::string>{"20 /h", "25 /h", "30 /h"});
  CHECK(sw->cell[1] == std::vector<int>{2, 0});  // 30 /h, capacity 1
  CHECK(sw->cell[5] == std::vector<int>{1, 1});  // 25 /h, capacity 4
}

TEST_CASE("what is not a clean sweep over one or two numbers stays bars") {
  SUBCASE("variants against a base that sets nothing") {
    CHECK_FALSE(find_sweep({"", "components.m.servers=3"}));
  }
  SUBCASE("a distribution") {
    CHECK_FALSE(find_sweep(
        {"components.m.process_time=exponential(1 min)", "components.m.process_time=2 min"}));
  }
  SUBCASE("values of different dimensions") {
    CHECK_FALSE(find_sweep({"components.m.x=5 min", "components.m.x=3"}));
  }
  SUBCASE("three keys") {
    CHECK_FALSE(find_sweep({"a=1\nb=1\nc=1", "a=2\nb=2\nc=2"}));
  }
  SUBCASE("one point twice") {
    CHECK_FALSE(find_sweep({"a=5 min", "a=300 s"}));
  }
  SUBCASE("a single case") {
    CHECK_FALSE(find_sweep({"a=1"}));
  }
  SUBCASE("nothing varies") {
    CHECK_FALSE(find_sweep({"a=1", "a=1"}));
  }
}

TEST_CASE("the heatmap's colours grow lighter with the value") {
  auto lightness = [](Colour c) { return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b; };
  for (int i = 0; i < 100; ++i)
    CHECK(lightness(heat_colour((i + 1) / 100.0)) > lightness(heat_colour(i / 100.0)));
  CHECK(heat_colour(-1).r == heat_colour(0).r);
  CHECK(heat_colour(2).g == heat_colour(1).g);
}
