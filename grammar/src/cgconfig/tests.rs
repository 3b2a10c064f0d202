use super::*;
use crate::diagnostic::render_all;

fn parse_text(text: &str) -> Result<Config, String> {
    let src = SourceFile::new("t.conf", text);
    parse(&src).map_err(|d| render_all(&d, &src))
}

fn only_group(config: &Config) -> &Group {
    let groups: Vec<&Group> = config.groups().collect();
    assert_eq!(groups.len(), 1);
    groups[0]
}

#[test]
fn reference_example_gives_default_group_and_template() {
    let config = parse_text(include_str!(
        "../../tests/fixtures/cgconfig/good/reference.conf"
    ))
    .unwrap();
    let Section::Default(default) = &config.sections[0] else {
        panic!("first section is not `default`")
    };
    let task = default.perm.task.as_ref().unwrap();
    assert_eq!(task.gid.as_ref().unwrap().value, Id::Name("staff".into()));
    assert_eq!(task.fperm.as_ref().unwrap().value, Mode(0o660));
    let web = only_group(&config);
    assert_eq!(web.name.value, "web/frontend");
    let names: Vec<&str> = web
        .controllers
        .iter()
        .map(|c| c.name.value.as_str())
        .collect();
    assert_eq!(names, ["cpu", "memory", "devices", "cpuset"]);
    let devices = web.controller("devices").unwrap();
    assert_eq!(devices.settings[0].value.value, "a *:* rwm");
    assert_eq!(config.templates().next().unwrap().name.value, "users/%u");
}

#[test]
fn trailing_comments_and_crlf_are_accepted() {
    let config =
        parse_text("group a { # why\r\n\tcpu { cpu.shares = 2; } # more\r\n}\r\n").unwrap();
    assert_eq!(
        only_group(&config).controllers[0].settings[0].value.value,
        "2"
    );
}

#[test]
fn star_comments_only_in_the_first_column() {
    assert!(parse_text("* comment\ngroup a { cpu { } }\n* another\n").is_ok());
    assert!(parse_text("group a { cpu { } }\n * indented\n").is_err());
}

#[test]
fn numeric_ids_and_names_are_told_apart() {
    let config = parse_text(
        "group a { perm { task { uid = 0; gid = 1000; } admin { uid = root; gid = 0staff; } } }",
    )
    .unwrap();
    let perm = only_group(&config).perm.as_ref().unwrap();
    let ids: Vec<&Id> = perm.ids().map(|(_, id)| &id.value).collect();
    assert_eq!(
        ids,
        [
            &Id::Number(0),
            &Id::Number(1000),
            &Id::Name("root".into()),
            &Id::Name("0staff".into())
        ]
    );
}

#[test]
fn perm_may_follow_controllers_and_hold_one_block() {
    let config = parse_text("group a { cpu { } perm { admin { dperm = 750; } } }").unwrap();
    let group = only_group(&config);
    let perm = group.perm.as_ref().unwrap();
    assert!(perm.task.is_none());
    assert_eq!(
        perm.admin.as_ref().unwrap().dperm.as_ref().unwrap().value,
        Mode(0o750)
    );
}

#[test]
fn quoted_words_keep_everything_but_quotes() {
    let config = parse_text(
        "group \"perm\" { \"name=x\" { \"a b\" = \"line1\nline2\"; e = \"\"; kw = group; } }",
    )
    .unwrap();
    let group = only_group(&config);
    assert_eq!(group.name.value, "perm");
    let c = &group.controllers[0];
    assert_eq!(c.name.value, "name=x");
    let values: Vec<(&str, &str)> = c
        .settings
        .iter()
        .map(|s| (s.name.value.as_str(), s.value.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [("a b", "line1\nline2"), ("e", ""), ("kw", "group")]
    );
}

#[test]
fn root_and_default_are_group_names() {
    let config = parse_text("group . { cpu { } }\ngroup default { cpu { } }").unwrap();
    let names: Vec<&str> = config.groups().map(|g| g.name.value.as_str()).collect();
    assert_eq!(names, [".", "default"]);
}

#[test]
fn words_end_at_keywords_boundaries() {
    // `groups` and `mount2` are ordinary words, not keywords.
    let config = parse_text("group groups { mount2 { task3 = perm4; } }").unwrap();
    assert_eq!(only_group(&config).controllers[0].name.value, "mount2");
}

#[test]
fn spans_point_at_the_words() {
    let src = SourceFile::new("t", "group a {\n  cpu { cpu.shares = 512; }\n}\n");
    let config = parse(&src).unwrap();
    let setting = &only_group(&config).controllers[0].settings[0];
    assert_eq!(src.slice(setting.name.span), "cpu.shares");
    assert_eq!(src.slice(setting.value.span), "512");
    assert_eq!(src.line_col(setting.value.span.start).line, 2);
    assert_eq!(src.slice(setting.span), "cpu.shares = 512;");
}

#[test]
fn empty_and_comment_only_files_are_empty_configs() {
    assert_eq!(parse_text("").unwrap(), Config::default());
    assert_eq!(parse_text("# nothing\n\n").unwrap(), Config::default());
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let err = parse_text(
        "group a { cpu { x = 1 } }\ngroup b { cpu { } cpu { } }\ngroup ../c { cpu { } }\n",
    )
    .unwrap_err();
    let locations: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("t.conf:") && l.contains("error"))
        .map(|l| l.split(": error").next().unwrap())
        .collect();
    assert_eq!(locations, ["t.conf:1:23", "t.conf:2:19", "t.conf:3:7"]);
}

