//! Placeholder while the cgrules grammar is written.
