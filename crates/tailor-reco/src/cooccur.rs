//! Item-to-item co-occurrence (also viewed, bought together) with significance weighting.
