#!/usr/bin/python3
"""kaltune's metrics scraped for real: Debian's prometheus-node-exporter and promtool.

    test_metrics.py KALTUNE_BINARY SOURCE_DIR BUILD_DIR

In a private mount + network namespace (tests/common/private_ns.py) the test makes the state the
metrics describe: running values written to /proc/sys of that namespace, a --root tree whose
boot view differs, loopback connections with and without SO_KEEPALIVE (one armed before the
values changed: stale). kaltune writes show, sockets and check metrics with --output into a
textfile directory; the node exporter, started on a loopback port with only the textfile
collector, is scraped over HTTP: kaltune's series are there with the right values and
node_textfile_scrape_error is 0. Every file passes `promtool check metrics`, and the commands of
the packaged kaltune-metrics.service (BUILD_DIR/systemd) write files that do too.
Exit 77 (skipped) without a namespace, the node exporter or promtool.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
from private_ns import enter_private_namespaces, skip  # noqa: E402

if len(sys.argv) != 4:
    sys.exit(__doc__.split("\n\n")[1])
KALTUNE = str(Path(sys.argv[1]).resolve())
SOURCE = Path(sys.argv[2]).resolve()
BUILD = Path(sys.argv[3]).resolve()
EXPORTER = "prometheus-node-exporter"
# A file name a label must escape: the boot origin carries it.
BOOT_FILE = 'etc/sysctl.d/50-a"b\\c.conf'
TIME, INTVL, PROBES = "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", \
    "net.ipv4.tcp_keepalive_probes"


def write_running(time_, intvl, probes):
    for key, value in ((TIME, time_), (INTVL, intvl), (PROBES, probes)):
        Path("/proc/sys/" + key.replace(".", "/")).write_text("%d\n" % value)


def kaltune(*args, ok=(0,)):
    proc = subprocess.run([KALTUNE] + [str(a) for a in args], capture_output=True, text=True)
    assert proc.returncode in ok, "kaltune %s: exit %d\n%s" % (args, proc.returncode, proc.stderr)
    return proc


def parse_labels(text):
    """name="value",... with the format's escapes (\\\\, \\", \\n) undone."""
    labels, i = {}, 0
    while i < len(text):
        eq = text.index("=", i)
        name = text[i:eq].strip().lstrip(",").strip()
        assert text[eq + 1] == '"', text
        j, value = eq + 2, []
        while text[j] != '"':
            if text[j] == "\\":
                value.append({"\\": "\\", '"': '"', "n": "\n"}[text[j + 1]])
                j += 2
            else:
                value.append(text[j])
                j += 1
        labels[name] = "".join(value)
        i = j + 1
        while i < len(text) and text[i] in ", ":
            i += 1
    return labels


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")


def parse_exposition(text):
    """{(name, frozenset(labels)): value} and {name: (help, type)}; a line that is no sample,
    HELP or TYPE (a timestamp after the value, for one) fails."""
    samples, meta = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            meta.setdefault(name, [None, None])[0] = help_
            continue
        if line.startswith("# TYPE "):
            name, _, type_ = line[7:].partition(" ")
            meta.setdefault(name, [None, None])[1] = type_
            continue
        match = SAMPLE.match(line)
        assert match, "not a sample without timestamp: %r" % line
        labels = parse_labels(match.group(2) or "")
        samples[(match.group(1), frozenset(labels.items()))] = float(match.group(3))
    return samples, meta


