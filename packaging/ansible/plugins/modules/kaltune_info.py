#!/usr/bin/python
# The kaltune_info module: `kaltune --json show` of the running values and of the boot view, as facts.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kaltune_info
short_description: Report the TCP keepalive values in force and what boot applies, with kaltune
version_added: 0.1.0
description:
  - Runs C(kaltune --json show) on the target for each of I(sources) and returns the documents as
    the fact C(kaltune) - the three C(net.ipv4.tcp_keepalive_*) values with their units and origin
    and the dead-peer detection time; for C(boot) also every assignment with its C(file:line),
    the files considered and kaltune's diagnostics.
  - Changes nothing; runs in check mode too.
extends_documentation_fragment:
  - kaltune.kaltune.common
options:
  sources:
    description:
      - Which of kaltune's sources to report - C(running) (the kernel now), C(boot) (what boot
        applies), C(default) (the kernel defaults).
    type: list
    elements: str
    choices: [running, boot, default]
    default: [running, boot]
notes:
  - Supports check mode.
seealso:
  - module: kaltune.kaltune.kaltune
author:
  - kaltune maintainers
"""

EXAMPLES = r"""
- name: Keepalive facts
  kaltune.kaltune.kaltune_info:

- name: Alert when boot would not apply what runs now
  ansible.builtin.assert:
    that: >-
      ansible_facts.kaltune.running.settings['net.ipv4.tcp_keepalive_time'].value ==
      ansible_facts.kaltune.boot.settings['net.ipv4.tcp_keepalive_time'].value

- name: A container's network namespace
  kaltune.kaltune.kaltune_info:
    netns: blue
    sources: [running]
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    kaltune:
      description:
        - One C(kaltune --json show --source SOURCE) document per source, by name - C(source),
          C(netns), C(settings) (per key C(value), C(unit), C(origin), the three keepalive keys
          and C(net.ipv4.tcp_retries2)), C(detect_seconds) (the idle half), C(busy) (the busy
          half - C(rule), C(limit_ms), C(earliest_ms), C(worst_ms), C(latest_ms), C(survives_ms)),
          C(warnings); C(boot) also has C(model), C(assignments), C(files) and C(diagnostics).
      returned: always
      type: dict
      sample:
        running:
          source: running
          netns: null
          settings:
            net.ipv4.tcp_keepalive_time: {value: 7200, unit: seconds, origin: running}
            net.ipv4.tcp_keepalive_intvl: {value: 75, unit: seconds, origin: running}
            net.ipv4.tcp_keepalive_probes: {value: 9, unit: count, origin: running}
            net.ipv4.tcp_retries2: {value: 15, unit: count, origin: running}
          detect_seconds: 7875
          busy: {rule: tcp_retries2, limit_ms: 924600, earliest_ms: 924800, worst_ms: 1046212,
                 latest_ms: 1177489, survives_ms: 701638}
          warnings: []
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kaltune.kaltune.plugins.module_utils.kaltune import COMMON_ARGS, Kaltune

ARGUMENT_SPEC = dict(
    COMMON_ARGS,
    sources=dict(type="list", elements="str", choices=["running", "boot", "default"],
                 default=["running", "boot"]),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    kaltune = Kaltune(module)
    facts = {}
    for source in module.params["sources"]:
        _, facts[source] = kaltune.run(["show", "--source", source])
    module.exit_json(changed=False, ansible_facts=dict(kaltune=facts))


if __name__ == "__main__":
    main()
