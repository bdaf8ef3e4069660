"""Redis servers the tests start from Debian's `redis-server` (7.x): a standalone server
and a Redis Cluster of three masters with one replica each, on free loopback ports, each in
a folder of its own; stopped by pid. `LIVE_TEST_REDIS` picks which one the `redis_url`
fixture gives (embedded | redis7 | cluster; see tests/support/servers.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from bench.servers import bound_socket

REDIS_SERVER = os.environ.get("LIVE_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = os.environ.get("LIVE_REDIS_CLI") or shutil.which("redis-cli") or "/usr/bin/redis-cli"


def free_port() -> int:
    sock = bound_socket()
    try:
        return sock.getsockname()[1]
    finally:
        sock.close()


def _answers(port: int) -> bool:
    client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


class RedisNode:
    """One `redis-server` on 127.0.0.1:port, its files in `folder`."""

    def __init__(self, folder: Path, port: int | None = None, cluster: bool = False, *extra: str):
        self.folder = folder
        self.port = port or free_port()
        self.cluster = cluster
        self.extra = extra
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> "RedisNode":
        if not Path(REDIS_SERVER).exists():
            raise RuntimeError(f"{REDIS_SERVER} is missing: apt-get install redis-server (.ci/run does)")
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
                "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                "--maxmemory-policy", "noeviction", "--daemonize", "no", "--logfile", "redis.log",
                "--loglevel", "warning", "--protected-mode", "no"]
        if self.cluster:
            argv += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-node-timeout", "2000", "--cluster-replica-validity-factor", "0"]
        self.process = subprocess.Popen([*argv, *self.extra], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server on {self.port} did not start; see {self.folder / 'redis.log'}")
            time.sleep(0.05)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9, as a crash."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RedisCluster:
    """Three masters with one replica each (`redis-cli --cluster create --cluster-replicas 1`)."""

    def __init__(self, folder: Path, masters: int = 3):
        self.nodes = [RedisNode(folder / f"node{i}", cluster=True) for i in range(masters * 2)]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self, timeout: float = 60.0) -> "RedisCluster":
        try:
            for node in self.nodes:
                node.start()
            subprocess.run([REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in self.nodes),
                            "--cluster-replicas", "1", "--cluster-yes"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
            self.wait_ok(timeout)
            self.wait_replicas(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ok(self, timeout: float = 60.0, nodes: list[RedisNode] | None = None) -> None:
        """Until every live node says cluster_state:ok and knows every slot."""
        deadline = time.monotonic() + timeout
        for node in nodes or [n for n in self.nodes if n.alive()]:
            client = redis.Redis(port=node.port, socket_timeout=2, decode_responses=True)
            try:
                while True:
                    try:
                        info = client.cluster("info")
                        if info.get("cluster_state") == "ok" and int(info.get("cluster_slots_ok", 0)) == 16384:
                            break
                    except (redis.RedisError, OSError):
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"cluster not ok on {node.port}")
                    time.sleep(0.1)
            finally:
                client.close()

    def wait_replicas(self, timeout: float = 60.0) -> None:
        """Until every replica is linked to its master and has its data (a fresh cluster's
        replicas sync in the background: a failover before that loses everything)."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            client = redis.Redis(port=node.port, socket_timeout=2, decode_responses=True)
            try:
                while True:
                    info = client.info("replication")
                    if info["role"] == "master" or (info.get("master_link_status") == "up"
                                                    and not int(info.get("master_sync_in_progress", 0))):
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"replica {node.port} not in sync")
                    time.sleep(0.1)
            finally:
                client.close()

    def wait_failover(self, key: str, old: RedisNode, timeout: float = 30.0) -> RedisNode:
        """Until another node serves the slot of `key` (its replica, promoted) and the cluster is ok."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                new = self.master_of(key)
                if new is not old:
                    self.wait_ok(max(1.0, deadline - time.monotonic()))
                    return new
            except (redis.RedisError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no failover of {key} within {timeout} s")
            time.sleep(0.1)

    def master_of(self, key: str) -> RedisNode:
        """The node that currently serves the slot of `key`."""
        client = redis.Redis(port=next(n for n in self.nodes if n.alive()).port, decode_responses=True)
        try:
            slot = client.cluster("keyslot", key)
            for start, end, master, *_ in client.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    return next(n for n in self.nodes if n.port == int(master[1]))
        finally:
            client.close()
        raise LookupError(key)

    def move_slot(self, key: str, to: RedisNode) -> None:
        """Migrate the slot of `key`, with its keys, to master `to` (CLUSTER SETSLOT, MIGRATE)."""
        source = self.master_of(key)
        clients = {node.port: redis.Redis(port=node.port, decode_responses=True) for node in self.nodes
                   if node.alive()}
        try:
            src, dst = clients[source.port], clients[to.port]
            slot = src.cluster("keyslot", key)
            src_id, dst_id = src.cluster("myid"), dst.cluster("myid")
            dst.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
            src.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
            while keys := src.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100):
                src.execute_command("MIGRATE", "127.0.0.1", to.port, "", 0, 5000, "KEYS", *keys)
            for port, client in clients.items():
                if client.info("replication")["role"] == "master":
                    client.execute_command("CLUSTER", "SETSLOT", slot, "NODE", dst_id)
        finally:
            for client in clients.values():
                client.close()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def start_redis(kind: str, folder: Path):
    """A started server of `kind` (redis7 or cluster), with `.url` and `.stop()`."""
    if kind == "redis7":
        return RedisNode(folder).start()
    if kind == "cluster":
        return RedisCluster(folder).start()
    raise ValueError(f"LIVE_TEST_REDIS={kind!r}: choose embedded, redis7 or cluster")
