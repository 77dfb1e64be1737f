/* What kaltune's sock_ops program and its loader agree on: the read-only configuration each
 * loaded program carries (its .rodata, set before the load, read back by `enforce --list`) and
 * the slots of its counters map. C, so that both the BPF program (clang -target bpf) and the C++
 * loader include it. */
#ifndef KALTUNE_SYS_BPF_ABI_H
#define KALTUNE_SYS_BPF_ABI_H

#include <linux/types.h>

/* Bumped when the layout below changes: `--list` reads only programs of its own version. */
#define KALTUNE_ENFORCE_ABI 1

/* kaltune_enforce_config.flags */
#define KALTUNE_SET_TIMINGS 1u /* set TCP_KEEPIDLE/INTVL/CNT (else only SO_KEEPALIVE) */
#define KALTUNE_OVERRIDE 2u    /* also sockets whose program chose its own keepalive */

/* A cgroup path relative to the cgroup2 mount ("/" for the whole machine), NUL-terminated. */
#define KALTUNE_CGROUP_PATH_MAX 1024

struct kaltune_enforce_config {
  __u32 abi;                            /* KALTUNE_ENFORCE_ABI */
  __u32 flags;                          /* KALTUNE_SET_TIMINGS | KALTUNE_OVERRIDE */
  __u32 time;                           /* seconds: TCP_KEEPIDLE */
  __u32 intvl;                          /* seconds: TCP_KEEPINTVL */
  __u32 probes;                         /* TCP_KEEPCNT */
  __u32 user_timeout_ms;                /* TCP_USER_TIMEOUT; 0: left alone */
  __s64 since;                          /* Unix time these values were attached (report only) */
  __s64 counting_since;                 /* Unix time the counters started (the first attachment) */
  char cgroup[KALTUNE_CGROUP_PATH_MAX]; /* the cgroup it was attached to (report only) */
};

/* Slots of the per-CPU counters map (`kaltune_counts`), summed over the CPUs by the reader. */
enum kaltune_enforce_counter {
  KALTUNE_COUNT_SET = 0,    /* connections given keepalive */
  KALTUNE_COUNT_CHOSEN = 1, /* left alone: their program chose its own keepalive */
  KALTUNE_COUNT_FAILED = 2, /* bpf_setsockopt refused an option */
  KALTUNE_COUNT_SLOTS = 3,
};

#endif
