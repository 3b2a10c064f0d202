use super::*;
use crate::diagnostic::render_all;

fn parse_text(text: &str) -> Result<Config, String> {
    let src = SourceFile::new("t.conf", text);
    parse(&src).map_err(|d| render_all(&d, &src))
}

#[test]
fn parses_the_reference_example() {
    let config = parse_text(include_str!("../../tests/fixtures/cgconfig/good/reference.conf")).unwrap();
    assert_eq!(config.sections.len(), 3);
}
