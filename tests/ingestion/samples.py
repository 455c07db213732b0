"""Small valid deliveries and an inbox to write them into, shared by the ingestion, reliability
and ops tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl

# Valid CVR numbers (modulus-11 checked by hand: e.g. 13585628 ->
# 1*2+3*7+5*6+8*5+5*4+6*3+2*2+8*1 = 2+21+30+40+20+18+4+8 = 143 = 13*11).
CVR_A = "13585628"
CVR_B = "10000009"  # 1*2 + 9*1 = 11
CVR_C = "20000007"  # 2*2 + 7*1 = 11
CVR_D = "10000017"  # 2 + 1*2 + 7 = 11

GRANTS_CSV = (
    "grant_id,cluster_id,grant_type,awarded_dkk,period_start,period_end,target_smes,committed_private_share\n"
    "GC1,odense-robotics,cluster,40000000,2025-01-01,2028-12-31,398,0.3\n"
    "GI1,odense-robotics,innovation,11400000,2025-01-01,2028-12-31,49,0.3\n"
)
ACTIVITIES_CSV = (
    "activity_id,grant_id,title,theme,start_date,end_date\n"
    "AC1,GC1,Netværksmøde,automation_robotics,2025-02-01,2025-02-01\n"
    "AI1,GI1,Innovationsprojekt,artificial_intelligence,2025-03-01,2025-12-31\n"
)


class Inbox:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relative: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode(encoding)
        path.write_bytes(content)
        return path

    def write_parquet(self, relative: str, frame: pl.DataFrame) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
        return path

    def write_xlsx(self, relative: str, rows: list[list[object]]) -> Path:
        import openpyxl

        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path
