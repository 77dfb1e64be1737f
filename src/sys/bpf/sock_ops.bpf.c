/* kaltune's cgroup sock_ops program: gives every TCP connection established in the cgroup
 * subtree SO_KEEPALIVE, the keepalive timings and optionally TCP_USER_TIMEOUT, unless the
 * connection's program chose its own keepalive (set before connect, or inherited from its
 * listener). Compiled with clang -target bpf at build time; loaded by sys/bpf_enforce.cpp.
 *
 * "Chose its own" is read from the socket itself (CO-RE over the kernel's BTF): tcp_sock's
 * keepalive_time/_intvl/_probes are 0 until the program sets TCP_KEEPIDLE/INTVL/CNT, and the
 * SOCK_KEEPOPEN flag is set by SO_KEEPALIVE. getsockopt cannot tell a value the program set from
 * the sysctl it falls back to, and bpf_getsockopt of these options exists only from 6.1. */

#include <asm/socket.h>
#include <linux/bpf.h>
#include <linux/tcp.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "sys/bpf/abi.h"

#ifndef SOL_TCP
#define SOL_TCP 6 /* IPPROTO_TCP */
#endif

/* The few kernel fields read, relocated by libbpf against the running kernel's BTF (CO-RE), so
 * the build needs no vmlinux.h and no kernel BTF on the build machine. */
struct sock_common {
  unsigned long skc_flags; /* sk_flags, here from Linux 6.? on */
} __attribute__((preserve_access_index));
struct sock {
  struct sock_common __sk_common;
} __attribute__((preserve_access_index));
/* Before that, struct sock had sk_flags itself (a "flavor": libbpf ignores the ___ suffix). */
struct sock___flags_in_sock {
  unsigned long sk_flags;
} __attribute__((preserve_access_index));
struct inet_sock {
  struct sock sk;
} __attribute__((preserve_access_index));
struct inet_connection_sock {
  struct inet_sock icsk_inet;
} __attribute__((preserve_access_index));
struct tcp_sock {
  struct inet_connection_sock inet_conn;
  __u32 keepalive_time;
  __u32 keepalive_intvl;
  __u8 keepalive_probes;
} __attribute__((preserve_access_index));
enum sock_flags {
  SOCK_KEEPOPEN = 3,
};

const volatile struct kaltune_enforce_config kaltune_config = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, KALTUNE_COUNT_SLOTS);
  __type(key, __u32);
  __type(value, __u64);
} kaltune_counts SEC(".maps");

static __always_inline void count(__u32 slot) {
  __u64* value = bpf_map_lookup_elem(&kaltune_counts, &slot);
  if (value) {
    *value += 1; /* per CPU: no other writer */
  }
}

/* Whether the connection's program set SO_KEEPALIVE or TCP_KEEP* itself. */
static __always_inline int chosen_by_program(struct bpf_sock_ops* ops) {
  struct bpf_sock* sk = ops->sk;
  if (!sk) {
    return 0;
  }
  struct tcp_sock* tp = bpf_skc_to_tcp_sock(sk);
  if (!tp) {
    return 0;
  }
  struct sock* sock = &tp->inet_conn.icsk_inet.sk;
  unsigned long flags = 0;
  if (bpf_core_field_exists(sock->__sk_common.skc_flags)) {
    flags = sock->__sk_common.skc_flags;
  } else {
    flags = ((struct sock___flags_in_sock*)sock)->sk_flags;
  }
  unsigned long keepopen = 1UL << bpf_core_enum_value(enum sock_flags, SOCK_KEEPOPEN);
  return tp->keepalive_time != 0 || tp->keepalive_intvl != 0 || tp->keepalive_probes != 0 ||
         (flags & keepopen) != 0;
}

static __always_inline int set_int(struct bpf_sock_ops* ops, int level, int name, int value) {
  return bpf_setsockopt(ops, level, name, &value, sizeof value);
}

static __always_inline int enforce(struct bpf_sock_ops* ops, int respect_choice) {
  if (ops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
      ops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
    return 1;
  }
  if (respect_choice && chosen_by_program(ops)) {
    count(KALTUNE_COUNT_CHOSEN);
    return 1;
  }
  int failed = 0;
  /* Timings first, so that SO_KEEPALIVE arms the timer with them. */
  if (kaltune_config.flags & KALTUNE_SET_TIMINGS) {
    failed |= set_int(ops, SOL_TCP, TCP_KEEPIDLE, (int)kaltune_config.time);
    failed |= set_int(ops, SOL_TCP, TCP_KEEPINTVL, (int)kaltune_config.intvl);
    failed |= set_int(ops, SOL_TCP, TCP_KEEPCNT, (int)kaltune_config.probes);
  }
  failed |= set_int(ops, SOL_SOCKET, SO_KEEPALIVE, 1);
  if (kaltune_config.user_timeout_ms != 0) {
    failed |= set_int(ops, SOL_TCP, TCP_USER_TIMEOUT, (int)kaltune_config.user_timeout_ms);
  }
  count(failed ? KALTUNE_COUNT_FAILED : KALTUNE_COUNT_SET);
  return 1;
}

/* The default: a program's own choice wins. Needs the kernel's BTF (CO-RE). */
SEC("sockops")
int kaltune_enforce(struct bpf_sock_ops* ops) {
  return enforce(ops, 1);
}

/* --override: every connection, whatever its program chose; reads no kernel structure. */
SEC("sockops")
int kaltune_override(struct bpf_sock_ops* ops) {
  return enforce(ops, 0);
}

char LICENSE[] SEC("license") = "GPL";
