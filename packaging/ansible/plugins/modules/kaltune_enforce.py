#!/usr/bin/python
# The kaltune_enforce module: `kaltune enforce` on the target, with check and diff mode.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kaltune_enforce
short_description: Give TCP keepalive to the connections of a cgroup whose programs never ask
version_added: 0.1.0
description:
  - Runs C(kaltune enforce) on the target - a cgroup sock_ops BPF program that turns
    C(SO_KEEPALIVE) on, with the given values, for every TCP connection established in a cgroup
    subtree (Linux 5.10, root) - and reports what it changed. The attachment outlives the task
    (pinned under C(/sys/fs/bpf/kaltune/)); running it again with other values replaces it in one
    step, never stacks a second.
  - A program's own choice wins - a connection whose program set C(SO_KEEPALIVE) or
    C(TCP_KEEP*) itself is left as it is - unless I(override=true).
  - Check mode runs kaltune's C(--dry-run) (the kernel still checks the program; nothing is
    attached). Diff mode shows the cgroup's enforcement - attached and persisted - before and
    after.
  - The task fails with kaltune's one-line message and its exit status in I(rc) - 2 for an
    invalid value or usage, 3 for a permission denied, 4 when the system refused (no cgroup2, a
    kernel without BPF for cgroups, a missing cgroup). Nothing is left attached then.
