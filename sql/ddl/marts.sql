-- Schema marts: the published indicator tables, kept per as_of (output contract). The other marts
-- tables are built whole by their models (sql/marts/*.sql).
CREATE TABLE IF NOT EXISTS marts.indicators (
    cluster_id VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    value      DOUBLE,
    target     DOUBLE,
    expected   DOUBLE,
    n_firms    BIGINT,
    status     VARCHAR NOT NULL,
    as_of      DATE NOT NULL,
    ci_low     DOUBLE,
    ci_high    DOUBLE
);

-- Migration (November 2026): the 95 % interval of a matched effect or the pre-trend placebo. A
-- warehouse created before has the table without these columns; they are added at the end, and
-- rows of earlier runs keep null.
ALTER TABLE marts.indicators ADD COLUMN IF NOT EXISTS ci_low DOUBLE;
ALTER TABLE marts.indicators ADD COLUMN IF NOT EXISTS ci_high DOUBLE;

CREATE TABLE IF NOT EXISTS marts.flags (
    cluster_id VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL,
    message    VARCHAR NOT NULL,
    as_of      DATE NOT NULL
);

-- The five activities with the most participating SMEs per cluster, kept per as_of like the
-- indicators (sql/marts/top_activities.sql; the report's "what the clusters did").
CREATE TABLE IF NOT EXISTS marts.top_activities (
    cluster_id  VARCHAR NOT NULL,
    rank        INTEGER NOT NULL,
    activity_id VARCHAR NOT NULL,
    title       VARCHAR NOT NULL,
    theme       VARCHAR NOT NULL,
    grant_type  VARCHAR NOT NULL,
    start_date  DATE NOT NULL,
    n_smes      BIGINT NOT NULL,
    as_of       DATE NOT NULL
);

-- The state of every run (assets/models/run_history.py), kept so that a run can say what changed
-- against the state before it, also after a same-day re-run replaced the indicators of its as_of.
-- kind 'cluster': the cluster's verdict (status: critical | behind | on_track | no_data, by the
-- rule of reports/shortfalls.py); 'indicator': an indicator row's status; 'flag': a row of
-- marts.flags (status = its severity, with its message). Internal: not in the workbook.
CREATE TABLE IF NOT EXISTS marts.run_history (
    run_id      VARCHAR NOT NULL,
    as_of       DATE NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    kind        VARCHAR NOT NULL,
    cluster_id  VARCHAR NOT NULL,
    indicator   VARCHAR,
    period      VARCHAR,
    status      VARCHAR NOT NULL,
    message     VARCHAR
);
