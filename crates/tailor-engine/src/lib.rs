//! Live state and the request pipeline: shopper state, candidates, filters, ranking, rules, response.