#[test]
fn a_printed_value_with_a_quote_is_an_error_not_a_panic() {
    let mut config = parse_text("group a { cpu { x = 1; } }").unwrap();
    let Section::Group(g) = &mut config.sections[0] else {
        unreachable!()
    };
    g.controllers[0].settings[0].value.value = "say \"hi\"".into();
    assert!(matches!(print(&config), Err(PrintError::Quote { .. })));
    assert!(matches!(
        print_with(&config, Layout::Cgsnapshot),
        Err(PrintError::Quote { .. })
    ));
}

#[test]
fn the_cgsnapshot_layout_is_libcgroups() {
    // As libcgroup 2.0.2's cgsnapshot writes it (observed on Debian 12): values always
    // quoted without spaces, `admin` before `task`, a blank line after every section.
    let text = "mount { cpu = /sys/fs/cgroup/cpu; }\n\
                group a { perm { task { uid = nobody; gid = nogroup; } admin { uid = root; gid = root; dperm = 0755; fperm = 0644; } }\n\
                cpu { cpu.shares = 512; cpu.x = \"\"; } devices { devices.allow = \"c 1:3 rw\nb 8:* m\"; } }\n\
                group \"b c\" { cpu { } }\n";
    let config = parse_text(text).unwrap();
    assert_eq!(
        print_with(&config, Layout::Cgsnapshot).unwrap(),
        "mount {\n\
         \tcpu = /sys/fs/cgroup/cpu;\n\
         }\n\
         \n\
         group a {\n\
         \tperm {\n\
         \t\tadmin {\n\
         \t\t\tuid = root;\n\
         \t\t\tgid = root;\n\
         \t\t\tdperm = 0755;\n\
         \t\t\tfperm = 0644;\n\
         \t\t}\n\
         \t\ttask {\n\
         \t\t\tuid = nobody;\n\
         \t\t\tgid = nogroup;\n\
         \t\t}\n\
         \t}\n\
         \tcpu {\n\
         \t\tcpu.shares=\"512\";\n\
         \t\tcpu.x=\"\";\n\
         \t}\n\
         \tdevices {\n\
         \t\tdevices.allow=\"c 1:3 rw\nb 8:* m\";\n\
         \t}\n\
         }\n\
         \n\
         group \"b c\" {\n\
         \tcpu {\n\
         \t}\n\
         }\n\
         \n"
    );
}

/// The parse before section-by-section parsing: pest over the whole file.
fn parse_whole(src: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
    let text = src.text();
    let mut builder = build::Builder {
        base: 0,
        diagnostics: Vec::new(),
    };
    let mut sections = Vec::new();
    match CgconfigParser::parse(Rule::file, text) {
        Ok(pairs) => {
            for file in pairs {
                sections.extend(file.into_inner().filter_map(|p| builder.section(p)));
            }
        }
        Err(_) => recover(text, &mut builder, &mut sections),
    }
    finish(builder, sections)
}

