"""One hand-made fixture per rule of the input contract; expected values written by hand."""

from __future__ import annotations

import datetime as dt

from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, CVR_C, GRANTS_CSV


def _rejections(query, dataset: str) -> list[tuple]:
    return query(
        "SELECT row_number, reason FROM quality.rejected_rows WHERE dataset = $d ORDER BY row_number",
        {"d": dataset},
    )


def test_cvr_forms_normalise_to_one_key_and_bad_ones_are_invalid(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write(
        "participation/p.csv",
        "activity_id,cvr,participation_date\n"
        f"AC1,{CVR_A},2025-02-01\n"          # 1 plain
        "AC1,1358 5628,2025-02-02\n"         # 2 with a space: same key as row 1
        f"AC1,DK{CVR_B},2025-02-01\n"        # 3 DK prefix
        "AC1,1358562,2025-02-01\n"           # 4 seven digits: not padded
        "AC1,12345678,2025-02-01\n"          # 5 fails modulus 11
        "AC1,A3585628,2025-02-01\n"          # 6 lettered
        f"AC1,{CVR_C}.0,2025-02-01\n",       # 7 a number written by a spreadsheet
    )
    ingest()
    assert query("SELECT cvr, participation_date FROM staging.participation ORDER BY cvr") == [
        (CVR_B, dt.date(2025, 2, 1)),
        (CVR_A, dt.date(2025, 2, 2)),
        (CVR_C, dt.date(2025, 2, 1)),
    ]
    assert _rejections(query, "participation") == [
        (1, "duplicate_key_in_file"),
        (4, "invalid_cvr"),
        (5, "invalid_cvr"),
        (6, "invalid_cvr"),
    ]


def test_each_rejection_reason_for_grants(inbox, ingest, query):
    inbox.write(
        "grants/g.csv",
        "grant_id,cluster_id,grant_type,awarded_dkk,period_start,period_end,target_smes,committed_private_share\n"
        "G1,clean,cluster,1000,2025-01-01,2028-12-31,10,0.3\n"        # 1 ok
        ",clean,cluster,1000,2025-01-01,2028-12-31,10,0.3\n"          # 2 missing grant_id
        "G3,clean,klynge,1000,2025-01-01,2028-12-31,10,0.3\n"         # 3 unknown code -> bad_type
        "G4,clean,cluster,tusind,2025-01-01,2028-12-31,10,0.3\n"      # 4 not a number
        "G5,clean,cluster,1000,2025-13-01,2028-12-31,10,0.3\n"        # 5 not a date
        "G6,clean,cluster,1000,2025-01-01,2028-12-31,10.5,0.3\n"      # 6 not an integer
        "G7,clean,cluster,-1,2025-01-01,2028-12-31,10,0.3\n"          # 7 negative amount
        "G8,clean,cluster,1000,2025-01-01,2025-01-01,10,0.3\n"        # 8 end not after start
        "G9,clean,cluster,1000,2025-01-01,2028-12-31,10,1.2\n"        # 9 share above 1
        "G10,made,cluster,1000,2025-01-01,2028-12-31,10,0.3\n"        # 10 rejected applicant
        "G11,,klynge,-1,2025-01-01,2028-12-31,10,0.3\n"               # 11 missing wins over all
        "G12,made,klynge,-1,2025-01-01,2028-12-31,10,0.3\n"           # 12 bad_type before range/cluster
        "G13,made,cluster,-1,2025-01-01,2028-12-31,10,0.3\n",         # 13 out_of_range before unknown_cluster
    )
    ingest()
    assert _rejections(query, "grants") == [
        (2, "missing_required"),
        (3, "bad_type"),
        (4, "bad_type"),
        (5, "bad_type"),
        (6, "bad_type"),
        (7, "out_of_range"),
        (8, "out_of_range"),
        (9, "out_of_range"),
        (10, "unknown_cluster"),
        (11, "missing_required"),
        (12, "bad_type"),
        (13, "out_of_range"),
    ]
    assert query("SELECT grant_id FROM staging.grants") == [("G1",)]
    (detail,) = query("SELECT detail FROM quality.rejected_rows WHERE row_number = 10")[0]
    assert "made" in detail and "granted cluster" in detail


def test_unknown_grant_activity_and_outcome_without_participation(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write(
        "activities/a.csv",
        ACTIVITIES_CSV + "AX,G-NONE,Ukendt,energy,2025-01-01,\n"
        "AY,GC1,Slut før start,energy,2025-05-01,2025-04-30\n"
        "AZ,GC1,Ny kode,quantum_stuff,2025-05-01,\n",
    )
    inbox.write(
        "participation/p.csv",
        "activity_id,cvr,participation_date\n"
        f"AC1,{CVR_A},2025-02-01\n"
        f"AI1,{CVR_A},2025-03-02\n"
        f"NOPE,{CVR_A},2025-03-02\n",
    )
    inbox.write(
        "innovation_outcomes/o.csv",
        "activity_id,cvr,concept_developed,concept_date\n"
        f"AI1,{CVR_A},ja,2025-09-01\n"          # 1 ok
        f"AI1,{CVR_B},ja,2025-09-01\n"          # 2 no participation row
        f"AC1,{CVR_A},nej,\n"                   # 3 activity of a cluster grant
        f"AI1,{CVR_A},yes,\n"                   # 4 concept without a date
        f"AI1,{CVR_A},maybe,\n",                # 5 not a boolean
    )
    ingest()
    assert _rejections(query, "activities") == [(3, "unknown_grant"), (4, "out_of_range")]
    assert query("SELECT activity_id, theme, theme_original FROM staging.activities WHERE activity_id = 'AZ'") == [
        ("AZ", "other", "quantum_stuff")
    ]
    assert _rejections(query, "participation") == [(3, "unknown_activity")]
    assert _rejections(query, "innovation_outcomes") == [
        (2, "outcome_without_participation"),
        (3, "unknown_activity"),
        (4, "missing_required"),
        (5, "bad_type"),
    ]


def test_firm_register_ranges_and_codes(inbox, ingest, query):
    inbox.write(
        "firms/f.csv",
        "cvr,year,employees,turnover_dkk,total_assets_dkk,nace_code,region\n"
        f"{CVR_A},2024,10,1000000,,62.01,DK01\n"     # 1 ok, NACE with a dot
        f"{CVR_A},2025,10,,,6201,DK06\n"             # 2 region out of range
        f"{CVR_A},2026,-1,,,6201,DK01\n"             # 3 negative employees
        f"{CVR_A},1999,1,,,6201,DK01\n"              # 4 year out of range
        f"{CVR_A},2027,1,,,6X01,DK01\n"              # 5 unparseable NACE -> bad_type
        f"{CVR_A},2028,1,,,1234567,DK01\n"           # 6 seven-digit NACE -> bad_type
        f"{CVR_B},2024,3,-5,,01,dk05\n",             # 7 negative turnover
    )
    inbox.write(
        "survey_demand/d.csv",
        "survey_year,cluster_id,respondent_cvr,theme,demand\n"
        f"2025,clean,{CVR_A},energy,5\n2025,clean,{CVR_A},finance,6\n2025,clean,{CVR_A},food_bio,0\n",
    )
    ingest()
    assert query("SELECT cvr, year, nace_code, region FROM staging.firms") == [(CVR_A, 2024, "6201", "DK01")]
    assert _rejections(query, "firms") == [
        (2, "out_of_range"), (3, "out_of_range"), (4, "out_of_range"),
        (5, "bad_type"), (6, "bad_type"), (7, "out_of_range"),
    ]
    assert _rejections(query, "survey_demand") == [(2, "out_of_range"), (3, "out_of_range")]


def test_booleans_and_danish_dates(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    cvrs = [CVR_A, CVR_B, CVR_C, "10000017", "10000025", "10000033"]
    inbox.write(
        "participation/p.csv",
        "activity_id,cvr,participation_date\n" + "".join(f"AI1,{c},2025-03-02\n" for c in cvrs),
    )
    inbox.write(
        "innovation_outcomes/o.csv",
        "activity_id,cvr,concept_developed,concept_date\n"
        f"AI1,{cvrs[0]},JA,05-09-2025\n"
        f"AI1,{cvrs[1]},Nej,\n"
        f"AI1,{cvrs[2]},TRUE,05.09.2025\n"
        f"AI1,{cvrs[3]},no,\n"
        f"AI1,{cvrs[4]},1,2025-09-05\n"
        f"AI1,{cvrs[5]},0,\n",
    )
    ingest()
    assert query("SELECT cvr, concept_developed, concept_date FROM staging.innovation_outcomes ORDER BY cvr") == sorted(
        [
            (cvrs[0], True, dt.date(2025, 9, 5)),
            (cvrs[1], False, None),
            (cvrs[2], True, dt.date(2025, 9, 5)),
            (cvrs[3], False, None),
            (cvrs[4], True, dt.date(2025, 9, 5)),
            (cvrs[5], False, None),
        ]
    )


def test_accounts_default_and_optional_columns(inbox, ingest, query):
    inbox.write(
        "accounts/a.csv",
        "cluster_id,fiscal_year,revenue_total_dkk,deb_funding_dkk,other_public_funding_dkk,membership_fees_dkk,"
        "sponsorships_dkk,user_payments_dkk,costs_total_dkk,equity_dkk,total_assets_dkk,cash_dkk,result_dkk\n"
        "clean,2025,100,50,10,20,10,10,90,-5,100,10,-3\n"
        "clean,2026,100,50,10,20,10,10,90,5,0,10,0\n",
    )
    ingest()
    assert query("SELECT fiscal_year, other_private_cash_dkk, equity_dkk, result_dkk FROM staging.accounts") == [
        (2025, 0.0, -5.0, -3.0)
    ]
    assert _rejections(query, "accounts") == [(2, "out_of_range")]  # total assets must be > 0


def test_nothing_lost_every_row_is_raw_and_either_accepted_or_rejected(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV + "GX,made,cluster,1,2025-01-01,2028-12-31,1,\n")
    ingest()
    assert query("SELECT rows_total, rows_accepted, rows_rejected FROM meta.ingested_files") == [(3, 2, 1)]
    assert query("SELECT count(*) FROM raw.rows") == [(3,)]
    assert query("SELECT list(row_number ORDER BY row_number) FROM raw.rows") == [([1, 2, 3],)]
    (raw,) = query("SELECT raw FROM quality.rejected_rows")[0]
    assert '"cluster_id":"made"' in raw
