//! Thousands of links in one group, in each group form (symbol table; compact going dense;
//! dense with creation order tracked and indexed), interleaved with lookups, unlinks,
//! moves and a commit in the middle; read back by h5oxide and by the C library.

#[path = "write_common.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{c_walk, create, floats, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths};
use h5oxide::{File, Group, Libver};

const N: usize = 3000;

/// What the group should hold: dataset name -> its index (value i + 0.5, attribute i),
/// and names in creation order.
#[derive(Default)]
struct Model {
    values: BTreeMap<String, usize>,
    order: Vec<String>,
}

impl Model {
    fn add(&mut self, name: String, i: usize) {
        self.order.push(name.clone());
        self.values.insert(name, i);
    }

    fn remove(&mut self, name: &str) -> usize {
        self.order.retain(|n| n != name);
        self.values.remove(name).unwrap()
    }
}

fn value_of(i: usize) -> Vec<f64> {
    let len = if i % 2 == 0 { 1 } else { 10 };
    (0..len).map(|k| i as f64 + 0.5 + k as f64).collect()
}

/// Fills `g` (whose path is `gpath`) with N datasets and the edits around them; the file is
/// committed once halfway through.
fn fill(file: &File, g: &Group, gpath: &str, model: &mut Model) {
    for i in 0..N {
        let name = format!("d{i:05}");
        let d = g
            .new_dataset_builder()
            .with_data(&value_of(i))
            .create(&name)
            .unwrap();
        d.attrs().set("index", &(i as i64)).unwrap();
        model.add(name.clone(), i);
        // Lookups see every link made so far, by relative and absolute path.
        if i % 7 == 3 {
            assert!(g.contains(&name));
            assert!(file.root().contains(&format!("{gpath}/{name}")));
            let back = format!("d{:05}", i / 2);
            if let Some(&j) = model.values.get(&back) {
                let ds = g.dataset(&back).unwrap();
                assert_eq!(ds.read_raw::<f64>().unwrap(), value_of(j), "{back}");
                assert_eq!(ds.attrs().get::<i64>("index").unwrap(), j as i64);
            }
        }
        // Unlinks: the dataset is gone at once.
        if i % 97 == 50 {
            let victim = format!("d{:05}", i - 40);
            if model.values.contains_key(&victim) {
                g.unlink(&victim).unwrap();
                model.remove(&victim);
                assert!(!g.contains(&victim));
                assert!(g.link(&victim).unwrap().is_none());
            }
        }
        // Renames within the group: a new creation order where it is tracked.
        if i % 151 == 100 {
            let from = format!("d{:05}", i - 10);
            if model.values.contains_key(&from) {
                let to = format!("moved_{i:05}");
                g.move_link(&from, &to).unwrap();
                let j = model.remove(&from);
                model.add(to.clone(), j);
                assert!(!g.contains(&from));
                assert_eq!(
                    g.dataset(&to).unwrap().read_raw::<f64>().unwrap(),
                    value_of(j)
                );
            }
        }
        if i == N / 2 {
            file.flush().unwrap();
            assert_eq!(g.len().unwrap(), model_len(g, model));
        }
    }
    // Moves out of the group and back.
    file.root().create_group("elsewhere").unwrap();
    g.move_link("d00001", "/elsewhere/one").unwrap();
    let j = model.remove("d00001");
    assert_eq!(
        file.root()
            .dataset("elsewhere/one")
            .unwrap()
            .read_raw::<f64>()
            .unwrap(),
        value_of(j)
    );
    g.move_link("/elsewhere/one", "back_one").unwrap();
    model.add("back_one".to_owned(), j);
}

/// Links the group holds besides the model's (those a fixture group had).
fn model_len(g: &Group, model: &Model) -> usize {
    let extra = g
        .member_names()
        .unwrap()
        .iter()
        .filter(|n| !model.values.contains_key(*n))
        .count();
    model.values.len() + extra
}

/// Checks the group in a reopened file (h5oxide) and through the C library.
fn check(path: &Path, gpath: &str, model: &Model, before: &[String], tracked: bool) {
    let f = File::open(path).unwrap();
    let g = f.group(gpath).unwrap();
    let mut want: Vec<String> = before.to_vec();
    want.extend(model.values.keys().cloned());
    want.sort();
    assert_eq!(g.member_names().unwrap(), want);
    for (name, &i) in &model.values {
        let d = g.dataset(name).unwrap();
        assert_eq!(d.read_raw::<f64>().unwrap(), value_of(i), "{name}");
        assert_eq!(d.attrs().get::<i64>("index").unwrap(), i as i64, "{name}");
    }
    if tracked {
        let mut order = before.to_vec();
        order.extend(model.order.iter().cloned());
        assert_eq!(g.member_names_in_creation_order().unwrap(), order);
    }
    drop(f);

    let walk = c_walk(path);
    let prefix = format!("{gpath}/");
    let c_names: Vec<String> = walk_paths(&walk)
        .into_iter()
        .filter_map(|p| p.strip_prefix(&prefix).map(str::to_owned))
        .filter(|p| !p.contains('/'))
        .collect();
    let mut c_sorted = c_names.clone();
    c_sorted.sort();
    assert_eq!(c_sorted, want);
    for (name, &i) in &model.values {
        let o = walk_object(&walk, &format!("{gpath}/{name}"));
        assert_eq!(o["kind"].as_str(), "dataset");
        assert_eq!(floats(&o["values"], 8), value_of(i), "{name}");
        assert_eq!(ints(&walk_attr(o, "index")["values"]), [i as i64]);
    }
    // h5dump reads the whole file (it asserts exit status 0).
    let dump = h5dump(path, &["-H"]);
    assert!(dump.contains("d02999"));
    if tracked {
        let text = h5dump(path, &["--sort_by=creation_order", "-n"]);
        let listed: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter(|p| !p.contains('/'))
            .map(str::to_owned)
            .collect();
        let mut order = before.to_vec();
        order.extend(model.order.iter().cloned());
        assert_eq!(listed, order);
    }
}