options:
  cgroup:
    description:
      - The cgroup v2 subtree, relative to the cgroup2 mount (C(/) is the whole machine,
        C(system.slice/nginx.service)) or absolute under it. Exactly one of I(cgroup), I(unit)
        and I(pod).
    type: str
  unit:
    description:
      - The cgroup of this systemd unit (C(nginx.service)). With I(persist=true) kaltune also
        writes a drop-in that attaches again each time the unit starts.
    type: str
  pod:
    description:
      - The cgroup of this Kubernetes pod, C(NAMESPACE/NAME).
    type: str
  state:
    description:
      - C(present) attaches (or replaces) the enforcement; C(absent) detaches it (C(--off)) and,
        with I(persist=true), removes it from C(/etc/kaltune/enforce.conf).
    type: str
    choices: [present, absent]
    default: present
  time:
    description:
      - C(TCP_KEEPIDLE) given to each connection, in seconds or as a duration (C(90s), C(5m));
        1-32767 s. Plain decimal or a duration - C(0300), which YAML 1.1 reads as 192, is
        refused, as by the C(kaltune) module.
    type: raw
  intvl:
    description:
      - C(TCP_KEEPINTVL) given to each connection, in seconds or as a duration; 1-32767 s.
    type: raw
  probes:
    description:
      - C(TCP_KEEPCNT) given to each connection; 1-127.
    type: raw
  idle_timeout:
    description:
      - Idle timeouts of middleboxes on the path (seconds, a duration or a preset name) - the
        values are derived as C(kaltune plan) derives them.
    type: list
    elements: str
  detect_within:
    description:
      - Longest acceptable dead-peer detection, for the derived values.
    type: str
  survive_outage:
    description:
      - Longest network outage that must not end a healthy connection (kaltune's default 90s).
    type: str
  sysctl_values:
    description:
      - Only turn C(SO_KEEPALIVE) on; each network namespace's C(tcp_keepalive_*) sysctls decide
        the timings. Instead of I(time), I(intvl), I(probes) and the goals.
    type: bool
    default: false
  user_timeout:
    description:
      - Also set C(TCP_USER_TIMEOUT) - C(auto) (time + intvl x probes) or a duration - so that a
        peer that vanishes with data in flight is dropped in that time too, instead of after
        C(tcp_retries2) (about 15 minutes). The kernel then also ends a probed idle connection
        by that time, whatever the probe count.
    type: str
  override:
    description:
      - Also give the values where the connection's program chose its own keepalive.
    type: bool
    default: false
  existing:
    description:
      - Also give the values to the connections already established in the subtree.
    type: bool
    default: false
  persist:
    description:
      - Keep the enforcement across reboots (C(/etc/kaltune/enforce.conf), applied at boot by
        C(kaltune-enforce.service), which must be enabled).
    type: bool
    default: false
  executable:
    description:
      - The kaltune binary on the target. By default C(kaltune) on the C(PATH) or in C(/usr/sbin).
    type: path
notes:
  - Supports check mode (kaltune's C(--dry-run)) and diff mode.
  - The module re-implements nothing of kaltune; it runs C(kaltune --json enforce) and passes on
    its result.
requirements:
  - kaltune on the target, run as root; Linux 5.10 or later with cgroup v2.
seealso:
  - module: kaltune.kaltune.kaltune
author:
  - kaltune maintainers
"""

EXAMPLES = r"""
- name: Keepalive for every connection of nginx, now and after reboots
  kaltune.kaltune.kaltune_enforce:
    unit: nginx.service
    time: 5m
    intvl: 30s
    probes: 4
    persist: true

- name: The whole machine, below a 350 s load-balancer idle timeout, busy connections too
  kaltune.kaltune.kaltune_enforce:
    cgroup: /
    idle_timeout: [aws-nlb]
    user_timeout: auto

- name: Only SO_KEEPALIVE for one pod; its namespace's sysctls decide the values
  kaltune.kaltune.kaltune_enforce:
    pod: shop/redis-0
    sysctl_values: true

- name: No more enforcement on nginx
  kaltune.kaltune.kaltune_enforce:
    unit: nginx.service
    state: absent
    persist: true
"""

RETURN = r"""
changed:
  description: Whether the attachment or the persisted configuration changed (in check mode -
    would change).
  returned: always
  type: bool
cmd:
  description: The kaltune command line the module ran last.
  returned: always
  type: list
  elements: str
  sample: [/usr/sbin/kaltune, --json, enforce, --unit, nginx.service, --time, 5m]
kaltune:
  description:
    - kaltune's JSON output, as documented in its README - C(action) (C(attach), C(replace),
      C(unchanged), C(reattach), C(detach), C(absent)), C(dry_run), C(cgroup), C(directory),
      C(unit), C(pin), C(values) and C(previous) (C(keepalive), C(sysctl_values), C(time),
      C(intvl), C(probes), C(user_timeout), C(override)), C(persisted), C(existing).
    - On failure whatever JSON kaltune printed before failing, or null.
  returned: always
  type: dict
  sample:
    action: attach
    dry_run: false
    cgroup: system.slice/nginx.service
    directory: /sys/fs/cgroup/system.slice/nginx.service
    unit: nginx.service
    pin: system.slice-nginx.service
    values: {keepalive: true, sysctl_values: false, time: 300, intvl: 30, probes: 4,
             user_timeout: null, override: false}
    previous: null
    persisted: true
    existing: null
rc:
  description: kaltune's exit status - 2 invalid value or usage, 3 permission denied, 4 the system refused.
  returned: failure
  type: int
  sample: 2
msg:
  description: kaltune's one-line message on failure.
  returned: failure
  type: str
  sample: "kaltune: invalid --probes value '0': out of range; accepted 1-127"
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kaltune.kaltune.plugins.module_utils.kaltune import Kaltune

TARGET_OPTIONS = ("cgroup", "unit", "pod")
VALUE_OPTIONS = ("time", "intvl", "probes")
TEXT_OPTIONS = (("detect_within", "--detect-within"), ("survive_outage", "--survive-outage"),
                ("user_timeout", "--user-timeout"))
FLAG_OPTIONS = (("sysctl_values", "--sysctl-values"), ("override", "--override"),
                ("existing", "--existing"))

ARGUMENT_SPEC = dict(
    cgroup=dict(type="str"),
    unit=dict(type="str"),
    pod=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    time=dict(type="raw"),
    intvl=dict(type="raw"),
    probes=dict(type="raw"),
    idle_timeout=dict(type="list", elements="str"),
    detect_within=dict(type="str"),
    survive_outage=dict(type="str"),
    sysctl_values=dict(type="bool", default=False),
    user_timeout=dict(type="str"),
    override=dict(type="bool", default=False),
    existing=dict(type="bool", default=False),
    persist=dict(type="bool", default=False),
    executable=dict(type="path"),
)


def command_of(params):
    """kaltune's enforce command and its options for these parameters."""
    command = ["enforce"]
    for name in TARGET_OPTIONS:
        if params[name]:
            command += ["--" + name, params[name]]
    if params["state"] == "absent":
        command.append("--off")
    else:
        for name in VALUE_OPTIONS:
            if params[name] is not None:
                command += ["--" + name, str(params[name])]
        for value in params["idle_timeout"] or []:
            command += ["--idle-timeout", value]
        for name, flag in TEXT_OPTIONS:
            if params[name]:
                command += [flag, params[name]]
        for name, flag in FLAG_OPTIONS:
            if params[name]:
                command.append(flag)
    if params["persist"]:
        command.append("--persist")
    return command


def entry_of(listing, cgroup):
    """The cgroup's element of `enforce --list --json`, or None."""
    for entry in (listing or {}).get("enforcements", []):
        if entry.get("cgroup") == cgroup:
            return entry
    return None


def values_text(values):
    if not values:
        return "none"
    if values.get("sysctl_values"):
        text = "SO_KEEPALIVE on, the sysctls' values"
    else:
        text = "time %s s, intvl %s s, probes %s" % (values["time"], values["intvl"],
                                                     values["probes"])
    if values.get("user_timeout") is not None:
        text += ", user timeout %s s" % values["user_timeout"]
    if values.get("override"):
        text += ", override"
    return text


def state_text(entry):
    """The cgroup's enforcement as diff lines: what acts now and what boot applies."""
    attached = (entry or {}).get("attached") or {}
    return "attached: %s\npersisted: %s\n" % (values_text(attached.get("values")),
                                              values_text((entry or {}).get("persisted")))


def persisted_change(params, before, result):
    """Whether --persist changes /etc/kaltune/enforce.conf for the cgroup."""
    if not params["persist"]:
        return False
    persisted = (before or {}).get("persisted")
    if params["state"] == "absent":
        return persisted is not None
    return persisted != result.get("values")


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           required_one_of=[TARGET_OPTIONS], mutually_exclusive=[TARGET_OPTIONS])
    params = module.params
    if params["state"] == "absent":
        given = [name for name in VALUE_OPTIONS + ("idle_timeout",) + tuple(
            n for n, _ in TEXT_OPTIONS) if params[name] not in (None, [])]
        given += [name for name, _ in FLAG_OPTIONS if params[name]]
        if given:
            module.fail_json(msg="%s: only with state=present (state=absent detaches)"
                                 % ", ".join(given))
    kaltune = Kaltune(module)
    command = command_of(params)
    _, planned = kaltune.run(command + ["--dry-run"])
    _, listing = kaltune.run(["enforce", "--list"])
    before = entry_of(listing, planned["cgroup"])
    cmd, result = kaltune.run(command + ["--dry-run"] if module.check_mode else command)
    # What the run did (in check mode: would do); --existing may change connections although the
    # attachment stays as it was.
    done = planned if module.check_mode else result
    existing = (done or {}).get("existing") or {}
    changed = (done["action"] not in ("unchanged", "absent")
               or persisted_change(params, before, planned)
               or bool(existing.get("changed")))
    output = dict(changed=changed, cmd=cmd, kaltune=result)
    if module._diff:
        after_text = state_text(before)
        if not module.check_mode:
            _, after_listing = kaltune.run(["enforce", "--list"])
            after_text = state_text(entry_of(after_listing, planned["cgroup"]))
        else:
            attached = None if params["state"] == "absent" else result.get("values")
            persisted = (before or {}).get("persisted")
            if params["persist"]:
                persisted = attached
            after_text = "attached: %s\npersisted: %s\n" % (values_text(attached),
                                                            values_text(persisted))
        where = "cgroup %s" % planned["cgroup"]
        output["diff"] = dict(before=state_text(before), after=after_text,
                              before_header="%s, before" % where,
                              after_header="%s, after" % where)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
