#!/usr/bin/python3
"""A PLC for the bottling line, in Python, over Modbus TCP (Debian's pymodbus 3.0).

It runs the control logic of bottling_line.st against `plantwin serve-modbus` in lock-step,
through the register map io/bottling_line_modbus.yaml:

    plantwin serve-modbus scenarios/bottling_line_modbus.yaml \\
        --map scenarios/io/bottling_line_modbus.yaml --port 1502 --lockstep --scan 100ms --test &
    /usr/bin/python3 scenarios/bottling_line_plc.py --port 1502 --scan 100ms

Every scan, as a PLC does: read the inputs (one read of input registers 0-2: accumulation,
labeller state, acknowledge count), run the program, write the outputs that changed and the
handshake (one function-16 write of holding registers 0-1: filler speed and handshake; coils only
when they change). The server applies the outputs at the start of the step and runs the plant one
scan. The run ends at the scenario's horizon, when a handshake no longer advances the
acknowledge count. The same script against the same plant gives the same trace, so the plant's
expectations (serve-modbus --test) can judge this program in CI.

The program (see bottling_line.st):
1. The filler slows as the accumulation conveyor before the labeller fills (process-time
   factor 1 at 30 bottles, 2 at 60), stops at 60 bottles and starts again at 35.
2. A labeller that goes down is locked out; 30 s after its repair the program restarts it.
"""

import argparse
import sys

from pymodbus.client import ModbusTcpClient

DOWN = 3  # labeller.state: 0 working, 1 starved, 2 blocked, 3 down, 4 off


class BottlingPlc:
    """The control program; scan() maps inputs to outputs, with time in simulated seconds."""

    def __init__(self, scan_s):
        self.scan_s = scan_s
        self.filler_on = True
        self.labeller_on = True
        self.filler_speed = 1.0
        self.fault_seen = False
        self.restart_elapsed = 0.0  # a TON: time its input has been true

    def accumulation(self, level):
        if level >= 60:
            self.filler_on = False
        elif level <= 35:
            self.filler_on = True
        self.filler_speed = min(2.0, max(1.0, 1.0 + (level - 30.0) / 30.0))

    def labeller(self, state):
        if state == DOWN:
            self.fault_seen = True
            self.labeller_on = False
        timing = self.fault_seen and state != DOWN
        # TON(PT := T#30s): Q once the input has been true for 30 s of scans.
        self.restart_elapsed = self.restart_elapsed + self.scan_s if timing else 0.0
        if timing and self.restart_elapsed >= 30.0:
            self.labeller_on = True
            self.fault_seen = False
            self.restart_elapsed = 0.0

    def scan(self, level, labeller_state):
        self.accumulation(level)
        self.labeller(labeller_state)


def parse_duration(text):
    units = {"ms": 1e-3, "s": 1.0, "min": 60.0}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)].strip()) * units[unit]
    return float(text)


def run(port, plc, host="127.0.0.1", max_scans=10_000_000):
    """Drives the plant until its horizon; returns the number of scans run."""
    client = ModbusTcpClient(host, port=port, timeout=5)
    if not client.connect():
        raise SystemExit(f"cannot connect to {host}:{port}")
    written = {}
    scans = 0
    try:
        level, state, ack = client.read_input_registers(0, 3).registers
        while scans < max_scans:
            plc.scan(level, state)
            coils = [plc.filler_on, plc.labeller_on]
            if written.get("coils") != coils:
                reply = client.write_coils(0, coils)
                if reply.isError():
                    raise SystemExit(f"writing the coils failed: {reply}")
                written["coils"] = coils
            speed = round(plc.filler_speed * 1000)
            # Speed and handshake in one write: the server applies the speed first, then steps.
            reply = client.write_registers(0, [speed, 1])
            if reply.isError():
                raise SystemExit(f"the handshake failed: {reply}")
            level, state, new_ack = client.read_input_registers(0, 3).registers
            if new_ack == ack:  # the plant is at its horizon
                break
            ack = new_ack
            scans += 1
    finally:
        client.close()
    return scans


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=1502)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--scan", default="100ms", help="the server's --scan (simulated time per step)")
    args = ap.parse_args(argv)
    scans = run(args.port, BottlingPlc(parse_duration(args.scan)), host=args.host)
    print(f"{scans} scans", file=sys.stderr)


if __name__ == "__main__":
    main()
