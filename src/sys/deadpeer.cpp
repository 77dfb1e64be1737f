#include "sys/deadpeer.hpp"

#include "base/error.hpp"
#include "sys/fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kaltune {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

UniqueFd checked(int fd, const char* what) {
  if (fd < 0) {
    throw SystemError(errno, what);
  }
  return UniqueFd(fd);
}

void check(int rc, const char* what) {
  if (rc != 0) {
    throw SystemError(errno, what);
  }
}

void enter_private_netns() {
  if (::unshare(CLONE_NEWNET) == 0) {
    return;
  }
  const int error = errno;
  // Without CAP_SYS_ADMIN, a user namespace of our own gives it over a network namespace of our
  // own, where that is allowed (kernel.unprivileged_userns_clone, user.max_user_namespaces).
  if ((error == EPERM || error == EACCES) && ::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
    return;
  }
  throw Error(ExitStatus::permission,
              fmt::format("cannot create a private network namespace: {} ({})",
                          std::strerror(error),
                          ::geteuid() != 0
                              ? "run as root, or allow unprivileged user namespaces"
                              : "denied to root: a security module, or a user namespace without "
                                "the right"));
}

void loopback_up() {
  UniqueFd fd = checked(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket for loopback");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  check(::ioctl(fd.get(), SIOCGIFFLAGS, &request), "cannot read the flags of lo");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  check(::ioctl(fd.get(), SIOCSIFFLAGS, &request), "cannot bring lo up");
}

tcp_info read_info(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  check(::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size), "TCP_INFO");
  return info;
}

// Waits until the socket reports an error or hang-up (ETIMEDOUT expected), up to `timeout_ms`
// (-1: for ever). True when it did.
bool wait_for_error(int fd, int timeout_ms) {
  pollfd wait{fd, POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&wait, 1, timeout_ms);
    if (ready >= 0) {
      return ready > 0;
    }
    if (errno != EINTR) {
      throw SystemError(errno, "poll on the measured connection");
    }
  }
}

// The error the connection ended with must be ETIMEDOUT.
void expect_timeout(int fd, std::int64_t elapsed_ms) {
  int error = 0;
  socklen_t error_size = sizeof error;
  check(::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_size), "SO_ERROR");
  if (error != ETIMEDOUT) {
    throw Error(ExitStatus::system,
                fmt::format("the connection ended with '{}' instead of ETIMEDOUT after {} ms",
                            error == 0 ? "no error" : std::strerror(error), elapsed_ms));
  }
}

// The measurement itself, in the child: the answer line.
std::string measure(bool busy) {
  UniqueFd listener =
      checked(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "cannot open a TCP socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  check(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), size),
        "cannot bind to 127.0.0.1");
  check(::listen(listener.get(), 1), "cannot listen on 127.0.0.1");
  check(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &size), "getsockname");
  UniqueFd client =
      checked(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "cannot open a TCP socket");
  check(::connect(client.get(), reinterpret_cast<sockaddr*>(&address), size),
        "cannot connect over loopback (is lo up?)");
  UniqueFd peer = checked(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC), "accept");
  // The peer's kernel now drops every segment for it before TCP sees it: a silent peer.
  sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  sock_fprog program{1, drop_all};
  check(::setsockopt(peer.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program),
        "cannot attach a drop-all filter to the peer socket");
  const auto keepalive_on = [&client] {
    const int on = 1;
    check(::setsockopt(client.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on),
          "cannot enable SO_KEEPALIVE");
  };
  if (!busy) {
    const auto start = Clock::now();
    keepalive_on();
    wait_for_error(client.get(), -1);
    const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    expect_timeout(client.get(), elapsed.count());
    return fmt::format("ok {}", elapsed.count());
  }
  // Busy: keepalive on as well (it must do nothing while data is in flight), then one segment
  // that is never acknowledged.
  keepalive_on();
  const tcp_info before = read_info(client.get());
  const std::string data(1000, 'x');
  const auto start = Clock::now();
  if (::send(client.get(), data.data(), data.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(data.size())) {
    throw SystemError(errno, "cannot write to the silent peer");
  }
  std::int64_t first = -1;
  // TCP_INFO every 10 ms until the first RTO retransmission, then wait for the end.
  while (first < 0 && !wait_for_error(client.get(), 10)) {
    if (read_info(client.get()).tcpi_retransmits > 0) {
      first = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
    }
  }
  wait_for_error(client.get(), -1);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  expect_timeout(client.get(), elapsed.count());
  return fmt::format("ok {} {} {} {}", elapsed.count(), before.tcpi_rto, before.tcpi_rtt, first);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return; // the parent is gone; nobody to tell
    }
    done += static_cast<std::size_t>(n);
  }
}

