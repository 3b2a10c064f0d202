//! The committed man pages and completions must be what the clap definitions generate now:
//! a changed option that was not regenerated fails here.

#![allow(clippy::expect_used, clippy::panic)] // a test fails by panicking

#[test]
fn committed_man_pages_and_completions_are_up_to_date() {
    let problems = xtask::stale(&xtask::repo_root()).expect("the generated files can be read");
    assert!(
        problems.is_empty(),
        "the committed man pages or completions are stale:\n  {}\nregenerate them with `{}` \
         and commit the result",
        problems.join("\n  "),
        xtask::REGENERATE
    );
}

#[test]
fn every_tool_has_a_man_page_and_three_completions() {
    let files = xtask::generate().expect("generation works");
    for command in cgtools::tools::cli::all() {
        let name = command.get_name();
        for path in [
            format!("man/{name}.{}", cgtools::tools::cli::man_section(name)),
            format!("completions/bash/{name}"),
            format!("completions/zsh/_{name}"),
            format!("completions/fish/{name}.fish"),
        ] {
            let contents = files
                .get(std::path::Path::new(&path))
                .unwrap_or_else(|| panic!("{path} is not generated"));
            assert!(
                String::from_utf8_lossy(contents).contains(name),
                "{path} does not mention {name}"
            );
        }
    }
}
