//! The system of record: a Store trait and its embedded SQLite backend with group commit.
