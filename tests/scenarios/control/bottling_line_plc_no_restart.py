#!/usr/bin/python3
"""The bottling line's Python PLC with a bug kept for the tests: the labeller, locked out when
it goes down, is never restarted (the timed restart is missing). Its expectation suite must
fail and say so. Usage as scenarios/bottling_line_plc.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "scenarios"))
import bottling_line_plc as plc  # noqa: E402


class NoRestart(plc.BottlingPlc):
    def labeller(self, state):
        if state == plc.DOWN:
            self.labeller_on = False


if __name__ == "__main__":
    plc.BottlingPlc = NoRestart
    plc.main()