fn fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kind in ["good", "bad"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cgconfig")
            .join(kind);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// Section by section gives what one parse of the whole file gives (Debug shows the
/// spans, which `==` ignores), on the fixtures and on damaged copies of them: every
/// character that matters to the scan (braces, quotes, comments, line breaks) inserted
/// or deleted at many places.
#[test]
fn section_by_section_equals_the_whole_file_parse() {
    let mut texts = fixtures();
    texts.extend(
        [
            "group a { cpu { cpu.shares = 1; } }*x\n",
            "* first\ngroup a { cpu { x = \"}{#\"; } }\n*\n# }\ngroup b{cpu{}}",
            "group a { cpu { x = \"\n*}\"; } }",
            "group a { # }\n cpu { } }\ngroup b { cpu { } } }",
            "group a { cpu { } }\n\r\n*{\ndefault { perm { task { uid = 0; } } }",
            "template t { cpu { } }group a{cpu{}}mount { cpu = /x; }",
            "groupx a { cpu { } }",
            "group a { # }\n cpu { # {\n x = \"#\"; } # }\n}\n",
            "group a {\n* }\n cpu {\n*{\n } }\n",
            "group a { cpu { } ",
            "\"group\" a { cpu { } }",
        ]
        .iter()
        .map(|t| ("inline".to_string(), t.to_string())),
    );
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut damaged = Vec::new();
    for (name, text) in &texts {
        for _ in 0..40 {
            if text.is_empty() {
                break;
            }
            let mut t = text.clone();
            let mut at = next(t.len() + 1);
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            if next(2) == 0 && at < t.len() {
                t.remove(at);
            } else {
                let c = ['{', '}', '"', '#', '*', '\n', ';', ' '][next(8)];
                t.insert(at, c);
            }
            damaged.push((name.clone(), t));
        }
    }
    texts.extend(damaged);
    let mut well_formed = 0;
    for (name, text) in &texts {
        let src = SourceFile::new("t.conf", text.as_str());
        assert_eq!(
            format!("{:?}", parse(&src)),
            format!("{:?}", parse_whole(&src)),
            "{name}: {text:?}"
        );
        // Where pest takes the whole file, the scan finds exactly its sections (so the
        // fast path is taken, not the fallback).
        if let Ok(pairs) = CgconfigParser::parse(Rule::file, text) {
            well_formed += 1;
            let sections: Vec<(usize, usize)> = pairs
                .flat_map(|file| file.into_inner())
                .filter(|p| p.as_rule() != Rule::EOI)
                .map(|p| (p.as_span().start(), p.as_span().end()))
                .collect();
            let found: Option<Vec<(usize, usize)>> =
                chunks(text).map(|c| c.iter().map(|c| (c.span.start, c.span.end)).collect());
            assert_eq!(found, Some(sections), "{name}: {text:?}");
        }
    }
    assert!(well_formed > 50, "{well_formed}");
}

#[test]
fn chunks_are_the_sections_and_parse_alone() {
    let text = "* c\ndefault { perm { task { uid = 0; } } }\n# }\ngroup \"a{\" {\n*}\n cpu { x = \"}\"; } }  group b{cpu{}}\n";
    let found = chunks(text).unwrap();
    let shown: Vec<(&str, bool)> = found
        .iter()
        .map(|c| (&text[c.span.start..c.span.end], c.is_group))
        .collect();
    assert_eq!(
        shown,
        [
            ("default { perm { task { uid = 0; } } }", false),
            ("group \"a{\" {\n*}\n cpu { x = \"}\"; } }", true),
            ("group b{cpu{}}", true),
        ]
    );
    let src = SourceFile::new("t.conf", text);
    // Any subset, with the spans of the whole file.
    let config = parse_chunks(&src, [found[2].span]).unwrap();
    let b = only_group(&config);
    assert_eq!(b.name.value, "b");
    assert_eq!(b.name.span.start, text.find("b{").unwrap());
    // Not sections: no chunks.
    assert_eq!(chunks("group a { cpu { } "), None);
    assert_eq!(chunks("} group a { cpu { } }"), None);
    assert_eq!(chunks("group a { cpu { } }\n *x"), None);
    // A syntax error in a chunk: the whole file's errors.
    let bad = SourceFile::new(
        "t.conf",
        "group a { cpu { x = 1 } }\ngroup b { cpu { y = ; } }\n",
    );
    let spans: Vec<Span> = chunks(bad.text()).unwrap().iter().map(|c| c.span).collect();
    let errors = parse_chunks(&bad, [spans[1]]).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
}
