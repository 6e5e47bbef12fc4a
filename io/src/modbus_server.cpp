#include "plantwin/io/modbus_server.h"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin::io {

namespace {

constexpr int kTables = 4;
constexpr int kHandshake = -2;          // owner of the handshake holding register
constexpr int kAcknowledge = -3;        // owner of the acknowledge input register
constexpr double kPartialPollS = 0.01;  // how often clients with half a frame are looked at

int table_index(ModbusTable t) {
  return static_cast<int>(t);
}

}  // namespace

struct ModbusServer::Impl {
  modbus_t* ctx = nullptr;
  modbus_mapping_t* mb = nullptr;
  int listen_fd = -1;
  struct Client {
    int fd = -1;
    std::string origin;  // "modbus:<address>:<port>"
    // A frame begun but not complete: since when. Such a client is peeked at every 10 ms
    // instead of being watched by select(), and dropped when the frame takes too long.
    bool partial = false;
    std::chrono::steady_clock::time_point partial_since;
  };
  std::vector<Client> clients;
  // owner[table][address]: index into map_.points, kHandshake, kAcknowledge or -1 (unmapped).
  std::vector<int> owner[kTables];
  std::unique_ptr<Sim> scratch;  // writes are tried on it first; only the serving thread uses it
  std::uint64_t scratch_uses = 0;
  std::uint16_t ack = 0;
  std::chrono::steady_clock::time_point last_request = std::chrono::steady_clock::now();

  ~Impl() {
    for (const Client& c : clients) ::close(c.fd);
    if (listen_fd >= 0) ::close(listen_fd);
    if (mb) modbus_mapping_free(mb);
    if (ctx) modbus_free(ctx);
  }
  void drop(std::size_t i) {
    ::close(clients[i].fd);
    clients.erase(clients.begin() + static_cast<long>(i));
  }
};

ModbusServer::ModbusServer(ModbusServerMap map, std::shared_ptr<const Model> model,
                           ModbusServerOptions options)
    : map_(std::move(map)),
      model_(std::move(model)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  for (auto& o : m.owner) o.assign(65536, -1);
  for (std::size_t i = 0; i < map_.points.size(); ++i) {
    const ModbusPoint& p = map_.points[i];
    for (int w = 0; w < p.words(); ++w)
      m.owner[table_index(p.table)][static_cast<std::size_t>(p.address + w)] = static_cast<int>(i);
  }
  if (map_.handshake >= 0)
    m.owner[table_index(ModbusTable::kHoldingRegister)][static_cast<std::size_t>(map_.handshake)] =
        kHandshake;
  if (map_.acknowledge >= 0)
    m.owner[table_index(ModbusTable::kInputRegister)][static_cast<std::size_t>(map_.acknowledge)] =
        kAcknowledge;
  m.scratch = std::make_unique<Sim>(model_);
  m.mb = modbus_mapping_new(65536, 65536, 65536, 65536);
  m.ctx = modbus_new_tcp(options_.host.c_str(), options_.port);
  if (!m.mb || !m.ctx) throw std::runtime_error("modbus: out of memory");
  const auto byte_us = static_cast<std::uint32_t>(options_.byte_timeout_s * 1e6);
  modbus_set_byte_timeout(m.ctx, byte_us / 1000000, byte_us % 1000000);
  modbus_set_indication_timeout(m.ctx, byte_us / 1000000, byte_us % 1000000);
  m.listen_fd = modbus_tcp_listen(m.ctx, options_.max_clients);
  if (m.listen_fd < 0)
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port,
                                         modbus_strerror(errno)));
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(m.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

ModbusServer::~ModbusServer() = default;

std::size_t ModbusServer::client_count() const {
  return impl_->clients.size();
}

double ModbusServer::idle_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->last_request)
      .count();
}

void ModbusServer::publish(const Sim& sim) {
  Impl& m = *impl_;
  std::uint64_t clipped = 0;
  std::lock_guard lock(mutex_);
  for (const ModbusPoint& p : map_.points) {
    const auto a = static_cast<std::size_t>(p.address);
    if (p.table == ModbusTable::kInputRegister) {
      if (!encode_registers(sim.signal(p.index), p.coding, m.mb->tab_input_registers + a))
        ++clipped;
    } else if (p.table == ModbusTable::kDiscreteInput) {
      m.mb->tab_input_bits[a] = sim.signal(p.index) >= p.coding.threshold ? 1 : 0;
    }
  }
  counters_.clipped += clipped;
}

