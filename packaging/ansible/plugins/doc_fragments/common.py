# Options every kaltune module shares: where kaltune runs (namespace, root) and which binary.
# The argument spec beside them is module_utils/kaltune.py's COMMON_ARGS.


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  netns:
    description:
      - Work on this network namespace, as kaltune's global C(--netns) does - a name under
        C(/run/netns) (made by C(ip netns add)) or the path of a namespace file.
      - Each network namespace has its own keepalive values; a new one starts at the kernel
        defaults 7200/75/9.
    type: str
  root:
    description:
      - Read and write every configuration path under this directory, as kaltune's global
        C(--root) does (an image, a container's file system, a staging tree).
      - Under I(root) kaltune never changes the running kernel, so I(state=present)
        then needs I(persist=true).
    type: path
  boot_model:
    description:
      - Which boot-time applier kaltune's boot view follows - C(systemd) (systemd-sysctl),
        C(procps) (C(sysctl --system)), or C(auto) (systemd when systemd-sysctl exists under I(root)).
    type: str
    choices: [auto, systemd, procps]
  executable:
    description:
      - The kaltune binary on the target. By default C(kaltune) on the C(PATH) or in C(/usr/sbin).
    type: path
requirements:
  - kaltune on the target
"""
