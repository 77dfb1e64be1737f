# The controller's half of the kaltune module: YAML 1.1, which Ansible reads playbooks with, turns
# `time: 0300` into 192 (octal), `time: 5:00` into 300 (minutes:seconds) and `probes: 010` into 8
# before any module sees them, so the module alone cannot tell 192 from 0300. This action plugin
# reads how each of time, intvl, probes and retries2 is spelled in the task's own YAML text, refuses an
# integer whose spelling is not plain decimal (naming the spelling, the file and line, and what
# YAML made of it), and hands plain ones to the module as text. Values that come through a
# variable or a template were converted where the variable was written, out of reach: the module
# documents that they must be quoted there.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml

from ansible.plugins.action import ActionBase

VALUE_OPTIONS = ("time", "intvl", "probes", "retries2")


def _conversion(spelling):
    """What YAML 1.1 read `spelling` as: the kind of number it took it for."""
    text = spelling.lstrip("+-")
    if ":" in spelling:
        return "a base-60 number (minutes:seconds)"
    if text.startswith(("0x", "0X")):
        return "a hexadecimal number"
    if text.startswith(("0b", "0B")):
        return "a binary number"
    if "_" in spelling:
        return "a number with '_' separators"
    if len(text) > 1 and text.startswith("0"):
        return "an octal number"
    return "a number"


def written_scalar(path, line, column):
    """The text of the plain scalar written as the value of the key that starts at (line, column)
    (1-based) of the YAML file `path`, or None when it cannot be read (not a plain scalar, no
    file, not YAML)."""
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        tokens = yaml.scan(text)
        for token in tokens:
            if (isinstance(token, yaml.ScalarToken) and token.start_mark.line == line - 1
                    and token.start_mark.column == column - 1):
                break
        else:
            return None
        for token in tokens:
            if isinstance(token, yaml.ValueToken):
                continue
            if isinstance(token, yaml.ScalarToken) and token.plain:
                return token.value
            return None
    except yaml.YAMLError:
        return None
    return None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        for key in list(args):
            name = str(key)
            value = args[key]
            if name not in VALUE_OPTIONS or not isinstance(value, int) or isinstance(value, bool):
                continue
            position = getattr(key, "ansible_pos", None)
            spelling = written_scalar(*position) if position else None
            if spelling is not None and spelling != str(value):
                result.update(
                    failed=True, rc=2, changed=False,
                    msg="%s: %s at %s:%d is %d to YAML 1.1 (%s), not what kaltune would read; "
                        "write it as plain decimal seconds or a duration, or quote it"
                        % (name, spelling, position[0], position[1], value,
                           _conversion(spelling)))
                return result
            args[key] = str(value)
        result.update(self._execute_module(module_name=self._task.action, module_args=args,
                                           task_vars=task_vars))
        return result