void ModbusServer::acknowledge() {
  Impl& m = *impl_;
  std::lock_guard lock(mutex_);
  ++m.ack;
  if (map_.acknowledge >= 0)
    m.mb->tab_input_registers[static_cast<std::size_t>(map_.acknowledge)] = m.ack;
}

void ModbusServer::poll(double timeout_s) {
  Impl& m = *impl_;
  fd_set set;
  FD_ZERO(&set);
  FD_SET(m.listen_fd, &set);
  int top = m.listen_fd;
  bool any_partial = false;
  for (const auto& c : m.clients) {
    any_partial = any_partial || c.partial;
    if (c.partial) continue;
    FD_SET(c.fd, &set);
    top = std::max(top, c.fd);
  }
  if (any_partial) timeout_s = std::min(timeout_s, kPartialPollS);
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout_s);
  tv.tv_usec = static_cast<long>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
  const int n = ::select(top + 1, &set, nullptr, nullptr, &tv);
  if (n < 0) return;  // EINTR: the caller polls again
  if (n > 0 && FD_ISSET(m.listen_fd, &set)) {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept(m.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (fd >= 0) {
      // select() cannot watch descriptors at or beyond FD_SETSIZE.
      if (static_cast<int>(m.clients.size()) >= options_.max_clients || fd >= FD_SETSIZE) {
        ::close(fd);
        ++counters_.refused;
      } else {
        char host[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
        Impl::Client c;
        c.fd = fd;
        c.origin = fmt::format("modbus:{}:{}", host, ntohs(addr.sin_port));
        m.clients.push_back(std::move(c));
      }
    }
  }
  std::uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < m.clients.size();) {
    auto& c = m.clients[i];
    if (!c.partial && (n <= 0 || !FD_ISSET(c.fd, &set))) {
      ++i;
      continue;
    }
    // libmodbus reads a frame with blocking waits of up to a byte timeout per chunk: a client
    // trickling bytes could hold the server for the whole frame. So a frame is handed to it
    // only once all of it has arrived (the MBAP header says how long it is).
    const ssize_t got = ::recv(c.fd, req, sizeof req, MSG_PEEK | MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      m.drop(i);  // closed by the client
      continue;
    }
    const auto have = static_cast<std::size_t>(std::max<ssize_t>(got, 0));
    const std::size_t length = have >= 6 ? static_cast<std::size_t>((req[4] << 8) | req[5]) : 0;
    if (have >= 6 && (length < 2 || length > MODBUS_TCP_MAX_ADU_LENGTH - 6)) {
      ++counters_.dropped;  // no Modbus frame is that long or short
      m.drop(i);
      continue;
    }
    if (have < 6 || have < 6 + length) {
      if (!c.partial) {
        c.partial = true;
        c.partial_since = now;
      } else if (std::chrono::duration<double>(now - c.partial_since).count() >
                 options_.frame_timeout_s) {
        ++counters_.dropped;
        m.drop(i);
        continue;
      }
      ++i;
      continue;
    }
    c.partial = false;
    modbus_set_socket(m.ctx, c.fd);
    const int rc = modbus_receive(m.ctx, req);
    if (rc < 0) {  // a malformed frame: drop this client only
      ++counters_.dropped;
      m.drop(i);
      continue;
    }
    if (rc > 0) {
      ++counters_.requests;
      m.last_request = std::chrono::steady_clock::now();
      current_origin_ = c.origin;
      handle(c.fd, req, rc);
    }
    ++i;
  }
}

bool ModbusServer::try_value(const ModbusPoint& p, double value) {
  if (!std::isfinite(value) || value < p.min || value > p.max) return false;
  // A scratch plant records what is set on it (a buffer's level samples): start it afresh now
  // and then so that a client writing forever costs bounded memory.
  if (++impl_->scratch_uses % 4096 == 0) impl_->scratch = std::make_unique<Sim>(model_);
  try {
    impl_->scratch->set(p.name, value);
  } catch (const std::invalid_argument&) {
    return false;
  }
  return true;
}

