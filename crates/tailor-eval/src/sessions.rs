//! Session-based next-item evaluation (EVALUATION.md section 1).
