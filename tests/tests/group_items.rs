//! `Group::items` and `Group::visit_items` over every fixture, checked against the C
//! library's walk of it (`fixtures/expect/<stem>.json`): each group's members, in name
//! order, lead to objects of the kinds libhdf5 reports (dangling soft links to none), and
//! the object visit reaches every object once.

use std::collections::{HashMap, HashSet};

use h5oxide::{File, Link, Object};
use h5oxide_conformance::corpus;
use h5oxide_conformance::walk::{Kind, Walk};

fn kind_of(o: &Object) -> Option<Kind> {
    match o {
        Object::Group(_) => Some(Kind::Group),
        Object::Dataset(_) => Some(Kind::Dataset),
        Object::Datatype(_) => Some(Kind::Datatype),
        _ => None,
    }
}

fn is_object(k: Kind) -> bool {
    matches!(k, Kind::Group | Kind::Dataset | Kind::Datatype)
}

/// The parent path and link name of an absolute path other than the root.
fn split(path: &str) -> (&str, &str) {
    let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
    (if parent.is_empty() { "/" } else { parent }, name)
}

fn check_file(file: &std::path::Path, walk: &Walk, failures: &mut Vec<String>) {
    let shown = file.display();
    let f = match File::open(file) {
        Ok(f) => f,
        Err(e) => return failures.push(format!("{shown}: open: {e}")),
    };
    // Members of each group as libhdf5 lists them (the walk repeats a group's members
    // under every path reaching it; one listing per path is checked).
    let mut members: HashMap<&str, Vec<(&str, Kind)>> = HashMap::new();
    let mut unreadable = HashSet::new();
    for o in &walk.objects {
        if o.error.is_some() {
            unreadable.insert(o.path.as_str());
        }
        if o.kind == Kind::Group && o.error.is_none() {
            members.entry(o.path.as_str()).or_default();
        }
        if o.path != "/" {
            let (parent, name) = split(&o.path);
            members.entry(parent).or_default().push((name, o.kind));
        }
    }
    for (group, expected) in &members {
        if unreadable.contains(group) {
            continue;
        }
        let g = match f.root().group(group) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{shown} {group}: {e}"));
                continue;
            }
        };
        let items = match g.items() {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{shown} {group}: items: {e}"));
                continue;
            }
        };
        let mut want: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
        want.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let got: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
        if got != want {
            failures.push(format!(
                "{shown} {group}: names {got:?}, C library {want:?}"
            ));
            continue;
        }
        for (name, kind) in expected {
            let path = format!("{}/{name}", group.trim_end_matches('/'));
            if unreadable.contains(path.as_str()) {
                continue;
            }
            let Some((_, obj)) = items.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let ok = match kind {
                k if is_object(*k) => obj.as_ref().and_then(kind_of) == Some(*k),
                Kind::DanglingSoftLink => obj.is_none(),
                Kind::SoftLink => obj.is_some(),
                _ => true,
            };
            if !ok {
                failures.push(format!(
                    "{shown} {path}: items gives {:?}, the C library {kind:?}",
                    obj.as_ref().map(|o| o.kind())
                ));
            }
        }
    }

    // Every hard-link path's object, through the link walk (itself checked against the C
    // library by h5oxide_walk.rs).
    let mut address_of = HashMap::new();
    let visited = f.root().visit(&mut |rel, link| {
        if let Link::Hard { address } = link {
            address_of.insert(format!("/{rel}"), *address);
        }
        Ok(())
    });
    if let Err(e) = visited {
        return failures.push(format!("{shown}: visit: {e}"));
    }
    let mut all = HashSet::new();
    for o in &walk.objects {
        if o.path == "/" || !is_object(o.kind) {
            continue;
        }
        match address_of.get(&o.path) {
            Some(a) => {
                all.insert(*a);
            }
            None => failures.push(format!("{shown} {}: not reached by visit", o.path)),
        }
    }
    let kinds: HashMap<&str, Kind> = walk
        .objects
        .iter()
        .map(|o| (o.path.as_str(), o.kind))
        .collect();
    let mut seen = HashSet::new();
    let res = f.root().visit_items(&mut |rel, obj| {
        let path = format!("/{rel}");
        if !seen.insert(address_of.get(&path).copied()) {
            failures.push(format!("{shown} {path}: visited twice"));
        }
        let want = kinds.get(path.as_str()).copied();
        if !unreadable.contains(path.as_str()) && want != kind_of(obj) {
            failures.push(format!(
                "{shown} {path}: visit_items gives {:?}, the C library {want:?}",
                obj.kind()
            ));
        }
        Ok(())
    });
    if let Err(e) = res {
        return failures.push(format!("{shown}: visit_items: {e}"));
    }
    let seen: HashSet<u64> = seen.into_iter().flatten().collect();
    if seen != all {
        failures.push(format!(
            "{shown}: visit_items reached {} objects, the C library's walk {}",
            seen.len(),
            all.len()
        ));
    }
}

#[test]
fn items_and_visit_items_match_the_c_walk() {
    let files = corpus::fixture_files(&corpus::files_dir()).unwrap();
    assert!(files.len() > 10, "fixtures missing");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = match std::fs::read_to_string(corpus::expect_path(file)) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let walk = Walk::from_json(&text).unwrap();
        check_file(file, &walk, &mut failures);
        checked += 1;
    }
    assert!(checked > 10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
