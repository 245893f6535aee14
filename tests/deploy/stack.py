"""The deployment's own configuration files (deploy/), rendered for loopback and started.

The tests of `make test` and `make cluster-test` (scripts/cluster_test.py) start nginx and
PgBouncer from the Debian packages with the files a town applies, changing only what must
differ on this machine: addresses and ports, paths, TLS (plain HTTP on loopback) and, for
PgBouncer, trust authentication against a throwaway or test PostgreSQL.

    with Nginx(upstreams=["127.0.0.2:8000"], static_root=..., media_root=...) as proxy:
        urllib.request.urlopen(proxy.url + "/healthz")
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.faults.harness import ROOT, free_port, wait_until

DEPLOY = ROOT / "deploy"


def require(binary: str, package: str) -> str:
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if not found:
        raise RuntimeError(f"{binary} is missing: apt-get install {package}")
    return found


def in_netns(netns: str | None) -> list[str]:
    """The command prefix that runs a program in network namespace `netns` (none: here)."""
    return ["ip", "netns", "exec", netns] if netns else []


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def open_dir(prefix: str) -> Path:
    """A temporary folder nginx's workers (nobody) and PgBouncer (postgres) can read."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


# --- nginx -----------------------------------------------------------------------------------


def render_site(
    *,
    upstreams: list[str],
    listen: str,
    static_root: Path,
    media_root: Path,
    snippets: Path,
    tls: tuple[Path, Path] | None = None,
) -> str:
    """deploy/nginx/loos.conf for loopback: the given upstreams, plain HTTP on `listen`, or
    HTTPS with deploy/nginx/loos-tls.conf and `tls` = (certificate, key)."""
    site = (DEPLOY / "nginx" / "loos.conf").read_text()
    servers = "".join(f"    server {u} max_fails=1 fail_timeout=10s;\n" for u in upstreams)
    site, count = re.subn(
        r"upstream loos_web \{\n(?:    server [^\n]*\n)+", f"upstream loos_web {{\n{servers}", site
    )
    assert count == 1, "deploy/nginx/loos.conf: upstream loos_web not found"
    # The port-80 server only redirects to HTTPS; here it gets a port of its own.
    site = site.replace("listen 80;\n    listen [::]:80;", f"listen 127.0.0.1:{free_port()};")
    if tls:
        conf = (DEPLOY / "nginx" / "loos-tls.conf").read_text()
        conf = re.sub(r"^listen \[::\]:443 .*\n", "", conf, flags=re.M)
        conf = re.sub(r"^listen 443 ", f"listen {listen} ", conf, flags=re.M)
        conf = re.sub(r"^ssl_certificate \S+;", f"ssl_certificate {tls[0]};", conf, flags=re.M)
        conf = re.sub(
            r"^ssl_certificate_key \S+;", f"ssl_certificate_key {tls[1]};", conf, flags=re.M
        )
        (snippets / "loos-tls.conf").write_text(conf)
    else:
        (snippets / "loos-tls.conf").write_text(f"listen {listen};\n")
    shutil.copy(DEPLOY / "nginx" / "loos-proxy.conf", snippets / "loos-proxy.conf")
    for name in ("loos-tls.conf", "loos-proxy.conf"):
        site = site.replace(f"/etc/nginx/snippets/{name}", str(snippets / name))
    site = site.replace("/srv/loos/staticfiles/", f"{static_root}/")
    site = site.replace("/srv/loos/media/", f"{media_root}/")
    site = site.replace("/var/www/letsencrypt", str(snippets))
    return site


