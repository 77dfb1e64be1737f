#!/usr/bin/python
# The kaltune module: `kaltune set` or `kaltune reset` on the target, with check and diff mode.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kaltune
short_description: Set, persist or reset the Linux TCP keepalive sysctls with kaltune
version_added: 0.1.0
description:
  - Runs the kaltune installed on the target - C(kaltune set) for I(state=present),
    C(kaltune reset) for I(state=reset) - and reports what it changed. kaltune validates every
    value first and changes the C(net.ipv4.tcp_keepalive_*) sysctls and C(net.ipv4.tcp_retries2)
    all or nothing, reading them back.
  - With I(persist=true) boot applies the values too - kaltune's own
    C(/etc/sysctl.d/99-kaltune.conf), or I(file) edited in place - and the task fails, having
    changed nothing, when another file would still win at boot; the message names that
    C(file:line).
  - Check mode runs kaltune's C(--dry-run), which changes nothing. Diff mode shows the running
    values before and after and kaltune's unified diff of the persisted file.
  - The task fails with kaltune's one-line message and its exit status in I(rc) - 2 for an
    invalid value or usage, 3 for a permission denied, 4 when the system refused (a key missing,
    a value rejected, a persisted value overridden at boot). Nothing was changed then.
extends_documentation_fragment:
  - kaltune.kaltune.common
