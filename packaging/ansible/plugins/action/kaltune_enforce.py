# The controller's half of the kaltune_enforce module: the same YAML 1.1 check of how time, intvl
# and probes are spelled in the task as the kaltune module's (action/kaltune.py).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kaltune.kaltune.plugins.action.kaltune import ActionModule  # noqa: F401
