"""deploy/ stays consistent with the code: the units start programs that exist, with absolute
paths and the environment file; the webserver listens on 127.0.0.1 only, behind the proxy's
authentication; every variable of the environment file is one the code reads."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_services_start_existing_programs_with_absolute_paths_and_the_environment_file():
    for name, program in (("impact-dagster-daemon.service", "dagster-daemon"),
                          ("impact-dagster-webserver.service", "dagster-webserver"),
                          ("impact-backup.service", "impact")):
        service = _unit(name)["Service"]
        command = service["ExecStart"].split()
        assert command[0] == f"/opt/impact/.venv/bin/{program}", name
        assert (ROOT / ".venv" / "bin" / program).exists(), program  # the program is installed
        assert service["EnvironmentFile"] == "/etc/impact/impact.env"
        assert service["WorkingDirectory"].startswith("/")
        if program != "impact":
            assert service["ExecStartPre"] == "/opt/impact/.venv/bin/impact instance"
            assert command[1:] in (["run", "-m", "pipelines.definitions"],
                                   ["-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", "3000"])
    assert _unit("impact-backup.timer")["Timer"]["OnCalendar"]


def test_the_proxy_authenticates_and_forwards_to_the_local_webserver():
    conf = (DEPLOY / "nginx" / "impact.conf").read_text()
    assert re.search(r"^\s*auth_basic\s+\"", conf, re.M) and "auth_basic_user_file" in conf
    assert "proxy_pass http://127.0.0.1:3000;" in conf
    assert "listen 443 ssl" in conf


def test_every_variable_of_the_environment_file_is_read_by_the_code():
    code = "\n".join(
        p.read_text() for folder in ("pipelines", "assets") for p in (ROOT / folder).rglob("*.py")
    ) + (DEPLOY / "dagster.postgres.yaml").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "impact.env").read_text(), re.M)
    assert len(names) > 10
    for name in names:
        assert name == "DAGSTER_HOME" or name in code, f"{name} is read nowhere"
