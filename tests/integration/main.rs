//! Ember integration tests.
