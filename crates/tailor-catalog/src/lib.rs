//! Product feeds in and validated products out: JSON, NDJSON, Google Merchant Center TSV/CSV and RSS.
