"""Alerts reach the log file, a real SMTP server (aiosmtpd on 127.0.0.1) and a real HTTP webhook
(http.server on 127.0.0.1); the run-failure sensor and the failed-files alert say what failed."""

from __future__ import annotations

import json
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import duckdb
import pytest
from aiosmtpd.controller import Controller

from pipelines.alerts import (
    Alert,
    alert_on_failed_files,
    alert_on_run_failure,
    failed_files_alert,
    send_alert,
)
from pipelines.core.warehouse import ensure_schema
from tests.ops.test_dagster_ui_smoke import _free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    handler = _Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("IMPACT_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPACT_ALERT_SMTP_PORT", str(port))
    monkeypatch.setenv("IMPACT_ALERT_SMTP_FROM", "impact@test.dk")
    monkeypatch.setenv("IMPACT_ALERT_SMTP_TO", "a@test.dk, b@test.dk")
    yield handler
    controller.stop()


@pytest.fixture
def webhook(monkeypatch):
    posted: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("IMPACT_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    yield posted
    server.shutdown()
    server.server_close()


@pytest.fixture
def alert_log(tmp_path, monkeypatch):
    log = tmp_path / "alerts.log"
    monkeypatch.setenv("IMPACT_ALERT_LOG", str(log))
    for name in ("IMPACT_ALERT_SMTP_HOST", "IMPACT_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    return log


def test_an_alert_goes_to_the_log_smtp_and_the_webhook(alert_log, smtp, webhook):
    reached = send_alert(Alert("files_failed", "1 delivered file(s) failed", ("grants/x.csv: bad",)))
    assert reached == ["log", "smtp", "webhook"]
    (line,) = alert_log.read_text().splitlines()
    assert line.endswith("ALERT files_failed: 1 delivered file(s) failed | grants/x.csv: bad")
    ((to, message),) = smtp.messages
    assert to == ["a@test.dk", "b@test.dk"]
    assert message["Subject"] == "[impact] 1 delivered file(s) failed"
    assert "grants/x.csv: bad" in message.get_payload()
    assert webhook == [{"text": "1 delivered file(s) failed\ngrants/x.csv: bad", "kind": "files_failed",
                        "subject": "1 delivered file(s) failed", "details": ["grants/x.csv: bad"]}]


def test_an_unreachable_channel_is_logged_and_never_raises(alert_log, monkeypatch):
    monkeypatch.setenv("IMPACT_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPACT_ALERT_SMTP_PORT", str(_free_port()))  # nobody listens
    monkeypatch.setenv("IMPACT_ALERT_SMTP_TO", "a@test.dk")
    assert send_alert(Alert("run_failed", "boom")) == ["log"]
    lines = alert_log.read_text().splitlines()
    assert lines[0].endswith("ALERT run_failed: boom") and "ALERT-UNDELIVERED smtp" in lines[1]


def test_the_run_failure_sensor_alerts_with_the_job_and_the_reason(alert_log, smtp):
    @dg.op
    def publish():
        raise RuntimeError("disk on fire")

    @dg.job
    def nightly():
        publish()

    with dg.DagsterInstance.ephemeral() as instance:
        result = nightly.execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_failure", dagster_event=result.get_run_failure_event(),
            dagster_instance=instance, dagster_run=result.dagster_run,
        ).for_run_failure()
        alert_on_run_failure(context)
    text = alert_log.read_text()
    assert f"ALERT run_failed: run {result.run_id[:8]} of nightly failed" in text
    assert "publish" in text  # Dagster's failure message names the failed step
    assert smtp.messages and "nightly failed" in smtp.messages[0][1]["Subject"]


def test_failed_files_of_a_run_are_named_with_their_reason(tmp_path, alert_log, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_schema(con)
        con.execute(
            """INSERT INTO meta.ingested_files (file_sha256, file_name, dataset, status, rows_total,
               rows_accepted, rows_rejected, error, ingested_at, run_id) VALUES
               ('a', 'grants/ok.csv', 'grants', 'ingested', 3, 3, 0, NULL, now(), '0f1e2d3c-0000-4000-8000-000000000002'),
               ('b', 'accounts/bad.xlsx', 'accounts', 'failed', 0, 0, 0, 'not a spreadsheet', now(), '0f1e2d3c-0000-4000-8000-000000000002'),
               ('c', 'accounts/old.csv', 'accounts', 'failed', 0, 0, 0, 'earlier', now(), 'run-1')"""
        ).fetchall()
    alert = failed_files_alert(warehouse, "0f1e2d3c-0000-4000-8000-000000000002")
    assert alert is not None and alert.details == ("accounts/bad.xlsx: not a spreadsheet",)
    assert failed_files_alert(warehouse, "run-3") is None

    # the sensor after a successful run reads the deployment's warehouse
    monkeypatch.setenv("IMPACT_WAREHOUSE", str(warehouse))

    @dg.op
    def fine():
        return 1

    @dg.job
    def nightly():
        fine()

    with dg.DagsterInstance.ephemeral() as instance:
        # the run that recorded the failed file (ids as impact run's records carry them)
        result = nightly.execute_in_process(instance=instance, run_id="0f1e2d3c-0000-4000-8000-000000000002")
        run = result.dagster_run
        success = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_SUCCESS)
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_failed_files", dagster_event=success,
            dagster_instance=instance, dagster_run=run,
        )
        alert_on_failed_files(context)
    (line,) = alert_log.read_text().splitlines()
    assert line.endswith("ALERT files_failed: 1 delivered file(s) failed in run 0f1e2d3c "
                         "| accounts/bad.xlsx: not a spreadsheet")


def test_an_alert_log_that_cannot_be_written_goes_to_stderr(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("IMPACT_ALERT_LOG", str(blocker / "alerts.log"))
    for name in ("IMPACT_ALERT_SMTP_HOST", "IMPACT_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    assert send_alert(Alert("run_failed", "boom")) == []
    assert "ALERT run_failed: boom" in capsys.readouterr().err
