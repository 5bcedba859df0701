//! Tidy tests: rules about the shape of the code that the compiler cannot
//! check, read straight from the source tree (in the style of rust-analyzer's
//! `tidy.rs`). No dependencies: comments and string literals are blanked out,
//! then the code is read as a plain stream of words and punctuation.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// SQL appears only in the data layer (`app/src/db.rs`, `app/src/db/`) and in
/// test code: every other crate asks `app::db`.
#[test]
fn sql_stays_in_the_data_layer() {
    let mut problems = Vec::new();
    for file in source_files("", "rs") {
        if is_test(&file.path) || file.path == "app/src/db.rs" || file.path.starts_with("app/src/db/") {
            continue;
        }
        for token in tokens(&file.code).iter().filter(|token| token.text == "sqlx") {
            problems.push(format!("{}:{}: uses `sqlx`", file.path, token.line));
        }
    }
    check(
        problems,
        "SQL stays in the data layer: move the query into a function of `app/src/db/` and call that.",
    );
}

/// The slot engine depends on chrono, chrono-tz, serde and thiserror only, the
/// architecture says so, and it never does I/O nor reads a clock: "now" is
/// an argument.
#[test]
fn the_slot_engine_is_pure() {
    const ALLOWED: [&str; 4] = ["chrono", "chrono-tz", "serde", "thiserror"];
    const BANNED: [&str; 12] = [
        "std::fs",
        "std::net",
        "std::io",
        "std::env",
        "std::process",
        "std::thread",
        "tokio",
        "reqwest",
        "SystemTime",
        "Instant::now",
        "Utc::now",
        "Local::now",
    ];
    let mut problems = Vec::new();
    let dependencies = dependencies(&read("scheduling/Cargo.toml"));
    for (line, name) in &dependencies {
        if !ALLOWED.contains(&name.as_str()) {
            problems.push(format!("scheduling/Cargo.toml:{line}: depends on `{name}`, which is not allowed"));
        }
    }
    for name in ALLOWED.iter().filter(|name| !dependencies.iter().any(|(_, dep)| dep == *name)) {
        problems.push(format!("scheduling/Cargo.toml: no longer depends on `{name}`: update ALLOWED here"));
    }
    let architecture = read("ARCHITECTURE.md");
    match architecture.lines().enumerate().find(|(_, line)| line.contains("`scheduling` depends on")) {
        None => problems.push("ARCHITECTURE.md: no sentence says what `scheduling` depends on".to_owned()),
        Some((n, sentence)) => {
            for (_, name) in dependencies.iter().filter(|(_, name)| !names(sentence, name)) {
                problems.push(format!(
                    "ARCHITECTURE.md:{}: does not name `{name}` among `scheduling`'s dependencies",
                    n + 1
                ));
            }
        }
    }
    for file in source_files("scheduling/src", "rs").into_iter().filter(|file| !is_test(&file.path)) {
        let code = without_test_modules(&file.code);
        for path in paths(&tokens(&code)).0 {
            let path_text = path.segments.join("::");
            for banned in BANNED.iter().filter(|banned| contains_path(&path_text, banned)) {
                problems.push(format!("{}:{}: `{path_text}` uses `{banned}`", file.path, path.line));
            }
        }
    }
    check(
        problems,
        "The slot engine is pure: no I/O and no clock (take `now` as an argument); its dependencies are exactly \
         chrono, chrono-tz, serde and thiserror, and ARCHITECTURE.md names each of them.",
    );
}