class Nginx:
    """nginx with deploy/nginx/loos.conf included in a minimal nginx.conf of its own."""

    def __init__(
        self,
        *,
        upstreams: list[str],
        static_root: Path,
        media_root: Path,
        host: str = "127.0.0.1",
        tls: tuple[Path, Path] | None = None,
        netns: str | None = None,
    ):
        self.binary = require("nginx", "nginx")
        self.netns = netns
        self.dir = open_dir("loos-nginx-")
        self.host, self.port = host, free_port()
        (self.dir / "snippets").mkdir()
        site = render_site(
            upstreams=upstreams,
            listen=f"{host}:{self.port}",
            static_root=static_root,
            media_root=media_root,
            snippets=self.dir / "snippets",
            tls=tls,
        )
        (self.dir / "loos.conf").write_text(site)
        d = self.dir
        self.conf = d / "nginx.conf"
        self.conf.write_text(
            f"""worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/loos.conf;
}}
"""
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.dir), "-e", str(self.dir / "error.log")] + [
            "-c",
            str(self.conf),
            *extra,
        ]

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(self._command("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [*in_netns(self.netns), *self._command("-g", "daemon off;")],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("w"),
        )
        wait_until(self._answers, timeout=15, what=f"nginx to listen ({self.dir}/error.log)")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(self.dir / 'stderr.log').read_text()}")
        return listening(self.host, self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.destroy()


# --- PgBouncer -------------------------------------------------------------------------------


def render_pgbouncer(
    *, workdir: Path, port: int, pg_host: str, pg_port: int, dbname: str, host: str = "127.0.0.1"
) -> str:
    """deploy/pgbouncer/pgbouncer.ini on loopback, trusting a local PostgreSQL."""
    ini = (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text()
    replacements = {
        r"^loos = host=\S+ port=\d+ dbname=\S+": (
            f"{dbname} = host={pg_host} port={pg_port} dbname={dbname}"
        ),
        r"^listen_addr = \S+": f"listen_addr = {host}",
        r"^listen_port = \d+": f"listen_port = {port}",
        r"^auth_type = \S+": "auth_type = trust",
        r"^auth_file = \S+": f"auth_file = {workdir}/userlist.txt",
        r"^logfile = \S+": f"logfile = {workdir}/pgbouncer.log",
        r"^pidfile = \S+": f"pidfile = {workdir}/pgbouncer.pid",
    }
    for pattern, value in replacements.items():
        ini, count = re.subn(pattern, value, ini, flags=re.M)
        assert count == 1, f"deploy/pgbouncer/pgbouncer.ini: {pattern} not found"
    return ini


class PgBouncer:
    """PgBouncer with deploy/pgbouncer/pgbouncer.ini, as user postgres (it refuses root)."""

    def __init__(
        self,
        *,
        pg_host: str,
        pg_port: int,
        dbname: str,
        host: str = "127.0.0.1",
        netns: str | None = None,
    ):
        self.binary = require("pgbouncer", "pgbouncer")
        self.dir = open_dir("loos-pgbouncer-")
        self.host, self.port, self.netns = host, free_port(), netns
        self.dbname = dbname
        (self.dir / "pgbouncer.ini").write_text(
            render_pgbouncer(
                workdir=self.dir,
                port=self.port,
                pg_host=pg_host,
                pg_port=pg_port,
                dbname=dbname,
                host=host,
            )
        )
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        if os.geteuid() == 0:
            for path in [self.dir, *self.dir.iterdir()]:
                shutil.chown(path, "postgres")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{self.dbname}"

    def start(self) -> PgBouncer:
        command, as_postgres = [self.binary, str(self.dir / "pgbouncer.ini")], {}
        if os.geteuid() == 0 and self.netns:
            # `ip netns exec` needs root: it switches, then setpriv drops to postgres (both
            # exec, so the process is pgbouncer itself).
            command = [
                *in_netns(self.netns), "setpriv", "--reuid=postgres", "--regid=postgres",
                "--init-groups", *command,
            ]  # fmt: skip
        elif os.geteuid() == 0:
            as_postgres = {"user": "postgres", "group": "postgres"}
        self.process = subprocess.Popen(
            command,
            **as_postgres,
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("w"),
        )
        wait_until(self._answers, timeout=15, what="PgBouncer to listen")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            log = self.dir / "pgbouncer.log"
            raise RuntimeError(
                f"pgbouncer exited: {(self.dir / 'stderr.log').read_text()}"
                + (log.read_text() if log.exists() else "")
            )
        return listening(self.host, self.port)

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.destroy()


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of an environment file (systemd's EnvironmentFile syntax, simplified)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# --- Redis -----------------------------------------------------------------------------------


class Redis:
    """redis-server with deploy/redis/<role>.conf, on loopback, its files in a temporary folder
    (command-line options override the file's address, port and paths)."""

    def __init__(self, role: str, host: str = "127.0.0.1", netns: str | None = None):
        self.binary = require("redis-server", "redis-server")
        self.role, self.host, self.port, self.netns = role, host, free_port(), netns
        self.dir = open_dir(f"loos-redis-{role}-")
        conf = (DEPLOY / "redis" / f"{role}.conf").read_text()
        if not Path("/etc/redis/redis.conf").exists():
            conf = conf.replace("include /etc/redis/redis.conf\n", "")
        (self.dir / "redis.conf").write_text(conf)
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def client(self):
        import redis

        return redis.Redis(host=self.host, port=self.port, socket_timeout=5)

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            [
                *in_netns(self.netns), self.binary, str(self.dir / "redis.conf"),
                "--daemonize", "no", "--supervised", "no",
                "--bind", self.host, "--port", str(self.port),
                "--dir", str(self.dir), "--pidfile", str(self.dir / "redis.pid"),
                "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("w"),
        )  # fmt: skip
        wait_until(self._answers, timeout=15, what=f"the {self.role} Redis to listen")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.dir / 'stderr.log').read_text()}")
        return listening(self.host, self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Redis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.destroy()


# --- Network namespaces ----------------------------------------------------------------------


class TestNetwork:
    """Network namespaces as the machines of make cluster-test, on a private /24 that exists
    only while it runs: a bridge in this namespace (the operator's machine, `gateway`) and,
    per host, a namespace with a veth pair to the bridge and its addresses.

    `hosts` maps a namespace to its addresses, `clients` are more addresses of this machine.
    Leftovers of an interrupted run are removed first; everything is removed on exit, also on
    failure. `up()` returns False when namespaces cannot be created (not root, `ip netns add`
    refused): then nothing is left.
    """

    __test__ = False  # not a pytest class
    BRIDGE = "loos-br0"

    def __init__(
        self, hosts: dict[str, list[str]], gateway: str, prefix: int = 24, clients: list[str] = ()
    ):
        # `clients`: more addresses of this machine on the bridge (one per rush resident).
        self.hosts, self.gateway, self.prefix = hosts, gateway, prefix
        self.clients = list(clients)
        self.error = ""

    @staticmethod
    def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
        if check and done.returncode:
            raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
        return done

    def _veth(self, netns: str) -> str:
        return "lv-" + netns.removeprefix("loos-")[:12]

    def clean(self) -> None:
        """Remove the namespaces, veths and bridge of this or an earlier run (if any)."""
        existing = self._ip("netns", "list", check=False).stdout.split()
        for netns in self.hosts:
            if netns in existing:
                self._ip("netns", "del", netns, check=False)  # takes its veth pair along
            self._ip("link", "del", self._veth(netns), check=False)
        self._ip("link", "del", self.BRIDGE, check=False)

    def up(self) -> bool:
        if os.geteuid() != 0 or not shutil.which("ip", path="/usr/sbin:/sbin:/usr/bin:/bin"):
            self.error = "not root" if os.geteuid() else "ip (iproute2) is missing"
            return False
        self.clean()
        try:
            self._ip("link", "add", self.BRIDGE, "type", "bridge")
            self._ip("addr", "add", f"{self.gateway}/{self.prefix}", "dev", self.BRIDGE)
            for address in self.clients:
                self._ip("addr", "add", f"{address}/{self.prefix}", "dev", self.BRIDGE)
            self._ip("link", "set", self.BRIDGE, "up")
            for netns, addresses in self.hosts.items():
                veth = self._veth(netns)
                self._ip("netns", "add", netns)
                self._ip("link", "add", veth, "type", "veth", "peer", "name", "eth0",
                         "netns", netns)  # fmt: skip
                self._ip("link", "set", veth, "master", self.BRIDGE, "up")
                inside = ("-n", netns)
                self._ip(*inside, "link", "set", "lo", "up")
                for address in addresses:
                    self._ip(*inside, "addr", "add", f"{address}/{self.prefix}", "dev", "eth0")
                self._ip(*inside, "link", "set", "eth0", "up")
            for netns, addresses in self.hosts.items():
                wait_until(lambda a=addresses[0]: self._reachable(a), timeout=15,
                           what=f"{netns} to answer on {addresses[0]}")  # fmt: skip
        except (RuntimeError, AssertionError, OSError, subprocess.SubprocessError) as exc:
            self.error = str(exc)
            self.clean()
            return False
        return True

    @staticmethod
    def _reachable(address: str) -> bool:
        """The host answers: a connection to a port nothing listens on is refused at once."""
        with socket.socket() as sock:
            sock.settimeout(1)
            return sock.connect_ex((address, 9)) in (0, errno.ECONNREFUSED)

    def __enter__(self) -> TestNetwork:
        return self

    def __exit__(self, *exc) -> None:
        self.clean()
