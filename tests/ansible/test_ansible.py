#!/usr/bin/python3
"""kaltune's Ansible collection (packaging/ansible) against the real ansible-core from Debian.

    test_ansible.py KALTUNE_BINARY SOURCE_DIR Doc|Fleet|Enforce

Doc:   the collection builds with `ansible-galaxy collection build` and installs; `ansible-doc`
       renders both modules; the documented options are the modules' argument specs; EXAMPLES and
       RETURN are YAML.
Fleet: `ansible-playbook` over an inventory of several hosts run in parallel (forks), each host a
       network namespace (its running values) and a --root tree (its files) made here, reached
       with the local connection: check mode, diff mode, apply, a second run, a bad value, a
       boot-time winner, the info module and reset. Results are read as data through
       callback_plugins/kaltune_results.py; effects are read back from /proc/sys inside each
       namespace (nsenter, not kaltune) and from the exact bytes of each tree.

Enforce: kaltune_enforce on a cgroup the test makes under the cgroup2 mount, with a bpffs of its
       own mounted in its private mount namespace: check mode, diff mode, attach, a second run,
       replace, a bad value, absent; what is attached is read back with `kaltune enforce --list`
       and the options a connection made in the cgroup gets with getsockopt.

The Fleet and Enforce tests re-execute themselves in a private mount + network namespace (tests/common/private_ns.py:
tmpfs over /run, so the lock and the namespace files are its own) and never touches this machine's
values or files.
Exit 77 (skipped) when a namespace or ansible-core is not available.
"""

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
from private_ns import enter_private_namespaces, skip  # noqa: E402

KEYS = ("tcp_keepalive_time", "tcp_keepalive_intvl", "tcp_keepalive_probes", "tcp_retries2")
HOSTS = ("host1", "host2", "host3")
MODULES = ("kaltune", "kaltune_info", "kaltune_enforce")
OWN_FILE = "etc/sysctl.d/99-kaltune.conf"
HEADER = (
    "# Managed by kaltune: TCP keepalive values applied at boot.\n"
    "# Change them with `kaltune set --persist`, remove them with `kaltune reset --persist`.\n"
    "# kaltune rewrites only the lines of its keys (tcp_keepalive_*, tcp_retries2), no other line.\n"
)
GOOD = {"ka_time": "5m", "ka_intvl": "30s", "ka_probes": 4, "ka_retries2": 8}

if len(sys.argv) != 4 or sys.argv[3] not in ("Doc", "Fleet", "Enforce"):
    sys.exit(__doc__.split("\n\n")[1])
KALTUNE = Path(sys.argv[1]).resolve()
SOURCE = Path(sys.argv[2]).resolve()
SCENARIO = sys.argv[3]
HERE = SOURCE / "tests" / "ansible"


def run(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True,
                          **kwargs)


class Collection:
    """The collection built and installed the way users get it, and the environment to use it."""

    def __init__(self, work):
        self.work = work
        built = work / "dist"
        run(["ansible-galaxy", "collection", "build", SOURCE / "packaging/ansible",
             "--output-path", built], env=self.env())
        tarballs = list(built.glob("kaltune-kaltune-*.tar.gz"))
        assert len(tarballs) == 1, tarballs
        self.tarball = tarballs[0]
        run(["ansible-galaxy", "collection", "install", self.tarball, "-p",
             work / "collections"], env=self.env())
        self.installed = work / "collections/ansible_collections/kaltune/kaltune"

    def env(self, **extra):
        home = self.work / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8",
                   ANSIBLE_CONFIG=str(self.work / "no-ansible.cfg"),
                   ANSIBLE_COLLECTIONS_PATH=str(self.work / "collections"),
                   ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                   ANSIBLE_LOCAL_TEMP=str(self.work / "tmp-local"),
                   ANSIBLE_REMOTE_TEMP=str(self.work / "tmp-remote"),
                   ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="kaltune_results",
                   ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_RETRY_FILES_ENABLED="false", ANSIBLE_DEPRECATION_WARNINGS="false",
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("ANSIBLE_FORCE_COLOR", None)
        env.update(extra)
        return env