void ModbusServer::handle(int fd, const std::uint8_t* req, int length) {
  (void)fd;
  Impl& m = *impl_;
  const int h = modbus_get_header_length(m.ctx);
  const auto u16 = [&](int off) {
    return static_cast<int>((req[h + off] << 8) | req[h + off + 1]);
  };
  const auto reply = [&] {
    std::lock_guard lock(mutex_);
    modbus_reply(m.ctx, req, length, m.mb);
  };
  const auto exception = [&](unsigned code) {
    ++counters_.exceptions;
    modbus_reply_exception(m.ctx, req, code);
  };
  if (length < h + 5) return exception(MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
  const int function = req[h];
  const int addr = u16(1);
  const int n = u16(3);
  // Whether every address in [addr, addr + count) of `t` is mapped.
  const auto mapped = [&](ModbusTable t, int count) {
    const auto& owner = m.owner[table_index(t)];
    for (int a = addr; a < addr + count; ++a)
      if (a > 65535 || owner[static_cast<std::size_t>(a)] == -1) return false;
    return true;
  };
  // The accepted writes, handed on only when the whole request was accepted.
  std::vector<Input> inputs;
  bool handshake = false;
  const auto accept = [&](const ModbusPoint& p, double value) {
    if (!try_value(p, value)) return false;
    inputs.push_back(Input{std::nan(""), p.name, value, current_origin_});
    return true;
  };
  switch (function) {
    case MODBUS_FC_READ_COILS:
    case MODBUS_FC_READ_DISCRETE_INPUTS:
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS: {
      const bool bits = function <= MODBUS_FC_READ_DISCRETE_INPUTS;
      const int most = bits ? MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS;
      if (n < 1 || n > most) return reply();  // libmodbus answers ILLEGAL DATA VALUE
      const ModbusTable t =
          function == MODBUS_FC_READ_COILS               ? ModbusTable::kCoil
          : function == MODBUS_FC_READ_DISCRETE_INPUTS   ? ModbusTable::kDiscreteInput
          : function == MODBUS_FC_READ_HOLDING_REGISTERS ? ModbusTable::kHoldingRegister
                                                         : ModbusTable::kInputRegister;
      if (!mapped(t, n)) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      return reply();
    }
    case MODBUS_FC_WRITE_SINGLE_COIL: {
      if (!mapped(ModbusTable::kCoil, 1)) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      if (n != 0xFF00 && n != 0) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
      const auto& p = map_.points[static_cast<std::size_t>(
          m.owner[table_index(ModbusTable::kCoil)][static_cast<std::size_t>(addr)])];
      if (!accept(p, n ? 1.0 : 0.0)) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
      break;
    }
    case MODBUS_FC_WRITE_SINGLE_REGISTER: {
      if (!mapped(ModbusTable::kHoldingRegister, 1))
        return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      const int o =
          m.owner[table_index(ModbusTable::kHoldingRegister)][static_cast<std::size_t>(addr)];
      if (o == kHandshake) {
        handshake = true;
        break;
      }
      const auto& p = map_.points[static_cast<std::size_t>(o)];
      if (p.words() != 1) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      const auto reg = static_cast<std::uint16_t>(n);
      if (!accept(p, decode_registers(&reg, p.coding)))
        return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
      break;
    }
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS: {
      const bool bits = function == MODBUS_FC_WRITE_MULTIPLE_COILS;
      const int most = bits ? MODBUS_MAX_WRITE_BITS : MODBUS_MAX_WRITE_REGISTERS;
      if (length < h + 6) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
      const int bytes = req[h + 5];
      if (n < 1 || n > most || bytes != (bits ? (n + 7) / 8 : 2 * n) || length < h + 6 + bytes)
        return reply();  // libmodbus answers ILLEGAL DATA VALUE
      const ModbusTable t = bits ? ModbusTable::kCoil : ModbusTable::kHoldingRegister;
      if (!mapped(t, n)) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
      const std::uint8_t* data = req + h + 6;
      const auto& owner = m.owner[table_index(t)];
      for (int a = addr; a < addr + n;) {
        const int o = owner[static_cast<std::size_t>(a)];
        if (o == kHandshake) {
          handshake = true;
          ++a;
          continue;
        }
        const auto& p = map_.points[static_cast<std::size_t>(o)];
        // A 32-bit value is written whole or not at all.
        if (p.address < addr || p.address + p.words() > addr + n)
          return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
        double value = 0;
        if (bits) {
          const int i = a - addr;
          value = (data[i / 8] >> (i % 8)) & 1;
        } else {
          std::uint16_t regs[2];
          for (int w = 0; w < p.words(); ++w) {
            const int i = a - addr + w;
            regs[w] = static_cast<std::uint16_t>((data[2 * i] << 8) | data[2 * i + 1]);
          }
          value = decode_registers(regs, p.coding);
        }
        if (!accept(p, value)) return exception(MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
        a += p.words();
      }
      break;
    }
    default:
      return exception(MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
  }
  counters_.writes += inputs.size();
  if (on_write_)
    for (auto& in : inputs) on_write_(std::move(in));
  if (handshake && on_handshake_) {
    on_handshake_();
    ++counters_.steps;
  }
  reply();
}

}  // namespace plantwin::io
