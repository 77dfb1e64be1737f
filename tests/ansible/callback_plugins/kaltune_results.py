# Test helper: every task result of a playbook run, as data. ansible-core 2.14 ships no JSON
# callback (ansible.posix has one), so this small aggregate callback, enabled beside the default
# stdout callback, writes one JSON document to $KALTUNE_RESULTS when the run ends:
#   {"results": [{"host", "task", "status": ok|failed|skipped|unreachable, "result": {...}}],
#    "stats": {host: {"ok", "changed", "failures", ...}}}
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: kaltune_results
    type: aggregate
    short_description: writes every task result to $KALTUNE_RESULTS as JSON (kaltune's tests)
    description: Test helper of kaltune's Ansible tests.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kaltune_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.results = []

    def _record(self, result, status):
        self.results.append(dict(host=result._host.get_name(), task=result._task.get_name(),
                                 status=status, result=result._result))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        summary = dict((host, stats.summarize(host)) for host in sorted(stats.processed))
        with open(os.environ["KALTUNE_RESULTS"], "w") as out:
            json.dump(dict(results=self.results, stats=summary), out, indent=1, default=str)