class Doc(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kaltune-ansible-doc.")
        cls.collection = Collection(Path(cls.tmp.name))
        sys.path.insert(0, str(Path(cls.tmp.name) / "collections"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def doc(self, module):
        out = run(["ansible-doc", "--json", "-t", "module", "kaltune.kaltune." + module],
                  env=self.collection.env()).stdout
        return json.loads(out)["kaltune.kaltune." + module]

    def test_the_tarball_holds_the_modules(self):
        listing = run(["tar", "-tzf", self.collection.tarball]).stdout.split()
        for path in ("plugins/modules/kaltune.py", "plugins/modules/kaltune_info.py",
                     "plugins/modules/kaltune_enforce.py", "plugins/action/kaltune_enforce.py",
                     "plugins/action/kaltune.py",
                     "plugins/module_utils/kaltune.py", "plugins/doc_fragments/common.py",
                     "meta/runtime.yml", "README.md", "MANIFEST.json"):
            self.assertIn(path, listing)

    def test_ansible_doc_renders_every_module(self):
        for module in MODULES:
            text = run(["ansible-doc", "-t", "module", "kaltune.kaltune." + module],
                       env=self.collection.env()).stdout
            self.assertIn("KALTUNE.KALTUNE." + module.upper(), text)
            for section in ("OPTIONS", "EXAMPLES:", "RETURN VALUES:"):
                self.assertIn(section, text, module)

    def test_documented_options_are_the_argument_spec(self):
        for module in MODULES:
            doc = self.doc(module)
            spec = importlib.import_module(
                "ansible_collections.kaltune.kaltune.plugins.modules." + module).ARGUMENT_SPEC
            options = doc["doc"]["options"]
            self.assertEqual(sorted(options), sorted(spec), module)
            for name, arg in spec.items():
                with self.subTest(module=module, option=name):
                    self.assertEqual(options[name]["type"], arg["type"])
                    self.assertEqual(options[name].get("choices"), arg.get("choices"))
                    self.assertEqual(options[name].get("default"), arg.get("default"))
                    self.assertEqual(options[name].get("elements"), arg.get("elements"))
                    self.assertTrue(options[name]["description"])

    def test_examples_are_tasks_of_the_module(self):
        for module in MODULES:
            doc = self.doc(module)
            examples = yaml.safe_load(doc["examples"])
            self.assertTrue(examples)
            self.assertTrue(any("kaltune.kaltune." + module in task for task in examples))
            self.assertIsInstance(doc["return"], dict)
            self.assertTrue(doc["return"])


class Fleet(unittest.TestCase):
    """One scenario, in order: the steps share the hosts."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kaltune-ansible-fleet.")
        cls.work = Path(cls.tmp.name)
        cls.collection = Collection(cls.work)
        inventory = {"fleet": {"hosts": {}, "vars": {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "kaltune_bin": str(KALTUNE)}}}
        for host in HOSTS:
            netns = cls.work / "netns" / host
            netns.parent.mkdir(exist_ok=True)
            netns.touch()
            run(["unshare", "--net=%s" % netns, "true"])
            root = cls.work / "roots" / host
            (root / "etc/sysctl.d").mkdir(parents=True)
            (root / "etc/sysctl.conf").write_text("# the image's own file, left as it is\n")
            inventory["fleet"]["hosts"][host] = {"kaltune_netns": str(netns),
                                                 "kaltune_root": str(root)}
        cls.inventory = cls.work / "inventory.yml"
        cls.inventory.write_text(yaml.safe_dump(inventory))
        # host2 starts from other running values than the kernel's defaults.
        cls.write_running("host2", "tcp_keepalive_time", 600)

    @classmethod
    def tearDownClass(cls):
        for host in HOSTS:
            subprocess.run(["umount", str(cls.netns(host))], capture_output=True)
        cls.tmp.cleanup()

    @classmethod
    def netns(cls, host):
        return cls.work / "netns" / host

    @classmethod
    def root(cls, host):
        return cls.work / "roots" / host

    @classmethod
    def write_running(cls, host, key, value):
        run(["nsenter", "--net=%s" % cls.netns(host), "sh", "-c",
             "echo %d > /proc/sys/net/ipv4/%s" % (value, key)])

    def running(self, host):
        """The three values the kernel holds in the host's namespace, read without kaltune."""
        out = run(["nsenter", "--net=%s" % self.netns(host), "cat"] +
                  ["/proc/sys/net/ipv4/" + key for key in KEYS]).stdout
        return tuple(int(v) for v in out.split())

    def tree(self, host):
        """Every file of the host's tree: bytes, mode and mtime."""
        root = self.root(host)
        return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
                for p in sorted(root.rglob("*")) if p.is_file()}

    def state(self):
        return {host: (self.running(host), self.tree(host)) for host in HOSTS}

    def playbook(self, name, *options, extra=None):
        """Runs the playbook; returns its screen text and its results as data by (host, task)."""
        results = self.work / "results.json"
        if results.exists():
            results.unlink()
        cmd = ["ansible-playbook", "-i", self.inventory, "--forks", len(HOSTS), HERE / name]
        cmd += list(options)
        if extra:
            cmd += ["-e", json.dumps(extra)]
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              env=self.collection.env(KALTUNE_RESULTS=str(results)))
        self.assertTrue(results.exists(), "no results from %s:\n%s\n%s"
                        % (name, proc.stdout, proc.stderr))
        data = json.loads(results.read_text())
        by_task = {(r["host"], r["task"]): r for r in data["results"]}
        return proc, by_task, data["stats"]

    def assertAll(self, by_task, tasks, status, changed, hosts=HOSTS):
        for host in hosts:
            for task in tasks:
                r = by_task.get((host, task))
                self.assertIsNotNone(r, "%s: no result for %s" % (host, task))
                self.assertEqual(r["status"], status, "%s %s: %s" % (host, task, r["result"]))
                self.assertIs(r["result"].get("changed", False), changed, "%s %s" % (host, task))

    def expected_file(self, time, intvl, probes, retries2):
        return (HEADER + "net.ipv4.tcp_keepalive_time = %d\nnet.ipv4.tcp_keepalive_intvl = %d\n"
                "net.ipv4.tcp_keepalive_probes = %d\nnet.ipv4.tcp_retries2 = %d\n"
                % (time, intvl, probes, retries2)).encode()

    def test_1_check_mode_reports_and_changes_nothing(self):
        before = self.state()
        proc, by_task, stats = self.playbook("fleet.yml", "--check", extra=GOOD)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("persisted", "running"), "ok", True)
        for host in HOSTS:
            persisted = by_task[(host, "persisted")]["result"]["kaltune"]
            self.assertIs(persisted["dry_run"], True)
            self.assertEqual(persisted["file"]["action"], "created")
            self.assertIs(persisted["file"]["written"], False)
            running = by_task[(host, "running")]["result"]["kaltune"]
            want = {"net.ipv4.tcp_keepalive_time": 300, "net.ipv4.tcp_keepalive_intvl": 30,
                    "net.ipv4.tcp_keepalive_probes": 4, "net.ipv4.tcp_retries2": 8}
            old = dict(zip(("net.ipv4." + k for k in KEYS), before[host][0]))
            self.assertEqual({c["key"]: (c["from"], c["to"]) for c in running["changes"]},
                             {k: (old[k], v) for k, v in want.items() if old[k] != v})
            self.assertEqual(stats[host]["changed"], 2)
        self.assertEqual(self.state(), before)

    def test_2_diff_mode_prints_the_file_diff(self):
        before = self.state()
        proc, by_task, _ = self.playbook("fleet.yml", "--check", "--diff", extra=GOOD)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for host in HOSTS:
            (file_diff,) = by_task[(host, "persisted")]["result"]["diff"]
            self.assertEqual(file_diff["prepared"].splitlines()[:2],
                             ["--- /dev/null", "+++ /etc/sysctl.d/99-kaltune.conf"])
            self.assertEqual(file_diff["prepared"].splitlines()[-4:],
                             ["+net.ipv4.tcp_keepalive_time = 300",
                              "+net.ipv4.tcp_keepalive_intvl = 30",
                              "+net.ipv4.tcp_keepalive_probes = 4",
                              "+net.ipv4.tcp_retries2 = 8"])
            (running_diff,) = by_task[(host, "running")]["result"]["diff"]
            time_before = before[host][0][0]
            self.assertEqual(running_diff["before"],
                             "net.ipv4.tcp_keepalive_time = %d\nnet.ipv4.tcp_keepalive_intvl = 75\n"
                             "net.ipv4.tcp_keepalive_probes = 9\nnet.ipv4.tcp_retries2 = 15\n"
                             % time_before)
            self.assertEqual(running_diff["after"],
                             "net.ipv4.tcp_keepalive_time = 300\nnet.ipv4.tcp_keepalive_intvl = 30\n"
                             "net.ipv4.tcp_keepalive_probes = 4\nnet.ipv4.tcp_retries2 = 8\n")
            self.assertIn(str(self.netns(host)), running_diff["before_header"])
        # The default stdout callback shows both diffs.
        self.assertIn("+++ /etc/sysctl.d/99-kaltune.conf", proc.stdout)
        self.assertIn("+net.ipv4.tcp_keepalive_time = 300", proc.stdout)
        self.assertIn("-net.ipv4.tcp_keepalive_time = 600", proc.stdout)
        self.assertEqual(self.state(), before)

    def test_3_apply_changes_every_host(self):
        proc, by_task, stats = self.playbook("fleet.yml", "--diff", extra=GOOD)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("persisted", "running"), "ok", True)
        for host in HOSTS:
            self.assertEqual(self.running(host), (300, 30, 4, 8), host)
            tree = self.tree(host)
            self.assertEqual(tree[OWN_FILE][0], self.expected_file(300, 30, 4, 8), host)
            self.assertEqual(tree["etc/sysctl.conf"][0],
                             b"# the image's own file, left as it is\n")
            result = by_task[(host, "persisted")]["result"]
            self.assertEqual(result["kaltune"]["file"]["action"], "created")
            boot = result["kaltune"]["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]
            self.assertEqual((boot["value"], boot["origin"]),
                             (300, "/etc/sysctl.d/99-kaltune.conf:4"))
            self.assertIn("+net.ipv4.tcp_keepalive_time = 300", result["diff"][0]["prepared"])
            self.assertEqual(stats[host]["changed"], 2)

    def test_4_second_run_changes_nothing(self):
        before = self.state()
        proc, by_task, stats = self.playbook("fleet.yml", "--diff", extra=GOOD)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("persisted", "running"), "ok", False)
        for host in HOSTS:
            self.assertEqual(stats[host]["changed"], 0)
            self.assertEqual(by_task[(host, "persisted")]["result"]["diff"], [])
        self.assertEqual(self.state(), before)  # not even an mtime

    def test_5_bad_value_fails_with_kaltunes_message_and_changes_nothing(self):
        before = self.state()
        bad = dict(GOOD, ka_time=0, ka_ignore=True)
        # The oracle: what kaltune itself says for that value.
        direct = subprocess.run([str(KALTUNE), "--root", str(self.root("host1")), "set",
                                 "--time", "0", "--persist"], capture_output=True, text=True)
        self.assertEqual(direct.returncode, 2)
        message = direct.stderr.strip()
        self.assertTrue(message.startswith("kaltune: ") and "\n" not in message, message)
        proc, by_task, stats = self.playbook("fleet.yml", extra=bad)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)  # ignore_errors
        self.assertAll(by_task, ("persisted", "running"), "failed", False)
        for host in HOSTS:
            for task in ("persisted", "running"):
                result = by_task[(host, task)]["result"]
                self.assertEqual(result["msg"], message)
                self.assertEqual(result["rc"], 2)
            self.assertEqual(stats[host]["ignored"], 2)
        self.assertEqual(self.state(), before)

    def test_5b_yaml_1_1_numbers_and_parser_errors_say_what_happened(self):
        """YAML 1.1 turns 0300 into 192, 5:00 into 300 and 010 into 8 before any module runs:
        written so in a task, they are refused naming the spelling; plain decimal and quoted
        values go to kaltune as written. A command-line error of kaltune (a --root that does not
        exist) is its one line, never the hint to run with --help."""
        before = self.state()
        # Literal values, so written as text: safe_dump would quote them.
        play = self.work / "spellings.yml"
        task = ("    - name: %s\n      kaltune.kaltune.kaltune:\n"
                "        executable: \"{{ kaltune_bin }}\"\n"
                "        netns: \"{{ kaltune_netns }}\"\n%s      ignore_errors: true\n")
        play.write_text(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n"
            + task % ("octal", "        time: 0300\n")
            + task % ("base60", "        intvl: 5:00\n")
            + task % ("octal probes", "        probes: 010\n")
            + "    - name: flow\n      kaltune.kaltune.kaltune: {executable: \"{{ kaltune_bin }}\", "
              "netns: \"{{ kaltune_netns }}\", time: 0x12c}\n      ignore_errors: true\n"
            + task % ("plain", "        time: 300\n        probes: 4\n")
            + task % ("quoted", "        time: '0300'\n")
            + task % ("no root", "        root: /nonexistent\n        time: 300\n"))
        direct = subprocess.run([str(KALTUNE), "--root", "/nonexistent", "set", "--time", "300"],
                                capture_output=True, text=True)
        self.assertEqual(direct.returncode, 2)
        quoted = subprocess.run([str(KALTUNE), "set", "--time", "0300", "--dry-run"],
                                capture_output=True, text=True)
        self.assertEqual(quoted.returncode, 2)
        proc, by_task, _ = self.playbook(play, "--check")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)  # ignore_errors
        converted = {"octal": ("time", "0300", 192, "an octal number"),
                     "base60": ("intvl", "5:00", 300, "a base-60 number (minutes:seconds)"),
                     "octal probes": ("probes", "010", 8, "an octal number"),
                     "flow": ("time", "0x12c", 300, "a hexadecimal number")}
        for host in HOSTS:
            for name, (key, spelling, value, kind) in converted.items():
                r = by_task[(host, name)]
                self.assertEqual(r["status"], "failed", r["result"])
                self.assertEqual(r["result"]["rc"], 2)
                self.assertTrue(r["result"]["msg"].startswith(
                    "%s: %s at %s:" % (key, spelling, play)), r["result"]["msg"])
                self.assertIn(" is %d to YAML 1.1 (%s)" % (value, kind), r["result"]["msg"])
                self.assertNotIn("cmd", r["result"])  # kaltune never ran
            plain = by_task[(host, "plain")]
            self.assertEqual(plain["status"], "ok", plain["result"])
            self.assertEqual(plain["result"]["cmd"][-5:],
                             ["--time", "300", "--probes", "4", "--dry-run"])
            quoted_result = by_task[(host, "quoted")]["result"]
            self.assertEqual(quoted_result["msg"], quoted.stderr.strip())
            no_root = by_task[(host, "no root")]["result"]
            self.assertEqual(no_root["rc"], 2)
            first = direct.stderr.splitlines()[0]
            self.assertEqual(no_root["msg"], first if first.startswith("kaltune: ")
                             else "kaltune: " + first)
            self.assertNotIn("--help", no_root["msg"])
        self.assertEqual(self.state(), before)

    def test_6_boot_time_winner_fails_naming_the_file(self):
        vendor = self.root("host3") / "etc/sysctl.d/99-zz-vendor.conf"
        vendor.write_text("net.ipv4.tcp_keepalive_time = 7200\n")
        try:
            before = self.state()
            proc, by_task, _ = self.playbook("fleet.yml", extra=dict(GOOD, ka_time="10m"))
            self.assertNotEqual(proc.returncode, 0)
            self.assertAll(by_task, ("persisted", "running"), "ok", True, hosts=("host1", "host2"))
            failed = by_task[("host3", "persisted")]["result"]
            self.assertEqual(by_task[("host3", "persisted")]["status"], "failed")
            self.assertEqual(failed["rc"], 4)
            self.assertTrue(failed["msg"].startswith("kaltune: "), failed["msg"])
            self.assertIn("/etc/sysctl.d/99-zz-vendor.conf:1", failed["msg"])
            self.assertNotIn(("host3", "running"), by_task)  # the host stopped there
            self.assertEqual(self.state()["host3"], before["host3"])
            for host in ("host1", "host2"):
                self.assertEqual(self.running(host), (600, 30, 4, 8))
                self.assertEqual(self.tree(host)[OWN_FILE][0], self.expected_file(600, 30, 4, 8))
        finally:
            vendor.unlink()

    def test_7_info_module_returns_running_and_boot_as_facts(self):
        proc, by_task, _ = self.playbook("info.yml")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("facts",), "ok", False)
        for host in HOSTS:
            facts = by_task[(host, "facts")]["result"]["ansible_facts"]["kaltune"]
            running = {k: facts["running"]["settings"]["net.ipv4." + k]["value"] for k in KEYS}
            self.assertEqual(tuple(running[k] for k in KEYS), self.running(host))
            boot = facts["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]
            self.assertEqual(boot["origin"], "/etc/sysctl.d/99-kaltune.conf:4")
            self.assertEqual(boot["value"], int(self.tree(host)[OWN_FILE][0].split(b"\n")[3]
                                                .split(b"=")[1]))
            self.assertEqual(facts["boot"]["model"], "systemd")

    def test_8_reset_back_to_the_defaults(self):
        before = self.state()
        proc, by_task, _ = self.playbook("fleet.yml", "--check", extra={"ka_state": "reset"})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("persisted", "running"), "ok", True)
        self.assertEqual(self.state(), before)
        proc, by_task, _ = self.playbook("fleet.yml", extra={"ka_state": "reset"})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertAll(by_task, ("persisted", "running"), "ok", True)
        for host in HOSTS:
            self.assertEqual(self.running(host), (7200, 75, 9, 15))
            self.assertNotIn(OWN_FILE, self.tree(host))
            self.assertEqual(by_task[(host, "persisted")]["result"]["kaltune"]["file"]["action"],
                             "removed")
        proc, by_task, _ = self.playbook("fleet.yml", extra={"ka_state": "reset"})
        self.assertAll(by_task, ("persisted", "running"), "ok", False)


