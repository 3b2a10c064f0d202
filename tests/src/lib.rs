//! End-to-end tests of cgtools live in `tests/`; this library is empty.
