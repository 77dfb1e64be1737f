# What the kaltune modules share: the common options, building kaltune's command line, running
# it with --json, and turning its failure (exit 2, 3 or 4 and a one-line message) into the task's.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# The argument spec of doc_fragments/common.py's options.
COMMON_ARGS = dict(
    netns=dict(type="str"),
    root=dict(type="path"),
    boot_model=dict(type="str", choices=["auto", "systemd", "procps"]),
    executable=dict(type="path"),
)

ERROR_PREFIX = "kaltune: "
WARNING_PREFIX = "warning: "


def global_args(params):
    """kaltune's global options (they come before the command)."""
    args = ["--json"]
    if params.get("netns"):
        args += ["--netns", params["netns"]]
    if params.get("root"):
        args += ["--root", params["root"]]
    if params.get("boot_model"):
        args += ["--boot-model", params["boot_model"]]
    return args


HELP_HINT = "Run with --help for more information."


def error_line(stderr):
    """kaltune's one-line message from its stderr: the last line it starts with 'kaltune: ', or
    else the first that is neither a warning nor the hint to run with --help (a command-line
    parser's message, `--root: Directory does not exist: /x`), given the same prefix."""
    lines = stderr.splitlines()
    prefixed = [line for line in lines if line.startswith(ERROR_PREFIX)]
    if prefixed:
        return prefixed[-1]
    said = [line for line in lines if line.strip() and line.strip() != HELP_HINT
            and not line.startswith(WARNING_PREFIX)]
    if said:
        return ERROR_PREFIX + said[0].strip()
    return "kaltune failed and said nothing"


class Kaltune(object):
    """Runs the target's kaltune for one module invocation."""

    def __init__(self, module):
        self.module = module
        self.executable = module.params.get("executable") or module.get_bin_path(
            "kaltune", required=True, opt_dirs=["/usr/sbin", "/sbin"]
        )
        self.globals = global_args(module.params)

    def run(self, command):
        """Runs `kaltune --json GLOBALS COMMAND...`; returns its JSON output, or fails the task
        with kaltune's message and exit status."""
        cmd = [self.executable] + self.globals + command
        rc, stdout, stderr = self.module.run_command(cmd, environ_update=dict(LC_ALL="C.UTF-8"))
        for line in stderr.splitlines():
            if line.startswith(WARNING_PREFIX):
                self.module.warn("kaltune: " + line[len(WARNING_PREFIX):])
        data = None
        try:
            data = json.loads(stdout) if stdout.strip() else None
        except ValueError:
            if rc == 0:
                self.module.fail_json(msg="kaltune printed no JSON", cmd=cmd, stdout=stdout,
                                      stderr=stderr, rc=rc)
        if rc != 0:
            self.module.fail_json(msg=error_line(stderr), rc=rc, cmd=cmd, stdout=stdout,
                                  stderr=stderr, kaltune=data)
        return cmd, data
