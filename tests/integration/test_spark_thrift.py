"""The documented cluster profile reaches a real Spark Thrift server (docs/spark.md, "Connecting dbt
to a cluster").

A Spark Thrift server (HiveThriftServer2, from the pyspark wheel's jars) is started on 127.0.0.1 with
its own warehouse folder and Derby metastore under tmp_path; the profile block of docs/spark.md (read
from the page, so the documented profile is what is tested) connects dbt to it with method: thrift
(PyHive). `dbt debug`, then `dbt build` of a tiny project (one seed, one model) run through it, and
the model's rows are read back through the same server with PyHive. The server is stopped whatever
happens. Bounded: the server must listen within STARTUP_SECONDS (skipped with the server's last log
lines if it does not start: no Java, no free memory); each dbt command within DBT_SECONDS.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 150
DBT_SECONDS = 240

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def documented_profile() -> str:
    page = (REPO_ROOT / "docs" / "spark.md").read_text()
    block = re.search(
        r"<!-- thrift-profile -->\s*```yaml\n(?P<yaml>.*?)```\s*<!-- /thrift-profile -->", page, re.S
    )
    assert block, "docs/spark.md lost its thrift-profile block"
    lines = block["yaml"].splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def thrift_server(tmp_path):
    spark_submit = BIN / "spark-submit"
    if not spark_submit.exists():
        pytest.skip(f"no {spark_submit}: pyspark is not installed in this venv")
    port = free_port()
    log = tmp_path / "thriftserver.log"
    command = [
        str(spark_submit),
        "--class",
        "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
        "--master",
        "local[1]",
        "--driver-memory",
        "1g",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        f"spark.sql.warehouse.dir={tmp_path / 'warehouse'}",
        "--conf",
        f"spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={tmp_path / 'metastore_db'};create=true",
        "--conf",
        f"spark.driver.extraJavaOptions=-Dderby.system.home={tmp_path}",
        "--conf",
        "spark.sql.shuffle.partitions=2",
        "--hiveconf",
        "hive.server2.thrift.bind.host=127.0.0.1",
        "--hiveconf",
        f"hive.server2.thrift.port={port}",
        "--hiveconf",
        "hive.server2.transport.mode=binary",
    ]
    import pyspark

    # spark-submit finds Spark's home with whatever python3 is on PATH unless told: the wheel's folder
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(tmp_path),
    }
    with open(log, "w") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                why = "exited" if server.poll() is not None else f"did not listen within {STARTUP_SECONDS} s"
                pytest.skip(f"the local Spark Thrift server {why} (port {port}); its log:\n{tail}")
            time.sleep(1)
        yield port
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


def tiny_project(root: Path) -> Path:
    project = root / "tiny"
    (project / "seeds").mkdir(parents=True)
    (project / "models").mkdir()
    (project / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0.0'\nconfig-version: 2\nprofile: rotation\n"
        "seeds:\n  tiny:\n    +file_format: parquet\n    +column_types: {symbol: string, close: double}\n"
        "models:\n  tiny:\n    +file_format: parquet\n    +materialized: table\n"
    )
    (project / "seeds" / "closes.csv").write_text("symbol,close\nIWM,200.5\nSPY,500.25\nQQQ,400.0\n")
    (project / "models" / "doubled.sql").write_text(
        "select symbol, close * 2 as doubled from {{ ref('closes') }} where symbol <> 'QQQ'\n"
    )
    (project / "profiles.yml").write_text(documented_profile())
    return project


def dbt(project: Path, port: int, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SPARK_THRIFT_HOST": "127.0.0.1",
        "SPARK_THRIFT_PORT": str(port),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    result = subprocess.run(
        [str(BIN / "dbt"), *args, "--profiles-dir", ".", "--target", "thrift"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=DBT_SECONDS,
    )
    assert result.returncode == 0, (
        f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    )
    return result


def test_dbt_reaches_a_spark_thrift_server_through_the_documented_profile(tmp_path, thrift_server):
    project = tiny_project(tmp_path)
    debug = dbt(project, thrift_server, "debug")
    assert "Connection test: [OK connection ok]" in debug.stdout
    built = dbt(project, thrift_server, "build")
    assert "PASS=2" in built.stdout, built.stdout[-2000:]

    from pyhive import hive

    with hive.connect(host="127.0.0.1", port=thrift_server, username="rotation") as con:
        cursor = con.cursor()
        cursor.execute("select symbol, doubled from default.doubled order by symbol")
        assert cursor.fetchall() == [("IWM", 401.0), ("SPY", 1000.5)]
        # the model is a Parquet table in the server's warehouse folder: what the server built, not dbt
        cursor.execute("describe formatted default.doubled")
        described = {str(row[0]).strip(): str(row[1]).strip() for row in cursor.fetchall()}
    assert described.get("Provider") == "parquet"
    assert (tmp_path / "warehouse" / "doubled").is_dir()
