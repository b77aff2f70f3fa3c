//! Compile-fail tests of `#[method]` and `#[derive(ContractError)]`: each misuse in
//! `tests/ui/` must fail with the message committed next to it (`.stderr`), and the forms
//! in `tests/ui-pass/` must compile and run. The `.stderr` files depend on the pinned
//! compiler; regenerate them with
//! `TRYBUILD=overwrite cargo test -p keyway-sdk --test compile_fail` and read the diff.

#[test]
fn macro_misuse_fails_with_clear_messages() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