options:
  state:
    description:
      - C(present) sets the given values; C(reset) writes the kernel defaults 7200/75/9/15 and, with
        I(persist=true), removes what kaltune persisted (the keepalive lines of I(file), or
        kaltune's own file).
    type: str
    choices: [present, reset]
    default: present
  time:
    description:
      - C(net.ipv4.tcp_keepalive_time) - idle time before the first probe, in seconds or as a
        duration (C(90s), C(5m), C(1h30m)); 1-32767 s.
      - Plain decimal (C(300)) or a duration. YAML 1.1, which Ansible reads playbooks with, turns
        C(0300) into 192 (octal) and C(5:00) into 300 (minutes:seconds) before the module sees
        them; such a spelling written in the task is refused, naming it. A value that comes
        through a variable was converted where the variable was written - quote it there
        (C("0300") is then refused by kaltune itself, C("300") and C("5m") are taken).
    type: raw
  intvl:
    description:
      - C(net.ipv4.tcp_keepalive_intvl) - time between unanswered probes, in seconds or as a
        duration; 1-32767 s.
      - Plain decimal or a duration, as for I(time); other number spellings are refused.
    type: raw
  probes:
    description:
      - C(net.ipv4.tcp_keepalive_probes) - unanswered probes before the peer is declared dead;
        1-127.
      - Plain decimal; C(010), which YAML 1.1 reads as 8, is refused.
    type: raw
  retries2:
    description:
      - C(net.ipv4.tcp_retries2) - the busy half - retransmissions of unacknowledged data
        before the connection is dropped; 1-255 (kaltune's default range, C(kaltune set) says
        more). The kernel default 15 gives a busy connection to a dead peer up 924.6 s after
        its first retransmission (up to 1177.5 s after the last send); 8 after 102.2 s (up to
        234.1 s).
      - Plain decimal, as for I(probes).
    type: raw
  idle_timeout:
    description:
      - Idle timeouts of middleboxes on the path (seconds, a duration or a preset name), for
        kaltune's goal-based C(set --idle-timeout) - the values are derived so that the first
        probe leaves sooner. Needs a kaltune that has goal options.
    type: list
    elements: str
  detect_within:
    description:
      - Longest acceptable dead-peer detection, for kaltune's goal-based C(set --detect-within).
        Needs a kaltune that has goal options.
    type: str
  persist:
    description:
      - Also make boot apply the values (C(--persist)). Under I(root) only the files change.
    type: bool
    default: false
  file:
    description:
      - With I(persist=true) - the existing sysctl file to edit in place instead of kaltune's own
        (for example C(/etc/sysctl.conf)); under I(root) a path inside it.
    type: path
notes:
  - Supports check mode (kaltune's C(--dry-run)) and diff mode.
  - I(time), I(intvl), I(probes) and I(retries2) written in the task as numbers are checked on the controller
    against their spelling in the playbook - YAML 1.1 reads C(0300) as 192, C(5:00) as 300,
    C(010) as 8, C(0x12c) as 300, C(1_000) as 1000 - and refused (I(rc)=2) unless they are plain
    decimal. Ansible converts values from variables, inventories and vars files the same way
    where they are written, out of the module's reach - quote them there.
  - The module re-implements nothing of kaltune; it runs C(kaltune --json) and passes on its
    result. Warnings kaltune prints (values outside the socket API, boot values that remain)
    become task warnings.
  - Changing the sysctls does not re-arm keepalive timers already running; connections pick the
    new values up when their timer next fires.
seealso:
  - module: kaltune.kaltune.kaltune_info
author:
  - kaltune maintainers
"""

EXAMPLES = r"""
- name: Keepalive below a 350 s load-balancer idle timeout, now and at boot
  kaltune.kaltune.kaltune:
    time: 5m
    intvl: 30s
    probes: 4
    persist: true

- name: The same values in the file the image already uses
  kaltune.kaltune.kaltune:
    time: 5m
    persist: true
    file: /etc/sysctl.conf

- name: A container's network namespace (runtime only)
  kaltune.kaltune.kaltune:
    netns: blue
    time: 120

- name: An image tree (files only, never the running kernel)
  kaltune.kaltune.kaltune:
    root: /srv/image
    time: 5m
    persist: true

- name: Back to the kernel defaults, and remove what kaltune persisted
  kaltune.kaltune.kaltune:
    state: reset
    persist: true
"""

RETURN = r"""
changed:
  description: Whether kaltune changed (in check mode - would change) a running value or the file.
  returned: always
  type: bool
cmd:
  description: The kaltune command line the module ran last.
  returned: always
  type: list
  elements: str
  sample: [/usr/sbin/kaltune, --json, set, --time, 5m, --persist]
kaltune:
  description:
    - kaltune's JSON output, as documented in its README - for a runtime change C(changes)
      (C(key), C(from), C(to)), C(settings) and C(detect_seconds); with I(persist=true) also
      C(file) (C(path), C(target), C(action) - C(created), C(updated), C(removed) or
      C(unchanged) -, C(written), and in check mode C(diff)) and C(boot) (C(model) and the
      C(settings) boot applies, each with its C(origin) C(file:line)).
    - On failure whatever JSON kaltune printed before failing, or null.
  returned: always
  type: dict
  sample:
    dry_run: false
    changed: true
    changes:
      - {key: net.ipv4.tcp_keepalive_time, from: 7200, to: 300}
    settings:
      net.ipv4.tcp_keepalive_time: {value: 300, origin: running}
      net.ipv4.tcp_keepalive_intvl: {value: 75, origin: running}
      net.ipv4.tcp_keepalive_probes: {value: 9, origin: running}
      net.ipv4.tcp_retries2: {value: 15, origin: running}
    detect_seconds: 975
rc:
  description: kaltune's exit status - 2 invalid value or usage, 3 permission denied, 4 the system refused.
  returned: failure
  type: int
  sample: 2
msg:
  description: kaltune's one-line message on failure.
  returned: failure
  type: str
  sample: "kaltune: invalid net.ipv4.tcp_keepalive_time (--time) value '0': out of range; accepted 1-32767 s"
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kaltune.kaltune.plugins.module_utils.kaltune import COMMON_ARGS, Kaltune

VALUE_OPTIONS = ("time", "intvl", "probes", "retries2")
GOAL_OPTIONS = (("idle_timeout", "--idle-timeout"), ("detect_within", "--detect-within"))

ARGUMENT_SPEC = dict(
    COMMON_ARGS,
    state=dict(type="str", choices=["present", "reset"], default="present"),
    time=dict(type="raw"),
    intvl=dict(type="raw"),
    probes=dict(type="raw"),
    retries2=dict(type="raw"),
    idle_timeout=dict(type="list", elements="str"),
    detect_within=dict(type="str"),
    persist=dict(type="bool", default=False),
    file=dict(type="path"),
)


def command_of(params):
    """kaltune's command and its options for these parameters."""
    if params["state"] == "present":
        command = ["set"]
        for name in VALUE_OPTIONS:
            if params[name] is not None:
                command += ["--" + name, str(params[name])]
        for name, flag in GOAL_OPTIONS:
            values = params[name]
            for value in values if isinstance(values, list) else [values] if values else []:
                command += [flag, value]
    else:
        command = ["reset"]
    if params["persist"]:
        command.append("--persist")
        if params["file"]:
            command += ["--file", params["file"]]
    return command


def runtime_changes(result):
    return (result or {}).get("changes") or []


def file_changes(result):
    file = (result or {}).get("file")
    return bool(file) and file.get("action") != "unchanged"


def running_diff(result, where):
    """before/after of the running values, as sysctl lines."""
    after = dict((key, entry["value"]) for key, entry in result["settings"].items())
    before = dict(after)
    for change in runtime_changes(result):
        before[change["key"]] = change["from"]

    def lines(values):
        return "".join("%s = %s\n" % (key, value) for key, value in values.items())

    return dict(before=lines(before), after=lines(after),
                before_header="running values%s, before" % where,
                after_header="running values%s, after" % where)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    if params["state"] == "reset":
        given = [name for name in VALUE_OPTIONS + tuple(n for n, _ in GOAL_OPTIONS)
                 if params[name] not in (None, [])]
        if given:
            module.fail_json(msg="%s: only with state=present (state=reset writes the kernel "
                                 "defaults)" % ", ".join(given))
    kaltune = Kaltune(module)
    command = command_of(params)
    planned = None
    if module.check_mode:
        cmd, result = kaltune.run(command + ["--dry-run"])
        planned = result
    else:
        # Only a dry run prints the file's diff: plan first when the diff is wanted.
        if module._diff and params["persist"]:
            _, planned = kaltune.run(command + ["--dry-run"])
        cmd, result = kaltune.run(command)

    changed = bool(runtime_changes(result)) or file_changes(result)
    output = dict(changed=changed, cmd=cmd, kaltune=result)
    if module._diff:
        diffs = []
        if runtime_changes(result):
            where = " (netns %s)" % params["netns"] if params["netns"] else ""
            diffs.append(running_diff(result, where))
        if file_changes(result) and planned and planned.get("file", {}).get("diff"):
            diffs.append(dict(prepared=planned["file"]["diff"]))
        output["diff"] = diffs
    module.exit_json(**output)


if __name__ == "__main__":
    main()