def value(samples, name, **labels):
    key = (name, frozenset(labels.items()))
    assert key in samples, "no %s%s; have: %s" % (name, labels, sorted(
        str(dict(l)) for n, l in samples if n == name))
    return samples[key]


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="kaltune-metrics.")
        work = Path(cls.tmp.name)
        cls.textfile = work / "textfile"
        cls.textfile.mkdir()
        cls.root = work / "root"
        boot = cls.root / BOOT_FILE
        boot.parent.mkdir(parents=True)
        boot.write_text("%s = 600\n%s = 4\n" % (TIME, PROBES))
        cls.connections = []
        write_running(7200, 75, 9)
        listener = socket.create_server(("127.0.0.1", 0))
        cls.connections.append(listener)
        # A keepalive timer armed at 7200 s, then the values change: stale. One armed after
        # the change, one connection without SO_KEEPALIVE. Accepted sockets have none.
        cls.connect(listener, keepalive=True)
        write_running(300, 30, 4)
        cls.connect(listener, keepalive=True)
        cls.connect(listener, keepalive=False)
        kaltune("--root", cls.root, "--boot-model", "systemd", "show", "--format", "prometheus",
                "--output", cls.textfile / "kaltune.prom")
        kaltune("sockets", "--format", "prometheus", "--output", cls.textfile / "kaltune_sockets.prom")
        kaltune("check", "--idle-timeout", "250s", "--format", "prometheus", "--output",
                cls.textfile / "kaltune_check.prom", ok=(1,))
        port = cls.free_port()
        cls.exporter = subprocess.Popen(
            [EXPORTER, "--web.listen-address=127.0.0.1:%d" % port, "--collector.disable-defaults",
             "--collector.textfile", "--collector.textfile.directory=%s" % cls.textfile],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        cls.scraped = cls.scrape(port)

    @classmethod
    def tearDownClass(cls):
        cls.exporter.terminate()
        cls.exporter.wait(timeout=20)
        for conn in cls.connections:
            conn.close()
        cls.tmp.cleanup()

    @classmethod
    def connect(cls, listener, keepalive):
        client = socket.create_connection(listener.getsockname())
        if keepalive:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        server, _ = listener.accept()
        cls.connections += [client, server]

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @classmethod
    def scrape(cls, port):
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
                    return parse_exposition(r.read().decode())[0]
            except OSError:
                if time.monotonic() > deadline or cls.exporter.poll() is not None:
                    raise AssertionError("node exporter did not answer: %s"
                                         % (cls.exporter.stderr.read() if cls.exporter.poll()
                                            is not None else "timeout"))
                time.sleep(0.2)

    def test_the_collector_read_every_file_without_error(self):
        self.assertEqual(value(self.scraped, "node_textfile_scrape_error"), 0)
        for name in ("kaltune.prom", "kaltune_sockets.prom", "kaltune_check.prom"):
            # node exporter 1.5 labels the file with its path (older ones: its name).
            self.assertGreater(value(self.scraped, "node_textfile_mtime_seconds",
                                     file=str(self.textfile / name)), 0)

    def test_values_per_source(self):
        s = self.scraped
        for source, want in (("running", (300, 30, 4, 420)), ("boot", (600, 75, 4, 900))):
            self.assertEqual(value(s, "kaltune_tcp_keepalive_time_seconds", source=source), want[0])
            self.assertEqual(value(s, "kaltune_tcp_keepalive_intvl_seconds", source=source), want[1])
            self.assertEqual(value(s, "kaltune_tcp_keepalive_probes", source=source), want[2])
            self.assertEqual(value(s, "kaltune_tcp_keepalive_detect_seconds", source=source), want[3])

    def test_drift_per_key(self):
        for key, drift in ((TIME, 1), (INTVL, 1), (PROBES, 0)):
            self.assertEqual(value(self.scraped, "kaltune_tcp_keepalive_drift", key=key), drift)

    def test_origins_keep_a_label_that_needs_escaping(self):
        origin = "/" + BOOT_FILE + ":1"
        self.assertEqual(value(self.scraped, "kaltune_tcp_keepalive_origin_info", source="boot",
                               key=TIME, origin=origin), 1)
        self.assertEqual(value(self.scraped, "kaltune_tcp_keepalive_origin_info", source="boot",
                               key=INTVL, origin="kernel default"), 1)

    def test_socket_coverage_counts(self):
        s = self.scraped
        # Three connections, two sockets each; SO_KEEPALIVE on two clients, one armed before
        # the change.
        for name, want in (("established", 6), ("keepalive", 2), ("no_keepalive", 4),
                           ("unacked", 0), ("stale_keepalive", 1)):
            self.assertEqual(value(s, "kaltune_tcp_connections_" + name), want, name)

    def test_check_status(self):
        s = self.scraped
        self.assertEqual(value(s, "kaltune_check_status"), 2)
        self.assertEqual(value(s, "kaltune_check_findings", severity="critical"), 1)
        self.assertEqual(value(s, "kaltune_check_findings", severity="warning"), 0)
        self.assertEqual(value(s, "kaltune_check_idle_timeout_seconds"), 250)

    def test_files_have_help_and_type_and_pass_promtool(self):
        for path in sorted(self.textfile.iterdir()):
            text = path.read_text()
            samples, meta = parse_exposition(text)
            self.assertTrue(samples, path.name)
            for name, _ in samples:
                self.assertIn(name, meta, "%s: %s has no HELP/TYPE" % (path.name, name))
                self.assertTrue(meta[name][0], name)
                self.assertIn(meta[name][1], ("gauge", "counter"), name)
                self.assertTrue(name.startswith("kaltune_"), name)
            lint = subprocess.run(["promtool", "check", "metrics"], input=text,
                                  capture_output=True, text=True)
            self.assertEqual((lint.returncode, lint.stdout + lint.stderr), (0, ""), path.name)
            self.assertEqual(path.stat().st_mode & 0o777, 0o644, path.name)
        # Atomic replacement leaves no temp file behind.
        self.assertEqual(sorted(p.name for p in self.textfile.iterdir()),
                         ["kaltune.prom", "kaltune_check.prom", "kaltune_sockets.prom"])

    def test_output_needs_an_existing_directory(self):
        missing = self.textfile / "no" / "kaltune.prom"
        proc = kaltune("show", "--format", "prometheus", "--output", missing, ok=(2,))
        self.assertEqual(proc.stderr.strip(), "kaltune: --output %s: %s is not an existing "
                         "directory" % (missing, missing.parent))
        self.assertFalse(missing.parent.exists())

    def test_the_packaged_service_commands_write_clean_files(self):
        unit = (BUILD / "systemd" / "kaltune-metrics.service").read_text()
        directory = re.search(r"^ConditionPathIsDirectory=(.*)$", unit, re.M).group(1)
        # "+": enforce --list runs with full privileges (reading BPF objects back).
        commands = re.findall(r"^ExecStart=[-+@:!]*(\S+) (.*)$", unit, re.M)
        self.assertEqual(len(commands), 4)
        with tempfile.TemporaryDirectory(prefix="kaltune-unit.") as out:
            for _, args in commands:
                argv = args.replace(directory, out).split()
                kaltune(*argv, ok=(0, 1))  # SuccessExitStatus=1: check's policy result
            files = sorted(os.listdir(out))
            self.assertEqual(files, ["kaltune.prom", "kaltune_check.prom", "kaltune_enforce.prom",
                                     "kaltune_sockets.prom"])
            for name in files:
                lint = subprocess.run(["promtool", "check", "metrics"],
                                      input=Path(out, name).read_text(), capture_output=True,
                                      text=True)
                self.assertEqual((lint.returncode, lint.stdout + lint.stderr), (0, ""), name)


def main():
    for tool, package in ((EXPORTER, "prometheus-node-exporter"), ("promtool", "prometheus")):
        if not shutil.which(tool):
            skip("%s is not installed (Debian package %s)" % (tool, package))
    enter_private_namespaces()
    program = unittest.main(argv=[sys.argv[0], "-v"], exit=False)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