#[test]
fn symbol_table_group_with_3000_datasets() {
    let dir = temp_dir("many-links-earliest");
    let path = dir.join("many.h5");
    let f = create(&path, Libver::Earliest);
    let g = f.root().create_group("small").unwrap();
    let mut model = Model::default();
    fill(&f, &g, "/small", &mut model);
    f.close().unwrap();
    check(&path, "/small", &model, &[], false);
}

#[test]
fn link_message_group_with_3000_datasets_goes_dense() {
    let dir = temp_dir("many-links-latest");
    let path = dir.join("many.h5");
    let f = create(&path, Libver::Latest);
    let g = f.root().create_group("small").unwrap();
    let mut model = Model::default();
    fill(&f, &g, "/small", &mut model);
    drop(g);
    // Dropping the last handle commits.
    drop(f);
    check(&path, "/small", &model, &[], false);
}

#[test]
fn creation_order_indexed_group_with_3000_datasets() {
    let dir = temp_dir("many-links-tracked");
    let path = dir.join("creation_order.h5");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files/creation_order.h5"),
        &path,
    )
    .unwrap();
    let f = File::open_rw(&path).unwrap();
    // libhdf5 made this group compact with creation order tracked and indexed.
    let g = f.group("indexed_compact").unwrap();
    let before = g.member_names_in_creation_order().unwrap();
    assert_eq!(before.len(), 5);
    let mut model = Model::default();
    fill(&f, &g, "/indexed_compact", &mut model);
    assert_eq!(g.member_names_in_creation_order().unwrap()[..5], before[..]);
    f.close().unwrap();
    check(&path, "/indexed_compact", &model, &before, true);
}

#[test]
fn groups_edited_while_their_links_are_held() {
    let dir = temp_dir("many-links-held");
    for (libver, tag) in common::BOTH {
        let path = dir.join(format!("held_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let keep = root.create_group("keep").unwrap();
        f.flush().unwrap();
        // Links held in memory while the group's own header changes (an attribute) and
        // moves (it was committed), and while the group links to itself.
        for i in 0..20 {
            keep.new_dataset_builder()
                .with_data(&[i as f64])
                .create(&format!("x{i:02}"))
                .unwrap();
        }
        keep.attrs().set("note", "held").unwrap();
        root.link_hard("keep", "keep/self").unwrap();
        assert_eq!(keep.len().unwrap(), 21);
        assert_eq!(root.group("keep/self/self").unwrap().len().unwrap(), 21);
        // A group deleted with links held: they go with it.
        let tmp = root.create_group("tmp").unwrap();
        for i in 0..12 {
            tmp.link_soft("/keep", &format!("s{i}")).unwrap();
        }
        root.unlink("tmp").unwrap();
        assert!(!root.contains("tmp"));
        let bytes = f.to_bytes().unwrap();
        let mem = File::from_bytes(bytes).unwrap();
        assert_eq!(mem.root().member_names().unwrap(), ["keep"]);
        assert_eq!(mem.group("keep").unwrap().len().unwrap(), 21);
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let keep = f.group("keep").unwrap();
        // Name order: "self" before "x00".
        let mut want = vec!["self".to_owned()];
        want.extend((0..20).map(|i| format!("x{i:02}")));
        assert_eq!(keep.member_names().unwrap(), want);
        assert_eq!(keep.attrs().get::<String>("note").unwrap(), "held");
        assert_eq!(keep.group("self").unwrap().address(), keep.address());
        assert_eq!(
            keep.dataset("x07").unwrap().read_raw::<f64>().unwrap(),
            [7.0]
        );
        drop(f);
        let walk = c_walk(&path);
        assert_eq!(
            floats(&walk_object(&walk, "/keep/x19")["values"], 8),
            [19.0]
        );
        assert_eq!(walk_object(&walk, "/keep")["kind"].as_str(), "group");
        assert!(!walk_paths(&walk).iter().any(|p| p.starts_with("/tmp")));
        h5dump(&path, &["-H"]);
    }
}
