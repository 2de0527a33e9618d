//! Popularity with time decay: trending and most viewed/bought, globally and per category.
