#!/usr/bin/env bash
# Start the dashboard on the embedded DuckDB store, loading the demo data the first time.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/ensure_env.sh run
DB="${LEADERSHIP_INSIGHT_DB:-data/leadership_insight.duckdb}"
if [ ! -f "$DB" ]; then
    echo "First start: writing and loading the demo data into $DB"
    .venv/bin/python -m analytics --db "$DB" demo
else
    # After an upgrade (new settings or analytics) the stored findings are worked out again here, with progress,
    # rather than in someone's first page view; up to date, this takes a couple of seconds.
    .venv/bin/python -m analytics --db "$DB" refresh
fi
export LEADERSHIP_INSIGHT_DB="$DB"
exec .venv/bin/python -m streamlit run app.py --server.address "${ADDRESS:-localhost}" "$@"