// The child's whole life: its answer is one line on `out`, "ok MS" (busy: "ok MS RTO_US RTT_US
// FIRST_MS") or "error STATUS MESSAGE".
[[noreturn]] void run_child(const MeasureRequest& request, int out) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::string answer;
  try {
    if (request.where == MeasureWhere::private_netns) {
      enter_private_netns();
      loopback_up();
    }
    if (request.prepare) {
      request.prepare();
    }
    answer = measure(request.busy);
  } catch (const Error& error) {
    answer = fmt::format("error {} {}", static_cast<int>(error.status()), error.what());
  } catch (const std::exception& error) {
    answer = fmt::format("error {} {}", static_cast<int>(ExitStatus::system), error.what());
  }
  write_all(out, answer);
  ::_exit(0);
}

// "ok ELAPSED [RTO_US RTT_US FIRST_MS]" into a Measurement.
std::optional<Measurement> parse_ok(const std::string& answer) {
  std::int64_t numbers[4] = {0, 0, 0, -1};
  const char* at = answer.data() + 3;
  const char* end = answer.data() + answer.size();
  std::size_t count = 0;
  while (count < 4 && at < end) {
    const auto [next, error] = std::from_chars(at, end, numbers[count]);
    if (error != std::errc()) {
      return std::nullopt;
    }
    ++count;
    at = next < end && *next == ' ' ? next + 1 : next;
  }
  if (count != 1 && count != 4) {
    return std::nullopt;
  }
  Measurement out;
  out.elapsed = milliseconds(numbers[0]);
  out.rto_us = numbers[1];
  out.rtt_us = numbers[2];
  if (numbers[3] >= 0) {
    out.first_retransmission = milliseconds(numbers[3]);
  }
  return out;
}

std::optional<Measurement> parse_answer(const std::string& answer) {
  if (answer.rfind("ok ", 0) == 0) {
    if (auto measured = parse_ok(answer)) {
      return measured;
    }
  }
  if (answer.rfind("error ", 0) == 0 && answer.size() > 8) {
    const int status = answer[6] - '0';
    throw Error(static_cast<ExitStatus>(status), answer.substr(8));
  }
  throw Error(ExitStatus::system,
              fmt::format("the measuring process ended without an answer{}",
                          answer.empty() ? "" : fmt::format(" ('{}')", answer)));
}

// The measuring child: killed and reaped on every way out, so none outlives the measurement.
class Child {
public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  void reap() {
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

private:
  pid_t pid_;
};
} // namespace

std::optional<Measurement> measure_dead_peer(const MeasureRequest& request) {
  int ends[2];
  check(::pipe2(ends, O_CLOEXEC), "cannot create a pipe");
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  const pid_t child = ::fork();
  if (child < 0) {
    throw SystemError(errno, "cannot fork the measuring process");
  }
  if (child == 0) {
    read_end.reset();
    run_child(request, write_end.get());
  }
  Child child_process(child);
  write_end.reset();
  const auto start = Clock::now();
  std::string answer;
  bool finished = false;
  while (!finished) {
    const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    if (elapsed >= request.cap) {
      return std::nullopt; // the child is killed on the way out
    }
    pollfd wait{read_end.get(), POLLIN, 0};
    const auto timeout = std::min<milliseconds>(milliseconds(1000), request.cap - elapsed);
    const int ready = ::poll(&wait, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR) {
      throw SystemError(errno, "poll on the measuring process");
    }
    if (ready > 0) {
      char buffer[512];
      const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
      if (n > 0) {
        answer.append(buffer, static_cast<std::size_t>(n));
      }
      finished = n == 0 || (n < 0 && errno != EINTR);
    } else if (request.tick) {
      request.tick(std::chrono::duration_cast<milliseconds>(Clock::now() - start));
    }
  }
  child_process.reap();
  return parse_answer(answer);
}

} // namespace kaltune
