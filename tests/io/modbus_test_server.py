"""A pymodbus 3.0 Modbus TCP server that plays a plant for the client feed's tests.

Usage: modbus_test_server.py PORT

Serves 127.0.0.1:PORT (zero-based addresses) with, at unit 1:
  input registers 0-1   float32 21.5 (big word order)
  input register  2     1234        (a temperature of 123.4 at scale 0.1)
  input register  10    60000       (beyond a mapped range)
  holding register 5    -5 as int16 (0xFFFB)
  holding registers 6-7 uint32 70000 in little word order (0x1170, 0x0001)
  coil 3                on
  discrete input 0      on
Every table holds 100 addresses: a request beyond them gets exception 02.
"""

import logging
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer

logging.disable(logging.CRITICAL)

port = int(sys.argv[1])
ir = [0] * 100
ir[0], ir[1] = struct.unpack(">HH", struct.pack(">f", 21.5))
ir[2] = 1234
ir[10] = 60000
hr = [0] * 100
hr[5] = 0xFFFB
hr[6], hr[7] = 0x1170, 0x0001
co = [False] * 100
co[3] = True
di = [False] * 100
di[0] = True
slave = ModbusSlaveContext(di=ModbusSequentialDataBlock(0, di), co=ModbusSequentialDataBlock(0, co),
                           hr=ModbusSequentialDataBlock(0, hr), ir=ModbusSequentialDataBlock(0, ir),
                           zero_mode=True)
StartTcpServer(context=ModbusServerContext(slaves=slave, single=True), address=("127.0.0.1", port))
