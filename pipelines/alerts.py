"""Alerts: somebody is told when a night's run fails or a delivered file fails.

An alert is always one line in the alert log (``IMPACT_ALERT_LOG``, default ``alerts.log`` beside
the warehouse: ``data/alerts.log``), and, when the deployment configures them, an e-mail
(``IMPACT_ALERT_SMTP_HOST``, ``IMPACT_ALERT_SMTP_PORT`` (25), ``IMPACT_ALERT_SMTP_FROM``,
``IMPACT_ALERT_SMTP_TO``: comma-separated) and a JSON POST to a webhook
(``IMPACT_ALERT_WEBHOOK_URL``; ``{"text", "kind", "subject", "details"}``, which chat tools accept).
A channel that cannot be reached is written to the alert log; an alert never fails a run.

Who raises them: for runs the daemon launches, the sensors below (``alert_on_run_failure``, and
``alert_on_failed_files`` after each successful run, which also deletes runs older than the run
retention); ``impact run`` raises the same alerts itself (pipelines/runner.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import sys
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.config import load_settings
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.instance import prune_old_runs


@dataclass(frozen=True)
class Alert:
    kind: str  # run_failed | files_failed
    subject: str  # one line
    details: tuple[str, ...] = ()

    def line(self, at: dt.datetime) -> str:
        detail = " | ".join(self.details)
        return f"{at.isoformat(timespec='seconds')} ALERT {self.kind}: {self.subject}" + (
            f" | {detail}" if detail else ""
        )


def alert_log_path(warehouse: Path | None = None) -> Path:
    given = os.environ.get("IMPACT_ALERT_LOG")
    if given:
        return Path(given).absolute()
    return (warehouse or load_settings().warehouse).parent / "alerts.log"


def _append(log: Path, line: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(line.replace("\n", " ") + "\n")


def _send_mail(alert: Alert) -> bool:
    host = os.environ.get("IMPACT_ALERT_SMTP_HOST")
    to = [a.strip() for a in (os.environ.get("IMPACT_ALERT_SMTP_TO") or "").split(",") if a.strip()]
    if not host or not to:
        return False
    message = EmailMessage()
    message["Subject"] = f"[impact] {alert.subject}"
    message["From"] = os.environ.get("IMPACT_ALERT_SMTP_FROM") or "impact@localhost"
    message["To"] = ", ".join(to)
    message.set_content("\n".join([alert.subject, "", *alert.details]) + "\n")
    port = int(os.environ.get("IMPACT_ALERT_SMTP_PORT") or 25)
    with smtplib.SMTP(host, port, timeout=20) as smtp:
        smtp.send_message(message)
    return True


def _post_webhook(alert: Alert) -> bool:
    url = os.environ.get("IMPACT_ALERT_WEBHOOK_URL")
    if not url:
        return False
    body = {
        "text": "\n".join([alert.subject, *alert.details]),
        "kind": alert.kind,
        "subject": alert.subject,
        "details": list(alert.details),
    }
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        response.read()
    return True


def send_alert(alert: Alert, warehouse: Path | None = None) -> list[str]:
    """Write the alert to every configured channel; the channels it reached (``log`` first)."""
    log = alert_log_path(warehouse)
    now = dt.datetime.now(dt.UTC)
    reached = []
    try:
        _append(log, alert.line(now))
        reached.append("log")
    except OSError as exc:
        print(f"impact: could not write the alert log {log} ({exc}): {alert.line(now)}", file=sys.stderr)
    for name, send in (("smtp", _send_mail), ("webhook", _post_webhook)):
        try:
            if send(alert):
                reached.append(name)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            undelivered = f"{now.isoformat(timespec='seconds')} ALERT-UNDELIVERED {name}: {exc}"
            try:
                _append(log, undelivered)
            except OSError:
                print(f"impact: {undelivered}", file=sys.stderr)
    return reached


def run_failed_alert(job_name: str, run_id: str, message: str) -> Alert:
    return Alert("run_failed", f"run {run_id[:8]} of {job_name} failed: {message}", (f"run_id {run_id}",))


def failed_files_alert(warehouse: Path, run_id: str) -> Alert | None:
    """The files the run recorded as failed, each with its reason; None when there is none."""
    if not warehouse.exists():
        return None
    with connect_reader(warehouse) as con:
        rows = fetch_all(
            con,
            """SELECT file_name, coalesce(error, 'no reason recorded') FROM meta.ingested_files
               WHERE run_id = $run AND status = 'failed' ORDER BY file_name""",
            {"run": run_id},
        )
    if not rows:
        return None
    return Alert(
        "files_failed",
        f"{len(rows)} delivered file(s) failed in run {run_id[:8]}",
        tuple(f"{name}: {error}" for name, error in rows),
    )


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Writes an alert (log file, and e-mail/webhook when configured) when a run fails.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    message = context.failure_event.message or "the run failed"
    send_alert(run_failed_alert(run.job_name, run.run_id, message.splitlines()[0]))


@dg.run_status_sensor(
    name="alert_on_failed_files",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "After each successful run: an alert naming every delivered file that failed in it, with "
        "its reason; then deletes runs older than IMPACT_RUN_RETENTION_DAYS (90)."
    ),
)
def alert_on_failed_files(context: dg.RunStatusSensorContext) -> None:
    try:
        alert = failed_files_alert(load_settings().warehouse, context.dagster_run.run_id)
    except duckdb.Error as exc:
        context.log.warning(f"could not read the warehouse for failed files: {exc}")
        alert = None
    if alert:
        send_alert(alert)
    prune_old_runs(context.instance)


ALERT_SENSORS = [alert_on_run_failure, alert_on_failed_files]