/// Every server function enters through `crate::server_fns`, which checks who
/// calls (`as_host`) or says the function is public (`public`), and sets the
/// HTTP status of its error: nothing else calls `require_user` or `respond`.
#[test]
fn server_functions_have_one_door() {
    const DOORS: [&str; 2] = ["as_host", "public"];
    let mut problems = Vec::new();
    for file in source_files("app/src", "rs").into_iter().filter(|file| !is_test(&file.path)) {
        let code = without_test_modules(&file.code);
        let tokens = tokens(&code);
        let uses = paths(&tokens).0;
        let imported = |path: &[&str]| uses.iter().any(|used| used.in_use && used.segments == path);
        let text = |i: usize| tokens.get(i).map_or("", |token| token.text);
        for (i, token) in tokens.iter().enumerate() {
            let attribute = text(i.wrapping_sub(1)) == "[" && text(i.wrapping_sub(2)) == "#";
            if attribute && token.text == "server" && matches!(text(i + 1), "]" | "(") {
                let Some(function) = (i..tokens.len()).find(|&j| text(j) == "fn") else { continue };
                let statement = first_statement(&tokens, function);
                let (callee, called) = leading_path(statement);
                let enters = called
                    && match callee[..] {
                        ["crate", "server_fns", door] => DOORS.contains(&door),
                        ["server_fns", door] => DOORS.contains(&door) && imported(&["crate", "server_fns"]),
                        [door] => {
                            DOORS.contains(&door)
                                && (imported(&["crate", "server_fns", door])
                                    || imported(&["crate", "server_fns", "*"]))
                        }
                        _ => false,
                    };
                if !enters {
                    let start = statement.iter().take(6).map(|token| token.text).collect::<String>();
                    let (line, name) = (tokens[function + 1].line, text(function + 1));
                    problems.push(format!(
                        "{}:{line}: server function `{name}` starts with `{start} …`",
                        file.path
                    ));
                }
            }
            let exempt = file.path == "app/src/server_fns.rs" || file.path == "app/src/auth/server.rs";
            let call = text(i + 1) == "(" || (text(i + 1) == "::" && text(i + 2) == "<");
            if !exempt
                && matches!(token.text, "require_user" | "respond")
                && call
                && text(i.wrapping_sub(1)) != "fn"
            {
                problems.push(format!("{}:{}: calls `{}` itself", file.path, token.line, token.text));
            }
        }
    }
    check(
        problems,
        "One door for server functions: a `#[server]` function's first statement calls \
         `crate::server_fns::as_host(..)` (acts for the signed-in host) or `crate::server_fns::public(..)`, \
         and only `app/src/server_fns.rs` calls `require_user` or `respond`.",
    );
}

/// A file longer than 400 lines is split, or says in a comment why it is not:
/// `// tidy: long file: <reason>`.
#[test]
fn long_files_say_why() {
    let mut problems = Vec::new();
    for file in source_files("app/src", "rs").into_iter().chain(source_files("server/src", "rs")) {
        let lines = file.text.lines().count();
        let says_why = file.text.lines().any(|line| {
            line.split_once("tidy: long file").is_some_and(|(before, reason)| {
                (before.contains("//") || before.contains("/*")) && reason.chars().any(char::is_alphabetic)
            })
        });
        if lines > 400 && !says_why {
            problems.push(format!("{}: {lines} lines", file.path));
        }
    }
    check(
        problems,
        "Long files say why: split a file of more than 400 lines, or say why it must be long in a comment \
         `// tidy: long file: <reason>`.",
    );
}

