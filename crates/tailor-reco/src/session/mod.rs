//! Session-based next-item recommenders (session kNN family, sequential rules, popularity baseline).