def cgroup2_mount():
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split(" - ")
        if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
            return fields[0].split()[4]
    return None


class Enforce(unittest.TestCase):
    """kaltune_enforce, in order: the steps share the attachment."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kaltune-ansible-enforce.")
        cls.work = Path(cls.tmp.name)
        # A bpffs of the test's own: the pins die with this mount namespace.
        run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"])
        cls.cgroup = "kaltune-ansible-%d" % os.getpid()
        cls.directory = Path(cls.mount) / cls.cgroup
        cls.directory.mkdir()
        cls.collection = Collection(cls.work)
        inventory = {"all": {"hosts": {"node": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "kaltune_bin": str(KALTUNE), "ka_cgroup": cls.cgroup}}}}
        cls.inventory = cls.work / "inventory.yml"
        cls.inventory.write_text(yaml.safe_dump(inventory))

    @classmethod
    def tearDownClass(cls):
        subprocess.run([str(KALTUNE), "enforce", "--cgroup", cls.cgroup, "--off"],
                       capture_output=True)
        cls.directory.rmdir()
        cls.tmp.cleanup()

    def listed(self):
        """The test cgroup's attached values, from kaltune's own --list (None: nothing)."""
        out = run([KALTUNE, "--json", "enforce", "--list"]).stdout
        for entry in json.loads(out)["enforcements"]:
            if entry["cgroup"] == self.cgroup and entry["attached"]:
                return entry["attached"]["values"]
        return None

    def options_of_a_new_connection(self):
        """SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT of a connection made by a
        process in the cgroup that sets nothing itself."""
        script = (
            "import os, socket\n"
            "open(%r, 'w').write(str(os.getpid()))\n"
            "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen()\n"
            "c = socket.create_connection(l.getsockname())\n"
            "print(c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),\n"
            "      *(c.getsockopt(socket.IPPROTO_TCP, o) for o in\n"
            "        (socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT)))\n"
            % str(self.directory / "cgroup.procs"))
        out = run([sys.executable, "-c", script]).stdout
        return tuple(int(v) for v in out.split())

    def playbook(self, *options, extra=None):
        results = self.work / "results.json"
        if results.exists():
            results.unlink()
        cmd = ["ansible-playbook", "-i", self.inventory, HERE / "enforce.yml"] + list(options)
        if extra:
            cmd += ["-e", json.dumps(extra)]
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              env=self.collection.env(KALTUNE_RESULTS=str(results)))
        self.assertTrue(results.exists(), "no results:\n%s\n%s" % (proc.stdout, proc.stderr))
        result = json.loads(results.read_text())["results"][0]
        return proc, result

    VALUES = {"ka_time": "60", "ka_intvl": "10s", "ka_probes": 6}

    def test_1_check_mode_attaches_nothing(self):
        proc, result = self.playbook("--check", "--diff", extra=self.VALUES)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIs(result["result"]["changed"], True)
        self.assertIs(result["result"]["kaltune"]["dry_run"], True)
        self.assertEqual(result["result"]["kaltune"]["action"], "attach")
        self.assertEqual(result["result"]["diff"]["before"], "attached: none\npersisted: none\n")
        self.assertEqual(result["result"]["diff"]["after"],
                         "attached: time 60 s, intvl 10 s, probes 6\npersisted: none\n")
        self.assertIsNone(self.listed())
        self.assertEqual(self.options_of_a_new_connection(), (0, 7200, 75, 9))

    def test_2_apply_attaches_and_a_second_run_changes_nothing(self):
        proc, result = self.playbook("--diff", extra=self.VALUES)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIs(result["result"]["changed"], True)
        self.assertEqual(result["result"]["kaltune"]["action"], "attach")
        self.assertEqual((self.listed() or {}).get("time"), 60)
        self.assertEqual(self.options_of_a_new_connection(), (1, 60, 10, 6))
        proc, result = self.playbook(extra=self.VALUES)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIs(result["result"]["changed"], False)
        self.assertEqual(result["result"]["kaltune"]["action"], "unchanged")

    def test_3_other_values_replace_and_a_bad_one_changes_nothing(self):
        proc, result = self.playbook(extra=dict(self.VALUES, ka_time="5m"))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(result["result"]["kaltune"]["action"], "replace")
        self.assertEqual(self.options_of_a_new_connection(), (1, 300, 10, 6))
        proc, result = self.playbook(extra=dict(self.VALUES, ka_probes=0, ka_ignore=True))
        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["result"]["rc"], 2)
        self.assertTrue(result["result"]["msg"].startswith("kaltune: "), result["result"]["msg"])
        self.assertIn("probes", result["result"]["msg"])
        self.assertEqual(self.options_of_a_new_connection(), (1, 300, 10, 6))

    def test_4_absent_detaches(self):
        proc, result = self.playbook("--diff", extra={"ka_state": "absent"})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIs(result["result"]["changed"], True)
        self.assertEqual(result["result"]["diff"]["after"], "attached: none\npersisted: none\n")
        self.assertIsNone(self.listed())
        self.assertEqual(self.options_of_a_new_connection(), (0, 7200, 75, 9))
        proc, result = self.playbook(extra={"ka_state": "absent"})
        self.assertIs(result["result"]["changed"], False)


def main():
    if not shutil.which("ansible-playbook"):
        skip("ansible-core is not installed (Debian package ansible-core)")
    if SCENARIO in ("Fleet", "Enforce"):
        enter_private_namespaces()
    if SCENARIO == "Enforce":
        Enforce.mount = cgroup2_mount()
        if Enforce.mount is None:
            skip("no cgroup2 mount in /proc/self/mountinfo")
        probe = subprocess.run([str(KALTUNE), "enforce", "--cgroup", "/", "--sysctl-values",
                                "--dry-run"], capture_output=True, text=True)
        if probe.returncode != 0:
            skip("kaltune enforce cannot load its program here: " + probe.stderr.strip())
    program = unittest.main(argv=[sys.argv[0], "-v", SCENARIO], exit=False)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