/// The files of `app/src` import each other without a cycle, so each can be
/// read, and moved, after the ones it uses.
#[test]
fn no_import_cycle_between_files_of_app() {
    let files: Vec<File> =
        source_files("app/src", "rs").into_iter().filter(|file| !is_test(&file.path)).collect();
    let codes: Vec<String> = files.iter().map(|file| without_test_modules(&file.code)).collect();
    let tokens: Vec<Vec<Token<'_>>> = codes.iter().map(|code| tokens(code)).collect();
    let parsed: Vec<_> = tokens.iter().map(|tokens| paths(tokens)).collect();
    let mut modules: BTreeMap<Vec<&str>, &str> = BTreeMap::new();
    for (file, (_, inline)) in files.iter().zip(&parsed) {
        let module = module_of(&file.path);
        modules.insert(module.clone(), &file.path);
        for inner in inline {
            modules.insert([&module[..], inner].concat(), &file.path);
        }
    }
    let mut edges: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for (file, (paths, _)) in files.iter().zip(&parsed) {
        for path in paths {
            let here = [module_of(&file.path), path.inside.clone()].concat();
            if let Some((to, name)) =
                resolve(&path.segments, &here, &modules).filter(|(to, _)| *to != file.path)
            {
                edges.entry(file.path.as_str()).or_default().entry(to).or_default().insert(name);
            }
        }
    }
    let reachable = |from: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from]);
        while let Some(node) = stack.pop() {
            for &next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<&str>> = edges.keys().map(|&file| (file, reachable(file))).collect();
    let mut problems = Vec::new();
    for (&file, reached) in &reach {
        let cycle: Vec<&str> = reached
            .iter()
            .copied()
            .filter(|other| reach.get(other).is_some_and(|back| back.contains(file)))
            .collect();
        if cycle.first() != Some(&file) {
            continue; // not in a cycle, or not its first file
        }
        problems.push(format!("a cycle of {} files: {}", cycle.len(), cycle.join(", ")));
        for from in &cycle {
            for (to, names) in edges[from].iter().filter(|(to, _)| cycle.contains(to)) {
                problems.push(format!(
                    "    {from} -> {to}: {}",
                    names.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    check(
        problems,
        "No import cycle between files of app/src: move what the files share into a file that both import, \
         or hand it in as an argument, so that one of the imports above goes.",
    );
}

/// Server-only code lives in files of its own, gated where the module is
/// declared (`#[cfg(feature = "ssr")] mod x;`), never in an inline `mod ssr {}`.
#[test]
fn server_only_code_has_one_convention() {
    let mut problems = Vec::new();
    for file in source_files("app/src", "rs") {
        let tokens = tokens(&file.code);
        for window in tokens.windows(3) {
            if window[0].text == "mod" && window[1].text == "ssr" && window[2].text == "{" {
                problems.push(format!("{}:{}: inline `mod ssr {{ … }}`", file.path, window[0].line));
            }
        }
    }
    check(
        problems,
        "Server-only code has one convention: move the block into a file of its own (or into the server-only \
         module it belongs with), declared with `#[cfg(feature = \"ssr\")] mod name;`.",
    );
}

/// Every island but `HydrationMark`, which every page with islands has, is
/// lazy: an eager one goes into the main bundle every page with an island
/// downloads (a settings button once cost the booking page 45 KB gzipped).
#[test]
fn only_the_hydration_mark_is_eager() {
    const EAGER: [&str; 1] = ["HydrationMark"];
    let mut problems = Vec::new();
    for file in source_files("app/src", "rs") {
        let tokens = tokens(&file.code);
        for (at, window) in tokens.windows(6).enumerate() {
            let eager = window[0].text == "#"
                && window[1].text == "["
                && window[2].text == "island"
                && window[3].text == "]";
            if !eager {
                continue;
            }
            let name =
                tokens[at + 4..].iter().skip_while(|token| token.text != "fn").nth(1).map(|token| token.text);
            if !name.is_some_and(|name| EAGER.contains(&name)) {
                problems.push(format!(
                    "{}:{}: `#[island]` {}",
                    file.path,
                    window[0].line,
                    name.unwrap_or("?")
                ));
            }
        }
    }
    check(
        problems,
        "Only the hydration mark is eager: make this one `#[island(lazy)]`, or, if every page with an island \
         needs it at once, add it to EAGER and say why in its doc comment.",
    );
}

/// A test that does not run tells nobody it stopped passing: no `#[ignore]`,
/// no `test.skip(`, `.only(` nor `.fixme(` in the browser tests.
#[test]
fn tests_never_skip() {
    let mut problems = Vec::new();
    for file in source_files("", "rs") {
        let tokens = tokens(&file.code);
        for (i, window) in tokens.windows(3).enumerate() {
            if window[0].text == "#"
                && window[1].text == "["
                && matches!(window[2].text, "ignore" | "cfg_attr")
            {
                let attribute = tokens[i..].iter().take_while(|token| token.text != "]");
                if attribute.clone().any(|token| token.text == "ignore") {
                    problems.push(format!("{}:{}: `#[{} …]`", file.path, window[0].line, window[2].text));
                }
            }
        }
    }
    for file in source_files("end2end/tests", "ts") {
        for window in tokens(&file.code).windows(3) {
            if window[0].text == "."
                && matches!(window[1].text, "skip" | "only" | "fixme")
                && window[2].text == "("
            {
                problems.push(format!("{}:{}: `.{}(`", file.path, window[0].line, window[1].text));
            }
        }
    }
    check(
        problems,
        "Tests never skip: make the test pass, or delete it; a test that needs a service fails without it.",
    );
}

// ---- Reading the tree ----

struct File {
    /// Relative to the workspace root, with `/`.
    path: String,
    text: String,
    /// `text` with comments and literals blanked out, lines kept.
    code: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// Every file ending in `.{extension}` under `dir` (relative to the root),
/// sorted, skipping build output, dependencies and hidden folders.
fn source_files(dir: &str, extension: &str) -> Vec<File> {
    let mut found = Vec::new();
    let mut folders = vec![root().join(dir)];
    while let Some(folder) = folders.pop() {
        for entry in
            fs::read_dir(&folder).unwrap_or_else(|error| panic!("reading {}: {error}", folder.display()))
        {
            let path = entry.expect("a readable folder").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() && !name.starts_with('.') && name != "target" && name != "node_modules" {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                let relative =
                    path.strip_prefix(root()).expect("under the root").to_string_lossy().replace('\\', "/");
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {relative}: {error}"));
                let code = strip(&text, extension == "ts");
                found.push(File { path: relative, text, code });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Test code: integration tests, benches, and `tests.rs` unit-test modules.
fn is_test(path: &str) -> bool {
    path.split('/').any(|part| part == "tests" || part == "benches") || path.ends_with("/tests.rs")
}

/// Fails with every problem found, one per line, under the rule and its mend.
fn check(problems: Vec<String>, rule: &str) {
    assert!(problems.is_empty(), "\n{rule}\n\n{}\n", problems.join("\n"));
}

/// The code with comments and string and character literals (Rust, or with
/// `typescript` TypeScript's) blanked out to spaces; newlines are kept.
fn strip(source: &str, typescript: bool) -> String {
    let chars: Vec<char> = source.chars().collect();
    let closing = |from: usize, quote: char| {
        let mut i = from + 1;
        while i < chars.len() && chars[i] != quote {
            i += if chars[i] == '\\' { 2 } else { 1 };
        }
        (i + 1).min(chars.len())
    };
    let (mut out, mut i) = (String::with_capacity(source.len()), 0);
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        let word_start = (c.is_alphanumeric() || c == '_') && (i == 0 || !is_word_char(chars[i - 1]));
        let word_end = (i..chars.len()).find(|&j| !is_word_char(chars[j])).unwrap_or(chars.len());
        let hashes = chars[word_end..].iter().take_while(|&&c| c == '#').count();
        let end = if c == '/' && next == Some('/') {
            (i..chars.len()).find(|&j| chars[j] == '\n').unwrap_or(chars.len())
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (0, i);
            while j < chars.len() {
                match (chars[j], chars.get(j + 1)) {
                    ('/', Some('*')) => (depth, j) = (depth + 1, j + 2),
                    ('*', Some('/')) if depth == 1 => break,
                    ('*', Some('/')) => (depth, j) = (depth - 1, j + 2),
                    _ => j += 1,
                }
            }
            (j + 2).min(chars.len())
        } else if c == '"' || (typescript && (c == '\'' || c == '`')) {
            closing(i, c)
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            closing(i, '\'') // a character, not a lifetime
        } else if !typescript
            && word_start
            && matches!(chars[i..word_end].iter().collect::<String>().as_str(), "r" | "br" | "cr")
            && chars.get(word_end + hashes) == Some(&'"')
        {
            let terminator: Vec<char> =
                std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let body = word_end + hashes + 1;
            (body..chars.len())
                .find(|&j| chars[j..].starts_with(&terminator))
                .map_or(chars.len(), |j| j + 1 + hashes)
        } else {
            let end = if word_start { word_end } else { i + 1 };
            out.extend(&chars[i..end]);
            i = end;
            continue;
        };
        out.extend(chars[i..end].iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
        i = end;
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code without its `#[cfg(test)] mod name { … }` blocks (lines kept).
fn without_test_modules(code: &str) -> String {
    let mut out = code.to_owned();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|found| from + found) {
        from = at + 1;
        let item = at + "#[cfg(test)]".len();
        let Some(open) = out[item..].find(['{', ';']).map(|found| item + found) else { break };
        let head: Vec<&str> = out[item..open].split_whitespace().collect();
        if out[open..].starts_with('{') && head.len() >= 2 && head[head.len() - 2] == "mod" {
            let mut depth = 0;
            let close = out[open..]
                .char_indices()
                .find(|&(_, c)| {
                    depth += i32::from(c == '{') - i32::from(c == '}');
                    depth == 0
                })
                .map_or(out.len(), |(found, _)| open + found + 1);
            let blank: String = out[at..close].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
            out.replace_range(at..close, &blank);
        }
    }
    out
}

struct Token<'a> {
    text: &'a str,
    line: usize,
}

/// Words, `::`, and single characters of punctuation, with their lines.
fn tokens(code: &str) -> Vec<Token<'_>> {
    let (mut out, mut line, mut rest) = (Vec::new(), 1, code);
    while let Some(c) = rest.chars().next() {
        let len = if is_word_char(c) {
            rest.find(|c| !is_word_char(c)).unwrap_or(rest.len())
        } else if rest.starts_with("::") {
            2
        } else {
            c.len_utf8()
        };
        if c == '\n' {
            line += 1;
        } else if !c.is_whitespace() {
            out.push(Token { text: &rest[..len], line });
        }
        rest = &rest[len..];
    }
    out
}

fn is_word(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// A path in the code (`a::b::c`), or one leaf of a `use` tree flattened
/// (`use a::{b::c as d, e::*}` gives `a::b::c` and `a::e::*`).
struct PathRef<'a> {
    segments: Vec<&'a str>,
    line: usize,
    in_use: bool,
    /// The inline `mod x { … }` blocks it sits in, outermost first.
    inside: Vec<&'a str>,
}

/// The paths of the code of a file, and the inline modules it declares.
fn paths<'a>(tokens: &[Token<'a>]) -> (Vec<PathRef<'a>>, Vec<Vec<&'a str>>) {
    let (mut found, mut modules, mut inside, mut depth, mut i) = (Vec::new(), Vec::new(), Vec::new(), 0, 0);
    let text = |i: usize| tokens.get(i).map_or("", |token| token.text);
    while i < tokens.len() {
        match text(i) {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                while inside.last().is_some_and(|&(_, level)| level > depth) {
                    inside.pop();
                }
            }
            "mod" if is_word(text(i + 1)) && text(i + 2) == "{" => {
                inside.push((text(i + 1), depth + 1));
                modules.push(inside.iter().map(|&(name, _)| name).collect());
            }
            "use" => {
                let mut leaves = Vec::new();
                i += 1;
                use_tree(tokens, &mut i, &[], &mut leaves);
                for (segments, line) in leaves {
                    let inside = inside.iter().map(|&(name, _)| name).collect();
                    found.push(PathRef { segments, line, in_use: true, inside });
                }
                continue;
            }
            word if is_word(word) && text(i.wrapping_sub(1)) != "::" && text(i + 1) == "::" => {
                let mut segments = vec![word];
                while text(i + 1) == "::" && is_word(text(i + 2)) {
                    segments.push(text(i + 2));
                    i += 2;
                }
                let inside = inside.iter().map(|&(name, _)| name).collect();
                found.push(PathRef { segments, line: tokens[i].line, in_use: false, inside });
            }
            _ => {}
        }
        i += 1;
    }
    (found, modules)
}

/// Flattens the `use` tree at `i` into its leaves, under `prefix`.
fn use_tree<'a>(
    tokens: &[Token<'a>],
    i: &mut usize,
    prefix: &[&'a str],
    leaves: &mut Vec<(Vec<&'a str>, usize)>,
) {
    let mut segments = prefix.to_vec();
    let text = |i: usize| tokens.get(i).map_or("", |token| token.text);
    while *i < tokens.len() {
        match text(*i) {
            "::" => *i += 1,
            "{" => {
                *i += 1;
                while *i < tokens.len() && text(*i) != "}" {
                    let before = *i;
                    use_tree(tokens, i, &segments, leaves);
                    if text(*i) == "," || *i == before {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            leaf if is_word(leaf) || leaf == "*" => {
                if leaf != "self" || segments.is_empty() {
                    segments.push(leaf); // `a::{self}` is `a` itself
                }
                *i += 1;
                if text(*i) == "::" {
                    continue;
                }
                if text(*i) == "as" {
                    *i += 2; // the name given is not the item
                }
                leaves.push((segments, tokens[*i - 1].line));
                return;
            }
            _ => return,
        }
    }
}

/// The module a file of `app/src` is: `app/src/a/b.rs` and `app/src/a/b/mod.rs` are `a::b`.
fn module_of(path: &str) -> Vec<&str> {
    let path = path.trim_start_matches("app/src/").trim_end_matches(".rs").trim_end_matches("/mod");
    path.split('/').filter(|&part| part != "lib").collect()
}

/// The file a `crate::`, `self::` or `super::` path written in module `here`
/// leads to (the deepest module of it that exists), and the name it takes there.
fn resolve<'a>(
    path: &[&'a str],
    here: &[&'a str],
    modules: &BTreeMap<Vec<&str>, &'a str>,
) -> Option<(&'a str, &'a str)> {
    let mut module = match path.first()? {
        &"crate" => vec![],
        &"self" | &"super" => here.to_vec(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        module.pop()?;
        while let Some(("super", tail)) = rest.split_first().map(|(first, tail)| (*first, tail)) {
            module.pop()?;
            rest = tail;
        }
    }
    while let Some((next, tail)) = rest.split_first() {
        if !modules.contains_key(&[&module[..], &[*next]].concat()) {
            break;
        }
        module.push(next);
        rest = tail;
    }
    let name = rest.first().or(module.last()).unwrap_or(&"crate");
    Some((modules.get(&module)?, name))
}

/// The first statement of the body of the function whose `fn` is at `at`,
/// after the `use` items it may start with.
fn first_statement<'t, 'a>(tokens: &'t [Token<'a>], at: usize) -> &'t [Token<'a>] {
    let mut parens = 0;
    let Some(open) = (at..tokens.len()).find(|&i| {
        parens += i32::from(tokens[i].text == "(") - i32::from(tokens[i].text == ")");
        parens == 0 && tokens[i].text == "{"
    }) else {
        return &[];
    };
    let mut start = open + 1;
    loop {
        let mut depth = 0;
        let end = (start..tokens.len())
            .find(|&i| {
                depth += i32::from(matches!(tokens[i].text, "(" | "[" | "{"))
                    - i32::from(matches!(tokens[i].text, ")" | "]" | "}"));
                depth < 0 || (depth == 0 && tokens[i].text == ";")
            })
            .unwrap_or(tokens.len());
        match tokens.get(start) {
            Some(token) if token.text == "use" && end < tokens.len() && tokens[end].text == ";" => {
                start = end + 1
            }
            _ => return &tokens[start..end],
        }
    }
}

/// The path a statement starts with (after any `let … =`), and whether it is called.
fn leading_path<'a>(statement: &[Token<'a>]) -> (Vec<&'a str>, bool) {
    let from = match statement.first() {
        Some(token) if token.text == "let" => {
            statement.iter().position(|token| token.text == "=").map_or(0, |at| at + 1)
        }
        _ => 0,
    };
    let text = |i: usize| statement.get(i).map_or("", |token| token.text);
    let (mut path, mut i) = (Vec::new(), from);
    while is_word(text(i)) {
        path.push(text(i));
        if text(i + 1) != "::" {
            break;
        }
        i += 2;
    }
    let called = text(i + 1) == "(" || (text(i + 1) == "::" && text(i + 2) == "<");
    (path, called)
}

/// Whether `path_text` (`a::b::c`) contains the path `part` (`b::c`) as whole segments.
fn contains_path(path_text: &str, part: &str) -> bool {
    format!("::{path_text}::").contains(&format!("::{part}::"))
}

/// Whether `sentence` names the crate `name` as a word of its own.
fn names(sentence: &str, name: &str) -> bool {
    let apart = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
    sentence.match_indices(name).any(|(at, _)| {
        apart(sentence[..at].chars().next_back()) && apart(sentence[at + name.len()..].chars().next())
    })
}

/// The `[dependencies]` of a Cargo manifest (also `[dependencies.x]` and
/// `[target.….dependencies]`), with their lines.
fn dependencies(manifest: &str) -> Vec<(usize, String)> {
    let (mut found, mut in_table) = (Vec::new(), false);
    for (n, line) in manifest.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(header) = line.strip_prefix('[').and_then(|line| line.strip_suffix(']')) {
            let parts: Vec<&str> = header.split('.').collect();
            let in_dependencies = matches!(
                parts[..],
                ["dependencies", ..] | ["target", .., "dependencies"] | ["target", .., "dependencies", _]
            );
            in_table = in_dependencies && parts.last() == Some(&"dependencies");
            if in_dependencies && !in_table {
                found.push((n + 1, parts[parts.len() - 1].to_owned()));
            }
        } else if let Some((key, _)) = line.split_once('=').filter(|_| in_table) {
            found
                .push((n + 1, key.split('.').next().unwrap_or_default().trim().trim_matches('"').to_owned()));
        }
    }
    found
}
