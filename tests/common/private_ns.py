"""For kaltune's Python tests: run the test in a private mount + network namespace, or skip.

A test calls enter_private_namespaces() first: it re-executes the script under
`unshare --mount --net --propagation private` (once), puts a tmpfs over /run (kaltune's lock,
namespace files) and brings up lo, so nothing the test does reaches this machine's values, files
or ports. Without a namespace the test skips (exit 77, ctest SKIP_RETURN_CODE) with the reason.
"""

import os
import subprocess
import sys

SKIP = 77
_MARK = "KALTUNE_TEST_PRIVATE_NS"


def skip(reason):
    print("SKIPPED: " + reason)
    sys.stdout.flush()
    sys.exit(SKIP)


def enter_private_namespaces():
    if os.environ.get(_MARK) == "1":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"], check=True)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    probe = subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True,
                           text=True)
    if probe.returncode != 0:
        skip("no private mount + network namespace (unshare: %s)" % probe.stderr.strip())
    env = dict(os.environ, **{_MARK: "1"})
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "--mount", "--net", "--propagation", "private",
                           sys.executable] + sys.argv, env)
